#include "executor/resource_body.h"

#include "azure/http.h"

#include <stdexcept>

namespace kvr::executor {

namespace {

bool isUnder(const std::string& lowerText, const std::string& lowerId) {
  return lowerText.size() >= lowerId.size() && lowerText.compare(0, lowerId.size(), lowerId) == 0 &&
         (lowerText.size() == lowerId.size() || lowerText[lowerId.size()] == '/');
}

// The rewritten id, matching the longest source id that `text` is or lies under.
std::optional<std::string> rewriteOne(const std::string& text, const IdMap& ids) {
  if (text.empty() || text.front() != '/') return std::nullopt;
  std::string lower = toLower(text);
  const std::pair<const std::string, std::string>* best = nullptr;
  for (const auto& entry : ids) {
    if (isUnder(lower, entry.first) && (!best || entry.first.size() > best->first.size())) best = &entry;
  }
  if (!best) return std::nullopt;
  return best->second + text.substr(best->first.size());
}

// Members Azure computes and rejects or ignores in a request, at any depth.
void dropComputed(Json& value) {
  if (value.is_array()) {
    for (Json& item : value) dropComputed(item);
    return;
  }
  if (!value.is_object()) return;
  for (const char* member : {"provisioningState", "resourceGuid", "etag"}) value.erase(member);
  for (auto& [key, item] : value.items()) dropComputed(item);
}

void eraseAll(Json& object, std::initializer_list<const char*> members) {
  if (!object.is_object()) return;
  for (const char* member : members) object.erase(member);
}

// A child element inside a resource (a subnet, a security rule): its name and properties,
// without the id and type Azure assigns.
Json childElement(const Json& element) {
  Json result = Json::object();
  if (element.contains("name")) result["name"] = element["name"];
  result["properties"] = element.value("properties", Json::object());
  return result;
}

Json cleanIdentity(const Json& identity) {
  Json result = {{"type", identity.value("type", "None")}};
  if (identity.contains("userAssignedIdentities") && identity["userAssignedIdentities"].is_object()) {
    Json assigned = Json::object();
    for (const auto& [id, value] : identity["userAssignedIdentities"].items()) assigned[id] = Json::object();
    result["userAssignedIdentities"] = assigned;
  }
  return result;
}

void shapeSubnet(Json& subnet, const Plan& plan, const PlanNode& vnetNode) {
  subnet = childElement(subnet);
  Json& properties = subnet["properties"];
  eraseAll(properties, {"ipConfigurations", "privateEndpoints", "serviceAssociationLinks", "resourceNavigationLinks",
                        "ipConfigurationProfiles", "purpose", "networkSecurityGroupRef"});
  // Service endpoint locations are region-specific, so Azure picks them for the target.
  Json endpoints = Json::array();
  for (const Json& endpoint : properties.value("serviceEndpoints", Json::array())) {
    endpoints.push_back({{"service", endpoint.value("service", "")}});
  }
  const PlanNode* subnetNode = plan.node(vnetNode.key + "/subnets/" + toLower(subnet.value("name", "")));
  if (subnetNode && subnetNode->parameters.contains("addServiceEndpoint")) {
    std::string service = subnetNode->parameters["addServiceEndpoint"].get<std::string>();
    bool present = false;
    for (const Json& endpoint : endpoints) present = present || iequals(endpoint.value("service", ""), service);
    if (!present) endpoints.push_back({{"service", service}});
  }
  if (!endpoints.empty() || properties.contains("serviceEndpoints")) properties["serviceEndpoints"] = endpoints;
  if (properties.contains("delegations")) {
    Json delegations = Json::array();
    for (const Json& delegation : properties["delegations"]) {
      delegations.push_back({{"name", delegation.value("name", "")},
                             {"properties", {{"serviceName", delegation["properties"].value("serviceName", "")}}}});
    }
    properties["delegations"] = delegations;
  }
}

void shapeVirtualNetwork(Json& properties, const Plan& plan, const PlanNode& node) {
  // NOTE: peerings name remote networks that stay in the source region; re-creating them
  // needs the remote side too, so they are left out and must be added by the operator.
  properties.erase("virtualNetworkPeerings");
  if (!properties.contains("subnets")) return;
  for (Json& subnet : properties["subnets"]) shapeSubnet(subnet, plan, node);
}

void shapeSecurityGroup(Json& properties) {
  eraseAll(properties, {"defaultSecurityRules", "subnets", "networkInterfaces", "flowLogs"});
  if (!properties.contains("securityRules")) return;
  for (Json& rule : properties["securityRules"]) rule = childElement(rule);
}

void shapePrivateEndpoint(Json& properties, const PlanNode& node) {
  // NOTE: static IP configurations are left out: the target subnet assigns addresses.
  eraseAll(properties, {"networkInterfaces", "customDnsConfigs", "ipConfigurations"});
  for (const char* member : {"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"}) {
    if (!properties.contains(member)) continue;
    Json connections = Json::array();
    for (const Json& connection : properties[member]) {
      Json shaped = childElement(connection);
      eraseAll(shaped["properties"], {"privateLinkServiceConnectionState"});
      connections.push_back(shaped);
    }
    properties[member] = connections;
  }
  if (properties.contains("customNetworkInterfaceName")) {
    std::string name = properties["customNetworkInterfaceName"].get<std::string>();
    std::size_t at = toLower(name).find(toLower(node.name));
    if (at != std::string::npos) name.replace(at, node.name.size(), node.targetName);
    properties["customNetworkInterfaceName"] = name;
  }
}

void shapeZoneGroup(Json& properties) {
  if (!properties.contains("privateDnsZoneConfigs")) return;
  for (Json& config : properties["privateDnsZoneConfigs"]) {
    config = childElement(config);
    eraseAll(config["properties"], {"recordSets"});
  }
}

void shapeNetworkInterface(Json& properties) {
  eraseAll(properties, {"virtualMachine", "macAddress", "primary", "hostedWorkloads", "tapConfigurations",
                        "dscpConfiguration", "privateEndpoint", "vnetEncryptionSupported"});
  if (properties.contains("dnsSettings")) {
    properties["dnsSettings"] = {{"dnsServers", properties["dnsSettings"].value("dnsServers", Json::array())}};
  }
  if (!properties.contains("ipConfigurations")) return;
  for (Json& configuration : properties["ipConfigurations"]) {
    configuration = childElement(configuration);
    Json& inner = configuration["properties"];
    // NOTE: a public IP address stays in the source region and cannot be attached to a
    // target NIC; the operator attaches a new one.
    eraseAll(inner, {"publicIPAddress", "loadBalancerBackendAddressPools", "applicationGatewayBackendAddressPools"});
    if (!iequals(inner.value("privateIPAllocationMethod", "Dynamic"), "Static")) inner.erase("privateIPAddress");
  }
}

void shapeDiskEncryptionSet(Json& properties) {
  eraseAll(properties, {"previousKeys", "autoKeyRotationError", "lastKeyRotationTimestamp"});
}

}  // namespace

IdMap relocatedIds(const Plan& plan, const RunState& state) {
  IdMap ids;
  for (const auto& node : plan.nodes) {
    if (node.id.empty() || node.targetId.empty() || iequals(node.id, node.targetId)) continue;
    if (node.strategy == Strategy::OutOfScope || node.strategy == Strategy::Drop) continue;
    ids[toLower(node.id)] = node.targetId;
  }
  for (const auto& vault : plan.vaults) ids[toLower(vault.sourceId)] = vault.targetId;
  for (const auto& node : plan.nodes) {
    if (node.id.empty()) continue;
    if (auto known = state.targetResource(node.id)) ids[toLower(node.id)] = *known;
  }
  return ids;
}

Json rewriteIds(const Json& value, const IdMap& ids) {
  if (value.is_string()) {
    if (auto rewritten = rewriteOne(value.get<std::string>(), ids)) return *rewritten;
    return value;
  }
  if (value.is_array()) {
    Json result = Json::array();
    for (const Json& item : value) result.push_back(rewriteIds(item, ids));
    return result;
  }
  if (!value.is_object()) return value;
  Json result = Json::object();
  for (const auto& [key, item] : value.items()) result[rewriteOne(key, ids).value_or(key)] = rewriteIds(item, ids);
  return result;
}

Json targetBody(const Plan& plan, const PlanNode& node, const Json& resource, const IdMap& ids) {
  Json body = Json::object();
  if (resource.contains("location")) {
    std::string location = resource["location"].get<std::string>();
    body["location"] = iequals(location, "global") || node.targetLocation.empty() ? location : node.targetLocation;
  }
  for (const char* member : {"tags", "sku", "kind", "zones", "extendedLocation"}) {
    if (resource.contains(member)) body[member] = resource[member];
  }
  if (resource.contains("identity") && resource["identity"].is_object()) body["identity"] = cleanIdentity(resource["identity"]);

  Json properties = resource.value("properties", Json::object());
  std::string type = toLower(node.type);
  if (type == "microsoft.network/virtualnetworks") shapeVirtualNetwork(properties, plan, node);
  else if (type == "microsoft.network/networksecuritygroups") shapeSecurityGroup(properties);
  else if (type == "microsoft.network/privateendpoints") shapePrivateEndpoint(properties, node);
  else if (type == "microsoft.network/privateendpoints/privatednszonegroups") shapeZoneGroup(properties);
  else if (type == "microsoft.network/privatednszones/virtualnetworklinks") properties.erase("virtualNetworkLinkState");
  else if (type == "microsoft.network/networkinterfaces") shapeNetworkInterface(properties);
  else if (type == "microsoft.compute/diskencryptionsets") shapeDiskEncryptionSet(properties);
  dropComputed(properties);
  body["properties"] = properties;
  return rewriteIds(body, ids);
}

std::optional<VaultObjectUrl> parseVaultObjectUrl(const std::string& url) {
  azure::UrlParts parts = azure::splitUrl(url);
  if (parts.host.empty()) return std::nullopt;
  std::string path = parts.pathAndQuery.substr(0, parts.pathAndQuery.find('?'));
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  if (segments.size() < 2 || segments.size() > 3) return std::nullopt;
  std::string collection = toLower(segments[0]);
  if (collection != "secrets" && collection != "keys" && collection != "certificates") return std::nullopt;
  VaultObjectUrl result;
  result.vaultName = toLower(parts.host.substr(0, parts.host.find('.')));
  result.collection = collection;
  result.name = segments[1];
  if (segments.size() == 3) result.version = segments[2];
  return result;
}

std::optional<std::string> targetVaultUriByName(const std::string& sourceVaultName, const Plan& plan, const RunState& state) {
  for (const auto& vault : plan.vaults) {
    if (!iequals(vault.sourceName, sourceVaultName)) continue;
    return state.vaultUri(vault.targetId);
  }
  return std::nullopt;
}

std::optional<std::string> targetObjectUrl(const std::string& url, const Plan& plan, const RunState& state) {
  std::optional<VaultObjectUrl> source = parseVaultObjectUrl(url);
  if (!source) return std::nullopt;
  const VaultRelocation* vault = nullptr;
  for (const auto& candidate : plan.vaults) {
    if (iequals(candidate.sourceName, source->vaultName)) vault = &candidate;
  }
  if (!vault) return std::nullopt;
  std::optional<std::string> targetUri = state.vaultUri(vault->targetId);
  if (!targetUri) throw std::runtime_error("the URI of target vault " + vault->targetId + " is not known yet");

  std::string base = *targetUri + source->collection + "/" + source->name;
  if (source->version.empty()) return base;
  for (const auto& [sourceVersion, targetVersion] : state.versionMap()) {
    std::optional<VaultObjectUrl> mapped = parseVaultObjectUrl(sourceVersion);
    if (mapped && mapped->vaultName == source->vaultName && mapped->collection == source->collection &&
        iequals(mapped->name, source->name) && iequals(mapped->version, source->version)) {
      return targetVersion;
    }
  }
  // Backup and restore keep version ids, so an object restored into the target has them.
  std::string objectKey = toLower(vault->sourceId) + "/" + source->collection + "/" + toLower(source->name);
  const PlanNode* object = plan.node(objectKey);
  if (object && object->strategy == Strategy::BackupRestore) return base + "/" + source->version;
  throw std::runtime_error("no copy of version " + source->version + " of " + source->collection + " '" + source->name +
                           "' is recorded in the run; its copy step must finish first");
}

}  // namespace kvr::executor
