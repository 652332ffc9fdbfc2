#include "executor/api_versions.h"

#include "discovery/json.h"

#include <array>
#include <utility>

namespace kvr::executor {

namespace {

// Provider namespaces or full types, most specific first.
constexpr std::array<std::pair<const char*, const char*>, 12> kVersions = {{
    {"microsoft.network/privatednszones", "2024-06-01"},
    {"microsoft.network/", "2024-05-01"},
    {"microsoft.keyvault/", "2024-11-01"},
    {"microsoft.web/", "2023-12-01"},
    {"microsoft.storage/", "2023-05-01"},
    {"microsoft.compute/diskencryptionsets", "2024-03-02"},
    {"microsoft.compute/", "2024-07-01"},
    {"microsoft.managedidentity/", "2023-01-31"},
    {"microsoft.authorization/roleassignments", "2022-04-01"},
    {"microsoft.authorization/", "2020-05-01"},
    {"microsoft.insights/diagnosticsettings", "2021-05-01-preview"},
    {"microsoft.network/applicationgateways", "2024-05-01"},
}};

}  // namespace

std::string apiVersionFor(const std::string& type) {
  std::string lower = toLower(type);
  for (const auto& [prefix, version] : kVersions) {
    if (istartsWith(lower, prefix)) return version;
  }
  return "2021-04-01";
}

}  // namespace kvr::executor
