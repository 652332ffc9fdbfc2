#include "simulator/key_vault_certificates.h"

#include "simulator/certificate_policy.h"
#include "simulator/key_vault_common.h"
#include "simulator/key_vault_data_plane.h"
#include "simulator/random_text.h"

#include <cmath>
#include <stdexcept>

namespace kvr::sim {

namespace {

using nlohmann::json;

// The unscaled seconds a Self-issued certificate stays inProgress when the config's
// operationSeconds has no "microsoft.keyvault/vaults/certificates" entry.
constexpr double kDefaultCreateSeconds = 10.0;

Response methodNotAllowed(const Request& request) {
  return keyVaultError(405, "MethodNotAllowed", request.method + " is not supported on " + request.path);
}

Response pendingNotFound(const std::string& name) {
  // NOTE: the status and code for a certificate without a pending operation are a guess.
  return keyVaultError(404, "PendingCertificateNotFound", "Certificate " + name + " has no pending operation in this key vault.");
}

}  // namespace

Response certificateNotFound(const std::string& name, const std::string& version) {
  std::string certificateId = version.empty() ? name : name + "/" + version;
  return keyVaultError(404, "CertificateNotFound", "A certificate with (name/id) " + certificateId +
                                                       " was not found in this key vault; check the name and version.");
}

Response KeyVaultCertificates::handle(const Request& request, const std::vector<std::string>& segments, const VaultInfo& vault,
                                      const std::string& vaultUri) {
  Target target{vaults_[toLower(vault.name)], vault, vaultUri};
  completeDueOperations(target);
  if (toLower(segments[0]) == "deletedcertificates") return deletedCertificate(request, segments, target);
  if (segments.size() == 1 && request.method == "GET") return listCertificates(request, target);
  if (segments.size() == 2 && request.method == "POST" && toLower(segments[1]) == "restore") return restoreCertificate(request, target);
  if (segments.size() < 2) return methodNotAllowed(request);
  if (!isValidObjectName(segments[1])) {
    return keyVaultError(400, "BadParameter", "The certificate name '" + segments[1] + "' is invalid: use 1 to 127 letters, digits and hyphens.");
  }
  return routeCertificate(request, segments, target);
}

Response KeyVaultCertificates::routeCertificate(const Request& request, const std::vector<std::string>& segments, Target target) {
  const std::string& method = request.method;
  const std::string& name = segments[1];
  std::string third = segments.size() > 2 ? toLower(segments[2]) : "";
  if (segments.size() == 2) {
    if (method == "GET") return getCertificate(name, "", target);
    if (method == "PATCH") return updateCertificate(request, name, "", target);
    if (method == "DELETE") return deleteCertificate(name, target);
    return methodNotAllowed(request);
  }
  if (segments.size() == 4 && method == "POST" && third == "pending" && toLower(segments[3]) == "merge") {
    return mergeCertificate(request, name, target);
  }
  if (segments.size() != 3) return methodNotAllowed(request);
  if (method == "POST" && third == "create") return createCertificate(request, name, target);
  if (method == "POST" && third == "import") return importCertificate(request, name, target);
  if (method == "POST" && third == "backup") return backupCertificate(name, target);
  if (third == "pending") return pendingOperation(request, name, target);
  if (method == "GET" && third == "policy") return getPolicy(name, target);
  if (method == "PATCH" && third == "policy") return updatePolicy(request, name, target);
  if (method == "GET" && third == "versions") return listVersions(request, name, target);
  if (method == "GET") return getCertificate(name, segments[2], target);
  if (method == "PATCH") return updateCertificate(request, name, segments[2], target);
  return methodNotAllowed(request);
}

json KeyVaultCertificates::attributesFor(const CertificateVersion& version, const VaultInfo& vault) const {
  json attributes = version.attributes;
  attributes["recoveryLevel"] = recoveryLevel(vault);
  if (vault.softDeleteEnabled) attributes["recoverableDays"] = vault.retentionDays;
  return attributes;
}

json KeyVaultCertificates::bundle(const Certificate& certificate, const CertificateVersion& version, Target target) const {
  std::string suffix = certificate.name + "/" + version.version;
  json policy = certificate.policy;
  policy["id"] = target.vaultUri + "certificates/" + certificate.name + "/policy";
  json result = {{"id", target.vaultUri + "certificates/" + suffix},
                 {"kid", target.vaultUri + "keys/" + suffix},
                 {"sid", target.vaultUri + "secrets/" + suffix},
                 {"x5t", version.thumbprint},
                 {"cer", base64Encode(version.material.certificateDer)},
                 {"contentType", version.contentType},
                 {"attributes", attributesFor(version, target.vault)},
                 {"policy", policy}};
  if (!version.tags.empty()) result["tags"] = version.tags;
  return result;
}

json KeyVaultCertificates::item(const CertificateVersion& version, const std::string& id, Target target) const {
  json result = {{"id", id}, {"x5t", version.thumbprint}, {"attributes", attributesFor(version, target.vault)}};
  if (!version.tags.empty()) result["tags"] = version.tags;
  return result;
}

json KeyVaultCertificates::operationBody(const Certificate& certificate, Target target) const {
  const PendingOperation& operation = *certificate.pending;
  json body = {{"id", target.vaultUri + "certificates/" + certificate.name + "/pending"},
               {"issuer", {{"name", operation.issuer}}},
               {"csr", base64Encode(operation.csrDer)},
               {"cancellation_requested", operation.cancellationRequested},
               {"status", operation.status},
               {"request_id", operation.requestId}};
  if (operation.status == "inProgress") {
    body["status_details"] = equalsIgnoreCase(operation.issuer, "Self")
                                 ? "The certificate is being issued by the Self issuer."
                                 : "The certificate request waits for a merge with the certificate its issuer signed.";
  }
  if (operation.status == "completed") body["target"] = target.vaultUri + "certificates/" + certificate.name;
  if (!operation.error.is_null()) body["error"] = operation.error;
  return body;
}

KeyVaultCertificates::Certificate* KeyVaultCertificates::findLive(Certificates& certificates, const std::string& name) const {
  auto found = certificates.find(toLower(name));
  if (found == certificates.end() || found->second.deleted || found->second.versions.empty()) return nullptr;
  return &found->second;
}

long long KeyVaultCertificates::createDelaySeconds() const {
  auto found = config_.operationSeconds.find("microsoft.keyvault/vaults/certificates");
  double seconds = found == config_.operationSeconds.end() ? kDefaultCreateSeconds : found->second;
  return static_cast<long long>(std::ceil(seconds * config_.timeScale));
}

ManagedVersion KeyVaultCertificates::managedVersionOf(const Certificate& certificate, const CertificateVersion& version) const {
  // Key Vault's certificate documentation (about-certificates, "Exportable or non-exportable
  // key") states that the secret of a non-exportable certificate is served without the
  // private key, not refused, so the value then carries the certificates alone.
  bool exportable = certificate.policy.value("key_props", json::object()).value("exportable", true);
  ManagedVersion managed;
  managed.name = certificate.name;
  managed.version = version.version;
  managed.contentType = version.contentType;
  managed.secretValue = version.contentType == kPemContentType ? writePem(version.material, exportable)
                                                               : base64Encode(writePfx(version.material, exportable));
  CertificateFacts facts = inspectCertificate(version.material.certificateDer);
  managed.kty = facts.keyType;
  managed.key = keyMaterialFromDer(version.material.privateKeyDer, facts.keyType);
  managed.exportable = exportable;
  managed.attributes = version.attributes;
  managed.tags = version.tags;
  return managed;
}

std::optional<Response> KeyVaultCertificates::addVersion(Certificate& certificate, CertificateMaterial material, const json& attributes,
                                                         const json& tags, Target target, const std::string& versionId) {
  CertificateFacts facts = inspectCertificate(material.certificateDer);
  long long now = unixSeconds(clock_.now());
  CertificateVersion version;
  version.version = versionId.empty() ? randomHexId() : versionId;
  version.thumbprint = certificateThumbprint(material.certificateDer);
  version.material = std::move(material);
  version.contentType = certificate.policy["secret_props"].value("contentType", kPfxContentType);
  version.tags = tags.is_object() ? tags : json::object();
  version.attributes = {{"enabled", true}, {"nbf", facts.notBefore}, {"exp", facts.notAfter}, {"created", now}, {"updated", now}};
  if (attributes.is_object() && attributes.contains("enabled")) version.attributes["enabled"] = attributes["enabled"];
  if (auto refused = managed_.add(target.vault.name, managedVersionOf(certificate, version))) return refused;
  certificate.versions.push_back(std::move(version));
  return std::nullopt;
}

void KeyVaultCertificates::completeDueOperations(Target target) {
  long long now = unixSeconds(clock_.now());
  for (auto& [lowerName, certificate] : target.certificates) {
    if (!certificate.pending || certificate.deleted) continue;
    PendingOperation& operation = *certificate.pending;
    if (operation.status != "inProgress" || !equalsIgnoreCase(operation.issuer, "Self") || now < operation.completeAt) continue;
    CertificateRequest request = certificateRequestOf(certificate.policy, operation.completeAt);
    CertificateMaterial material;
    material.privateKeyDer = operation.privateKeyDer;
    material.certificateDer = createSelfSignedCertificate(request, operation.privateKeyDer);
    if (auto refused = addVersion(certificate, std::move(material), operation.attributes, operation.tags, target)) {
      json error = json::parse(refused->body, nullptr, false);
      operation.status = "failed";
      operation.error = error.is_object() ? error.value("error", json::object()) : json::object();
      continue;
    }
    operation.status = "completed";
  }
}

Response KeyVaultCertificates::createCertificate(const Request& request, const std::string& name, Target target) {
  std::optional<json> body = parseObject(request.body);
  if (!body) return keyVaultError(400, "BadParameter", "Creating certificate " + name + " needs a JSON object body.");
  json requested = body->value("policy", json());
  auto found = target.certificates.find(toLower(name));
  Certificate* existing = found == target.certificates.end() ? nullptr : &found->second;
  if (existing && existing->deleted) return deletedButRecoverable("Certificate", name);
  if (requested.is_null() && (!existing || existing->policy.is_null())) {
    return keyVaultError(400, "BadParameter", "Creating certificate " + name + " needs a \"policy\" with x509_props.subject and an issuer.");
  }
  if (requested.is_null()) requested = json::object();
  if (auto problem = checkPolicy(requested)) return keyVaultError(400, "BadParameter", "Certificate " + name + ": " + *problem + ".");
  if (existing && existing->pending && existing->pending->status == "inProgress") {
    // NOTE: the status and code Azure returns for a create while another is in progress are a guess.
    return keyVaultError(409, "Conflict", "Certificate " + name + " already has a create operation in progress; wait for it or delete it.");
  }

  long long now = unixSeconds(clock_.now());
  json policy = completePolicy(requested, existing ? existing->policy : json(), now);
  std::string issuer = policy["issuer"].value("name", "Unknown");
  if (!equalsIgnoreCase(issuer, "Self") && !equalsIgnoreCase(issuer, "Unknown")) {
    // NOTE: kvsim serves no certificate issuers, so every other issuer is unknown to the
    // vault; the status and code Azure returns for an issuer that is not configured are a guess.
    return keyVaultError(400, "BadParameter", "Certificate " + name + ": the issuer '" + issuer +
                                                  "' is not configured in this key vault; use Self, Unknown or set the issuer first.");
  }
  const json x509 = policy["x509_props"];
  if (x509.value("subject", "").empty() && !x509.contains("sans")) {
    return keyVaultError(400, "BadParameter", "Certificate " + name + ": the policy needs x509_props.subject or x509_props.sans.");
  }
  if (body->contains("tags") && (!(*body)["tags"].is_object() || (*body)["tags"].size() > 15)) {
    return keyVaultError(400, "BadParameter", "Certificate " + name + ": tags must be an object with at most 15 entries.");
  }

  PendingOperation operation;
  operation.requestId = randomHexId();
  operation.issuer = equalsIgnoreCase(issuer, "Self") ? "Self" : "Unknown";
  operation.completeAt = now + createDelaySeconds();
  operation.attributes = body->value("attributes", json::object());
  operation.tags = body->value("tags", json::object());
  try {
    CertificateRequest certificateRequest = certificateRequestOf(policy, now);
    bool reuseKey = policy["key_props"].value("reuse_key", false) && existing && !existing->versions.empty();
    operation.privateKeyDer = reuseKey ? existing->versions.back().material.privateKeyDer
                                       : generatePrivateKey(certificateRequest.kty, certificateRequest.keySize, certificateRequest.curve);
    operation.csrDer = createSigningRequest(certificateRequest, operation.privateKeyDer);
  } catch (const std::invalid_argument& error) {
    return keyVaultError(400, "BadParameter", "Certificate " + name + ": " + error.what() + ".");
  }

  Certificate& certificate = target.certificates[toLower(name)];
  if (certificate.name.empty()) certificate.name = name;
  certificate.policy = policy;
  certificate.pending = std::move(operation);
  completeDueOperations(target);
  Response response = Response::json(202, operationBody(certificate, target));
  response.withHeader("Location", target.vaultUri + "certificates/" + certificate.name + "/pending?api-version=" +
                                      percentEncode(request.queryValue("api-version")));
  response.withHeader("Retry-After", "10");
  return response;
}

Response KeyVaultCertificates::pendingOperation(const Request& request, const std::string& name, Target target) {
  auto found = target.certificates.find(toLower(name));
  if (found == target.certificates.end() || found->second.deleted || !found->second.pending) return pendingNotFound(name);
  Certificate& certificate = found->second;
  PendingOperation& operation = *certificate.pending;
  if (request.method == "GET") return Response::json(200, operationBody(certificate, target));
  if (request.method == "DELETE") {
    json body = operationBody(certificate, target);
    certificate.pending.reset();
    if (certificate.versions.empty()) target.certificates.erase(found);
    return Response::json(200, body);
  }
  if (request.method != "PATCH") return methodNotAllowed(request);
  std::optional<json> body = parseObject(request.body);
  if (!body || !body->contains("cancellation_requested") || !(*body)["cancellation_requested"].is_boolean()) {
    return keyVaultError(400, "BadParameter", "Updating the operation of certificate " + name + " needs a boolean \"cancellation_requested\".");
  }
  if ((*body)["cancellation_requested"].get<bool>() && operation.status == "inProgress") {
    operation.cancellationRequested = true;
    operation.status = "cancelled";
  }
  return Response::json(200, operationBody(certificate, target));
}

Response KeyVaultCertificates::mergeCertificate(const Request& request, const std::string& name, Target target) {
  std::optional<json> body = parseObject(request.body);
  if (!body || !body->contains("x5c") || !(*body)["x5c"].is_array() || (*body)["x5c"].empty()) {
    return keyVaultError(400, "BadParameter", "Merging certificate " + name + " needs \"x5c\", an array of base64 DER certificates.");
  }
  auto found = target.certificates.find(toLower(name));
  if (found == target.certificates.end() || found->second.deleted || !found->second.pending ||
      found->second.pending->status != "inProgress" || !equalsIgnoreCase(found->second.pending->issuer, "Unknown")) {
    return pendingNotFound(name);
  }
  Certificate& certificate = found->second;
  CertificateMaterial material;
  material.privateKeyDer = certificate.pending->privateKeyDer;
  for (const json& encoded : (*body)["x5c"]) {
    std::string der;
    if (!encoded.is_string() || !base64UrlDecode(encoded.get<std::string>(), der) || der.empty()) {
      return keyVaultError(400, "BadParameter", "Certificate " + name + ": every x5c entry must be a base64 DER certificate.");
    }
    (material.certificateDer.empty() ? material.certificateDer : material.chainDer.emplace_back()) = der;
  }
  try {
    if (!certificateMatchesKey(material.certificateDer, material.privateKeyDer)) {
      return keyVaultError(400, "BadParameter", "Certificate " + name + ": the first x5c certificate does not carry the public key of the pending request.");
    }
  } catch (const std::runtime_error&) {
    return keyVaultError(400, "BadParameter", "Certificate " + name + ": the first x5c entry is not a DER certificate.");
  }
  json attributes = body->value("attributes", certificate.pending->attributes);
  json tags = body->value("tags", certificate.pending->tags);
  if (auto refused = addVersion(certificate, std::move(material), attributes, tags, target)) return *refused;
  certificate.pending->status = "completed";
  return Response::json(201, bundle(certificate, certificate.versions.back(), target));
}

Response KeyVaultCertificates::importCertificate(const Request& request, const std::string& name, Target target) {
  std::optional<json> body = parseObject(request.body);
  if (!body || !body->contains("value") || !(*body)["value"].is_string()) {
    return keyVaultError(400, "BadParameter", "Importing certificate " + name + " needs a JSON body with a PFX or PEM \"value\".");
  }
  json requested = body->value("policy", json::object());
  if (auto problem = checkPolicy(requested)) return keyVaultError(400, "BadParameter", "Certificate " + name + ": " + *problem + ".");
  auto found = target.certificates.find(toLower(name));
  if (found != target.certificates.end() && found->second.deleted) return deletedButRecoverable("Certificate", name);
  const json current = found == target.certificates.end() ? json() : found->second.policy;
  std::string contentType = requested.value("secret_props", json::object()).value("contentType", "");
  if (contentType.empty()) contentType = current.is_object() ? current["secret_props"].value("contentType", kPfxContentType) : kPfxContentType;

  const std::string& value = (*body)["value"].get_ref<const std::string&>();
  std::optional<CertificateMaterial> material = contentType == kPemContentType ? openPem(value) : openPfx(value, body->value("pwd", ""));
  if (!material) {
    std::string expected = contentType == kPemContentType ? "PEM text with a certificate" : "a base64 PFX that opens with the given password";
    return keyVaultError(400, "BadParameter", "Certificate " + name + ": the value is not " + expected + ".");
  }
  if (material->privateKeyDer.empty()) {
    return keyVaultError(400, "BadParameter", "Certificate " + name + ": the value has no private key, which import needs.");
  }
  if (body->contains("attributes")) {
    json ignored = json::object();
    if (auto problem = applyAttributes(ignored, (*body)["attributes"])) return keyVaultError(400, "BadParameter", "Certificate " + name + ": " + *problem);
  }

  long long now = unixSeconds(clock_.now());
  Certificate& certificate = target.certificates[toLower(name)];
  bool isNew = certificate.name.empty();
  if (isNew) certificate.name = name;
  json previousPolicy = certificate.policy;
  certificate.policy = importedPolicy(requested, current, inspectCertificate(material->certificateDer), contentType, now);
  if (auto refused = addVersion(certificate, std::move(*material), body->value("attributes", json::object()), body->value("tags", json::object()), target)) {
    if (isNew) target.certificates.erase(toLower(name));
    else certificate.policy = previousPolicy;
    return *refused;
  }
  return Response::json(200, bundle(certificate, certificate.versions.back(), target));
}

Response KeyVaultCertificates::getCertificate(const std::string& name, const std::string& version, Target target) const {
  Certificate* certificate = findLive(target.certificates, name);
  if (!certificate) return certificateNotFound(name, version);
  if (version.empty()) return Response::json(200, bundle(*certificate, certificate->versions.back(), target));
  for (const CertificateVersion& candidate : certificate->versions) {
    if (equalsIgnoreCase(candidate.version, version)) return Response::json(200, bundle(*certificate, candidate, target));
  }
  return certificateNotFound(name, version);
}

Response KeyVaultCertificates::updateCertificate(const Request& request, const std::string& name, const std::string& version, Target target) {
  std::optional<json> body = parseObject(request.body);
  if (!body) return keyVaultError(400, "BadParameter", "Updating certificate " + name + " needs a JSON object body.");
  if (body->contains("tags") && (!(*body)["tags"].is_object() || (*body)["tags"].size() > 15)) {
    return keyVaultError(400, "BadParameter", "Certificate " + name + ": tags must be an object with at most 15 entries.");
  }
  if (body->contains("policy")) {
    if (auto problem = checkPolicy((*body)["policy"])) return keyVaultError(400, "BadParameter", "Certificate " + name + ": " + *problem + ".");
  }
  Certificate* certificate = findLive(target.certificates, name);
  if (!certificate) return certificateNotFound(name, version);
  CertificateVersion* chosen = &certificate->versions.back();
  if (!version.empty()) {
    chosen = nullptr;
    for (CertificateVersion& candidate : certificate->versions) {
      if (equalsIgnoreCase(candidate.version, version)) chosen = &candidate;
    }
    if (!chosen) return certificateNotFound(name, version);
  }
  // Only enabled is settable: nbf and exp are the certificate's own validity.
  json attributes = chosen->attributes;
  if (body->contains("attributes")) {
    const json& requested = (*body)["attributes"];
    if (!requested.is_object() || (requested.contains("enabled") && !requested["enabled"].is_boolean())) {
      return keyVaultError(400, "BadParameter", "Certificate " + name + ": attributes.enabled must be true or false.");
    }
    if (requested.contains("enabled")) attributes["enabled"] = requested["enabled"];
  }
  long long now = unixSeconds(clock_.now());
  attributes["updated"] = now;
  chosen->attributes = attributes;
  if (body->contains("tags")) chosen->tags = (*body)["tags"];
  if (body->contains("policy")) certificate->policy = completePolicy((*body)["policy"], certificate->policy, now);
  // NOTE: the managed secret and key keep their own attributes and tags; whether Azure
  // copies a certificate update to them has not been compared.
  return Response::json(200, bundle(*certificate, *chosen, target));
}

Response KeyVaultCertificates::getPolicy(const std::string& name, Target target) const {
  auto found = target.certificates.find(toLower(name));
  if (found == target.certificates.end() || found->second.deleted || found->second.policy.is_null()) return certificateNotFound(name, "");
  json policy = found->second.policy;
  policy["id"] = target.vaultUri + "certificates/" + found->second.name + "/policy";
  return Response::json(200, policy);
}

Response KeyVaultCertificates::updatePolicy(const Request& request, const std::string& name, Target target) {
  std::optional<json> body = parseObject(request.body);
  if (!body) return keyVaultError(400, "BadParameter", "Updating the policy of certificate " + name + " needs a JSON object body.");
  if (auto problem = checkPolicy(*body)) return keyVaultError(400, "BadParameter", "Certificate " + name + ": " + *problem + ".");
  auto found = target.certificates.find(toLower(name));
  if (found == target.certificates.end() || found->second.deleted || found->second.policy.is_null()) return certificateNotFound(name, "");
  Certificate& certificate = found->second;
  certificate.policy = completePolicy(*body, certificate.policy, unixSeconds(clock_.now()));
  json policy = certificate.policy;
  policy["id"] = target.vaultUri + "certificates/" + certificate.name + "/policy";
  return Response::json(200, policy);
}

Response KeyVaultCertificates::listCertificates(const Request& request, Target target) const {
  // NOTE: includePending is ignored, so certificates whose first version is still pending
  // are never listed.
  std::vector<json> items;
  for (const auto& [lowerName, certificate] : target.certificates) {
    if (certificate.deleted || certificate.versions.empty()) continue;
    items.push_back(item(certificate.versions.back(), target.vaultUri + "certificates/" + certificate.name, target));
  }
  return pageItems(request, items, target.vaultUri + "certificates", config_.keyVaultPageSize);
}

Response KeyVaultCertificates::listVersions(const Request& request, const std::string& name, Target target) const {
  Certificate* certificate = findLive(target.certificates, name);
  if (!certificate) return certificateNotFound(name, "");
  std::vector<json> items;
  for (const CertificateVersion& version : certificate->versions) {
    items.push_back(item(version, target.vaultUri + "certificates/" + certificate->name + "/" + version.version, target));
  }
  return pageItems(request, items, target.vaultUri + "certificates/" + certificate->name + "/versions", config_.keyVaultPageSize);
}

}  // namespace kvr::sim
