#include "simulator/geography.h"

#include "simulator/arm_path.h"

#include <nlohmann/json.hpp>

namespace kvr::sim {

extern const char* const kGeographiesJson;

std::string geographyOf(const std::string& region) {
  static const nlohmann::json table = nlohmann::json::parse(kGeographiesJson);
  const nlohmann::json& regions = table.at("regions");
  std::string key = normalizeLocation(region);
  auto found = regions.find(key);
  return found == regions.end() ? std::string() : found->get<std::string>();
}

}  // namespace kvr::sim
