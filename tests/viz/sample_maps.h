#pragma once

// Maps shared by the viz tests.

#include <string>

#include "viz/map_model.h"

namespace kvr::viz::testing {

inline std::string resourceId(const std::string& group, const std::string& path) {
  return "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/" + group + "/providers/" + path;
}

inline const std::string vaultId = resourceId("rg-app", "Microsoft.KeyVault/vaults/kv-app-weu");
inline const std::string endpointId = resourceId("rg-net", "Microsoft.Network/privateEndpoints/pe-kv");
inline const std::string subnetId = resourceId("rg-net", "Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe");
inline const std::string webAppId = resourceId("rg-app", "Microsoft.Web/sites/app-web");
inline const std::string workspaceId = resourceId("rg-shared", "Microsoft.OperationalInsights/workspaces/law-central");

// A vault with a private endpoint, a web app reading a secret and an external Log
// Analytics workspace, spread over three resource groups.
inline MapModel vaultMap() {
  MapModel model;
  model.title = "kv-app-weu dependencies";
  model.nodes = {
      {vaultId, "kv-app-weu\nvault", "rg-app", "redeploy-with-data", "Key Vault kv-app-weu", false},
      {webAppId, "app-web\nweb app", "rg-app", "repoint", "App Service app-web", false},
      {endpointId, "pe-kv\nprivate endpoint", "rg-net", "redeploy", "Private endpoint pe-kv", false},
      {subnetId, "snet-pe\nsubnet", "rg-net", "reuse", "Subnet snet-pe", false},
      {workspaceId, "law-central\nworkspace", "rg-shared", "external", "Log Analytics law-central", true},
  };
  model.edges = {
      {endpointId, vaultId, "endpoint-to-vault", "privateLinkServiceConnections[0].privateLinkServiceId"},
      {endpointId, subnetId, "endpoint-in-subnet", "properties.subnet.id"},
      {webAppId, vaultId, "secret-reference", "appSettings.DB_PASSWORD uses a Key Vault reference"},
      {vaultId, workspaceId, "diagnostics-target", "diagnosticSettings/send-all.workspaceId"},
  };
  return model;
}

// A map of `nodeCount` nodes in groups of 20, each node linked to the one before it and
// every seventh node also to the first node.
inline MapModel chainMap(std::size_t nodeCount) {
  MapModel model;
  model.title = "generated";
  for (std::size_t i = 0; i < nodeCount; ++i) {
    const std::string group = "rg-" + std::to_string(i / 20);
    model.nodes.push_back({resourceId(group, "Microsoft.Storage/storageAccounts/st" + std::to_string(i)),
                           "st" + std::to_string(i), group, "redeploy", "", false});
    if (i > 0) {
      model.edges.push_back({model.nodes[i - 1].id, model.nodes[i].id, "reference", "generated"});
    }
    if (i > 0 && i % 7 == 0) {
      model.edges.push_back({model.nodes[i].id, model.nodes[0].id, "access-grant", "generated"});
    }
  }
  return model;
}

}  // namespace kvr::viz::testing
