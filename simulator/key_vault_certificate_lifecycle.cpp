// KeyVaultCertificates: delete with soft delete, deleted certificates, backup, restore,
// seeding from an estate and snapshots.

#include "simulator/certificate_policy.h"
#include "simulator/geography.h"
#include "simulator/key_vault_certificates.h"
#include "simulator/key_vault_common.h"
#include "simulator/key_vault_data_plane.h"
#include "simulator/random_text.h"

#include <stdexcept>

namespace kvr::sim {

namespace {

using nlohmann::json;

Response methodNotAllowed(const Request& request) {
  return keyVaultError(405, "MethodNotAllowed", request.method + " is not supported on " + request.path);
}

// The settable and read-only attributes an estate gives; recoveryLevel and recoverableDays
// come from the vault.
json seededAttributes(const json& attributes, long long now) {
  json settable = json::object();
  for (const char* member : {"enabled", "nbf", "exp", "created", "updated"}) {
    if (attributes.is_object() && attributes.contains(member) && !attributes[member].is_null()) settable[member] = attributes[member];
  }
  if (!settable.contains("enabled")) settable["enabled"] = true;
  if (!settable.contains("created")) settable["created"] = now;
  if (!settable.contains("updated")) settable["updated"] = settable["created"];
  return settable;
}

// The estate's managed secret value for one certificate version, if it recorded one.
std::optional<CertificateMaterial> materialFromSecret(const json& secrets, const std::string& name, const std::string& version) {
  for (const json& secret : secrets) {
    if (!secret.is_object() || !equalsIgnoreCase(secret.value("name", ""), name)) continue;
    for (const json& seeded : secret.value("versions", json::array())) {
      if (seeded.value("version", "") != version || !seeded.contains("value") || !seeded["value"].is_string()) continue;
      std::string contentType = seeded.value("contentType", secret.value("contentType", kPfxContentType));
      const std::string& value = seeded["value"].get_ref<const std::string&>();
      return contentType == kPemContentType ? openPem(value) : openPfx(value, "");
    }
  }
  return std::nullopt;
}

}  // namespace

json KeyVaultCertificates::deletedBundle(const Certificate& certificate, Target target) const {
  json result = bundle(certificate, certificate.versions.back(), target);
  if (target.vault.softDeleteEnabled) {
    result["recoveryId"] = target.vaultUri + "deletedcertificates/" + certificate.name;
    result["deletedDate"] = certificate.deletedDate;
    result["scheduledPurgeDate"] = certificate.scheduledPurgeDate;
  }
  return result;
}

Response KeyVaultCertificates::deleteCertificate(const std::string& name, Target target) {
  Certificate* certificate = findLive(target.certificates, name);
  if (!certificate) return certificateNotFound(name, "");
  long long now = unixSeconds(clock_.now());
  certificate->deletedDate = now;
  certificate->scheduledPurgeDate = now + 24LL * 3600 * target.vault.retentionDays;
  certificate->pending.reset();
  json result = deletedBundle(*certificate, target);
  // The managed secret and key go with the certificate and come back when it is recovered.
  managed_.remove(target.vault.name, certificate->name);
  if (target.vault.softDeleteEnabled) certificate->deleted = true;
  else target.certificates.erase(toLower(name));
  return Response::json(200, result);
}

Response KeyVaultCertificates::deletedCertificate(const Request& request, const std::vector<std::string>& segments, Target target) {
  if (segments.size() == 1 && request.method == "GET") {
    std::vector<json> items;
    for (const auto& [lowerName, certificate] : target.certificates) {
      if (!certificate.deleted) continue;
      json entry = item(certificate.versions.back(), target.vaultUri + "certificates/" + certificate.name, target);
      entry["recoveryId"] = target.vaultUri + "deletedcertificates/" + certificate.name;
      entry["deletedDate"] = certificate.deletedDate;
      entry["scheduledPurgeDate"] = certificate.scheduledPurgeDate;
      items.push_back(entry);
    }
    return pageItems(request, items, target.vaultUri + "deletedcertificates", config_.keyVaultPageSize);
  }
  if (segments.size() < 2) return methodNotAllowed(request);
  const std::string& name = segments[1];
  auto found = target.certificates.find(toLower(name));
  if (found == target.certificates.end() || !found->second.deleted) {
    return keyVaultError(404, "CertificateNotFound", "Deleted certificate " + name + " was not found in this key vault.");
  }
  Certificate& certificate = found->second;
  if (segments.size() == 2 && request.method == "GET") return Response::json(200, deletedBundle(certificate, target));
  if (segments.size() == 2 && request.method == "DELETE") {
    if (target.vault.purgeProtectionEnabled) {
      return keyVaultError(403, "Forbidden", "Operation purge is not allowed because purge protection is enabled for this "
                                             "vault; the certificate is purged after its retention period.");
    }
    target.certificates.erase(found);
    return Response::empty(204);
  }
  if (segments.size() == 3 && request.method == "POST" && toLower(segments[2]) == "recover") {
    if (auto refused = publishManaged(certificate, target.vault.name)) return *refused;
    certificate.deleted = false;
    return Response::json(200, bundle(certificate, certificate.versions.back(), target));
  }
  return methodNotAllowed(request);
}

std::optional<Response> KeyVaultCertificates::publishManaged(const Certificate& certificate, const std::string& vaultName) {
  for (const CertificateVersion& version : certificate.versions) {
    if (auto refused = managed_.add(vaultName, managedVersionOf(certificate, version))) {
      managed_.remove(vaultName, certificate.name);
      return refused;
    }
  }
  return std::nullopt;
}

Response KeyVaultCertificates::backupCertificate(const std::string& name, Target target) const {
  Certificate* certificate = findLive(target.certificates, name);
  if (!certificate) return certificateNotFound(name, "");
  // The blob carries the private keys, sealed, so that a restore serves the same
  // certificates, managed secrets and managed keys.
  json payload = {{"subscription", toLower(target.vault.subscription)},
                  {"geography", geographyOf(target.vault.location)},
                  {"objectType", "certificate"},
                  {"name", certificate->name},
                  {"policy", certificate->policy},
                  {"versions", json::array()}};
  for (const CertificateVersion& version : certificate->versions) {
    json chain = json::array();
    for (const std::string& der : version.material.chainDer) chain.push_back(base64Encode(der));
    payload["versions"].push_back({{"version", version.version},
                                   {"certificate", base64Encode(version.material.certificateDer)},
                                   {"chain", chain},
                                   {"privateKey", base64Encode(version.material.privateKeyDer)},
                                   {"contentType", version.contentType},
                                   {"tags", version.tags},
                                   {"attributes", version.attributes}});
  }
  return Response::json(200, {{"value", cipher_.seal(payload.dump())}});
}

Response KeyVaultCertificates::restoreCertificate(const Request& request, Target target) {
  json payload = openBackupPayload(request, cipher_);
  if (!payload.is_object() || payload.value("objectType", "") != "certificate") {
    return keyVaultError(400, "BadParameter", "The backup blob is not a certificate backup that kvsim produced, or it was altered.");
  }
  if (auto refused = checkRestoreTarget(payload, target.vault)) return *refused;
  std::string name = payload.value("name", "");
  if (target.certificates.count(toLower(name))) {
    return keyVaultError(409, "Conflict", "Certificate " + name + " already exists in vault " + target.vault.name +
                                              " (or is soft-deleted); restore needs a free name.");
  }
  Certificate certificate;
  certificate.name = name;
  certificate.policy = payload["policy"];
  for (const json& saved : payload["versions"]) {
    CertificateVersion version;
    version.version = saved.value("version", "");
    base64UrlDecode(saved.value("certificate", ""), version.material.certificateDer);
    base64UrlDecode(saved.value("privateKey", ""), version.material.privateKeyDer);
    for (const json& encoded : saved.value("chain", json::array())) base64UrlDecode(encoded.get<std::string>(), version.material.chainDer.emplace_back());
    version.thumbprint = certificateThumbprint(version.material.certificateDer);
    version.contentType = saved.value("contentType", kPfxContentType);
    version.tags = saved.value("tags", json::object());
    version.attributes = saved.value("attributes", json::object());
    certificate.versions.push_back(std::move(version));
  }
  if (auto refused = publishManaged(certificate, target.vault.name)) return *refused;
  Certificate& restored = target.certificates[toLower(name)] = std::move(certificate);
  return Response::json(200, bundle(restored, restored.versions.back(), target));
}

void KeyVaultCertificates::seedVault(const std::string& vaultName, const json& certificates, const json& secrets) {
  Certificates& stored = vaults_[toLower(vaultName)];
  long long now = unixSeconds(clock_.now());
  for (const json& seeded : certificates) {
    Certificate certificate;
    certificate.name = seeded.value("name", "");
    if (certificate.name.empty()) continue;
    certificate.deleted = seeded.value("deleted", false);
    certificate.policy = completePolicy(seeded.value("policy", json::object()), json(), now);
    json seededTags = seeded.value("tags", json::object());
    for (const json& seededVersion : seeded.value("versions", json::array())) {
      CertificateVersion version;
      version.version = seededVersion.value("version", randomHexId());
      version.attributes = seededAttributes(seededVersion.value("attributes", json::object()), now);
      version.tags = seededVersion.value("tags", seededTags);
      version.contentType = seededVersion.value("contentType", certificate.policy["secret_props"].value("contentType", kPfxContentType));
      std::optional<CertificateMaterial> material;
      if (seededVersion.contains("pfx") && seededVersion["pfx"].is_string()) material = openPfx(seededVersion["pfx"].get<std::string>(), "");
      if (!material && seededVersion.contains("pem") && seededVersion["pem"].is_string()) material = openPem(seededVersion["pem"].get<std::string>());
      if (!material) material = materialFromSecret(secrets, certificate.name, version.version);
      if (!material || material->privateKeyDer.empty()) {
        // NOTE: every version is generated when the estate loads, and an RSA 2048 key took
        // up to a second in the debug test build, so large estates load slowly.
        CertificateRequest request = certificateRequestOf(certificate.policy, version.attributes.value("nbf", now));
        if (version.attributes.contains("exp")) request.notAfter = version.attributes["exp"].get<long long>();
        material.emplace();
        material->privateKeyDer = generatePrivateKey(request.kty, request.keySize, request.curve);
        material->certificateDer = createSelfSignedCertificate(request, material->privateKeyDer);
      }
      version.material = std::move(*material);
      version.thumbprint = certificateThumbprint(version.material.certificateDer);
      certificate.versions.push_back(std::move(version));
    }
    if (certificate.versions.empty()) continue;
    if (!certificate.deleted && publishManaged(certificate, vaultName)) continue;
    stored[toLower(certificate.name)] = std::move(certificate);
  }
}

json KeyVaultCertificates::snapshot(const std::string& vaultName) const {
  json result = json::array();
  auto found = vaults_.find(toLower(vaultName));
  if (found == vaults_.end()) return result;
  for (const auto& [lowerName, certificate] : found->second) {
    if (certificate.versions.empty()) continue;
    json entry = {{"name", certificate.name}, {"deleted", certificate.deleted}, {"tags", certificate.versions.back().tags},
                  {"policy", certificate.policy}, {"versions", json::array()}};
    for (const CertificateVersion& version : certificate.versions) {
      entry["versions"].push_back({{"version", version.version}, {"x5t", version.thumbprint}, {"contentType", version.contentType},
                                   {"tags", version.tags}, {"attributes", version.attributes}});
    }
    result.push_back(entry);
  }
  return result;
}

std::vector<std::string> KeyVaultCertificates::vaultNames() const {
  std::vector<std::string> names;
  for (const auto& [name, certificates] : vaults_) names.push_back(name);
  return names;
}

}  // namespace kvr::sim
