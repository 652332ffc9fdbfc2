#include "viz/map_model.h"

namespace kvr::viz {

const std::vector<std::string>& strategyNames() {
  static const std::vector<std::string> names = {
      "redeploy",          "redeploy-with-data",  "copy-secret",    "backup-restore",
      "export-import-pfx", "reissue-certificate", "regenerate-key", "reconfigure",
      "repoint",           "reuse",               "external",       "drop",
      "out-of-scope",
  };
  return names;
}

const std::vector<std::string>& edgeKindNames() {
  static const std::vector<std::string> names = {
      "declared",           "parent-child",        "subnet-in-vnet",
      "endpoint-in-subnet", "endpoint-to-vault",   "zone-group-to-zone",
      "zone-link-to-vnet",  "network-rule-subnet", "nsg-on-subnet",
      "key-use",            "secret-reference",    "certificate-reference",
      "access-grant",       "identity",            "diagnostics-target",
      "scope",              "reference",
  };
  return names;
}

}  // namespace kvr::viz
