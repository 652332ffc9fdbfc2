#include "simulator/key_vault_keys.h"

#include "simulator/geography.h"
#include "simulator/key_vault_common.h"
#include "simulator/key_vault_data_plane.h"
#include "simulator/random_text.h"

#include <algorithm>
#include <stdexcept>

namespace kvr::sim {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxTags = 15;

Response keyNotFound(const std::string& name, const std::string& version) {
  std::string keyId = version.empty() ? name : name + "/" + version;
  return keyVaultError(404, "KeyNotFound", "A key with (name/id) " + keyId + " was not found in this key vault; check the name and version.");
}

Response methodNotAllowed(const Request& request) {
  return keyVaultError(405, "MethodNotAllowed", request.method + " is not supported on " + request.path);
}

bool isRsa(const std::string& kty) { return kty == "RSA" || kty == "RSA-HSM"; }

// The operations Key Vault allows on a new key when the request names none.
json defaultKeyOps(const std::string& kty) {
  if (isRsa(kty)) return {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"};
  return {"sign", "verify"};
}

std::optional<std::string> checkKeyOpsAndTags(const json& body) {
  static const std::vector<std::string> kOperations = {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export"};
  if (body.contains("key_ops")) {
    if (!body["key_ops"].is_array()) return "key_ops must be an array";
    for (const json& operation : body["key_ops"]) {
      if (!operation.is_string() || std::find(kOperations.begin(), kOperations.end(), operation.get<std::string>()) == kOperations.end()) {
        return "key_ops contains '" + operation.dump() + "', which is not a key operation";
      }
    }
  }
  if (body.contains("tags") && (!body["tags"].is_object() || body["tags"].size() > kMaxTags)) {
    return "tags must be an object with at most 15 entries";
  }
  return std::nullopt;
}

// Checks a rotation policy body: lifetimeActions with one trigger and a Rotate or Notify
// action each, and an optional attributes.expiryTime duration.
std::optional<std::string> checkRotationPolicy(const json& body) {
  if (body.contains("lifetimeActions")) {
    if (!body["lifetimeActions"].is_array()) return "lifetimeActions must be an array";
    for (const json& action : body["lifetimeActions"]) {
      const json trigger = action.value("trigger", json::object());
      bool afterCreate = trigger.contains("timeAfterCreate") && trigger["timeAfterCreate"].is_string();
      bool beforeExpiry = trigger.contains("timeBeforeExpiry") && trigger["timeBeforeExpiry"].is_string();
      if (afterCreate == beforeExpiry) return "each lifetime action needs exactly one of timeAfterCreate and timeBeforeExpiry";
      std::string type = toLower(action.value("action", json::object()).value("type", ""));
      if (type != "rotate" && type != "notify") return "each lifetime action needs action.type Rotate or Notify";
    }
  }
  if (body.contains("attributes")) {
    const json& attributes = body["attributes"];
    if (!attributes.is_object()) return "attributes must be an object";
    if (attributes.contains("expiryTime") && !attributes["expiryTime"].is_string()) return "attributes.expiryTime must be an ISO 8601 duration";
  }
  return std::nullopt;
}

}  // namespace

Response KeyVaultKeys::handle(const Request& request, const std::vector<std::string>& segments, const VaultInfo& vault,
                              const std::string& vaultUri) {
  Target target{vaults_[toLower(vault.name)], vault, vaultUri};
  if (toLower(segments[0]) == "deletedkeys") return deletedKey(request, segments, target);
  if (segments.size() == 1 && request.method == "GET") return listKeys(request, target, false);
  if (segments.size() == 2 && request.method == "POST" && toLower(segments[1]) == "restore") return restoreKey(request, target);
  if (segments.size() < 2) return methodNotAllowed(request);
  if (!isValidObjectName(segments[1])) {
    return keyVaultError(400, "BadParameter", "The key name '" + segments[1] + "' is invalid: use 1 to 127 letters, digits and hyphens.");
  }
  return routeKey(request, segments, target);
}

Response KeyVaultKeys::routeKey(const Request& request, const std::vector<std::string>& segments, Target target) {
  const std::string& method = request.method;
  const std::string& name = segments[1];
  std::string third = segments.size() > 2 ? toLower(segments[2]) : "";
  if (segments.size() == 2) {
    if (method == "PUT") return importKey(request, name, target);
    if (method == "GET") return getKey(name, "", target);
    if (method == "PATCH") return updateKey(request, name, "", target);
    if (method == "DELETE") return deleteKey(name, target);
    return methodNotAllowed(request);
  }
  if (segments.size() != 3) return methodNotAllowed(request);
  if (method == "POST" && third == "create") return createKey(request, name, target);
  if (method == "POST" && third == "rotate") return rotateKey(name, target);
  if (method == "POST" && third == "backup") return backupKey(name, target);
  if (method == "GET" && third == "versions") return listVersions(request, name, target);
  if (method == "GET" && third == "rotationpolicy") return getRotationPolicy(name, target);
  if (method == "PUT" && third == "rotationpolicy") return putRotationPolicy(request, name, target);
  if (method == "GET") return getKey(name, segments[2], target);
  if (method == "PATCH") return updateKey(request, name, segments[2], target);
  return methodNotAllowed(request);
}

const KeyMaterial& KeyVaultKeys::materialOf(const KeyVersion& version) const {
  if (!version.material) version.material = generateKeyMaterial(version.kty, version.keySize, version.curve);
  return *version.material;
}

json KeyVaultKeys::attributesFor(const KeyVersion& version, const VaultInfo& vault) const {
  json attributes = version.attributes;
  attributes["recoveryLevel"] = recoveryLevel(vault);
  if (vault.softDeleteEnabled) attributes["recoverableDays"] = vault.retentionDays;
  return attributes;
}

json KeyVaultKeys::bundle(const Key& key, const KeyVersion& version, Target target) const {
  json jwk = materialOf(version).publicJwk;
  jwk["kid"] = target.vaultUri + "keys/" + key.name + "/" + version.version;
  jwk["key_ops"] = version.keyOps;
  json result = {{"key", jwk}, {"attributes", attributesFor(version, target.vault)}};
  if (!version.tags.empty()) result["tags"] = version.tags;
  if (key.managed) result["managed"] = true;
  return result;
}

// A KeyItem: the kid without version, attributes and tags of the current version.
json KeyVaultKeys::item(const Key& key, Target target) const {
  const KeyVersion& current = key.versions.back();
  json result = {{"kid", target.vaultUri + "keys/" + key.name}, {"attributes", attributesFor(current, target.vault)}};
  if (!current.tags.empty()) result["tags"] = current.tags;
  if (key.managed) result["managed"] = true;
  return result;
}

KeyVaultKeys::Key* KeyVaultKeys::findLive(Keys& keys, const std::string& name) {
  auto found = keys.find(toLower(name));
  if (found == keys.end() || found->second.deleted || found->second.versions.empty()) return nullptr;
  return &found->second;
}

std::optional<Response> KeyVaultKeys::addVersion(Keys& keys, const std::string& name, KeyVersion version) {
  auto found = keys.find(toLower(name));
  if (found != keys.end() && found->second.deleted) {
    return deletedButRecoverable("Key", name);
  }
  Key& key = keys[toLower(name)];
  if (key.name.empty()) key.name = name;
  key.versions.push_back(std::move(version));
  return std::nullopt;
}

Response KeyVaultKeys::createKey(const Request& request, const std::string& name, Target target) {
  std::optional<json> body = parseObject(request.body);
  if (!body || !body->contains("kty") || !(*body)["kty"].is_string()) {
    return keyVaultError(400, "BadParameter", "Creating key " + name + " needs a JSON body with a string \"kty\".");
  }
  if (auto problem = checkKeyOpsAndTags(*body)) return keyVaultError(400, "BadParameter", "Key " + name + ": " + *problem);

  KeyVersion version;
  version.version = randomHexId();
  version.kty = (*body)["kty"].get<std::string>();
  version.keySize = isRsa(version.kty) ? body->value("key_size", 2048) : 0;
  version.curve = isRsa(version.kty) ? "" : body->value("crv", "P-256");
  long long now = unixSeconds(clock_.now());
  version.attributes = {{"enabled", true}, {"created", now}, {"updated", now}};
  if (body->contains("attributes")) {
    if (auto problem = applyAttributes(version.attributes, (*body)["attributes"])) return keyVaultError(400, "BadParameter", "Key " + name + ": " + *problem);
  }
  version.keyOps = body->value("key_ops", defaultKeyOps(version.kty));
  version.tags = body->value("tags", json::object());
  try {
    version.material = generateKeyMaterial(version.kty, version.keySize, version.curve);
  } catch (const std::invalid_argument& error) {
    return keyVaultError(400, "BadParameter", "Key " + name + ": " + error.what() + ".");
  }
  if (auto conflict = addVersion(target.keys, name, std::move(version))) return *conflict;
  const Key& key = target.keys[toLower(name)];
  return Response::json(200, bundle(key, key.versions.back(), target));
}

Response KeyVaultKeys::importKey(const Request& request, const std::string& name, Target target) {
  std::optional<json> body = parseObject(request.body);
  if (!body || !body->contains("key")) return keyVaultError(400, "BadParameter", "Importing key " + name + " needs a JSON body with a \"key\" JSON Web Key.");
  if (auto problem = checkKeyOpsAndTags((*body)["key"])) return keyVaultError(400, "BadParameter", "Key " + name + ": " + *problem);
  if (auto problem = checkKeyOpsAndTags(*body)) return keyVaultError(400, "BadParameter", "Key " + name + ": " + *problem);
  std::string problem;
  std::optional<KeyMaterial> material = importJwk((*body)["key"], problem);
  if (!material) return keyVaultError(400, "BadParameter", "Key " + name + ": " + problem + ".");

  KeyVersion version;
  version.version = randomHexId();
  version.kty = material->publicJwk["kty"].get<std::string>();
  if (body->value("Hsm", false) && version.kty.find("-HSM") == std::string::npos) version.kty += "-HSM";
  material->publicJwk["kty"] = version.kty;
  version.keySize = rsaKeySize(*material);
  version.curve = material->publicJwk.value("crv", "");
  version.keyOps = (*body)["key"].value("key_ops", defaultKeyOps(version.kty));
  version.tags = body->value("tags", json::object());
  version.material = std::move(material);
  long long now = unixSeconds(clock_.now());
  version.attributes = {{"enabled", true}, {"created", now}, {"updated", now}};
  if (body->contains("attributes")) {
    if (auto attributeProblem = applyAttributes(version.attributes, (*body)["attributes"])) {
      return keyVaultError(400, "BadParameter", "Key " + name + ": " + *attributeProblem);
    }
  }
  if (auto conflict = addVersion(target.keys, name, std::move(version))) return *conflict;
  const Key& key = target.keys[toLower(name)];
  return Response::json(200, bundle(key, key.versions.back(), target));
}

Response KeyVaultKeys::getKey(const std::string& name, const std::string& version, Target target) {
  Key* key = findLive(target.keys, name);
  if (!key) return keyNotFound(name, version);
  KeyVersion* chosen = &key->versions.back();
  if (!version.empty()) {
    chosen = nullptr;
    for (KeyVersion& candidate : key->versions) {
      if (equalsIgnoreCase(candidate.version, version)) chosen = &candidate;
    }
    if (!chosen) return keyNotFound(name, version);
  }
  // NOTE: kvsim returns the public key of a disabled version, as it does for enabled ones;
  // Azure's answer for GET on a disabled key is not in the published examples.
  return Response::json(200, bundle(*key, *chosen, target));
}

Response KeyVaultKeys::updateKey(const Request& request, const std::string& name, const std::string& version, Target target) {
  std::optional<json> body = parseObject(request.body);
  if (!body) return keyVaultError(400, "BadParameter", "Updating key " + name + " needs a JSON object body.");
  if (auto problem = checkKeyOpsAndTags(*body)) return keyVaultError(400, "BadParameter", "Key " + name + ": " + *problem);
  Key* key = findLive(target.keys, name);
  if (!key) return keyNotFound(name, version);
  KeyVersion* chosen = &key->versions.back();
  if (!version.empty()) {
    chosen = nullptr;
    for (KeyVersion& candidate : key->versions) {
      if (equalsIgnoreCase(candidate.version, version)) chosen = &candidate;
    }
    if (!chosen) return keyNotFound(name, version);
  }
  json attributes = chosen->attributes;
  if (body->contains("attributes")) {
    if (auto problem = applyAttributes(attributes, (*body)["attributes"])) return keyVaultError(400, "BadParameter", "Key " + name + ": " + *problem);
  }
  attributes["updated"] = unixSeconds(clock_.now());
  chosen->attributes = attributes;
  if (body->contains("key_ops")) chosen->keyOps = (*body)["key_ops"];
  if (body->contains("tags")) chosen->tags = (*body)["tags"];
  return Response::json(200, bundle(*key, *chosen, target));
}

json KeyVaultKeys::deletedBundle(const Key& key, Target target) const {
  json result = bundle(key, key.versions.back(), target);
  if (target.vault.softDeleteEnabled) {
    result["recoveryId"] = target.vaultUri + "deletedkeys/" + key.name;
    result["deletedDate"] = key.deletedDate;
    result["scheduledPurgeDate"] = key.scheduledPurgeDate;
  }
  return result;
}

Response KeyVaultKeys::deleteKey(const std::string& name, Target target) {
  Key* key = findLive(target.keys, name);
  if (!key) return keyNotFound(name, "");
  long long now = unixSeconds(clock_.now());
  key->deletedDate = now;
  key->scheduledPurgeDate = now + 24LL * 3600 * target.vault.retentionDays;
  json result = deletedBundle(*key, target);
  if (target.vault.softDeleteEnabled) key->deleted = true;
  else target.keys.erase(toLower(name));
  return Response::json(200, result);
}

Response KeyVaultKeys::deletedKey(const Request& request, const std::vector<std::string>& segments, Target target) {
  if (segments.size() == 1 && request.method == "GET") return listKeys(request, target, true);
  if (segments.size() < 2) return methodNotAllowed(request);
  const std::string& name = segments[1];
  auto found = target.keys.find(toLower(name));
  if (found == target.keys.end() || !found->second.deleted) {
    return keyVaultError(404, "KeyNotFound", "Deleted key " + name + " was not found in this key vault.");
  }
  Key& key = found->second;
  if (segments.size() == 2 && request.method == "GET") return Response::json(200, deletedBundle(key, target));
  if (segments.size() == 2 && request.method == "DELETE") {
    if (target.vault.purgeProtectionEnabled) {
      return keyVaultError(403, "Forbidden", "Operation purge is not allowed because purge protection is enabled for this "
                                             "vault; the key is purged after its retention period.");
    }
    target.keys.erase(found);
    return Response::empty(204);
  }
  if (segments.size() == 3 && request.method == "POST" && toLower(segments[2]) == "recover") {
    key.deleted = false;
    return Response::json(200, bundle(key, key.versions.back(), target));
  }
  return methodNotAllowed(request);
}

Response KeyVaultKeys::listKeys(const Request& request, Target target, bool deleted) const {
  std::vector<json> items;
  for (const auto& [lowerName, key] : target.keys) {
    if (key.deleted != deleted || key.versions.empty()) continue;
    json entry = item(key, target);
    if (deleted && target.vault.softDeleteEnabled) {
      entry["recoveryId"] = target.vaultUri + "deletedkeys/" + key.name;
      entry["deletedDate"] = key.deletedDate;
      entry["scheduledPurgeDate"] = key.scheduledPurgeDate;
    }
    items.push_back(entry);
  }
  return pageItems(request, items, target.vaultUri + (deleted ? "deletedkeys" : "keys"), config_.keyVaultPageSize);
}

Response KeyVaultKeys::listVersions(const Request& request, const std::string& name, Target target) const {
  auto found = target.keys.find(toLower(name));
  if (found == target.keys.end() || found->second.deleted || found->second.versions.empty()) return keyNotFound(name, "");
  const Key& key = found->second;
  std::vector<json> items;
  for (const KeyVersion& version : key.versions) {
    json entry = {{"kid", target.vaultUri + "keys/" + key.name + "/" + version.version}, {"attributes", attributesFor(version, target.vault)}};
    if (!version.tags.empty()) entry["tags"] = version.tags;
    if (key.managed) entry["managed"] = true;
    items.push_back(entry);
  }
  return pageItems(request, items, target.vaultUri + "keys/" + key.name + "/versions", config_.keyVaultPageSize);
}

Response KeyVaultKeys::backupKey(const std::string& name, Target target) {
  Key* key = findLive(target.keys, name);
  if (!key) return keyNotFound(name, "");
  // The blob carries the private members, sealed, so that a restore serves the same keys.
  json payload = {{"subscription", toLower(target.vault.subscription)},
                  {"geography", geographyOf(target.vault.location)},
                  {"objectType", "key"},
                  {"name", key->name},
                  {"managed", key->managed},
                  {"versions", json::array()}};
  for (KeyVersion& version : key->versions) {
    const KeyMaterial& material = materialOf(version);
    payload["versions"].push_back({{"version", version.version},
                                   {"kty", version.kty},
                                   {"keySize", version.keySize},
                                   {"crv", version.curve},
                                   {"publicJwk", material.publicJwk},
                                   {"privateJwk", material.privateJwk},
                                   {"keyOps", version.keyOps},
                                   {"tags", version.tags},
                                   {"attributes", version.attributes}});
  }
  return Response::json(200, {{"value", cipher_.seal(payload.dump())}});
}

Response KeyVaultKeys::restoreKey(const Request& request, Target target) {
  json payload = openBackupPayload(request, cipher_);
  if (!payload.is_object() || payload.value("objectType", "") != "key") {
    return keyVaultError(400, "BadParameter", "The backup blob is not a key backup that kvsim produced, or it was altered.");
  }
  if (auto refused = checkRestoreTarget(payload, target.vault)) return *refused;
  std::string name = payload.value("name", "");
  if (target.keys.count(toLower(name))) {
    return keyVaultError(409, "Conflict", "Key " + name + " already exists in vault " + target.vault.name + " (or is soft-deleted); restore needs a free name.");
  }
  Key key;
  key.name = name;
  key.managed = payload.value("managed", false);
  for (const json& saved : payload["versions"]) {
    KeyVersion version;
    version.version = saved.value("version", "");
    version.kty = saved.value("kty", "");
    version.keySize = saved.value("keySize", 0);
    version.curve = saved.value("crv", "");
    version.material = KeyMaterial{saved["publicJwk"], saved["privateJwk"]};
    version.keyOps = saved.value("keyOps", json::array());
    version.tags = saved.value("tags", json::object());
    version.attributes = saved.value("attributes", json::object());
    key.versions.push_back(std::move(version));
  }
  // Backups do not carry rotation policies, as in Azure, so they must be set again.
  target.keys[toLower(name)] = std::move(key);
  const Key& restored = target.keys[toLower(name)];
  return Response::json(200, bundle(restored, restored.versions.back(), target));
}

json KeyVaultKeys::presentRotationPolicy(const Key& key, const std::string& vaultUri) const {
  json policy = key.rotationPolicy;
  if (policy.is_null()) {
    // NOTE: the policy that Azure reports for a key that never had one is taken to be a
    // single Notify action 30 days before expiry; kvsim has not compared it with Azure.
    policy = {{"lifetimeActions", json::array({{{"trigger", {{"timeBeforeExpiry", "P30D"}}}, {"action", {{"type", "Notify"}}}}})},
              {"attributes", json::object()}};
  }
  policy["id"] = vaultUri + "keys/" + key.name + "/rotationpolicy";
  return policy;
}

Response KeyVaultKeys::getRotationPolicy(const std::string& name, Target target) const {
  auto found = target.keys.find(toLower(name));
  if (found == target.keys.end() || found->second.deleted || found->second.versions.empty()) return keyNotFound(name, "");
  return Response::json(200, presentRotationPolicy(found->second, target.vaultUri));
}

Response KeyVaultKeys::putRotationPolicy(const Request& request, const std::string& name, Target target) {
  std::optional<json> body = parseObject(request.body);
  if (!body) return keyVaultError(400, "BadParameter", "Setting the rotation policy of key " + name + " needs a JSON object body.");
  if (auto problem = checkRotationPolicy(*body)) return keyVaultError(400, "BadParameter", "Rotation policy of key " + name + ": " + *problem + ".");
  Key* key = findLive(target.keys, name);
  if (!key) return keyNotFound(name, "");

  long long now = unixSeconds(clock_.now());
  json attributes = body->value("attributes", json::object());
  attributes.erase("created");
  attributes.erase("updated");
  bool hadPolicy = key->rotationPolicy.is_object();
  attributes["created"] = hadPolicy ? key->rotationPolicy["attributes"].value("created", now) : now;
  attributes["updated"] = now;
  key->rotationPolicy = {{"lifetimeActions", body->value("lifetimeActions", json::array())}, {"attributes", attributes}};
  return Response::json(200, presentRotationPolicy(*key, target.vaultUri));
}

Response KeyVaultKeys::rotateKey(const std::string& name, Target target) {
  Key* key = findLive(target.keys, name);
  if (!key) return keyNotFound(name, "");
  const KeyVersion& current = key->versions.back();
  KeyVersion next;
  next.version = randomHexId();
  next.kty = current.kty;
  next.keySize = current.keySize;
  next.curve = current.curve;
  next.keyOps = current.keyOps;
  next.tags = current.tags;
  long long now = unixSeconds(clock_.now());
  next.attributes = {{"enabled", true}, {"created", now}, {"updated", now}};
  if (current.attributes.contains("exportable")) next.attributes["exportable"] = current.attributes["exportable"];
  // TODO: Azure sets the new version's exp from the policy's expiryTime; kvsim leaves exp unset.
  next.material = generateKeyMaterial(next.kty, next.keySize, next.curve);
  key->versions.push_back(std::move(next));
  return Response::json(200, bundle(*key, key->versions.back(), target));
}

std::optional<Response> KeyVaultKeys::checkManagedName(const std::string& vaultName, const std::string& name) const {
  auto vault = vaults_.find(toLower(vaultName));
  if (vault == vaults_.end()) return std::nullopt;
  auto found = vault->second.find(toLower(name));
  if (found == vault->second.end() || found->second.versions.empty()) return std::nullopt;
  if (found->second.deleted) return deletedButRecoverable("Key", name);
  if (!found->second.managed) {
    return keyVaultError(409, "Conflict", "Key " + name + " already exists in vault " + vaultName + ", so a certificate of that name cannot be stored.");
  }
  return std::nullopt;
}

void KeyVaultKeys::addManagedVersion(const std::string& vaultName, const std::string& name, const std::string& versionId,
                                     const KeyMaterial& material, const json& attributes, const json& tags, bool exportable) {
  Key& key = vaults_[toLower(vaultName)][toLower(name)];
  if (key.name.empty()) key.name = name;
  key.managed = true;
  KeyVersion version;
  version.version = versionId;
  version.kty = material.publicJwk.value("kty", "RSA");
  version.keySize = isRsa(version.kty) ? rsaKeySize(material) : 0;
  version.curve = material.publicJwk.value("crv", "");
  version.material = material;
  // The key operations Key Vault gives a certificate's key.
  version.keyOps = isRsa(version.kty) ? json({"sign", "verify", "wrapKey", "unwrapKey", "encrypt", "decrypt"}) : json({"sign", "verify"});
  version.tags = tags;
  version.attributes = attributes;
  version.attributes["exportable"] = exportable;
  key.versions.push_back(std::move(version));
}

void KeyVaultKeys::removeManaged(const std::string& vaultName, const std::string& name) {
  auto vault = vaults_.find(toLower(vaultName));
  if (vault == vaults_.end()) return;
  auto found = vault->second.find(toLower(name));
  if (found != vault->second.end() && found->second.managed) vault->second.erase(found);
}

void KeyVaultKeys::seedVault(const std::string& vaultName, const json& keys) {
  Keys& stored = vaults_[toLower(vaultName)];
  long long now = unixSeconds(clock_.now());
  for (const json& seeded : keys) {
    Key key;
    key.name = seeded.value("name", "");
    if (key.name.empty()) continue;
    key.managed = seeded.value("managed", false);
    key.deleted = seeded.value("deleted", false);
    if (seeded.contains("rotationPolicy") && seeded["rotationPolicy"].is_object()) {
      key.rotationPolicy = seeded["rotationPolicy"];
      key.rotationPolicy.erase("id");  // the id names the vault kvsim serves, set on read
    }
    // A key listed without versions, as the draft inventories list some, has one version
    // with the key's own attributes.
    json versions = seeded.contains("versions")
                        ? seeded["versions"]
                        : json::array({json{{"attributes", seeded.value("attributes", json::object())}}});
    for (const json& seededVersion : versions) {
      KeyVersion version;
      version.version = seededVersion.value("version", randomHexId());
      version.kty = seededVersion.value("kty", seeded.value("kty", "RSA"));
      version.keySize = isRsa(version.kty) ? seededVersion.value("keySize", seeded.value("keySize", 2048)) : 0;
      version.curve = isRsa(version.kty) ? "" : seededVersion.value("crv", seeded.value("crv", "P-256"));
      version.keyOps = seededVersion.value("keyOps", seeded.value("keyOps", defaultKeyOps(version.kty)));
      version.tags = seededVersion.value("tags", seeded.value("tags", json::object()));
      json attributes = seededVersion.value("attributes", json::object());
      json settable = json::object();  // recoveryLevel and recoverableDays come from the vault
      for (const char* member : {"enabled", "nbf", "exp", "created", "updated", "exportable"}) {
        if (attributes.contains(member) && !attributes[member].is_null()) settable[member] = attributes[member];
      }
      if (!settable.contains("enabled")) settable["enabled"] = true;
      if (!settable.contains("created")) settable["created"] = now;
      if (!settable.contains("updated")) settable["updated"] = settable["created"];
      version.attributes = settable;
      key.versions.push_back(std::move(version));
    }
    if (!key.versions.empty()) stored[toLower(key.name)] = std::move(key);
  }
}

json KeyVaultKeys::snapshot(const std::string& vaultName) const {
  json result = json::array();
  auto found = vaults_.find(toLower(vaultName));
  if (found == vaults_.end()) return result;
  for (const auto& [lowerName, key] : found->second) {
    const KeyVersion& current = key.versions.back();
    json entry = {{"name", key.name}, {"managed", key.managed}, {"deleted", key.deleted}, {"kty", current.kty},
                  {"keyOps", current.keyOps}, {"tags", current.tags}, {"attributes", current.attributes}, {"versions", json::array()}};
    if (isRsa(current.kty)) entry["keySize"] = current.keySize;
    else entry["crv"] = current.curve;
    if (key.rotationPolicy.is_object()) entry["rotationPolicy"] = key.rotationPolicy;
    for (const KeyVersion& version : key.versions) {
      json saved = {{"version", version.version}, {"kty", version.kty}, {"keyOps", version.keyOps}, {"tags", version.tags}, {"attributes", version.attributes}};
      if (isRsa(version.kty)) saved["keySize"] = version.keySize;
      else saved["crv"] = version.curve;
      entry["versions"].push_back(saved);
    }
    result.push_back(entry);
  }
  return result;
}

std::vector<std::string> KeyVaultKeys::vaultNames() const {
  std::vector<std::string> names;
  for (const auto& [name, keys] : vaults_) names.push_back(name);
  return names;
}

}  // namespace kvr::sim
