#include "simulator/resource_manager.h"

#include "simulator/random_text.h"
#include "simulator/resource_types.h"

#include <cmath>
#include <ctime>
#include <regex>

namespace kvr::sim {

namespace {

using nlohmann::json;

bool isValidApiVersion(const std::string& version) {
  static const std::regex pattern(R"(\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha)?)");
  return std::regex_match(version, pattern);
}

// "Microsoft.Network/virtualNetworks/vnet1/subnets/snet1", as Resource Manager names a
// resource in its not-found messages.
std::string typedName(const ArmPath& path) {
  std::string text = path.providerNamespace;
  for (std::size_t index = 0; index < path.types.size(); ++index) {
    text += "/" + path.types[index];
    if (index < path.names.size()) text += "/" + path.names[index];
  }
  return text;
}

std::size_t readSkipToken(const Request& request) {
  std::string token = request.queryValue("$skiptoken");
  if (token.empty()) token = request.queryValue("$skipToken");
  try {
    return token.empty() ? 0 : static_cast<std::size_t>(std::stoul(token));
  } catch (const std::exception&) {
    return 0;
  }
}

// RFC 7386 JSON merge patch, which Resource Manager PATCH follows for these types.
void mergePatch(json& target, const json& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) target.erase(key);
    else mergePatch(target[key], value);
  }
}

}  // namespace

Response armError(int status, const std::string& code, const std::string& message) {
  return Response::json(status, {{"error", {{"code", code}, {"message", message}}}});
}

std::optional<Response> checkApiVersion(const Request& request) {
  std::string apiVersion = request.queryValue("api-version");
  if (!request.hasQuery("api-version")) {
    return armError(400, "MissingApiVersionParameter",
                    "The api-version query parameter is required: add ?api-version=YYYY-MM-DD to the request.");
  }
  if (!isValidApiVersion(apiVersion)) {
    return armError(400, "InvalidApiVersionParameter",
                    "The api-version '" + apiVersion + "' is invalid: use a date such as 2024-11-01, optionally with -preview.");
  }
  return std::nullopt;
}

Response ResourceManager::handle(const Request& request, const std::string& baseUrl) {
  if (auto invalid = checkApiVersion(request)) return *invalid;

  std::vector<std::string> segments = splitPath(request.path);
  std::vector<std::string> lowered;
  for (const std::string& segment : segments) lowered.push_back(toLower(segment));

  if (segments.size() == 2 && request.method == "GET") {
    return Response::json(200, {{"id", "/subscriptions/" + segments[1]},
                                {"subscriptionId", segments[1]},
                                {"tenantId", config_.defaultTenantId},
                                {"displayName", "kvsim subscription " + segments[1]},
                                {"state", "Enabled"}});
  }
  if (segments.size() >= 3 && lowered[2] == "resourcegroups" &&
      (segments.size() <= 4 || (segments.size() == 5 && lowered[4] == "resources"))) {
    return handleResourceGroups(request, segments, baseUrl);
  }
  if (segments.size() == 3 && lowered[2] == "resources" && request.method == "GET") {
    return listSubscriptionResources(request, segments[1], baseUrl);
  }
  if (segments.size() >= 5 && lowered[2] == "providers" &&
      (lowered[4] == "checknameavailability" || lowered[4] == "deletedvaults" || lowered[4] == "locations")) {
    return handleSubscriptionProvider(request, segments, baseUrl);
  }

  std::optional<ArmPath> path = parseArmPath(request.path);
  if (!path || path->providerNamespace.empty()) {
    return armError(404, "NotFound", "kvsim serves no Resource Manager operation at " + request.path);
  }
  return handleResource(request, *path, baseUrl);
}

Response ResourceManager::handleResourceGroups(const Request& request, const std::vector<std::string>& segments,
                                               const std::string& baseUrl) {
  const std::string& subscription = segments[1];
  if (segments.size() == 3) {
    if (request.method != "GET") return armError(405, "MethodNotAllowed", "use GET to list resource groups");
    std::vector<json> groups;
    std::string prefix = idKey("/subscriptions/" + subscription + "/resourceGroups/");
    for (const auto& [key, group] : resourceGroups_) {
      if (key.rfind(prefix, 0) == 0) groups.push_back(group);
    }
    return pagedList(request, groups, baseUrl);
  }

  std::string groupId = "/subscriptions/" + subscription + "/resourceGroups/" + segments[3];
  std::string key = idKey(groupId);
  if (segments.size() == 5) return listResourceGroupResources(request, groupId, baseUrl);

  auto found = resourceGroups_.find(key);
  if (request.method == "GET" || request.method == "HEAD") {
    if (found == resourceGroups_.end()) {
      return armError(404, "ResourceGroupNotFound", "Resource group '" + segments[3] + "' could not be found.");
    }
    return request.method == "HEAD" ? Response::empty(204) : Response::json(200, found->second);
  }
  if (request.method == "PUT" || request.method == "PATCH") {
    json body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return armError(400, "InvalidRequestContent", "The request body for resource group '" + segments[3] + "' is not a JSON object.");
    }
    bool created = found == resourceGroups_.end();
    json group = created ? json::object() : found->second;
    if (request.method == "PATCH") mergePatch(group, body);
    else group = body;
    if (!group.contains("location") || !group["location"].is_string()) {
      return armError(400, "LocationRequired", "Resource group '" + segments[3] + "' needs a location: add \"location\" to the body.");
    }
    group["location"] = normalizeLocation(group["location"].get<std::string>());
    group["id"] = groupId;
    group["name"] = segments[3];
    group["type"] = "Microsoft.Resources/resourceGroups";
    group["properties"] = {{"provisioningState", "Succeeded"}};
    if (!group.contains("tags")) group["tags"] = json::object();
    resourceGroups_[key] = group;
    return Response::json(created && request.method == "PUT" ? 201 : 200, group);
  }
  if (request.method == "DELETE") {
    if (found == resourceGroups_.end()) {
      return armError(404, "ResourceGroupNotFound", "Resource group '" + segments[3] + "' could not be found.");
    }
    if (auto locked = checkLocks(groupId, true)) return *locked;
    removeWithDescendants(groupId);
    resourceGroups_.erase(key);
    ArmPath operationPath;
    operationPath.subscription = subscription;
    operationPath.providerNamespace = "Microsoft.Resources";
    Operation& operation = startOperation(groupId, "DELETE", operationPath, "global", baseUrl);
    operation.completes = operation.started;
    Response response = Response::empty(202);
    addOperationHeaders(response, operation, request.queryValue("api-version"));
    return response;
  }
  return armError(405, "MethodNotAllowed", "resource groups support GET, HEAD, PUT, PATCH and DELETE");
}

Response ResourceManager::handleSubscriptionProvider(const Request& request, const std::vector<std::string>& segments,
                                                     const std::string& baseUrl) {
  const std::string& subscription = segments[1];
  std::string providerNamespace = toLower(segments[3]);
  std::string action = toLower(segments[4]);
  bool keyVault = providerNamespace == "microsoft.keyvault";

  if (keyVault && action == "checknameavailability" && segments.size() == 5 && request.method == "POST") {
    return checkNameAvailability(request);
  }
  if (keyVault && action == "deletedvaults" && segments.size() == 5 && request.method == "GET") {
    return listDeletedVaults(request, subscription, baseUrl);
  }
  if (action == "locations" && segments.size() >= 8) {
    std::string kind = toLower(segments[6]);
    if (keyVault && kind == "deletedvaults" && segments.size() == 8 && request.method == "GET") {
      return getDeletedVault(subscription, segments[5], segments[7]);
    }
    if (keyVault && kind == "deletedvaults" && segments.size() == 9 && toLower(segments[8]) == "purge" &&
        request.method == "POST") {
      return purgeDeletedVault(request, subscription, segments[5], segments[7], baseUrl);
    }
    if ((kind == "operationstatuses" || kind == "operationresults") && segments.size() == 8 && request.method == "GET") {
      return getOperation(request, segments[7], kind == "operationresults");
    }
  }
  std::optional<ArmPath> path = parseArmPath(request.path);
  if (path && !path->providerNamespace.empty()) return handleResource(request, *path, baseUrl);
  return armError(404, "NotFound", "kvsim serves no Resource Manager operation at " + request.path);
}

Response ResourceManager::handleResource(const Request& request, const ArmPath& path, const std::string& baseUrl) {
  std::string lowerType = toLower(path.fullType());

  // Special shapes first: actions and settings that are not plain resources.
  if (lowerType == "microsoft.web/sites/config/list" ||
      (lowerType == "microsoft.web/sites/config" && !path.isCollection())) {
    return handleSiteConfig(request, path);
  }
  if (lowerType == "microsoft.keyvault/vaults/accesspolicies" && !path.isCollection()) {
    return putAccessPolicies(request, path);
  }

  if (lowerType == "microsoft.keyvault/vaults/privateendpointconnections" && request.method == "GET") {
    return getVaultPrivateEndpointConnections(request, path, baseUrl);
  }

  const ResourceType* type = findResourceType(path.fullType());
  if (!type) {
    return armError(404, "InvalidResourceType",
                    "The resource type '" + path.fullType() + "' is not served by kvsim; see docs/kvsim.md for the list.");
  }
  if (!path.resourceGroup.empty() && !resourceGroups_.count(idKey("/subscriptions/" + path.subscription + "/resourceGroups/" + path.resourceGroup))) {
    return armError(404, "ResourceGroupNotFound", "Resource group '" + path.resourceGroup + "' could not be found.");
  }

  if (path.isCollection()) {
    if (request.method != "GET") return armError(405, "MethodNotAllowed", "use GET to list " + path.fullType());
    return listCollection(request, path, baseUrl);
  }
  if (request.method == "GET") return getResource(path);
  if (request.method == "PUT") return putResource(request, path, baseUrl, false);
  if (request.method == "PATCH") return putResource(request, path, baseUrl, true);
  if (request.method == "DELETE") return deleteResource(request, path, baseUrl);
  return armError(405, "MethodNotAllowed", path.fullType() + " supports GET, PUT, PATCH and DELETE");
}

Response ResourceManager::getResource(const ArmPath& path) const {
  const json* stored = find(path.id());
  if (!stored) {
    std::string where = path.resourceGroup.empty() ? "" : " under resource group '" + path.resourceGroup + "'";
    return armError(404, "ResourceNotFound", "The Resource '" + typedName(path) + "'" + where + " was not found.");
  }
  return Response::json(200, present(*stored));
}

Response ResourceManager::putResource(const Request& request, const ArmPath& path, const std::string& baseUrl, bool patch) {
  json body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return armError(400, "InvalidRequestContent", "The request body for " + path.id() + " is not a JSON object.");
  }

  std::string parent = path.parentId();
  if (!parent.empty() && !exists(parent)) {
    return armError(404, "ParentResourceNotFound",
                    "Cannot create or update " + path.id() + " because its parent resource " + parent + " does not exist.");
  }
  if (path.scopeIsResource() && !exists(path.scope)) {
    return armError(404, "ResourceNotFound", "The scope " + path.scope + " of " + path.id() + " was not found.");
  }
  if (auto locked = checkLocks(path.id(), false)) return *locked;

  const json* existing = find(path.id());
  if (patch && !existing) {
    return armError(404, "ResourceNotFound", "The Resource '" + typedName(path) + "' was not found; create it with PUT first.");
  }
  json resource = body;
  if (patch) {
    resource = present(*existing);  // with computed members, so a VNet keeps its subnets
    mergePatch(resource, body);
  }

  if (auto rejected = prepareResource(path, resource, baseUrl)) return *rejected;

  bool created = existing == nullptr;
  std::string key = idKey(path.id());
  resources_[key] = resource;

  Response response = Response::json(created && !patch ? 201 : 200, json());
  std::optional<double> seconds = operationSeconds(toLower(path.fullType()));
  if (seconds && *seconds > 0) {
    Operation& operation = startOperation(path.id(), "PUT", path, resource.value("location", "global"), baseUrl);
    pendingUntil_[key] = operation.completes;
    addOperationHeaders(response, operation, request.queryValue("api-version"));
  }
  response.body = present(resources_[key]).dump();
  return response;
}

Response ResourceManager::deleteResource(const Request& request, const ArmPath& path, const std::string& baseUrl) {
  const json* stored = find(path.id());
  if (!stored) return Response::empty(204);
  if (auto locked = checkLocks(path.id(), true)) return *locked;

  std::string lowerType = toLower(path.fullType());
  if (lowerType == "microsoft.network/virtualnetworks/subnets") {
    if (auto inUse = checkSubnetNotInUse(path.id())) return *inUse;
  }
  if (lowerType == "microsoft.network/virtualnetworks") {
    std::string prefix = idKey(path.id()) + "/subnets/";
    for (const auto& [key, resource] : resources_) {
      if (key.rfind(prefix, 0) != 0) continue;
      if (auto inUse = checkSubnetNotInUse(resource["id"].get<std::string>())) return *inUse;
    }
  }

  std::string location = stored->value("location", "global");
  if (lowerType == "microsoft.keyvault/vaults") softDeleteVault(*stored);
  removeWithDescendants(path.id());

  std::optional<double> seconds = operationSeconds(lowerType);
  if (!seconds || *seconds <= 0) return Response::empty(200);
  Operation& operation = startOperation(path.id(), "DELETE", path, location, baseUrl);
  Response response = Response::empty(202);
  addOperationHeaders(response, operation, request.queryValue("api-version"));
  return response;
}

Response ResourceManager::listCollection(const Request& request, const ArmPath& path, const std::string& baseUrl) const {
  std::string lowerType = toLower(path.fullType());
  std::string owner = idKey(path.parentId());
  std::string scope = idKey(path.scope);
  std::vector<json> items;
  for (const auto& [key, resource] : resources_) {
    std::optional<ArmPath> itemPath = parseArmPath(resource["id"].get<std::string>());
    if (!itemPath || toLower(itemPath->fullType()) != lowerType) continue;
    bool matches = false;
    if (!owner.empty()) matches = idKey(itemPath->parentId()) == owner;
    else if (path.resourceGroup.empty() && !path.scopeIsResource()) matches = toLower(itemPath->subscription) == toLower(path.subscription);
    else matches = idKey(itemPath->scope) == scope;
    if (matches) items.push_back(present(resource));
  }
  return pagedList(request, items, baseUrl);
}

namespace {

json genericListItem(const json& resource) {
  json item = {{"id", resource["id"]}, {"name", resource["name"]}, {"type", resource["type"]}};
  for (const char* member : {"location", "tags", "kind", "sku", "identity", "managedBy"}) {
    if (resource.contains(member)) item[member] = resource[member];
  }
  return item;
}

// Reads the one filter form the crawler sends: resourceType eq 'Namespace/type'.
std::string resourceTypeFilter(const Request& request) {
  static const std::regex pattern(R"(\s*resourceType\s+eq\s+'([^']+)'\s*)", std::regex::icase);
  std::smatch match;
  std::string filter = request.queryValue("$filter");
  if (std::regex_match(filter, match, pattern)) return toLower(match[1].str());
  return {};
}

}  // namespace

Response ResourceManager::listResourceGroupResources(const Request& request, const std::string& groupId,
                                                     const std::string& baseUrl) const {
  if (!resourceGroups_.count(idKey(groupId))) {
    return armError(404, "ResourceGroupNotFound", "Resource group '" + lastSegment(groupId) + "' could not be found.");
  }
  std::string typeFilter = resourceTypeFilter(request);
  std::vector<json> items;
  for (const auto& [key, resource] : resources_) {
    std::optional<ArmPath> itemPath = parseArmPath(resource["id"].get<std::string>());
    if (!itemPath || idKey(itemPath->scope) != idKey(groupId) || itemPath->names.size() != 1) continue;
    if (!typeFilter.empty() && toLower(itemPath->fullType()) != typeFilter) continue;
    items.push_back(genericListItem(resource));
  }
  return pagedList(request, items, baseUrl);
}

Response ResourceManager::listSubscriptionResources(const Request& request, const std::string& subscription,
                                                    const std::string& baseUrl) const {
  std::string typeFilter = resourceTypeFilter(request);
  std::vector<json> items;
  for (const auto& [key, resource] : resources_) {
    std::optional<ArmPath> itemPath = parseArmPath(resource["id"].get<std::string>());
    if (!itemPath || toLower(itemPath->subscription) != toLower(subscription) || itemPath->names.size() != 1 ||
        itemPath->scopeIsResource()) {
      continue;
    }
    if (!typeFilter.empty() && toLower(itemPath->fullType()) != typeFilter) continue;
    items.push_back(genericListItem(resource));
  }
  return pagedList(request, items, baseUrl);
}

Response ResourceManager::pagedList(const Request& request, const std::vector<json>& items, const std::string& baseUrl) const {
  std::size_t pageSize = static_cast<std::size_t>(config_.resourceManagerPageSize);
  std::string top = request.queryValue("$top");
  if (!top.empty()) {
    try {
      pageSize = std::max<std::size_t>(1, std::stoul(top));
    } catch (const std::exception&) {
      return armError(400, "InvalidParameter", "$top must be a positive integer, not '" + top + "'.");
    }
  }
  std::size_t start = std::min(readSkipToken(request), items.size());
  std::size_t end = std::min(start + pageSize, items.size());
  json page = {{"value", json::array()}};
  for (std::size_t index = start; index < end; ++index) page["value"].push_back(items[index]);
  if (end < items.size()) {
    std::string link = baseUrl + request.path + "?api-version=" + percentEncode(request.queryValue("api-version"));
    if (!top.empty()) link += "&%24top=" + std::to_string(pageSize);
    if (request.hasQuery("$filter")) link += "&%24filter=" + percentEncode(request.queryValue("$filter"));
    link += "&%24skiptoken=" + std::to_string(end);
    page["nextLink"] = link;
  }
  return Response::json(200, page);
}

Response ResourceManager::putAccessPolicies(const Request& request, const ArmPath& path) {
  if (request.method != "PUT") return armError(405, "MethodNotAllowed", "access policies support PUT only");
  ArmPath vaultPath = path;
  vaultPath.types.pop_back();
  vaultPath.names.pop_back();
  json* vault = nullptr;
  auto found = resources_.find(idKey(vaultPath.id()));
  if (found != resources_.end()) vault = &found->second;
  if (!vault) return armError(404, "ResourceNotFound", "The Resource '" + typedName(vaultPath) + "' was not found.");

  std::string operationKind = toLower(path.names.back());
  json body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("properties") ||
      !body["properties"].contains("accessPolicies") || !body["properties"]["accessPolicies"].is_array()) {
    return armError(400, "InvalidRequestContent", "The body must be {\"properties\": {\"accessPolicies\": [...]}}.");
  }
  if (operationKind != "add" && operationKind != "replace" && operationKind != "remove") {
    return armError(400, "InvalidParameter", "The access policy operation must be add, replace or remove, not '" +
                                                 path.names.back() + "'.");
  }
  if (auto locked = checkLocks(vaultPath.id(), false)) return *locked;

  json& policies = (*vault)["properties"]["accessPolicies"];
  if (!policies.is_array()) policies = json::array();
  for (const json& change : body["properties"]["accessPolicies"]) {
    std::string objectId = toLower(change.value("objectId", ""));
    auto same = std::find_if(policies.begin(), policies.end(),
                             [&](const json& policy) { return toLower(policy.value("objectId", "")) == objectId; });
    if (operationKind == "remove") {
      if (same != policies.end()) policies.erase(same);
    } else if (same != policies.end()) {
      (*same)["permissions"] = change.value("permissions", json::object());
    } else {
      policies.push_back(change);
    }
  }
  // Azure's id names the accessPolicies collection, without the operation kind.
  json result = {{"id", vaultPath.id() + "/accessPolicies/"},
                 {"type", "Microsoft.KeyVault/vaults/accessPolicies"},
                 {"properties", {{"accessPolicies", policies}}}};
  return Response::json(200, result);
}

Response ResourceManager::handleSiteConfig(const Request& request, const ArmPath& path) {
  // Settings live in the site's stored "config" member, as the inventory keeps them:
  // config.appSettings is a name-to-value map.
  ArmPath sitePath = path;
  sitePath.types.resize(1);
  sitePath.names.resize(1);
  auto found = resources_.find(idKey(sitePath.id()));
  if (found == resources_.end()) return armError(404, "ResourceNotFound", "The Resource '" + typedName(sitePath) + "' was not found.");
  std::string section = path.names.size() > 1 ? toLower(path.names[1]) : "";
  if (section != "appsettings" && section != "connectionstrings") {
    return armError(404, "NotFound", "kvsim serves only config/appsettings and config/connectionstrings of a site");
  }
  std::string member = section == "appsettings" ? "appSettings" : "connectionStrings";
  json& settings = found->second["config"][member];
  if (!settings.is_object()) settings = json::object();

  std::string id = sitePath.id() + "/config/" + path.names[1];
  bool listing = toLower(path.fullType()) == "microsoft.web/sites/config/list";
  if (request.method == "PUT" && !listing) {
    json body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("properties") || !body["properties"].is_object()) {
      return armError(400, "InvalidRequestContent", "The body must be {\"properties\": {\"NAME\": \"VALUE\", ...}}.");
    }
    if (auto locked = checkLocks(sitePath.id(), false)) return *locked;
    settings = body["properties"];
  } else if (!(request.method == "GET" || (request.method == "POST" && listing))) {
    return armError(405, "MethodNotAllowed", "site settings support PUT, GET and POST .../list");
  }
  return Response::json(200, {{"id", id},
                              {"name", path.names[1]},
                              {"type", "Microsoft.Web/sites/config"},
                              {"location", found->second.value("location", "")},
                              {"properties", settings}});
}

Response ResourceManager::getVaultPrivateEndpointConnections(const Request& request, const ArmPath& path,
                                                             const std::string& baseUrl) const {
  ArmPath vaultPath = path;
  vaultPath.types.resize(1);
  vaultPath.names.resize(1);
  const json* vault = find(vaultPath.id());
  if (!vault) return armError(404, "ResourceNotFound", "The Resource '" + typedName(vaultPath) + "' was not found.");
  json connections = present(*vault)["properties"]["privateEndpointConnections"];
  if (path.isCollection()) return pagedList(request, connections.get<std::vector<json>>(), baseUrl);
  for (const json& connection : connections) {
    if (equalsIgnoreCase(connection["name"].get<std::string>(), path.names.back())) return Response::json(200, connection);
  }
  return armError(404, "PrivateEndpointConnectionNotFound",
                  "Vault " + vaultPath.id() + " has no private endpoint connection named '" + path.names.back() + "'.");
}

bool ResourceManager::exists(const std::string& id) const { return find(id) != nullptr; }

std::optional<json> ResourceManager::findResource(const std::string& id) const {
  const json* stored = find(id);
  if (!stored) return std::nullopt;
  return present(*stored);
}

std::vector<json> ResourceManager::roleAssignmentsCovering(const std::string& id) const {
  std::string target = idKey(id);
  std::vector<json> result;
  for (const auto& [key, resource] : resources_) {
    if (toLower(resource.value("type", "")) != "microsoft.authorization/roleassignments") continue;
    std::string scope = idKey(resource.value("properties", json::object()).value("scope", ""));
    if (scope.empty()) continue;
    if (target == scope || target.rfind(scope + "/", 0) == 0) result.push_back(resource);
  }
  return result;
}

const json* ResourceManager::find(const std::string& id) const {
  auto found = resources_.find(idKey(id));
  return found == resources_.end() ? nullptr : &found->second;
}

void ResourceManager::removeWithDescendants(const std::string& id) {
  std::string key = idKey(id);
  std::string prefix = key + "/";
  for (auto iterator = resources_.begin(); iterator != resources_.end();) {
    if (iterator->first == key || iterator->first.rfind(prefix, 0) == 0) {
      if (iterator->first != key && toLower(iterator->second.value("type", "")) == "microsoft.keyvault/vaults") {
        softDeleteVault(iterator->second);
      }
      pendingUntil_.erase(iterator->first);
      iterator = resources_.erase(iterator);
    } else {
      ++iterator;
    }
  }
}

std::optional<double> ResourceManager::operationSeconds(const std::string& lowerType) const {
  auto found = config_.operationSeconds.find(lowerType);
  if (found == config_.operationSeconds.end()) return std::nullopt;
  return found->second * config_.timeScale;
}

ResourceManager::Operation& ResourceManager::startOperation(const std::string& resourceId, const std::string& method,
                                                            const ArmPath& path, const std::string& location,
                                                            const std::string& baseUrl) {
  Operation operation;
  operation.id = randomGuid();
  operation.resourceId = resourceId;
  operation.method = method;
  operation.started = clock_.now();
  double seconds = operationSeconds(toLower(path.fullType())).value_or(0.0);
  operation.completes = operation.started + std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000.0)));
  operation.statusUrlPrefix = baseUrl + "/subscriptions/" + path.subscription + "/providers/" + path.providerNamespace +
                              "/locations/" + normalizeLocation(location);
  return operations_[operation.id] = operation;
}

void ResourceManager::addOperationHeaders(Response& response, const Operation& operation, const std::string& apiVersion) const {
  auto remaining = std::chrono::duration<double>(operation.completes - clock_.now()).count();
  int retryAfter = std::max(1, static_cast<int>(std::ceil(remaining)));
  std::string query = "?api-version=" + percentEncode(apiVersion);
  response.withHeader("Azure-AsyncOperation", operation.statusUrlPrefix + "/operationStatuses/" + operation.id + query);
  response.withHeader("Location", operation.statusUrlPrefix + "/operationResults/" + operation.id + query);
  response.withHeader("Retry-After", std::to_string(retryAfter));
}

Response ResourceManager::getOperation(const Request& request, const std::string& operationId, bool resultStyle) const {
  auto found = operations_.find(toLower(operationId));
  if (found == operations_.end()) {
    return armError(404, "OperationNotFound", "The operation " + operationId + " was not found; it may belong to an earlier kvsim run.");
  }
  const Operation& operation = found->second;
  bool done = clock_.now() >= operation.completes;
  if (resultStyle) {
    if (!done) {
      Response pending = Response::empty(202);
      addOperationHeaders(pending, operation, request.queryValue("api-version"));
      return pending;
    }
    if (operation.method == "DELETE") return Response::empty(204);
    const json* resource = find(operation.resourceId);
    return resource ? Response::json(200, present(*resource)) : Response::empty(204);
  }
  json status = {{"id", request.path}, {"name", operation.id}, {"status", done ? "Succeeded" : "InProgress"},
                 {"startTime", isoTime(operation.started)}};
  if (done) status["endTime"] = isoTime(operation.completes);
  Response response = Response::json(200, status);
  if (!done) {
    auto remaining = std::chrono::duration<double>(operation.completes - clock_.now()).count();
    response.withHeader("Retry-After", std::to_string(std::max(1, static_cast<int>(std::ceil(remaining)))));
  }
  return response;
}

json ResourceManager::snapshotResources() const {
  json resources = json::array();
  for (const auto& [key, group] : resourceGroups_) resources.push_back(group);
  for (const auto& [key, resource] : resources_) {
    std::string type = toLower(resource.value("type", ""));
    if (type == "microsoft.network/virtualnetworks/subnets") continue;  // listed inside their VNet
    resources.push_back(present(resource));
  }
  return resources;
}

void ResourceManager::clear() {
  resourceGroups_.clear();
  resources_.clear();
  pendingUntil_.clear();
  deletedVaults_.clear();
  operations_.clear();
}

}  // namespace kvr::sim
