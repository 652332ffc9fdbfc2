#include "simulator/key_vault_data_plane.h"

#include <algorithm>

#include "simulator/geography.h"
#include "simulator/key_vault_common.h"
#include "simulator/random_text.h"

#include <set>

namespace kvr::sim {

namespace {

using nlohmann::json;

// Azure's published limits on secrets.
constexpr std::size_t kMaxSecretValueBytes = 25 * 1024;
constexpr std::size_t kMaxContentTypeLength = 255;
constexpr std::size_t kMaxTags = 15;

Response secretNotFound(const std::string& name, const std::string& version) {
  std::string secretId = version.empty() ? name : name + "/" + version;
  return keyVaultError(404, "SecretNotFound", "A secret with (name/id) " + secretId +
                                                  " was not found in this key vault; check the name and version.");
}

std::optional<std::string> checkContentTypeAndTags(const json& body) {
  if (body.contains("contentType") && (!body["contentType"].is_string() || body["contentType"].get<std::string>().size() > kMaxContentTypeLength)) {
    return "contentType must be a string of at most 255 characters";
  }
  if (body.contains("tags") && (!body["tags"].is_object() || body["tags"].size() > kMaxTags)) {
    return "tags must be an object with at most 15 entries";
  }
  return std::nullopt;
}

}  // namespace

Response keyVaultError(int status, const std::string& code, const std::string& message) {
  return Response::json(status, {{"error", {{"code", code}, {"message", message}}}});
}

Response KeyVaultDataPlane::handle(const Request& request, const VaultInfo& vault, const std::string& vaultUri) {
  if (request.queryValue("api-version").empty()) {
    // NOTE: the code and message Azure returns for a missing api-version are not in the
    // published examples; BadParameter is Key Vault's code for invalid input.
    return keyVaultError(400, "BadParameter", "The api-version query parameter is missing: add ?api-version=7.6.");
  }
  std::vector<std::string> segments = splitPath(request.path);
  Secrets& secrets = vaults_[toLower(vault.name)];
  const std::string& method = request.method;
  if (segments.empty()) return keyVaultError(404, "NotFound", "kvsim serves secrets at " + vaultUri + "secrets and keys at " + vaultUri + "keys.");

  std::string collection = toLower(segments[0]);
  if (collection == "keys" || collection == "deletedkeys") return keys_.handle(request, segments, vault, vaultUri);
  if (collection == "certificates" || collection == "deletedcertificates") return certificates_.handle(request, segments, vault, vaultUri);
  if (collection == "deletedsecrets") return deletedSecret(secrets, request, segments, vault, vaultUri);
  if (collection != "secrets") {
    return keyVaultError(404, "NotFound", "kvsim serves no Key Vault operation at " + request.path +
                                              "; kvsim simulates secrets, keys and certificates.");
  }

  if (segments.size() == 1 && method == "GET") return listSecrets(request, secrets, vault, vaultUri, false);
  if (segments.size() == 2 && method == "POST" && toLower(segments[1]) == "restore") {
    return restoreSecret(request, secrets, vault, vaultUri);
  }
  if (segments.size() < 2) return keyVaultError(405, "MethodNotAllowed", method + " is not supported on " + request.path);

  const std::string& name = segments[1];
  if (!isValidObjectName(name)) {
    return keyVaultError(400, "BadParameter", "The secret name '" + name + "' is invalid: use 1 to 127 letters, digits and hyphens.");
  }
  std::string third = segments.size() > 2 ? segments[2] : "";
  if (segments.size() == 2 && method == "PUT") return setSecret(request, secrets, name, vault, vaultUri);
  if (segments.size() == 2 && method == "GET") return getSecret(secrets, name, "", vault, vaultUri);
  if (segments.size() == 2 && method == "PATCH") return updateSecret(request, secrets, name, "", vault, vaultUri);
  if (segments.size() == 2 && method == "DELETE") return deleteSecret(secrets, name, vault, vaultUri);
  if (segments.size() == 3 && method == "GET" && toLower(third) == "versions") return listVersions(request, secrets, name, vault, vaultUri);
  if (segments.size() == 3 && method == "POST" && toLower(third) == "backup") return backupSecret(secrets, name, vault);
  if (segments.size() == 3 && method == "GET") return getSecret(secrets, name, third, vault, vaultUri);
  if (segments.size() == 3 && method == "PATCH") return updateSecret(request, secrets, name, third, vault, vaultUri);
  return keyVaultError(405, "MethodNotAllowed", method + " is not supported on " + request.path);
}

json KeyVaultDataPlane::attributesFor(const SecretVersion& version, const VaultInfo& vault) const {
  json attributes = version.attributes;
  attributes["recoveryLevel"] = recoveryLevel(vault);
  if (vault.softDeleteEnabled) attributes["recoverableDays"] = vault.retentionDays;
  return attributes;
}

json KeyVaultDataPlane::bundle(const Secret& secret, const SecretVersion& version, const VaultInfo& vault,
                               const std::string& vaultUri, bool withValue) const {
  json result;
  if (withValue) result["value"] = version.value;
  result["id"] = vaultUri + "secrets/" + secret.name + "/" + version.version;
  result["attributes"] = attributesFor(version, vault);
  if (!version.contentType.empty()) result["contentType"] = version.contentType;
  if (!version.tags.empty()) result["tags"] = version.tags;
  if (secret.managed) result["managed"] = true;
  if (!version.keyId.empty()) result["kid"] = vaultUri + version.keyId;
  return result;
}

std::optional<Response> KeyVaultDataPlane::storeManagedVersion(const std::string& vaultName, const ManagedVersion& managed) {
  Secrets& secrets = vaults_[toLower(vaultName)];
  auto found = secrets.find(toLower(managed.name));
  if (found != secrets.end() && !found->second.versions.empty()) {
    if (found->second.deleted) return deletedButRecoverable("Secret", managed.name);
    if (!found->second.managed) {
      return keyVaultError(409, "Conflict", "Secret " + managed.name + " already exists in vault " + vaultName +
                                                ", so a certificate of that name cannot be stored.");
    }
  }
  if (auto conflict = keys_.checkManagedName(vaultName, managed.name)) return conflict;

  Secret& secret = secrets[toLower(managed.name)];
  if (secret.name.empty()) secret.name = managed.name;
  secret.managed = true;
  SecretVersion version;
  version.version = managed.version;
  version.value = managed.secretValue;
  version.contentType = managed.contentType;
  version.tags = managed.tags;
  version.attributes = managed.attributes;
  version.keyId = "keys/" + managed.name + "/" + managed.version;
  secret.versions.push_back(version);
  keys_.addManagedVersion(vaultName, managed.name, managed.version, managed.key, managed.attributes, managed.tags, managed.exportable);
  return std::nullopt;
}

void KeyVaultDataPlane::removeManaged(const std::string& vaultName, const std::string& name) {
  Secrets& secrets = vaults_[toLower(vaultName)];
  auto found = secrets.find(toLower(name));
  if (found != secrets.end() && found->second.managed) secrets.erase(found);
  keys_.removeManaged(vaultName, name);
}

Response KeyVaultDataPlane::setSecret(const Request& request, Secrets& secrets, const std::string& name,
                                      const VaultInfo& vault, const std::string& vaultUri) {
  std::optional<json> body = parseObject(request.body);
  if (!body || !body->contains("value") || !(*body)["value"].is_string()) {
    return keyVaultError(400, "BadParameter", "Setting secret " + name + " needs a JSON body with a string \"value\".");
  }
  const std::string& value = (*body)["value"].get_ref<const std::string&>();
  if (value.size() > kMaxSecretValueBytes) {
    return keyVaultError(400, "BadParameter", "The value of secret " + name + " is larger than 25 KB; store it elsewhere.");
  }
  if (auto problem = checkContentTypeAndTags(*body)) return keyVaultError(400, "BadParameter", "Secret " + name + ": " + *problem);

  Secret& secret = secrets[toLower(name)];
  if (secret.deleted) return deletedButRecoverable("Secret", name);
  if (secret.name.empty()) secret.name = name;

  SecretVersion version;
  version.version = randomHexId();
  version.value = value;
  version.contentType = body->value("contentType", "");
  version.tags = body->value("tags", json::object());
  long long now = unixSeconds(clock_.now());
  version.attributes = {{"enabled", true}, {"created", now}, {"updated", now}};
  if (body->contains("attributes")) {
    if (auto problem = applyAttributes(version.attributes, (*body)["attributes"])) {
      if (secret.versions.empty()) secrets.erase(toLower(name));
      return keyVaultError(400, "BadParameter", "Secret " + name + ": " + *problem);
    }
  }
  secret.versions.push_back(version);
  return Response::json(200, bundle(secret, secret.versions.back(), vault, vaultUri, true));
}

Response KeyVaultDataPlane::getSecret(Secrets& secrets, const std::string& name, const std::string& version,
                                      const VaultInfo& vault, const std::string& vaultUri) {
  auto found = secrets.find(toLower(name));
  if (found == secrets.end() || found->second.deleted || found->second.versions.empty()) return secretNotFound(name, version);
  const Secret& secret = found->second;
  const SecretVersion* chosen = &secret.versions.back();
  if (!version.empty()) {
    chosen = nullptr;
    for (const SecretVersion& candidate : secret.versions) {
      if (equalsIgnoreCase(candidate.version, version)) chosen = &candidate;
    }
    if (!chosen) return secretNotFound(name, version);
  }
  if (!chosen->attributes.value("enabled", true)) {
    Response response = keyVaultError(403, "Forbidden", "Operation get is not allowed on a disabled secret.");
    json body = json::parse(response.body);
    body["error"]["innererror"] = {{"code", "SecretDisabled"}};
    response.body = body.dump();
    return response;
  }
  if (!chosen->valueKnown) {
    if (chosen->readError.is_object()) {
      return keyVaultError(chosen->readError.value("status", 403), chosen->readError.value("code", "Forbidden"),
                           "The estate recorded that this version's value could not be read.");
    }
    return keyVaultError(403, "Forbidden", "The estate file gave no value for secret " + name + "/" + chosen->version +
                                               "; add \"value\" to seed it.");
  }
  return Response::json(200, bundle(secret, *chosen, vault, vaultUri, true));
}

Response KeyVaultDataPlane::updateSecret(const Request& request, Secrets& secrets, const std::string& name,
                                         const std::string& version, const VaultInfo& vault, const std::string& vaultUri) {
  std::optional<json> body = parseObject(request.body);
  if (!body) return keyVaultError(400, "BadParameter", "Updating secret " + name + " needs a JSON object body.");
  if (auto problem = checkContentTypeAndTags(*body)) return keyVaultError(400, "BadParameter", "Secret " + name + ": " + *problem);
  auto found = secrets.find(toLower(name));
  if (found == secrets.end() || found->second.deleted || found->second.versions.empty()) return secretNotFound(name, version);
  Secret& secret = found->second;
  SecretVersion* chosen = &secret.versions.back();
  if (!version.empty()) {
    chosen = nullptr;
    for (SecretVersion& candidate : secret.versions) {
      if (equalsIgnoreCase(candidate.version, version)) chosen = &candidate;
    }
    if (!chosen) return secretNotFound(name, version);
  }
  json attributes = chosen->attributes;
  if (body->contains("attributes")) {
    if (auto problem = applyAttributes(attributes, (*body)["attributes"])) return keyVaultError(400, "BadParameter", "Secret " + name + ": " + *problem);
  }
  attributes["updated"] = unixSeconds(clock_.now());
  chosen->attributes = attributes;
  if (body->contains("contentType")) chosen->contentType = (*body)["contentType"].get<std::string>();
  if (body->contains("tags")) chosen->tags = (*body)["tags"];
  return Response::json(200, bundle(secret, *chosen, vault, vaultUri, false));
}

json KeyVaultDataPlane::deletedBundle(const Secret& secret, const VaultInfo& vault, const std::string& vaultUri) const {
  json result = bundle(secret, secret.versions.back(), vault, vaultUri, false);
  if (vault.softDeleteEnabled) {
    result["recoveryId"] = vaultUri + "deletedsecrets/" + secret.name;
    result["deletedDate"] = secret.deletedDate;
    result["scheduledPurgeDate"] = secret.scheduledPurgeDate;
  }
  return result;
}

Response KeyVaultDataPlane::deleteSecret(Secrets& secrets, const std::string& name, const VaultInfo& vault,
                                         const std::string& vaultUri) {
  auto found = secrets.find(toLower(name));
  if (found == secrets.end() || found->second.deleted || found->second.versions.empty()) return secretNotFound(name, "");
  Secret& secret = found->second;
  long long now = unixSeconds(clock_.now());
  secret.deletedDate = now;
  secret.scheduledPurgeDate = now + 24LL * 3600 * vault.retentionDays;
  json result = deletedBundle(secret, vault, vaultUri);
  if (vault.softDeleteEnabled) secret.deleted = true;
  else secrets.erase(found);
  return Response::json(200, result);
}

Response KeyVaultDataPlane::deletedSecret(Secrets& secrets, const Request& request, const std::vector<std::string>& segments,
                                          const VaultInfo& vault, const std::string& vaultUri) {
  if (segments.size() == 1 && request.method == "GET") return listSecrets(request, secrets, vault, vaultUri, true);
  if (segments.size() < 2) return keyVaultError(405, "MethodNotAllowed", request.method + " is not supported on " + request.path);
  const std::string& name = segments[1];
  auto found = secrets.find(toLower(name));
  if (found == secrets.end() || !found->second.deleted) {
    return keyVaultError(404, "SecretNotFound", "Deleted secret " + name + " was not found in this key vault.");
  }
  Secret& secret = found->second;
  if (segments.size() == 2 && request.method == "GET") return Response::json(200, deletedBundle(secret, vault, vaultUri));
  if (segments.size() == 2 && request.method == "DELETE") {
    if (vault.purgeProtectionEnabled) {
      return keyVaultError(403, "Forbidden", "Operation purge is not allowed because purge protection is enabled for this "
                                             "vault; the secret is purged after its retention period.");
    }
    secrets.erase(found);
    return Response::empty(204);
  }
  if (segments.size() == 3 && request.method == "POST" && toLower(segments[2]) == "recover") {
    secret.deleted = false;
    return Response::json(200, bundle(secret, secret.versions.back(), vault, vaultUri, false));
  }
  return keyVaultError(405, "MethodNotAllowed", request.method + " is not supported on " + request.path);
}

Response KeyVaultDataPlane::page(const Request& request, const std::vector<json>& items, const std::string& link) const {
  return pageItems(request, items, link, config_.keyVaultPageSize);
}

Response KeyVaultDataPlane::listSecrets(const Request& request, const Secrets& secrets, const VaultInfo& vault,
                                        const std::string& vaultUri, bool deleted) const {
  std::vector<json> items;
  for (const auto& [key, secret] : secrets) {
    if (secret.deleted != deleted || secret.versions.empty()) continue;
    json item = deleted ? deletedBundle(secret, vault, vaultUri) : bundle(secret, secret.versions.back(), vault, vaultUri, false);
    item["id"] = vaultUri + "secrets/" + secret.name;
    items.push_back(item);
  }
  return page(request, items, vaultUri + (deleted ? "deletedsecrets" : "secrets"));
}

Response KeyVaultDataPlane::listVersions(const Request& request, const Secrets& secrets, const std::string& name,
                                         const VaultInfo& vault, const std::string& vaultUri) const {
  auto found = secrets.find(toLower(name));
  if (found == secrets.end() || found->second.deleted) return secretNotFound(name, "");
  std::vector<json> items;
  for (const SecretVersion& version : found->second.versions) items.push_back(bundle(found->second, version, vault, vaultUri, false));
  return page(request, items, vaultUri + "secrets/" + found->second.name + "/versions");
}

Response KeyVaultDataPlane::backupSecret(const Secrets& secrets, const std::string& name, const VaultInfo& vault) const {
  auto found = secrets.find(toLower(name));
  if (found == secrets.end() || found->second.deleted) return secretNotFound(name, "");
  json payload = {{"subscription", toLower(vault.subscription)},
                  {"geography", geographyOf(vault.location)},
                  {"name", found->second.name},
                  {"managed", found->second.managed},
                  {"versions", json::array()}};
  for (const SecretVersion& version : found->second.versions) {
    payload["versions"].push_back({{"version", version.version},
                                   {"value", version.value},
                                   {"valueKnown", version.valueKnown},
                                   {"contentType", version.contentType},
                                   {"tags", version.tags},
                                   {"attributes", version.attributes}});
  }
  return Response::json(200, {{"value", cipher_.seal(payload.dump())}});
}

Response KeyVaultDataPlane::restoreSecret(const Request& request, Secrets& secrets, const VaultInfo& vault,
                                          const std::string& vaultUri) {
  json payload = openBackupPayload(request, cipher_);
  if (!payload.is_object() || payload.contains("objectType")) {
    return keyVaultError(400, "BadParameter", "The backup blob is not a secret backup that kvsim produced, or it was altered.");
  }
  if (auto refused = checkRestoreTarget(payload, vault)) return *refused;
  std::string name = payload.value("name", "");
  if (secrets.count(toLower(name)) && !secrets[toLower(name)].versions.empty()) {
    return keyVaultError(409, "Conflict", "Secret " + name + " already exists in vault " + vault.name +
                                              " (or is soft-deleted); restore needs a free name.");
  }
  Secret secret;
  secret.name = name;
  secret.managed = payload.value("managed", false);
  for (const json& item : payload["versions"]) {
    SecretVersion version;
    version.version = item.value("version", "");
    version.value = item.value("value", "");
    version.valueKnown = item.value("valueKnown", true);
    version.contentType = item.value("contentType", "");
    version.tags = item.value("tags", json::object());
    version.attributes = item.value("attributes", json::object());
    secret.versions.push_back(version);
  }
  secrets[toLower(name)] = secret;
  return Response::json(200, bundle(secret, secret.versions.back(), vault, vaultUri, false));
}

namespace {

// The versions to seed for one secret: `versions` as listed, or, for a secret that an
// estate summarises as `versionCount` and `versionsSummary`, that many versions without
// values, created evenly between oldestCreated and newestCreated, then `newest` itself.
json seededVersions(const json& item) {
  if (item.contains("versions") || !item.contains("versionsSummary")) return item.value("versions", json::array());
  const json& summary = item["versionsSummary"];
  json newest = summary.value("newest", json::object());
  long long count = item.value("versionCount", 1LL);
  long long oldest = summary.value("oldestCreated", 0LL);
  long long latest = summary.value("newestCreated", oldest);
  json versions = json::array();
  for (long long index = 0; index + 1 < count; ++index) {
    long long created = oldest + (latest - oldest) * index / std::max(1LL, count - 1);
    versions.push_back({{"attributes", {{"enabled", true}, {"created", created}}}});
  }
  versions.push_back(newest);
  return versions;
}

}  // namespace

void KeyVaultDataPlane::seedVault(const std::string& vaultName, const json& dataPlane) {
  Secrets& secrets = vaults_[toLower(vaultName)];
  long long now = unixSeconds(clock_.now());
  std::set<std::string> certificateNames;
  for (const json& certificate : dataPlane.value("certificates", json::array())) certificateNames.insert(toLower(certificate.value("name", "")));
  for (const json& item : dataPlane.value("secrets", json::array())) {
    Secret secret;
    secret.name = item.value("name", "");
    if (secret.name.empty() || (item.value("managed", false) && certificateNames.count(toLower(secret.name)))) continue;
    secret.managed = item.value("managed", false);
    for (const json& seeded : seededVersions(item)) {
      SecretVersion version;
      version.version = seeded.value("version", randomHexId());
      version.valueKnown = seeded.contains("value") && seeded["value"].is_string();
      if (version.valueKnown) version.value = seeded["value"].get<std::string>();
      version.readError = seeded.value("readError", json());
      version.contentType = seeded.value("contentType", item.value("contentType", ""));
      version.tags = seeded.value("tags", item.value("tags", json::object()));
      json attributes = seeded.value("attributes", json::object());
      json settable = json::object();  // recoveryLevel and recoverableDays come from the vault
      for (const char* member : {"enabled", "nbf", "exp", "created", "updated"}) {
        if (attributes.contains(member) && !attributes[member].is_null()) settable[member] = attributes[member];
      }
      if (!settable.contains("enabled")) settable["enabled"] = true;
      if (!settable.contains("created")) settable["created"] = now;
      if (!settable.contains("updated")) settable["updated"] = settable["created"];
      version.attributes = settable;
      secret.versions.push_back(version);
    }
    if (!secret.versions.empty()) secrets[toLower(secret.name)] = secret;
  }
  json keys = json::array();
  for (const json& key : dataPlane.value("keys", json::array())) {
    if (!(key.value("managed", false) && certificateNames.count(toLower(key.value("name", ""))))) keys.push_back(key);
  }
  keys_.seedVault(vaultName, keys);
  certificates_.seedVault(vaultName, dataPlane.value("certificates", json::array()), dataPlane.value("secrets", json::array()));
}

void KeyVaultDataPlane::discardVault(const std::string& vaultName) {
  vaults_.erase(toLower(vaultName));
  keys_.discardVault(vaultName);
  certificates_.discardVault(vaultName);
}

KeyVaultDataPlane::SecretLookup KeyVaultDataPlane::lookupSecret(const std::string& vaultName, const std::string& name,
                                                               const std::string& version) const {
  SecretLookup result;
  auto vault = vaults_.find(toLower(vaultName));
  if (vault == vaults_.end()) return result;
  auto found = vault->second.find(toLower(name));
  if (found == vault->second.end() || found->second.deleted || found->second.versions.empty()) return result;
  result.secretFound = true;
  const SecretVersion* chosen = version.empty() ? &found->second.versions.back() : nullptr;
  for (const SecretVersion& candidate : found->second.versions) {
    if (!version.empty() && equalsIgnoreCase(candidate.version, version)) chosen = &candidate;
  }
  if (!chosen) return result;
  result.versionFound = true;
  result.version = chosen->version;
  result.enabled = chosen->attributes.value("enabled", true);
  result.valueReadable = chosen->valueKnown;
  return result;
}

json KeyVaultDataPlane::snapshot(bool includeValues) const {
  json dataPlane = json::object();
  for (const auto& [vaultName, secrets] : vaults_) {
    json entry = {{"secrets", json::array()}, {"keys", json::array()}, {"certificates", json::array()}};
    for (const auto& [key, secret] : secrets) {
      json item = {{"name", secret.name}, {"managed", secret.managed}, {"deleted", secret.deleted}, {"versions", json::array()}};
      for (const SecretVersion& version : secret.versions) {
        json seeded = {{"version", version.version}, {"attributes", version.attributes}, {"tags", version.tags}};
        if (!version.contentType.empty()) seeded["contentType"] = version.contentType;
        if (includeValues && version.valueKnown) seeded["value"] = version.value;
        item["versions"].push_back(seeded);
      }
      entry["secrets"].push_back(item);
    }
    entry["keys"] = keys_.snapshot(vaultName);
    entry["certificates"] = certificates_.snapshot(vaultName);
    dataPlane[vaultName] = entry;
  }
  std::vector<std::string> otherVaults = keys_.vaultNames();
  for (const std::string& vaultName : certificates_.vaultNames()) otherVaults.push_back(vaultName);
  for (const std::string& vaultName : otherVaults) {
    if (dataPlane.contains(vaultName)) continue;
    dataPlane[vaultName] = {{"secrets", json::array()}, {"keys", keys_.snapshot(vaultName)}, {"certificates", certificates_.snapshot(vaultName)}};
  }
  return dataPlane;
}

}  // namespace kvr::sim
