#pragma once

// The Resource Manager subset that kvrelocate uses: subscriptions, resource groups,
// resources by id for the types in resource_types.cpp, lists with nextLink paging,
// long-running operations, and the Key Vault provider's name check, deleted vaults and
// purge. It enforces the rules that matter for a relocation (see resource_rules.cpp).
// Not thread-safe: the Simulator serialises calls.

#include "simulator/arm_path.h"
#include "simulator/clock.h"
#include "simulator/config.h"
#include "simulator/http_message.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kvr::sim {

// A Resource Manager error response: {"error": {"code": ..., "message": ...}}.
Response armError(int status, const std::string& code, const std::string& message);

// The 400 response Resource Manager gives for a missing or malformed api-version, or
// nullopt when the request's api-version is a date such as 2024-11-01[-preview]. kvsim does
// not check the version against each provider's list.
std::optional<Response> checkApiVersion(const Request& request);

struct VaultInfo {
  std::string id;
  std::string name;
  std::string subscription;
  std::string location;
  std::string tenantId;
  bool softDeleteEnabled = true;
  bool purgeProtectionEnabled = false;
  int retentionDays = 90;
};

class ResourceManager {
 public:
  ResourceManager(const SimulatorConfig& config, const Clock& clock) : config_(config), clock_(clock) {}

  // Called with a vault's name when its secrets, keys and certificates must go: on purge,
  // and when a new vault takes a name whose earlier vault was purged.
  std::function<void(const std::string& vaultName)> onVaultDataDiscarded;

  // Handles a request whose path starts with /subscriptions/. `baseUrl` is the scheme and
  // authority that links in responses use, such as https://127.0.0.1:8443.
  Response handle(const Request& request, const std::string& baseUrl);

  // Seeding, without the rules: the estate file describes a state Azure already accepted.
  void seedResource(nlohmann::json resource, const std::string& baseUrl);
  void seedDeletedVault(const nlohmann::json& deletedVault);

  std::optional<VaultInfo> findVault(const std::string& name) const;
  // The resource as GET returns it, or nullopt when no resource has this id.
  std::optional<nlohmann::json> findResource(const std::string& id) const;
  // Role assignments that apply to `id`: those at its own scope and at every scope that
  // contains it (a parent resource, its resource group, its subscription).
  std::vector<nlohmann::json> roleAssignmentsCovering(const std::string& id) const;
  nlohmann::json snapshotResources() const;
  nlohmann::json snapshotDeletedVaults() const;
  void clear();

 private:
  struct Operation {
    std::string id;
    std::string resourceId;
    std::string method;  // PUT or DELETE
    std::string statusUrlPrefix;
    TimePoint started;
    TimePoint completes;
  };

  struct DeletedVault {
    nlohmann::json vault;  // the vault as it was when deleted
    TimePoint deleted;
    TimePoint purgeScheduled;
  };

  // Routing.
  Response handleResourceGroups(const Request& request, const std::vector<std::string>& segments, const std::string& baseUrl);
  Response handleSubscriptionProvider(const Request& request, const std::vector<std::string>& segments,
                                      const std::string& baseUrl);
  Response handleResource(const Request& request, const ArmPath& path, const std::string& baseUrl);

  // Resources by id.
  Response getResource(const ArmPath& path) const;
  Response putResource(const Request& request, const ArmPath& path, const std::string& baseUrl, bool patch);
  Response deleteResource(const Request& request, const ArmPath& path, const std::string& baseUrl);
  Response listCollection(const Request& request, const ArmPath& path, const std::string& baseUrl) const;
  Response listResourceGroupResources(const Request& request, const std::string& groupId, const std::string& baseUrl) const;
  Response listSubscriptionResources(const Request& request, const std::string& subscription, const std::string& baseUrl) const;
  Response putAccessPolicies(const Request& request, const ArmPath& path);
  Response handleSiteConfig(const Request& request, const ArmPath& path);
  Response getVaultPrivateEndpointConnections(const Request& request, const ArmPath& path, const std::string& baseUrl) const;

  // Rules, in resource_rules.cpp. Each returns an error response, or nullopt when the
  // resource may be stored; `resource` is completed with the server-set members.
  std::optional<Response> prepareResource(const ArmPath& path, nlohmann::json& resource, const std::string& baseUrl);
  std::optional<Response> prepareVault(const ArmPath& path, nlohmann::json& resource, const std::string& baseUrl);
  std::optional<Response> prepareVirtualNetwork(const ArmPath& path, nlohmann::json& resource);
  std::optional<Response> preparePrivateEndpoint(const ArmPath& path, nlohmann::json& resource);
  void completeSystemIdentity(const ArmPath& path, nlohmann::json& resource) const;
  std::optional<Response> checkReferences(const std::string& lowerType, const std::string& id, const nlohmann::json& resource) const;
  std::optional<Response> checkVaultNetworkRules(const nlohmann::json& vault) const;
  std::optional<Response> checkLocks(const std::string& id, bool deleting) const;
  std::optional<Response> checkSubnetNotInUse(const std::string& subnetId) const;
  // Moves a VNet's inline subnets into child resources. A PUT replaces the VNet's subnet
  // list; seeding merges, so an estate may list a subnet inline and as its own item.
  void storeInlineSubnets(const std::string& vnetId, nlohmann::json& vnet, bool replaceExisting = true);

  // Vault names and soft delete, in vault_registry.cpp.
  std::optional<Response> checkVaultNameFree(const ArmPath& path) const;
  Response checkNameAvailability(const Request& request) const;
  Response listDeletedVaults(const Request& request, const std::string& subscription, const std::string& baseUrl) const;
  Response getDeletedVault(const std::string& subscription, const std::string& location, const std::string& name) const;
  Response purgeDeletedVault(const Request& request, const std::string& subscription, const std::string& location,
                             const std::string& name, const std::string& baseUrl);
  void softDeleteVault(const nlohmann::json& vault);
  std::optional<Response> recoverVault(const ArmPath& path, nlohmann::json& resource);
  nlohmann::json presentDeletedVault(const DeletedVault& deleted) const;
  // A soft-deleted vault is gone once its scheduled purge date has passed.
  const DeletedVault* findDeletedVault(const std::string& name) const;

  // Presentation: the stored resource plus the members the server computes on read.
  nlohmann::json present(const nlohmann::json& stored) const;
  bool exists(const std::string& id) const;
  const nlohmann::json* find(const std::string& id) const;
  void removeWithDescendants(const std::string& id);

  // Long-running operations.
  Operation& startOperation(const std::string& resourceId, const std::string& method, const ArmPath& path,
                            const std::string& location, const std::string& baseUrl);
  Response getOperation(const Request& request, const std::string& operationId, bool resultStyle) const;
  void addOperationHeaders(Response& response, const Operation& operation, const std::string& apiVersion) const;
  std::optional<double> operationSeconds(const std::string& lowerType) const;

  Response pagedList(const Request& request, const std::vector<nlohmann::json>& items, const std::string& baseUrl) const;

  const SimulatorConfig& config_;
  const Clock& clock_;
  std::map<std::string, nlohmann::json> resourceGroups_;  // by idKey
  std::map<std::string, nlohmann::json> resources_;       // by idKey; subnets apart from their VNet
  std::map<std::string, TimePoint> pendingUntil_;         // by idKey: provisioning not finished
  std::map<std::string, DeletedVault> deletedVaults_;     // by lower-case vault name
  std::map<std::string, Operation> operations_;           // by operation id
};

}  // namespace kvr::sim
