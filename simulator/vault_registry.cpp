// Global vault names, soft-deleted vaults, purge and the name check of the Key Vault
// resource provider.

#include "simulator/resource_manager.h"

#include <ctime>
#include <regex>

namespace kvr::sim {

namespace {

using nlohmann::json;

std::optional<TimePoint> parseIsoTime(const std::string& text) {
  std::tm parts{};
  if (!strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &parts)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

std::string subscriptionOf(const std::string& id) {
  std::optional<ArmPath> path = parseArmPath(id);
  return path ? toLower(path->subscription) : std::string();
}

bool isValidVaultName(const std::string& name) {
  static const std::regex pattern("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$");
  return std::regex_match(name, pattern) && name.find("--") == std::string::npos;
}

}  // namespace

const ResourceManager::DeletedVault* ResourceManager::findDeletedVault(const std::string& name) const {
  auto found = deletedVaults_.find(toLower(name));
  if (found == deletedVaults_.end() || found->second.purgeScheduled <= clock_.now()) return nullptr;
  return &found->second;
}

std::optional<Response> ResourceManager::checkVaultNameFree(const ArmPath& path) const {
  std::string name = toLower(path.names.back());
  std::string ownKey = idKey(path.id());
  for (const auto& [key, resource] : resources_) {
    if (key == ownKey || toLower(resource.value("type", "")) != "microsoft.keyvault/vaults") continue;
    if (toLower(resource.value("name", "")) == name) {
      return armError(409, "VaultAlreadyExists", "The vault name '" + path.names.back() +
                                                     "' is already in use; vault names are global across all "
                                                     "subscriptions, so choose another name.");
    }
  }
  const DeletedVault* deleted = findDeletedVault(name);
  if (!deleted) return std::nullopt;
  if (subscriptionOf(deleted->vault.value("id", "")) == toLower(path.subscription)) {
    return armError(409, "ConflictError", "A vault named '" + path.names.back() +
                                              "' exists in the deleted state in this subscription: recover it "
                                              "(createMode recover) or purge it before reusing the name.");
  }
  return armError(409, "VaultAlreadyExists", "The vault name '" + path.names.back() +
                                                 "' is held by a soft-deleted vault in another subscription until it is "
                                                 "purged; choose another name.");
}

std::optional<Response> ResourceManager::recoverVault(const ArmPath& path, json& resource) {
  std::string name = toLower(path.names.back());
  const DeletedVault* deleted = findDeletedVault(name);
  if (!deleted || subscriptionOf(deleted->vault.value("id", "")) != toLower(path.subscription)) {
    // NOTE: the status that Azure pairs with SoftDeletedVaultDoesNotExist is a guess.
    return armError(404, "SoftDeletedVaultDoesNotExist", "No soft-deleted vault named '" + path.names.back() +
                                                             "' exists in subscription " + path.subscription +
                                                             "; create the vault without createMode recover.");
  }
  json recovered = deleted->vault;
  recovered["id"] = path.id();
  if (resource.contains("tags")) recovered["tags"] = resource["tags"];
  recovered["properties"]["provisioningState"] = "Succeeded";
  resource = recovered;
  deletedVaults_.erase(name);
  return std::nullopt;
}

void ResourceManager::softDeleteVault(const json& vault) {
  const json& properties = vault.value("properties", json::object());
  std::string name = toLower(vault.value("name", ""));
  if (!properties.value("enableSoftDelete", true)) {
    if (onVaultDataDiscarded) onVaultDataDiscarded(name);
    return;
  }
  int retentionDays = properties.value("softDeleteRetentionInDays", 90);
  TimePoint now = clock_.now();
  deletedVaults_[name] = DeletedVault{present(vault), now, now + std::chrono::hours(24 * retentionDays)};
}

json ResourceManager::presentDeletedVault(const DeletedVault& deleted) const {
  const json& vault = deleted.vault;
  std::string vaultId = vault.value("id", "");
  std::string location = vault.value("location", "");
  return {{"id", "/subscriptions/" + subscriptionOf(vaultId) + "/providers/Microsoft.KeyVault/locations/" + location +
                     "/deletedVaults/" + vault.value("name", "")},
          {"name", vault.value("name", "")},
          {"type", "Microsoft.KeyVault/deletedVaults"},
          {"properties",
           {{"vaultId", vaultId},
            {"location", location},
            {"tags", vault.value("tags", json::object())},
            {"deletionDate", isoTime(deleted.deleted)},
            {"scheduledPurgeDate", isoTime(deleted.purgeScheduled)},
            {"purgeProtectionEnabled", vault["properties"].value("enablePurgeProtection", false)}}}};
}

Response ResourceManager::checkNameAvailability(const Request& request) const {
  json body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("name") || !body["name"].is_string()) {
    return armError(400, "InvalidRequestContent", "The body must be {\"name\": \"...\", \"type\": \"Microsoft.KeyVault/vaults\"}.");
  }
  if (!equalsIgnoreCase(body.value("type", ""), "Microsoft.KeyVault/vaults")) {
    return armError(400, "InvalidParameter", "checkNameAvailability accepts only type Microsoft.KeyVault/vaults.");
  }
  std::string name = body["name"].get<std::string>();
  if (!isValidVaultName(name)) {
    return Response::json(200, {{"nameAvailable", false},
                                {"reason", "AccountNameInvalid"},
                                {"message", "The vault name '" + name + "' is invalid: use 3 to 24 letters, digits and "
                                            "hyphens, starting with a letter, ending with a letter or digit."}});
  }
  bool active = findVault(name).has_value();
  if (active || findDeletedVault(name)) {
    std::string why = active ? "' is already in use." : "' is held by a soft-deleted vault until it is purged.";
    return Response::json(200, {{"nameAvailable", false}, {"reason", "AlreadyExists"}, {"message", "The vault name '" + name + why}});
  }
  return Response::json(200, {{"nameAvailable", true}});
}

Response ResourceManager::listDeletedVaults(const Request& request, const std::string& subscription,
                                            const std::string& baseUrl) const {
  std::vector<json> items;
  for (const auto& [name, deleted] : deletedVaults_) {
    if (!findDeletedVault(name)) continue;
    if (subscriptionOf(deleted.vault.value("id", "")) == toLower(subscription)) items.push_back(presentDeletedVault(deleted));
  }
  return pagedList(request, items, baseUrl);
}

Response ResourceManager::getDeletedVault(const std::string& subscription, const std::string& location,
                                          const std::string& name) const {
  const DeletedVault* deleted = findDeletedVault(name);
  if (!deleted || subscriptionOf(deleted->vault.value("id", "")) != toLower(subscription) ||
      normalizeLocation(deleted->vault.value("location", "")) != normalizeLocation(location)) {
    // NOTE: Azure's error code for a missing deleted vault is not in the published examples.
    return armError(404, "ResourceNotFound", "No soft-deleted vault named '" + name + "' exists in location " + location +
                                                 " of subscription " + subscription + ".");
  }
  return Response::json(200, presentDeletedVault(*deleted));
}

Response ResourceManager::purgeDeletedVault(const Request& request, const std::string& subscription,
                                            const std::string& location, const std::string& name,
                                            const std::string& baseUrl) {
  Response found = getDeletedVault(subscription, location, name);
  if (found.status != 200) return found;
  const DeletedVault* deleted = findDeletedVault(name);
  if (deleted->vault["properties"].value("enablePurgeProtection", false)) {
    // NOTE: Azure answers "Operation 'DeletedVaultPurge' is not allowed" with code
    // MethodNotAllowed; the 405 status is inferred from that code.
    return armError(405, "MethodNotAllowed", "Vault '" + name + "' has purge protection, so it cannot be purged before " +
                                                 isoTime(deleted->purgeScheduled) + "; choose another vault name.");
  }
  std::string lowerName = toLower(name);
  deletedVaults_.erase(lowerName);
  if (onVaultDataDiscarded) onVaultDataDiscarded(lowerName);

  ArmPath operationPath;
  operationPath.subscription = subscription;
  operationPath.providerNamespace = "Microsoft.KeyVault";
  Operation& operation = startOperation("", "DELETE", operationPath, location, baseUrl);
  Response response = Response::empty(202);
  addOperationHeaders(response, operation, request.queryValue("api-version"));
  return response;
}

std::optional<VaultInfo> ResourceManager::findVault(const std::string& name) const {
  std::string lowerName = toLower(name);
  for (const auto& [key, resource] : resources_) {
    if (toLower(resource.value("type", "")) != "microsoft.keyvault/vaults" || toLower(resource.value("name", "")) != lowerName) continue;
    const json& properties = resource["properties"];
    VaultInfo info;
    info.id = resource["id"].get<std::string>();
    info.name = resource["name"].get<std::string>();
    info.subscription = subscriptionOf(info.id);
    info.location = resource.value("location", "");
    info.tenantId = properties.value("tenantId", config_.defaultTenantId);
    info.softDeleteEnabled = properties.value("enableSoftDelete", true);
    info.purgeProtectionEnabled = properties.value("enablePurgeProtection", false);
    info.retentionDays = properties.value("softDeleteRetentionInDays", 90);
    return info;
  }
  return std::nullopt;
}

void ResourceManager::seedDeletedVault(const json& deletedVault) {
  const json& properties = deletedVault.value("properties", json::object());
  std::string name = deletedVault.value("name", "");
  std::string vaultId = properties.value("vaultId", "");
  if (name.empty() || vaultId.empty()) return;
  TimePoint now = clock_.now();
  TimePoint deleted = parseIsoTime(properties.value("deletionDate", "")).value_or(now);
  TimePoint purge = parseIsoTime(properties.value("scheduledPurgeDate", "")).value_or(now + std::chrono::hours(24 * 90));
  json vault = {{"id", vaultId},
                {"name", name},
                {"type", "Microsoft.KeyVault/vaults"},
                {"location", normalizeLocation(properties.value("location", ""))},
                {"tags", properties.value("tags", json::object())},
                {"properties",
                 {{"tenantId", config_.defaultTenantId},
                  {"sku", {{"family", "A"}, {"name", "standard"}}},
                  {"enableSoftDelete", true},
                  {"enablePurgeProtection", properties.value("purgeProtectionEnabled", false)}}}};
  deletedVaults_[toLower(name)] = DeletedVault{vault, deleted, purge};
}

json ResourceManager::snapshotDeletedVaults() const {
  json vaults = json::array();
  for (const auto& [name, deleted] : deletedVaults_) {
    if (findDeletedVault(name)) vaults.push_back(presentDeletedVault(deleted));
  }
  return vaults;
}

}  // namespace kvr::sim
