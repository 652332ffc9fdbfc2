#include "executor/data_plane_objects.h"

#include "discovery/resource_id.h"

#include <openssl/evp.h>

#include <algorithm>

namespace kvr::executor {

namespace {

constexpr std::string_view kVaultsMarker = "/providers/microsoft.keyvault/vaults/";

std::string singular(const std::string& collection) {
  if (collection == "secrets") return "secret";
  if (collection == "keys") return "key";
  if (collection == "certificates") return "certificate";
  return collection;
}

}  // namespace

std::string keyVaultUrl(const std::string& vaultUri, const std::string& path) {
  std::string base = vaultUri;
  if (!base.empty() && base.back() != '/') base += '/';
  std::string separator = path.find('?') == std::string::npos ? "?" : "&";
  return base + path + separator + "api-version=" + kKeyVaultApiVersion;
}

std::string ObjectAddress::sourceUrl(const std::string& suffix) const {
  return keyVaultUrl(sourceVaultUri, collection + "/" + name + (suffix.empty() ? "" : "/" + suffix));
}

std::string ObjectAddress::targetUrl(const std::string& suffix) const {
  return keyVaultUrl(targetVaultUri, collection + "/" + name + (suffix.empty() ? "" : "/" + suffix));
}

std::string ObjectAddress::sourceVersionId(const std::string& version) const {
  return sourceVaultUri + collection + "/" + name + "/" + version;
}

std::string ObjectAddress::targetVersionId(const std::string& version) const {
  return targetVaultUri + collection + "/" + name + "/" + version;
}

std::string ObjectAddress::describe() const { return singular(collection) + " " + name; }

ObjectAddress addressOf(const Plan& plan, const PlanNode& node, const RunState& state) {
  std::string lower = toLower(node.id);
  std::size_t marker = lower.find(kVaultsMarker);
  if (marker == std::string::npos) throw std::runtime_error(node.id + ": not a Key Vault object id");
  std::size_t vaultStart = marker + kVaultsMarker.size();
  std::size_t vaultEnd = node.id.find('/', vaultStart);
  if (vaultEnd == std::string::npos) throw std::runtime_error(node.id + ": not a Key Vault object id");
  std::size_t collectionEnd = node.id.find('/', vaultEnd + 1);
  if (collectionEnd == std::string::npos) throw std::runtime_error(node.id + ": not a Key Vault object id");

  ObjectAddress address;
  address.sourceVaultId = node.id.substr(0, vaultEnd);
  address.collection = toLower(node.id.substr(vaultEnd + 1, collectionEnd - vaultEnd - 1));
  address.name = leafName(node.id.substr(collectionEnd + 1));
  for (const VaultRelocation& vault : plan.vaults) {
    if (iequals(normalizeId(vault.sourceId), normalizeId(address.sourceVaultId))) address.targetVaultId = vault.targetId;
  }
  if (address.targetVaultId.empty()) {
    address.targetVaultId = state.targetResource(address.sourceVaultId).value_or("");
  }
  if (address.targetVaultId.empty()) {
    throw std::runtime_error(node.id + ": the plan names no target vault for " + address.sourceVaultId);
  }
  auto sourceUri = state.vaultUri(address.sourceVaultId);
  auto targetUri = state.vaultUri(address.targetVaultId);
  if (!sourceUri) throw std::runtime_error(node.id + ": the data-plane URI of source vault " + address.sourceVaultId + " is not known");
  if (!targetUri) throw std::runtime_error(node.id + ": the data-plane URI of target vault " + address.targetVaultId + " is not known; create the vault first");
  address.sourceVaultUri = *sourceUri;
  address.targetVaultUri = *targetUri;
  return address;
}

std::string lastSegment(const std::string& id) {
  std::string trimmed = id;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  std::size_t slash = trimmed.rfind('/');
  return slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
}

std::vector<ObjectVersion> listVersions(azure::AzureClient& client, const std::string& url) {
  std::vector<ObjectVersion> versions;
  try {
    for (const Json& item : client.list(azure::Service::KeyVault, url)) {
      ObjectVersion version;
      version.item = item;
      version.id = item.value("id", item.value("kid", ""));  // keys list "kid"
      version.version = lastSegment(version.id);
      const Json attributes = item.value("attributes", Json::object());
      version.created = attributes.value("created", 0LL);
      version.enabled = attributes.value("enabled", true);
      versions.push_back(std::move(version));
    }
  } catch (const azure::ApiError& error) {
    if (error.status() != 404) throw;
  }
  std::stable_sort(versions.begin(), versions.end(),
                   [](const ObjectVersion& a, const ObjectVersion& b) { return a.created < b.created; });
  return versions;
}

std::vector<ObjectVersion> selectVersions(const std::vector<ObjectVersion>& versions, const std::string& policy) {
  std::size_t keep = versions.size();
  if (policy == "latest") keep = 1;
  if (policy.rfind("last:", 0) == 0) {
    try {
      keep = std::stoul(policy.substr(5));
    } catch (const std::exception&) {
      throw std::runtime_error("versions policy '" + policy + "' is not all, latest or last:N");
    }
  }
  keep = std::min(keep, versions.size());
  return std::vector<ObjectVersion>(versions.end() - static_cast<std::ptrdiff_t>(keep), versions.end());
}

std::string sha256(const std::string& value) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(value.data(), value.size(), digest, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

Json settableAttributes(const Json& attributes) {
  Json result = Json::object();
  result["enabled"] = attributes.value("enabled", true);
  for (const char* member : {"nbf", "exp"}) {
    if (attributes.contains(member) && !attributes[member].is_null()) result[member] = attributes[member];
  }
  return result;
}

bool outcomeUnknown(const std::exception& error) {
  if (dynamic_cast<const azure::TransportError*>(&error) != nullptr) return true;
  const auto* api = dynamic_cast<const azure::ApiError*>(&error);
  return api != nullptr && (api->status() >= 500 || api->status() == 408);
}

}  // namespace kvr::executor
