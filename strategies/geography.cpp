#include "strategies/geography.h"

#include "discovery/diagnostics.h"

namespace kvr {

extern const char* const kGeographiesJson;  // generated from geographies.json

const GeographyTable& GeographyTable::builtin() {
  static const GeographyTable table = fromJson(parseJsonText(kGeographiesJson, "geographies.json"), "geographies.json");
  return table;
}

GeographyTable GeographyTable::fromJson(const Json& document, const std::string& file) {
  if (!document.is_object() || !document.contains("regions") || !document["regions"].is_object()) {
    throw InputError({file, "/regions", -1}, "a geography table needs a \"regions\" object of region to geography");
  }
  GeographyTable table;
  const Json& regions = document["regions"];
  for (auto it = regions.begin(); it != regions.end(); ++it) {
    if (!it->is_string() || it->get<std::string>().empty()) {
      throw InputError({file, pointerAppend("/regions", it.key()), -1}, "the geography must be a non-empty string");
    }
    table.regions_[normalizeRegion(it.key())] = it->get<std::string>();
  }
  return table;
}

GeographyTable GeographyTable::mergedWith(const GeographyTable& overrides) const {
  GeographyTable merged = *this;
  for (const auto& [region, geography] : overrides.regions_) merged.regions_[region] = geography;
  return merged;
}

std::optional<std::string> GeographyTable::geographyOf(const std::string& region) const {
  auto it = regions_.find(normalizeRegion(region));
  if (it == regions_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> GeographyTable::regions() const {
  std::vector<std::string> out;
  for (const auto& [region, geography] : regions_) out.push_back(region);
  return out;
}

std::string normalizeRegion(const std::string& region) {
  std::string out;
  for (char c : region) {
    if (c == ' ') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

}  // namespace kvr
