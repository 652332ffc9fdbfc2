#include "simulator/key_vault_certificates.h"

#include "simulator/key_vault_common.h"
#include "simulator/key_vault_data_plane.h"
#include "simulator/random_text.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

namespace kvr::sim {

namespace {

using nlohmann::json;

constexpr const char* kPfxContentType = "application/x-pkcs12";

// The parts of an imported PFX that kvsim keeps.
struct ParsedPfx {
  std::string certificateDer;
  std::string pfxWithoutPassword;  // DER PKCS#12; the private key only when exportable
  std::string subject;
  long long notBefore = 0;
  long long notAfter = 0;
  std::string keyType;  // RSA or EC
  int keySize = 0;
};

Response certificateNotFound(const std::string& name, const std::string& version) {
  std::string certificateId = version.empty() ? name : name + "/" + version;
  return keyVaultError(404, "CertificateNotFound", "A certificate with (name/id) " + certificateId +
                                                       " was not found in this key vault; check the name and version.");
}

std::string base64Encode(const std::string& bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3), '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(length));
  return text;
}

long long unixTimeOf(const ASN1_TIME* time) {
  std::tm parts{};
  ASN1_TIME_to_tm(time, &parts);
  return static_cast<long long>(timegm(&parts));
}

std::string toDer(X509* certificate) {
  unsigned char* buffer = nullptr;
  int length = i2d_X509(certificate, &buffer);
  std::string der(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(length));
  OPENSSL_free(buffer);
  return der;
}

// The subject in RFC 2253 form, such as "CN=web,O=Contoso", as certificate policies show it.
std::string subjectText(X509* certificate) {
  std::unique_ptr<BIO, decltype(&BIO_free)> buffer(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(buffer.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
  char* text = nullptr;
  long length = BIO_get_mem_data(buffer.get(), &text);
  return std::string(text, static_cast<std::size_t>(length));
}

// Writes a PKCS#12 without password, MAC or encryption, so clients open it without a password
// as they open Key Vault's.
std::string pfxWithoutPassword(EVP_PKEY* key, X509* certificate, STACK_OF(X509)* chain) {
  PKCS12* bundle = PKCS12_create(nullptr, nullptr, key, certificate, chain, -1, -1, 0, -1, 0);
  if (!bundle) throw std::runtime_error("OpenSSL could not write the certificate's PFX");
  unsigned char* buffer = nullptr;
  int length = i2d_PKCS12(bundle, &buffer);
  PKCS12_free(bundle);
  std::string der(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(length));
  OPENSSL_free(buffer);
  return der;
}

// Opens a base64 PFX with its password; nullopt when it is not a PFX or the password is wrong.
std::optional<ParsedPfx> parsePfx(const std::string& base64Pfx, const std::string& password, bool exportable) {
  std::string der;
  if (!base64UrlDecode(base64Pfx, der) || der.empty()) return std::nullopt;
  const unsigned char* cursor = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<PKCS12, decltype(&PKCS12_free)> bundle(d2i_PKCS12(nullptr, &cursor, static_cast<long>(der.size())), PKCS12_free);
  if (!bundle) return std::nullopt;
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  STACK_OF(X509)* chain = nullptr;
  if (PKCS12_parse(bundle.get(), password.c_str(), &key, &certificate, &chain) != 1 || !certificate || !key) {
    EVP_PKEY_free(key);
    X509_free(certificate);
    sk_X509_pop_free(chain, X509_free);
    return std::nullopt;
  }
  ParsedPfx parsed;
  parsed.certificateDer = toDer(certificate);
  parsed.subject = subjectText(certificate);
  parsed.notBefore = unixTimeOf(X509_get0_notBefore(certificate));
  parsed.notAfter = unixTimeOf(X509_get0_notAfter(certificate));
  parsed.keyType = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? "EC" : "RSA";
  parsed.keySize = EVP_PKEY_get_bits(key);
  parsed.pfxWithoutPassword = pfxWithoutPassword(exportable ? key : nullptr, certificate, chain);
  EVP_PKEY_free(key);
  X509_free(certificate);
  sk_X509_pop_free(chain, X509_free);
  return parsed;
}

// The stored policy: the request's policy completed with what the PFX shows, in the shape
// that GET /certificates/{name}/policy returns.
json completePolicy(json policy, const ParsedPfx& parsed, long long now) {
  if (!policy.is_object()) policy = json::object();
  json& keyProperties = policy["key_props"];
  if (!keyProperties.is_object()) keyProperties = json::object();
  if (!keyProperties.contains("exportable")) keyProperties["exportable"] = true;
  keyProperties["kty"] = parsed.keyType;
  if (parsed.keyType == "RSA") keyProperties["key_size"] = parsed.keySize;
  if (!keyProperties.contains("reuse_key")) keyProperties["reuse_key"] = false;
  policy["secret_props"] = {{"contentType", kPfxContentType}};
  long long validityMonths = (parsed.notAfter - parsed.notBefore) / (30LL * 24 * 3600);
  policy["x509_props"] = {{"subject", parsed.subject}, {"ekus", json::array()}, {"key_usage", json::array()}, {"validity_months", validityMonths}};
  if (!policy.contains("lifetime_actions")) {
    policy["lifetime_actions"] = json::array({{{"trigger", {{"lifetime_percentage", 80}}}, {"action", {{"action_type", "EmailContacts"}}}}});
  }
  policy["issuer"] = {{"name", "Unknown"}};
  policy["attributes"] = {{"enabled", true}, {"created", now}, {"updated", now}};
  policy.erase("id");
  return policy;
}

}  // namespace

Response KeyVaultCertificates::handle(const Request& request, const std::vector<std::string>& segments, const VaultInfo& vault,
                                      const std::string& vaultUri) {
  Target target{vaults_[toLower(vault.name)], vault, vaultUri};
  const std::string& method = request.method;
  if (segments.size() == 1 && method == "GET") return listCertificates(request, target);
  if (segments.size() < 2) return keyVaultError(405, "MethodNotAllowed", method + " is not supported on " + request.path);
  const std::string& name = segments[1];
  if (!isValidObjectName(name)) {
    return keyVaultError(400, "BadParameter", "The certificate name '" + name + "' is invalid: use 1 to 127 letters, digits and hyphens.");
  }
  std::string third = segments.size() > 2 ? toLower(segments[2]) : "";
  if (segments.size() == 2 && method == "GET") return getCertificate(name, "", target);
  if (segments.size() == 3 && method == "POST" && third == "import") return importCertificate(request, name, target);
  if (segments.size() == 3 && method == "GET" && third == "policy") return getPolicy(name, target);
  if (segments.size() == 3 && method == "GET" && third == "versions") return listVersions(request, name, target);
  if (segments.size() == 3 && method == "GET") return getCertificate(name, segments[2], target);
  return keyVaultError(405, "MethodNotAllowed", method + " is not supported on " + request.path +
                                                    "; kvsim serves certificate import, get, versions and policy so far.");
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
                 {"cer", base64Encode(version.certificateDer)},
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

Response KeyVaultCertificates::importCertificate(const Request& request, const std::string& name, Target target) {
  std::optional<json> body = parseObject(request.body);
  if (!body || !body->contains("value") || !(*body)["value"].is_string()) {
    return keyVaultError(400, "BadParameter", "Importing certificate " + name + " needs a JSON body with a base64 PFX \"value\".");
  }
  json policy = body->value("policy", json::object());
  std::string contentType = policy.value("secret_props", json::object()).value("contentType", kPfxContentType);
  if (contentType != kPfxContentType) {
    return keyVaultError(400, "BadParameter", "Certificate " + name + ": kvsim imports PFX only, not '" + contentType + "'.");
  }
  // NOTE: for a non-exportable key kvsim serves a PFX with the certificate alone; whether
  // Azure's secret then contains that or no usable value has not been compared with Azure.
  bool exportable = policy.value("key_props", json::object()).value("exportable", true);
  std::optional<ParsedPfx> parsed = parsePfx((*body)["value"].get<std::string>(), body->value("pwd", ""), exportable);
  if (!parsed) {
    return keyVaultError(400, "BadParameter", "Certificate " + name + ": the value is not a PFX that opens with the given password.");
  }

  long long now = unixSeconds(clock_.now());
  CertificateVersion version;
  version.version = randomHexId();
  version.certificateDer = parsed->certificateDer;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(parsed->certificateDer.data()), parsed->certificateDer.size(), digest);
  version.thumbprint = base64UrlEncode(std::string(reinterpret_cast<char*>(digest), sizeof digest));
  version.tags = body->value("tags", json::object());
  version.attributes = {{"enabled", true}, {"nbf", parsed->notBefore}, {"exp", parsed->notAfter}, {"created", now}, {"updated", now}};
  if (body->contains("attributes")) {
    if (auto problem = applyAttributes(version.attributes, (*body)["attributes"])) return keyVaultError(400, "BadParameter", "Certificate " + name + ": " + *problem);
  }

  ManagedSecretVersion secret{name, version.version, base64Encode(parsed->pfxWithoutPassword), kPfxContentType, version.attributes,
                              version.tags, "keys/" + name + "/" + version.version};
  if (auto rejected = writeSecret_(target.vault, secret)) return *rejected;

  Certificate& certificate = target.certificates[toLower(name)];
  if (certificate.name.empty()) certificate.name = name;
  certificate.policy = completePolicy(policy, *parsed, now);
  certificate.versions.push_back(version);
  return Response::json(200, bundle(certificate, certificate.versions.back(), target));
}

Response KeyVaultCertificates::getCertificate(const std::string& name, const std::string& version, Target target) const {
  auto found = target.certificates.find(toLower(name));
  if (found == target.certificates.end()) return certificateNotFound(name, version);
  const Certificate& certificate = found->second;
  if (version.empty()) return Response::json(200, bundle(certificate, certificate.versions.back(), target));
  for (const CertificateVersion& candidate : certificate.versions) {
    if (equalsIgnoreCase(candidate.version, version)) return Response::json(200, bundle(certificate, candidate, target));
  }
  return certificateNotFound(name, version);
}

Response KeyVaultCertificates::getPolicy(const std::string& name, Target target) const {
  auto found = target.certificates.find(toLower(name));
  if (found == target.certificates.end()) return certificateNotFound(name, "");
  json policy = found->second.policy;
  policy["id"] = target.vaultUri + "certificates/" + found->second.name + "/policy";
  return Response::json(200, policy);
}

Response KeyVaultCertificates::listCertificates(const Request& request, Target target) const {
  std::vector<json> items;
  for (const auto& [lowerName, certificate] : target.certificates) {
    items.push_back(item(certificate.versions.back(), target.vaultUri + "certificates/" + certificate.name, target));
  }
  return pageItems(request, items, target.vaultUri + "certificates", config_.keyVaultPageSize);
}

Response KeyVaultCertificates::listVersions(const Request& request, const std::string& name, Target target) const {
  auto found = target.certificates.find(toLower(name));
  if (found == target.certificates.end()) return certificateNotFound(name, "");
  const Certificate& certificate = found->second;
  std::vector<json> items;
  for (const CertificateVersion& version : certificate.versions) {
    items.push_back(item(version, target.vaultUri + "certificates/" + certificate.name + "/" + version.version, target));
  }
  return pageItems(request, items, target.vaultUri + "certificates/" + certificate.name + "/versions", config_.keyVaultPageSize);
}

}  // namespace kvr::sim
