// The vault's secrets, keys and certificates, with every version's attributes. Only list,
// policy and public-key reads are sent: never GET /secrets/{name}[/{version}], which
// returns the value.

#include <spdlog/spdlog.h>

#include "discovery/crawler_session.h"

namespace kvr::crawl {

namespace {

// The last path segment of an object id such as https://kv.vault.azure.net/secrets/name.
std::string lastSegment(const std::string& id) {
  std::string trimmed = id;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  auto slash = trimmed.rfind('/');
  return slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
}

// The key size in bits of an RSA JWK, from its unpadded base64url modulus. Key Vault's RSA
// sizes (2048, 3072, 4096) are multiples of 256 bits, so rounding down to one drops a
// leading zero byte that an encoder may have kept.
int rsaKeySize(const std::string& modulus) {
  int bits = static_cast<int>(modulus.size() * 6 / 8 * 8);
  return bits - bits % 256;
}

void copyIfPresent(const Json& from, Json& to, const char* name, const char* as = nullptr) {
  auto it = from.find(name);
  if (it != from.end() && !it->is_null()) to[as ? as : name] = *it;
}

// One version entry: the version id, its attributes, and where the type has them, its
// content type and tags.
Json versionEntry(const Json& item, const char* idMember) {
  Json version = {{"version", lastSegment(item.value(idMember, std::string()))}};
  copyIfPresent(item, version, "attributes");
  copyIfPresent(item, version, "contentType");
  copyIfPresent(item, version, "tags");
  copyIfPresent(item, version, "x5t");
  return version;
}

}  // namespace

std::string CrawlSession::dataPlaneUrl(const std::string& path) const {
  return vaultUri_ + path + "?api-version=" + kKeyVaultApiVersion;
}

void CrawlSession::crawlDataPlane() {
  Json entry = {{"secrets", readSecrets()}, {"keys", readKeys()}, {"certificates", readCertificates()}};
  summary_.secrets = entry["secrets"].size();
  summary_.keys = entry["keys"].size();
  summary_.certificates = entry["certificates"].size();
  contents_.dataPlane[vaultName_] = entry;
}

// Every version, oldest first; or versionCount and versionsSummary past the listing limit.
Json CrawlSession::readVersions(const std::string& collection, const std::string& name) {
  std::string path = collection + "/" + name + "/versions";
  auto items = list(azure::Service::KeyVault, dataPlaneUrl(path), vaultUri_ + path);
  Json result = Json::object();
  if (!items) return result;
  Json versions = Json::array();
  const char* idMember = collection == "keys" ? "kid" : "id";
  for (const auto& item : *items) versions.push_back(versionEntry(item, idMember));
  sortVersionsOldestFirst(versions);
  if (versions.size() <= options_.maxVersionsListed) {
    result["versions"] = versions;
    return result;
  }
  Json summary = {{"enabled", 0}, {"newest", versions.back()}};
  long long enabled = 0;
  for (const auto& version : versions) {
    if (version.value("attributes", Json::object()).value("enabled", true)) ++enabled;
  }
  summary["enabled"] = enabled;
  summary["oldestCreated"] = versions.front().value("attributes", Json::object()).value("created", 0LL);
  summary["newestCreated"] = versions.back().value("attributes", Json::object()).value("created", 0LL);
  result["versionCount"] = versions.size();
  result["versionsSummary"] = summary;
  return result;
}

Json CrawlSession::readSecrets() {
  Json secrets = Json::array();
  auto items = list(azure::Service::KeyVault, dataPlaneUrl("secrets"), vaultUri_ + "secrets");
  if (!items) return secrets;
  for (const auto& item : *items) {
    std::string name = lastSegment(item.value("id", std::string()));
    Json secret = {{"name", name}, {"managed", item.value("managed", false)}};
    copyIfPresent(item, secret, "contentType");
    secret["tags"] = item.value("tags", Json::object());
    copyIfPresent(item, secret, "kid");
    secret.update(readVersions("secrets", name));
    secrets.push_back(secret);
  }
  return secrets;
}

Json CrawlSession::readKeys() {
  Json keys = Json::array();
  auto items = list(azure::Service::KeyVault, dataPlaneUrl("keys"), vaultUri_ + "keys");
  if (!items) return keys;
  for (const auto& item : *items) {
    // A certificate's key moves with its certificate, as its managed secret does.
    if (item.value("managed", false)) continue;
    std::string name = lastSegment(item.value("kid", std::string()));
    Json key = {{"name", name}, {"managed", false}};
    key["tags"] = item.value("tags", Json::object());
    copyIfPresent(item, key, "attributes");
    // GET on the key returns its public part only; the type, size and operations come from it.
    if (auto bundle = get(azure::Service::KeyVault, dataPlaneUrl("keys/" + name), vaultUri_ + "keys/" + name)) {
      const Json jwk = bundle->value("key", Json::object());
      copyIfPresent(jwk, key, "kty");
      copyIfPresent(jwk, key, "crv");
      copyIfPresent(jwk, key, "key_ops", "keyOps");
      if (jwk.contains("n") && jwk["n"].is_string()) key["keySize"] = rsaKeySize(jwk["n"].get<std::string>());
    }
    key.update(readVersions("keys", name));
    std::string policyPath = "keys/" + name + "/rotationpolicy";
    if (auto policy = get(azure::Service::KeyVault, dataPlaneUrl(policyPath), vaultUri_ + policyPath)) {
      key["rotationPolicy"] = *policy;
    }
    keys.push_back(key);
  }
  return keys;
}

Json CrawlSession::readCertificates() {
  Json certificates = Json::array();
  auto items = list(azure::Service::KeyVault, dataPlaneUrl("certificates"), vaultUri_ + "certificates");
  if (!items) return certificates;
  for (const auto& item : *items) {
    std::string name = lastSegment(item.value("id", std::string()));
    Json certificate = {{"name", name}};
    certificate["tags"] = item.value("tags", Json::object());
    std::string policyPath = "certificates/" + name + "/policy";
    if (auto policy = get(azure::Service::KeyVault, dataPlaneUrl(policyPath), vaultUri_ + policyPath)) {
      certificate["policy"] = *policy;
    }
    Json versions = readVersions("certificates", name);
    // A certificate version's key and secret carry the certificate's name and version.
    if (versions.contains("versions")) {
      for (auto& version : versions["versions"]) {
        std::string id = version.value("version", std::string());
        version["kid"] = vaultUri_ + "keys/" + name + "/" + id;
        version["sid"] = vaultUri_ + "secrets/" + name + "/" + id;
      }
    }
    certificate.update(versions);
    certificates.push_back(certificate);
  }
  return certificates;
}

}  // namespace kvr::crawl
