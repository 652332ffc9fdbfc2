#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "discovery/json.h"

namespace kvr {

// Region name (for example "westeurope") to Azure geography ("Europe"). A Key Vault
// backup restores only within one subscription and one geography.
class GeographyTable {
 public:
  static const GeographyTable& builtin();
  // Reads {"regions": {"<region>": "<geography>"}}; throws InputError naming the file and pointer.
  static GeographyTable fromJson(const Json& document, const std::string& file);
  // The built-in table with the entries of `overrides` replacing or adding regions.
  GeographyTable mergedWith(const GeographyTable& overrides) const;

  std::optional<std::string> geographyOf(const std::string& region) const;
  bool knows(const std::string& region) const { return geographyOf(region).has_value(); }
  // Every region name in the table, sorted.
  std::vector<std::string> regions() const;

 private:
  std::map<std::string, std::string> regions_;
};

// Lower case with spaces removed: "West Europe" and "westeurope" name one region.
std::string normalizeRegion(const std::string& region);

}  // namespace kvr
