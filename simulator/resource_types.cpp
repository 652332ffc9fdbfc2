#include "simulator/resource_types.h"

#include "simulator/http_message.h"

#include <array>

namespace kvr::sim {

namespace {

constexpr std::array kResourceTypes = {
    ResourceType{"Microsoft.KeyVault/vaults", true},
    ResourceType{"Microsoft.KeyVault/vaults/accessPolicies", false},
    ResourceType{"Microsoft.KeyVault/vaults/privateEndpointConnections", false},
    ResourceType{"Microsoft.Network/virtualNetworks", true},
    ResourceType{"Microsoft.Network/virtualNetworks/subnets", false},
    ResourceType{"Microsoft.Network/networkSecurityGroups", true},
    ResourceType{"Microsoft.Network/networkInterfaces", true},
    ResourceType{"Microsoft.Network/privateEndpoints", true},
    ResourceType{"Microsoft.Network/privateEndpoints/privateDnsZoneGroups", false},
    ResourceType{"Microsoft.Network/privateDnsZones", true},
    ResourceType{"Microsoft.Network/privateDnsZones/virtualNetworkLinks", true},
    ResourceType{"Microsoft.ManagedIdentity/userAssignedIdentities", true},
    ResourceType{"Microsoft.Web/serverfarms", true},
    ResourceType{"Microsoft.Web/sites", true},
    ResourceType{"Microsoft.Web/sites/config", false},
    ResourceType{"Microsoft.Storage/storageAccounts", true},
    ResourceType{"Microsoft.Compute/diskEncryptionSets", true},
    ResourceType{"Microsoft.Compute/disks", true},
    ResourceType{"Microsoft.Compute/virtualMachines", true},
    ResourceType{"Microsoft.Authorization/roleAssignments", false},
    ResourceType{"Microsoft.Authorization/locks", false},
    ResourceType{"Microsoft.Insights/diagnosticSettings", false},
};

}  // namespace

const ResourceType* findResourceType(std::string_view fullType) {
  for (const ResourceType& type : kResourceTypes) {
    if (equalsIgnoreCase(type.canonical, fullType)) return &type;
  }
  return nullptr;
}

}  // namespace kvr::sim
