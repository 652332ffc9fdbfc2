// The rules Resource Manager and its providers enforce on PUT and DELETE, and the members
// the server computes on read. Error codes are the ones Azure returns; messages are kvsim's.

#include "simulator/random_text.h"
#include "simulator/resource_manager.h"
#include "simulator/resource_types.h"
#include "simulator/role_definitions.h"
#include "simulator/vault_address.h"

#include <regex>
#include <set>

namespace kvr::sim {

namespace {

using nlohmann::json;

// Property paths that hold ids of other resources, by type. "[]" walks an array and "*"
// takes an object's member names (as in identity.userAssignedIdentities).
struct ReferencePath {
  std::string_view lowerType;
  std::vector<std::string_view> steps;
};

const std::vector<ReferencePath>& referencePaths() {
  static const std::vector<ReferencePath> paths = {
      {"microsoft.network/privateendpoints", {"properties", "subnet", "id"}},
      {"microsoft.network/privateendpoints", {"properties", "privateLinkServiceConnections", "[]", "properties", "privateLinkServiceId"}},
      {"microsoft.network/privateendpoints", {"properties", "manualPrivateLinkServiceConnections", "[]", "properties", "privateLinkServiceId"}},
      {"microsoft.network/virtualnetworks/subnets", {"properties", "networkSecurityGroup", "id"}},
      {"microsoft.network/networkinterfaces", {"properties", "ipConfigurations", "[]", "properties", "subnet", "id"}},
      {"microsoft.network/virtualnetworks", {"properties", "subnets", "[]", "properties", "networkSecurityGroup", "id"}},
      {"microsoft.network/privateendpoints/privatednszonegroups", {"properties", "privateDnsZoneConfigs", "[]", "properties", "privateDnsZoneId"}},
      {"microsoft.network/privatednszones/virtualnetworklinks", {"properties", "virtualNetwork", "id"}},
      {"microsoft.compute/diskencryptionsets", {"properties", "activeKey", "sourceVault", "id"}},
      {"microsoft.compute/diskencryptionsets", {"identity", "userAssignedIdentities", "*"}},
      {"microsoft.web/sites", {"properties", "serverFarmId"}},
      {"microsoft.web/sites", {"properties", "virtualNetworkSubnetId"}},
      {"microsoft.web/sites", {"properties", "keyVaultReferenceIdentity"}},
      {"microsoft.web/sites", {"identity", "userAssignedIdentities", "*"}},
      {"microsoft.storage/storageaccounts", {"properties", "networkAcls", "virtualNetworkRules", "[]", "id"}},
      {"microsoft.storage/storageaccounts", {"identity", "userAssignedIdentities", "*"}},
      {"microsoft.insights/diagnosticsettings", {"properties", "storageAccountId"}},
  };
  return paths;
}

void collectStrings(const json& node, const std::vector<std::string_view>& steps, std::size_t step, std::vector<std::string>& out) {
  if (step == steps.size()) {
    if (node.is_string()) out.push_back(node.get<std::string>());
    return;
  }
  std::string_view name = steps[step];
  if (name == "[]") {
    if (!node.is_array()) return;
    for (const json& item : node) collectStrings(item, steps, step + 1, out);
  } else if (name == "*") {
    if (!node.is_object()) return;
    for (const auto& [key, value] : node.items()) out.push_back(key);
  } else if (node.is_object() && node.contains(std::string(name))) {
    collectStrings(node[std::string(name)], steps, step + 1, out);
  }
}

bool isValidVaultName(const std::string& name) {
  static const std::regex pattern("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$");
  return std::regex_match(name, pattern) && name.find("--") == std::string::npos;
}

bool hasKeyVaultServiceEndpoint(const json& subnet) {
  const json& properties = subnet.value("properties", json::object());
  for (const json& endpoint : properties.value("serviceEndpoints", json::array())) {
    if (equalsIgnoreCase(endpoint.value("service", ""), "Microsoft.KeyVault")) return true;
  }
  return false;
}

void completeServiceEndpoints(json& subnet) {
  json& properties = subnet["properties"];
  if (!properties.contains("serviceEndpoints") || !properties["serviceEndpoints"].is_array()) return;
  for (json& endpoint : properties["serviceEndpoints"]) {
    if (!endpoint.contains("locations")) endpoint["locations"] = json::array({"*"});
    endpoint["provisioningState"] = "Succeeded";
  }
}

std::string provisioningStateWhilePending(const std::string& lowerType) {
  // Key Vault reports RegisteringDns while a new vault's name propagates; Microsoft.Network
  // reports Updating.
  return lowerType == "microsoft.keyvault/vaults" ? "RegisteringDns" : "Updating";
}

bool isPlainIpv4Address(const std::string& text) {
  int dots = 0;
  for (char character : text) {
    if (character == '.') ++dots;
    else if (character < '0' || character > '9') return false;
  }
  return dots == 3;
}

// Stores network rules as Azure returns them: a single IPv4 address as a /32 range, and
// subnet ids in lower case.
void normalizeVaultNetworkRules(json& properties) {
  if (!properties.contains("networkAcls") || !properties["networkAcls"].is_object()) return;
  json& acls = properties["networkAcls"];
  if (acls.contains("ipRules") && acls["ipRules"].is_array()) {
    for (json& rule : acls["ipRules"]) {
      if (rule.is_object() && rule.contains("value") && rule["value"].is_string() && isPlainIpv4Address(rule["value"])) {
        rule["value"] = rule["value"].get<std::string>() + "/32";
      }
    }
  }
  if (acls.contains("virtualNetworkRules") && acls["virtualNetworkRules"].is_array()) {
    for (json& rule : acls["virtualNetworkRules"]) {
      if (rule.is_object() && rule.contains("id") && rule["id"].is_string()) rule["id"] = toLower(rule["id"].get<std::string>());
    }
  }
}

// An estate may name a role assignment's role only by roleDefinitionName. Azure's GET
// always returns roleDefinitionId, so a built-in Key Vault role gets its id under the
// assignment's subscription.
void completeRoleDefinitionId(const ArmPath& path, json& resource) {
  json& properties = resource["properties"];
  const json& definition = properties.value("roleDefinitionId", json());
  if (definition.is_string() && !definition.get<std::string>().empty()) return;
  std::string guid = builtInKeyVaultRoleGuid(properties.value("roleDefinitionName", json()).is_string()
                                                 ? properties["roleDefinitionName"].get<std::string>()
                                                 : "");
  if (guid.empty()) return;
  properties["roleDefinitionId"] =
      "/subscriptions/" + path.subscription + "/providers/Microsoft.Authorization/roleDefinitions/" + guid;
}

}  // namespace

std::optional<Response> ResourceManager::prepareResource(const ArmPath& path, json& resource, const std::string& baseUrl) {
  const ResourceType* type = findResourceType(path.fullType());
  std::string lowerType = toLower(path.fullType());
  resource["id"] = path.id();
  resource["name"] = path.names.back();
  resource["type"] = std::string(type->canonical);

  if (type->tracked) {
    if (!resource.contains("location") || !resource["location"].is_string() || resource["location"].get<std::string>().empty()) {
      return armError(400, "LocationRequired", "The location property is required for " + path.id() + ": add \"location\".");
    }
    resource["location"] = normalizeLocation(resource["location"].get<std::string>());
    if (!resource.contains("tags")) resource["tags"] = json::object();
  }
  if (!resource.contains("properties") || !resource["properties"].is_object()) resource["properties"] = json::object();
  resource["properties"]["provisioningState"] = "Succeeded";

  std::optional<Response> rejected;
  if (lowerType == "microsoft.keyvault/vaults") rejected = prepareVault(path, resource, baseUrl);
  else if (lowerType == "microsoft.network/virtualnetworks") rejected = prepareVirtualNetwork(path, resource);
  else if (lowerType == "microsoft.network/privateendpoints") rejected = preparePrivateEndpoint(path, resource);
  else if (lowerType == "microsoft.network/virtualnetworks/subnets") {
    resource["properties"].erase("privateEndpoints");
    completeServiceEndpoints(resource);
  } else if (lowerType == "microsoft.network/privatednszones" || lowerType == "microsoft.network/privatednszones/virtualnetworklinks") {
    // Azure's private DNS resources carry an etag that changes with every write, and a link
    // reports its state once the zone answers in the linked network.
    resource["etag"] = randomGuid();
    if (lowerType == "microsoft.network/privatednszones/virtualnetworklinks") resource["properties"]["virtualNetworkLinkState"] = "Completed";
  } else if (lowerType == "microsoft.authorization/roleassignments") {
    const json& definition = resource["properties"].value("roleDefinitionId", json());
    if (!definition.is_string() || !isRoleDefinitionId(definition.get<std::string>())) {
      // Azure returns this code for a malformed id. NOTE: the code for a missing or empty
      // roleDefinitionId is assumed to be the same.
      std::string rejectedValue = definition.is_string() ? definition.get<std::string>() : definition.dump();
      return armError(400, "InvalidRoleDefinitionId",
                      "The role definition ID '" + rejectedValue + "' of " + path.id() +
                          " is not valid: give /subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/{GUID}.");
    }
    resource["properties"]["scope"] = path.scope;
  } else if (lowerType == "microsoft.managedidentity/userassignedidentities") {
    json& properties = resource["properties"];
    const json* existing = find(path.id());
    for (const char* member : {"principalId", "clientId"}) {
      if (existing && existing->contains("properties") && (*existing)["properties"].contains(member)) {
        properties[member] = (*existing)["properties"][member];
      } else if (!properties.contains(member)) {
        properties[member] = randomGuid();
      }
    }
    if (!properties.contains("tenantId")) properties["tenantId"] = config_.defaultTenantId;
  }
  if (rejected) return rejected;
  completeSystemIdentity(path, resource);

  if (auto missing = checkReferences(lowerType, path.id(), resource)) return missing;
  if (lowerType == "microsoft.network/virtualnetworks") storeInlineSubnets(path.id(), resource);
  return std::nullopt;
}

// A system-assigned identity gets its principal when the resource is created and keeps it
// on later writes, as in Azure.
void ResourceManager::completeSystemIdentity(const ArmPath& path, json& resource) const {
  if (!resource.contains("identity") || !resource["identity"].is_object()) return;
  json& identity = resource["identity"];
  if (toLower(identity.value("type", "")).find("systemassigned") == std::string::npos) {
    identity.erase("principalId");
    identity.erase("tenantId");
    return;
  }
  const json* existing = find(path.id());
  std::string principal;
  if (existing && existing->contains("identity")) principal = (*existing)["identity"].value("principalId", "");
  identity["principalId"] = principal.empty() ? randomGuid() : principal;
  identity["tenantId"] = config_.defaultTenantId;
}

std::optional<Response> ResourceManager::prepareVault(const ArmPath& path, json& resource, const std::string& baseUrl) {
  const std::string& name = path.names.back();
  if (!isValidVaultName(name)) {
    return armError(400, "VaultNameNotValid", "The vault name '" + name +
                                                  "' is invalid: use 3 to 24 letters, digits and hyphens, starting with a letter, "
                                                  "ending with a letter or digit, with no two hyphens in a row.");
  }
  bool recovering = equalsIgnoreCase(resource["properties"].value("createMode", ""), "recover");
  bool creating = !exists(path.id());
  if (recovering && creating) {
    if (auto failed = recoverVault(path, resource)) return failed;  // replaces `resource`
  } else if (auto taken = checkVaultNameFree(path)) {
    return taken;
  }
  if (auto rejected = checkVaultNetworkRules(resource)) return rejected;

  json& properties = resource["properties"];
  normalizeVaultNetworkRules(properties);
  properties.erase("createMode");
  properties.erase("privateEndpointConnections");
  properties.erase("hsmPoolResourceId");
  properties["vaultUri"] = vaultUriFor(name, baseUrl, config_.vaultDnsSuffix);
  if (!properties.contains("enableSoftDelete")) properties["enableSoftDelete"] = true;
  if (!properties.contains("softDeleteRetentionInDays")) properties["softDeleteRetentionInDays"] = 90;
  if (!properties.contains("accessPolicies")) properties["accessPolicies"] = json::array();
  if (!properties.contains("tenantId")) properties["tenantId"] = config_.defaultTenantId;
  if (creating && !recovering && onVaultDataDiscarded) onVaultDataDiscarded(toLower(name));
  return std::nullopt;
}

std::optional<Response> ResourceManager::checkVaultNetworkRules(const json& vault) const {
  const json& properties = vault["properties"];
  if (!properties.contains("networkAcls")) return std::nullopt;
  const json& rules = properties["networkAcls"].value("virtualNetworkRules", json::array());
  for (const json& rule : rules) {
    std::string subnetId = rule.value("id", "");
    // NOTE: with ignoreMissingVnetServiceEndpoint set, kvsim does not check the subnet at
    // all; whether Azure still requires the subnet to exist is not documented.
    if (rule.value("ignoreMissingVnetServiceEndpoint", false)) continue;
    const json* subnet = find(subnetId);
    if (!subnet) {
      return armError(400, "InvalidResourceReference", "Resource " + subnetId + " referenced by resource " +
                                                           vault["id"].get<std::string>() +
                                                           " was not found: create the subnet first, or correct the id.");
    }
    if (!hasKeyVaultServiceEndpoint(*subnet)) {
      std::optional<ArmPath> subnetPath = parseArmPath(subnetId);
      std::string vnetId = subnetPath ? subnetPath->parentId() : subnetId;
      return armError(400, "SubnetsHaveNoServiceEndpointsConfigured",
                      "Subnet " + lastSegment(subnetId) + " of virtual network " + vnetId +
                          " has no service endpoint for Microsoft.KeyVault: add Microsoft.KeyVault to the subnet's "
                          "serviceEndpoints, or set ignoreMissingVnetServiceEndpoint to true on the rule.");
    }
  }
  return std::nullopt;
}

std::optional<Response> ResourceManager::prepareVirtualNetwork(const ArmPath& path, json& resource) {
  json& properties = resource["properties"];
  if (!properties.contains("subnets") || !properties["subnets"].is_array()) properties["subnets"] = json::array();
  // Azure returns an empty list when a VNet has no peerings.
  if (!properties.contains("virtualNetworkPeerings")) properties["virtualNetworkPeerings"] = json::array();

  // A VNet PUT replaces the whole subnet list, so every stored subnet missing from the
  // body would be deleted, which fails while a private endpoint uses it.
  std::set<std::string> requestedSubnets;
  for (json& subnet : properties["subnets"]) {
    std::string subnetName = subnet.value("name", "");
    if (subnetName.empty()) {
      return armError(400, "InvalidRequestFormat", "Every subnet inside " + path.id() + " needs a name.");
    }
    requestedSubnets.insert(toLower(subnetName));
  }
  std::string prefix = idKey(path.id()) + "/subnets/";
  for (const auto& [key, stored] : resources_) {
    if (key.rfind(prefix, 0) != 0 || key.find('/', prefix.size()) != std::string::npos) continue;
    if (requestedSubnets.count(key.substr(prefix.size()))) continue;
    if (auto inUse = checkSubnetNotInUse(stored["id"].get<std::string>())) return inUse;
  }
  return std::nullopt;
}

void ResourceManager::storeInlineSubnets(const std::string& vnetId, json& vnet, bool replaceExisting) {
  json subnets = vnet["properties"]["subnets"];
  vnet["properties"].erase("subnets");
  std::string prefix = idKey(vnetId) + "/subnets/";
  for (auto iterator = resources_.begin(); iterator != resources_.end();) {
    bool directChild = replaceExisting && iterator->first.rfind(prefix, 0) == 0 &&
                       iterator->first.find('/', prefix.size()) == std::string::npos;
    iterator = directChild ? resources_.erase(iterator) : std::next(iterator);
  }
  for (json subnet : subnets) {
    std::string subnetName = subnet["name"].get<std::string>();
    subnet["id"] = vnetId + "/subnets/" + subnetName;
    subnet["type"] = "Microsoft.Network/virtualNetworks/subnets";
    if (!subnet.contains("properties") || !subnet["properties"].is_object()) subnet["properties"] = json::object();
    subnet["properties"]["provisioningState"] = "Succeeded";
    subnet["properties"].erase("privateEndpoints");
    completeServiceEndpoints(subnet);
    resources_[idKey(subnet["id"].get<std::string>())] = subnet;
  }
}

std::optional<Response> ResourceManager::preparePrivateEndpoint(const ArmPath& path, json& resource) {
  json& properties = resource["properties"];
  if (!properties.contains("subnet") || !properties["subnet"].contains("id")) {
    return armError(400, "InvalidRequestFormat", "Private endpoint " + path.id() + " needs properties.subnet.id.");
  }
  // Azure returns an empty list when an endpoint names no application security groups.
  if (!properties.contains("applicationSecurityGroups")) properties["applicationSecurityGroups"] = json::array();
  for (const char* member : {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"}) {
    if (!properties.contains(member) || !properties[member].is_array()) {
      properties[member] = json::array();
      continue;
    }
    bool manual = std::string(member) == "manualPrivateLinkServiceConnections";
    for (json& connection : properties[member]) {
      std::string connectionName = connection.value("name", path.names.back());
      connection["name"] = connectionName;
      connection["id"] = path.id() + "/" + member + "/" + connectionName;
      connection["type"] = "Microsoft.Network/privateEndpoints/privateLinkServiceConnections";
      json& connectionProperties = connection["properties"];
      connectionProperties["provisioningState"] = "Succeeded";
      connectionProperties["privateLinkServiceConnectionState"] = {
          {"status", manual ? "Pending" : "Approved"},
          {"description", manual ? "Awaiting approval" : "Auto-Approved"},
          {"actionsRequired", "None"}};
    }
  }
  const json* existing = find(path.id());
  if (existing && (*existing)["properties"].contains("networkInterfaces")) {
    properties["networkInterfaces"] = (*existing)["properties"]["networkInterfaces"];
  } else {
    std::string nicId = "/subscriptions/" + path.subscription + "/resourceGroups/" + path.resourceGroup +
                        "/providers/Microsoft.Network/networkInterfaces/" + path.names.back() + ".nic." + randomGuid();
    properties["networkInterfaces"] = json::array({{{"id", nicId}}});
  }
  return std::nullopt;
}

std::optional<Response> ResourceManager::checkReferences(const std::string& lowerType, const std::string& id,
                                                         const json& resource) const {
  for (const ReferencePath& reference : referencePaths()) {
    if (reference.lowerType != lowerType) continue;
    std::vector<std::string> targets;
    collectStrings(resource, reference.steps, 0, targets);
    for (const std::string& target : targets) {
      std::optional<ArmPath> targetPath = parseArmPath(target);
      // Only ids of types kvsim serves can be checked; others (a Log Analytics workspace)
      // pass unchecked.
      if (!targetPath || targetPath->isCollection() || !findResourceType(targetPath->fullType())) continue;
      if (lowerType == "microsoft.network/virtualnetworks" && idKey(target).rfind(idKey(id) + "/", 0) == 0) continue;
      if (!exists(target)) {
        return armError(400, "InvalidResourceReference", "Resource " + target + " referenced by resource " + id +
                                                             " was not found: create it first, or correct the id.");
      }
    }
  }
  return std::nullopt;
}

std::optional<Response> ResourceManager::checkSubnetNotInUse(const std::string& subnetId) const {
  std::string subnetKey = idKey(subnetId);
  for (const auto& [key, resource] : resources_) {
    if (toLower(resource.value("type", "")) != "microsoft.network/privateendpoints") continue;
    const json& properties = resource["properties"];
    if (!properties.contains("subnet") || idKey(properties["subnet"].value("id", "")) != subnetKey) continue;
    std::string user = resource["id"].get<std::string>();
    if (properties.contains("networkInterfaces") && !properties["networkInterfaces"].empty()) {
      user = properties["networkInterfaces"][0].value("id", user) + "/ipConfigurations/privateEndpointIpConfig";
    }
    return armError(400, "InUseSubnetCannotBeDeleted", "Subnet " + lastSegment(subnetId) + " is in use by " + user +
                                                           " and cannot be deleted: delete private endpoint " +
                                                           resource["id"].get<std::string>() + " first.");
  }
  return std::nullopt;
}

std::optional<Response> ResourceManager::checkLocks(const std::string& id, bool deleting) const {
  std::optional<ArmPath> target = parseArmPath(id);
  if (target && toLower(target->fullType()) == "microsoft.authorization/locks") return std::nullopt;
  std::string targetKey = idKey(id);
  for (const auto& [key, resource] : resources_) {
    if (toLower(resource.value("type", "")) != "microsoft.authorization/locks") continue;
    std::optional<ArmPath> lockPath = parseArmPath(resource["id"].get<std::string>());
    if (!lockPath) continue;
    std::string scope = idKey(lockPath->scope);
    if (targetKey != scope && targetKey.rfind(scope + "/", 0) != 0) continue;
    std::string level = resource["properties"].value("level", "");
    if (equalsIgnoreCase(level, "ReadOnly") || (deleting && equalsIgnoreCase(level, "CanNotDelete"))) {
      return armError(409, "ScopeLocked", "The scope '" + id + "' cannot perform " + (deleting ? "delete" : "write") +
                                              " operation because scope '" + lockPath->scope + "' has a " + level +
                                              " lock: remove lock " + resource["id"].get<std::string>() + " and try again.");
    }
  }
  return std::nullopt;
}

// Azure sets a storage account's currentVersionedKeyIdentifier from its customer-managed
// key settings, so a client that re-points keyvaulturi sees the identifier follow.
// NOTE: with no keyversion, Azure names the key's newest version; kvsim keeps the version
// the identifier named before, which matches when the key moved with its version ids.
static void presentStorageKeyIdentifier(json& resource) {
  if (!resource.contains("properties") || !resource["properties"].contains("encryption")) return;
  json& encryption = resource["properties"]["encryption"];
  if (!encryption.is_object() || !encryption.contains("keyvaultproperties")) return;
  json& key = encryption["keyvaultproperties"];
  if (!key.is_object()) return;
  std::string uri = key.value("keyvaulturi", "");
  std::string name = key.value("keyname", "");
  if (uri.empty() || name.empty()) return;
  while (!uri.empty() && uri.back() == '/') uri.pop_back();
  std::string version = key.value("keyversion", "");
  if (version.empty()) {
    std::string previous = key.value("currentVersionedKeyIdentifier", "");
    version = previous.substr(previous.find_last_of('/') + 1);
  }
  key["currentVersionedKeyIdentifier"] = uri + "/keys/" + name + (version.empty() ? "" : "/" + version);
}

json ResourceManager::present(const json& stored) const {
  json resource = stored;
  std::string key = idKey(stored.value("id", ""));
  std::string lowerType = toLower(stored.value("type", ""));

  auto pending = pendingUntil_.find(key);
  if (pending != pendingUntil_.end() && clock_.now() < pending->second && resource.contains("properties")) {
    resource["properties"]["provisioningState"] = provisioningStateWhilePending(lowerType);
  }

  if (lowerType == "microsoft.storage/storageaccounts") presentStorageKeyIdentifier(resource);
  if (lowerType == "microsoft.network/virtualnetworks") {
    json subnets = json::array();
    std::string prefix = key + "/subnets/";
    for (const auto& [childKey, child] : resources_) {
      if (childKey.rfind(prefix, 0) == 0 && childKey.find('/', prefix.size()) == std::string::npos) subnets.push_back(present(child));
    }
    resource["properties"]["subnets"] = subnets;
  }
  if (lowerType == "microsoft.network/virtualnetworks/subnets" || lowerType == "microsoft.keyvault/vaults") {
    json endpoints = json::array();
    json connections = json::array();
    for (const auto& [otherKey, other] : resources_) {
      if (toLower(other.value("type", "")) != "microsoft.network/privateendpoints") continue;
      const json& properties = other["properties"];
      if (properties.contains("subnet") && idKey(properties["subnet"].value("id", "")) == key) {
        endpoints.push_back({{"id", other["id"]}});
      }
      for (const char* member : {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"}) {
        for (const json& connection : properties.value(member, json::array())) {
          const json& connectionProperties = connection.value("properties", json::object());
          if (idKey(connectionProperties.value("privateLinkServiceId", "")) != key) continue;
          std::string endpointName = other["name"].get<std::string>();
          connections.push_back({{"id", stored["id"].get<std::string>() + "/privateEndpointConnections/" + endpointName},
                                 {"name", endpointName},
                                 {"type", "Microsoft.KeyVault/vaults/privateEndpointConnections"},
                                 {"properties",
                                  {{"provisioningState", "Succeeded"},
                                   {"privateEndpoint", {{"id", other["id"]}}},
                                   {"privateLinkServiceConnectionState", connectionProperties.value("privateLinkServiceConnectionState", json::object())}}}});
        }
      }
    }
    if (lowerType == "microsoft.keyvault/vaults") resource["properties"]["privateEndpointConnections"] = connections;
    else if (!endpoints.empty()) resource["properties"]["privateEndpoints"] = endpoints;
  }
  return resource;
}

void ResourceManager::seedResource(json resource, const std::string& baseUrl) {
  std::optional<ArmPath> path = parseArmPath(resource.value("id", ""));
  if (!path) return;
  std::string groupId = "/subscriptions/" + path->subscription + "/resourceGroups/" + path->resourceGroup;
  if (toLower(resource.value("type", "")) == "microsoft.resources/resourcegroups") {
    resourceGroups_[idKey(resource["id"].get<std::string>())] = resource;
    return;
  }
  if (!path->resourceGroup.empty() && !resourceGroups_.count(idKey(groupId))) {
    resourceGroups_[idKey(groupId)] = {{"id", groupId},
                                       {"name", path->resourceGroup},
                                       {"type", "Microsoft.Resources/resourceGroups"},
                                       {"location", normalizeLocation(resource.value("location", "global"))},
                                       {"tags", json::object()},
                                       {"properties", {{"provisioningState", "Succeeded"}}}};
  }
  std::string lowerType = toLower(path->fullType());
  if (!resource.contains("properties") || !resource["properties"].is_object()) resource["properties"] = json::object();
  if (const ResourceType* type = findResourceType(path->fullType())) resource["type"] = std::string(type->canonical);

  if (lowerType == "microsoft.keyvault/vaults") {
    json& properties = resource["properties"];
    properties["vaultUri"] = vaultUriFor(path->names.back(), baseUrl, config_.vaultDnsSuffix);
    properties.erase("privateEndpointConnections");
    if (!properties.contains("enableSoftDelete")) properties["enableSoftDelete"] = true;
  }
  if (lowerType == "microsoft.network/virtualnetworks") {
    if (resource["properties"].contains("subnets") && resource["properties"]["subnets"].is_array()) {
      storeInlineSubnets(resource["id"].get<std::string>(), resource, false);
    } else {
      resource["properties"].erase("subnets");
    }
  }
  if (lowerType == "microsoft.network/virtualnetworks/subnets") completeServiceEndpoints(resource);
  if (lowerType == "microsoft.authorization/roleassignments") completeRoleDefinitionId(*path, resource);
  if (lowerType == "microsoft.web/sites" && resource.contains("config") && resource["config"].is_object()) {
    // Settings are served from config.appSettings and config.connectionStrings; the draft
    // inventories spell them in lower case.
    json config = json::object();
    for (const auto& [name, value] : resource["config"].items()) {
      if (equalsIgnoreCase(name, "appSettings")) config["appSettings"] = value;
      else if (equalsIgnoreCase(name, "connectionStrings")) config["connectionStrings"] = value;
      else config[name] = value;
    }
    resource["config"] = config;
  }

  resources_[idKey(resource["id"].get<std::string>())] = resource;
}

}  // namespace kvr::sim
