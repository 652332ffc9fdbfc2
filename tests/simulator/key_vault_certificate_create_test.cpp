#include "simulator_fixture.h"

#include "simulator/certificate_material.h"
#include "simulator/key_vault_data_plane.h"
#include "simulator/random_text.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace kvr::sim::testing {
namespace {

using nlohmann::json;

constexpr const char* kVaultHost = "https://kv-data.vault.localhost:8443";
constexpr const char* kApi = "?api-version=7.6";
// 2025-06-15T14:13:20Z, the ManualClock's start; one year later is 2026-06-15T14:13:20Z.
constexpr long long kStart = 1'750'000'000;
constexpr long long kOneYearLater = 1'781'536'000;

using CertificatePointer = std::unique_ptr<X509, decltype(&X509_free)>;

std::string decodeBase64(const std::string& text) {
  std::string bytes;
  EXPECT_TRUE(base64UrlDecode(text, bytes));
  return bytes;
}

CertificatePointer certificateOf(const std::string& base64Der) {
  std::string der = decodeBase64(base64Der);
  const unsigned char* cursor = reinterpret_cast<const unsigned char*>(der.data());
  return CertificatePointer(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())), X509_free);
}

std::string subjectOf(X509* certificate) {
  char text[256] = {};
  X509_NAME_oneline(X509_get_subject_name(certificate), text, sizeof text);
  return text;
}

long long secondsSinceEpoch(const ASN1_TIME* time) {
  std::tm parts{};
  ASN1_TIME_to_tm(time, &parts);
  return static_cast<long long>(timegm(&parts));
}

std::string dnsNameOf(X509* certificate) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  std::string dns;
  if (names && sk_GENERAL_NAME_num(names) > 0 && sk_GENERAL_NAME_value(names, 0)->type == GEN_DNS) {
    const ASN1_IA5STRING* text = sk_GENERAL_NAME_value(names, 0)->d.ia5;
    dns.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)), static_cast<std::size_t>(ASN1_STRING_length(text)));
  }
  GENERAL_NAMES_free(names);
  return dns;
}

// The certificate and private key of a password-less base64 PFX; the key may be null.
struct OpenedPfx {
  CertificatePointer certificate{nullptr, X509_free};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
};

OpenedPfx openPfxValue(const std::string& base64Pfx) {
  std::string der = decodeBase64(base64Pfx);
  const unsigned char* cursor = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<PKCS12, decltype(&PKCS12_free)> bundle(d2i_PKCS12(nullptr, &cursor, static_cast<long>(der.size())), PKCS12_free);
  OpenedPfx opened;
  if (!bundle) return opened;
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  STACK_OF(X509)* others = nullptr;
  PKCS12_parse(bundle.get(), nullptr, &key, &certificate, &others);
  if (!certificate && sk_X509_num(others) > 0) certificate = sk_X509_shift(others);
  sk_X509_pop_free(others, X509_free);
  opened.certificate.reset(certificate);
  opened.key.reset(key);
  return opened;
}

json selfPolicy(const std::string& subject, json keyProperties = {{"kty", "RSA"}, {"key_size", 2048}, {"exportable", true}}) {
  return {{"key_props", keyProperties},
          {"secret_props", {{"contentType", "application/x-pkcs12"}}},
          {"x509_props",
           {{"subject", subject},
            {"sans", {{"dns_names", {"web.contoso.example"}}}},
            {"key_usage", {"digitalSignature", "keyEncipherment"}},
            {"ekus", {"1.3.6.1.5.5.7.3.1"}},
            {"validity_months", 12}}},
          {"issuer", {{"name", "Self"}}}};
}

class KeyVaultCertificateCreateTest : public SimulatorTest {
 protected:
  void SetUp() override {
    createGroup("rg1");
    ASSERT_EQ(createVault("kv-data").status, 201);
  }

  Response create(const std::string& name, const json& policy, const json& extra = json::object()) {
    json body = extra;
    body["policy"] = policy;
    return vault("kv-data", "POST", "/certificates/" + name + "/create" + kApi, body);
  }

  // Creates a Self certificate and moves the clock past the create delay.
  json createAndComplete(const std::string& name, const json& policy) {
    Response created = create(name, policy);
    EXPECT_EQ(created.status, 202) << created.body;
    clock_->advance(std::chrono::seconds(10));
    Response certificate = vault("kv-data", "GET", "/certificates/" + name + kApi);
    EXPECT_EQ(certificate.status, 200) << certificate.body;
    return bodyOf(certificate);
  }
};

TEST_F(KeyVaultCertificateCreateTest, SelfIssuedCreateIsPendingThenCompleted) {
  Response created = create("web-tls", selfPolicy("CN=web.contoso.example"));
  ASSERT_EQ(created.status, 202) << created.body;
  json operation = bodyOf(created);
  EXPECT_EQ(operation["id"], std::string(kVaultHost) + "/certificates/web-tls/pending");
  EXPECT_EQ(operation["issuer"]["name"], "Self");
  EXPECT_EQ(operation["status"], "inProgress");
  EXPECT_EQ(operation["cancellation_requested"], false);
  EXPECT_FALSE(operation["csr"].get<std::string>().empty());
  EXPECT_EQ(created.header("Location"), std::string(kVaultHost) + "/certificates/web-tls/pending?api-version=7.6");

  EXPECT_EQ(bodyOf(vault("kv-data", "GET", std::string("/certificates/web-tls/pending") + kApi))["status"], "inProgress");
  EXPECT_EQ(errorCode(vault("kv-data", "GET", std::string("/certificates/web-tls") + kApi)), "CertificateNotFound");

  clock_->advance(std::chrono::seconds(10));
  json completed = bodyOf(vault("kv-data", "GET", std::string("/certificates/web-tls/pending") + kApi));
  EXPECT_EQ(completed["status"], "completed");
  EXPECT_EQ(completed["target"], std::string(kVaultHost) + "/certificates/web-tls");
  Response certificate = vault("kv-data", "GET", std::string("/certificates/web-tls") + kApi);
  ASSERT_EQ(certificate.status, 200) << certificate.body;
  EXPECT_EQ(bodyOf(certificate)["policy"]["issuer"]["name"], "Self");
}

TEST_F(KeyVaultCertificateCreateTest, CreatedCertificateMatchesPolicy) {
  json bundle = createAndComplete("web-tls", selfPolicy("CN=web.contoso.example"));
  CertificatePointer certificate = certificateOf(bundle["cer"]);
  ASSERT_NE(certificate, nullptr);
  EXPECT_EQ(subjectOf(certificate.get()), "/CN=web.contoso.example");
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(certificate.get()), X509_get_subject_name(certificate.get())), 0);
  long long notBefore = secondsSinceEpoch(X509_get0_notBefore(certificate.get()));
  long long notAfter = secondsSinceEpoch(X509_get0_notAfter(certificate.get()));
  EXPECT_EQ(notBefore, kStart + 10);
  EXPECT_EQ(notAfter, kOneYearLater + 10);
  EXPECT_EQ(bundle["attributes"]["nbf"], notBefore);
  EXPECT_EQ(bundle["attributes"]["exp"], notAfter);
  EVP_PKEY* publicKey = X509_get0_pubkey(certificate.get());
  EXPECT_EQ(EVP_PKEY_get_base_id(publicKey), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(publicKey), 2048);
  EXPECT_EQ(dnsNameOf(certificate.get()), "web.contoso.example");
  EXPECT_EQ(X509_get_key_usage(certificate.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
  EXPECT_EQ(X509_get_extended_key_usage(certificate.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(X509_verify(certificate.get(), publicKey), 1);
}

TEST_F(KeyVaultCertificateCreateTest, ExportableSecretCarriesMatchingKey) {
  json bundle = createAndComplete("web-tls", selfPolicy("CN=web"));
  json secret = bodyOf(vault("kv-data", "GET", std::string("/secrets/web-tls") + kApi));
  EXPECT_EQ(secret["id"], bundle["sid"]);
  EXPECT_EQ(secret["contentType"], "application/x-pkcs12");
  OpenedPfx pfx = openPfxValue(secret["value"]);
  ASSERT_NE(pfx.certificate, nullptr);
  ASSERT_NE(pfx.key, nullptr);
  EXPECT_EQ(X509_check_private_key(pfx.certificate.get(), pfx.key.get()), 1);

  Response key = vault("kv-data", "GET", std::string("/keys/web-tls") + kApi);
  ASSERT_EQ(key.status, 200) << key.body;
  json keyBundle = bodyOf(key);
  EXPECT_EQ(keyBundle["key"]["kid"], bundle["kid"]);
  EXPECT_EQ(keyBundle["key"]["kty"], "RSA");
  EXPECT_EQ(keyBundle["managed"], true);
  EXPECT_EQ(keyBundle["attributes"]["exportable"], true);
  EXPECT_FALSE(keyBundle["key"].contains("d"));
}

TEST_F(KeyVaultCertificateCreateTest, NonExportableSecretHasOnlyCertificate) {
  createAndComplete("locked", selfPolicy("CN=locked", {{"kty", "RSA"}, {"key_size", 2048}, {"exportable", false}}));
  Response secret = vault("kv-data", "GET", std::string("/secrets/locked") + kApi);
  ASSERT_EQ(secret.status, 200) << secret.body;
  OpenedPfx pfx = openPfxValue(bodyOf(secret)["value"]);
  EXPECT_NE(pfx.certificate, nullptr);
  EXPECT_EQ(pfx.key, nullptr);
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", std::string("/keys/locked") + kApi))["attributes"]["exportable"], false);
}

TEST_F(KeyVaultCertificateCreateTest, EcCertificateWithPemSecret) {
  json policy = selfPolicy("CN=ec-web", {{"kty", "EC"}, {"crv", "P-384"}});
  policy["secret_props"]["contentType"] = "application/x-pem-file";
  policy["x509_props"]["key_usage"] = {"digitalSignature"};
  json bundle = createAndComplete("ec-web", policy);
  CertificatePointer certificate = certificateOf(bundle["cer"]);
  ASSERT_NE(certificate, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(certificate.get())), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(certificate.get())), 384);
  EXPECT_EQ(bundle["contentType"], "application/x-pem-file");

  json secret = bodyOf(vault("kv-data", "GET", std::string("/secrets/ec-web") + kApi));
  EXPECT_EQ(secret["contentType"], "application/x-pem-file");
  std::string pem = secret["value"];
  EXPECT_EQ(pem.find("-----BEGIN PRIVATE KEY-----"), 0u);
  EXPECT_NE(pem.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", std::string("/keys/ec-web") + kApi))["key"]["crv"], "P-384");
}

TEST_F(KeyVaultCertificateCreateTest, UnknownIssuerWaitsForMerge) {
  json policy = selfPolicy("CN=merged.contoso.example");
  policy["issuer"]["name"] = "Unknown";
  json operation = bodyOf(create("merged", policy));
  EXPECT_EQ(operation["issuer"]["name"], "Unknown");
  clock_->advance(std::chrono::minutes(30));
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", std::string("/certificates/merged/pending") + kApi))["status"], "inProgress");

  // A test CA signs a certificate over the public key of the request.
  std::string csrDer = decodeBase64(operation["csr"]);
  const unsigned char* cursor = reinterpret_cast<const unsigned char*>(csrDer.data());
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> request(d2i_X509_REQ(nullptr, &cursor, static_cast<long>(csrDer.size())), X509_REQ_free);
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(X509_REQ_verify(request.get(), X509_REQ_get0_pubkey(request.get())), 1);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> caKey(EVP_EC_gen("P-256"), EVP_PKEY_free);
  CertificatePointer issued(X509_new(), X509_free);
  ASN1_INTEGER_set(X509_get_serialNumber(issued.get()), 7);
  X509_set_subject_name(issued.get(), X509_REQ_get_subject_name(request.get()));
  X509_NAME* caName = X509_NAME_new();
  X509_NAME_add_entry_by_txt(caName, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Test CA"), -1, -1, 0);
  X509_set_issuer_name(issued.get(), caName);
  X509_NAME_free(caName);
  X509_gmtime_adj(X509_getm_notBefore(issued.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(issued.get()), 3600L * 24 * 90);
  X509_set_pubkey(issued.get(), X509_REQ_get0_pubkey(request.get()));
  X509_sign(issued.get(), caKey.get(), EVP_sha256());
  unsigned char* buffer = nullptr;
  int length = i2d_X509(issued.get(), &buffer);
  std::string issuedDer(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(length));
  OPENSSL_free(buffer);

  Response merged = vault("kv-data", "POST", std::string("/certificates/merged/pending/merge") + kApi, {{"x5c", {base64Encode(issuedDer)}}});
  ASSERT_EQ(merged.status, 201) << merged.body;
  EXPECT_EQ(bodyOf(merged)["cer"], base64Encode(issuedDer));
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", std::string("/certificates/merged/pending") + kApi))["status"], "completed");
  OpenedPfx pfx = openPfxValue(bodyOf(vault("kv-data", "GET", std::string("/secrets/merged") + kApi))["value"]);
  ASSERT_NE(pfx.key, nullptr);
  EXPECT_EQ(X509_check_private_key(issued.get(), pfx.key.get()), 1);
}

TEST_F(KeyVaultCertificateCreateTest, MergeWithOtherKeyIsBadParameter) {
  json policy = selfPolicy("CN=merged");
  policy["issuer"]["name"] = "Unknown";
  create("merged", policy);
  json other = createAndComplete("other", selfPolicy("CN=other"));
  Response merged = vault("kv-data", "POST", std::string("/certificates/merged/pending/merge") + kApi, {{"x5c", {other["cer"]}}});
  EXPECT_EQ(merged.status, 400);
  EXPECT_EQ(errorCode(merged), "BadParameter");
  Response noOperation = vault("kv-data", "POST", std::string("/certificates/other/pending/merge") + kApi, {{"x5c", {other["cer"]}}});
  EXPECT_EQ(noOperation.status, 404);
  EXPECT_EQ(errorCode(noOperation), "PendingCertificateNotFound");
}

TEST_F(KeyVaultCertificateCreateTest, UnconfiguredIssuerIsRejected) {
  json policy = selfPolicy("CN=web");
  policy["issuer"]["name"] = "DigiCert";
  Response response = create("web", policy);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "BadParameter");
  EXPECT_NE(errorOf(response)["message"].get<std::string>().find("'DigiCert' is not configured"), std::string::npos);
  EXPECT_EQ(vault("kv-data", "GET", std::string("/certificates/web/pending") + kApi).status, 404);
}

TEST_F(KeyVaultCertificateCreateTest, InvalidPolicyIsBadParameter) {
  EXPECT_EQ(errorCode(create("bad", selfPolicy("CN=web", {{"kty", "RSA"}, {"key_size", 1024}}))), "BadParameter");
  EXPECT_EQ(errorCode(create("bad", selfPolicy("no-equals-sign"))), "BadParameter");
  json noPolicy = bodyOf(vault("kv-data", "POST", std::string("/certificates/bad/create") + kApi, json::object()));
  EXPECT_EQ(noPolicy["error"]["code"], "BadParameter");
}

TEST_F(KeyVaultCertificateCreateTest, CancelledOperationCreatesNothing) {
  create("web", selfPolicy("CN=web"));
  Response cancelled = vault("kv-data", "PATCH", std::string("/certificates/web/pending") + kApi, {{"cancellation_requested", true}});
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(bodyOf(cancelled)["status"], "cancelled");
  clock_->advance(std::chrono::seconds(60));
  EXPECT_EQ(vault("kv-data", "GET", std::string("/certificates/web") + kApi).status, 404);
  EXPECT_EQ(vault("kv-data", "DELETE", std::string("/certificates/web/pending") + kApi).status, 200);
  EXPECT_EQ(vault("kv-data", "GET", std::string("/certificates/web/pending") + kApi).status, 404);
}

TEST(KeyVaultCertificateDelay, ZeroDelayCompletesAtOnce) {
  SimulatorConfig config;
  config.operationSeconds["microsoft.keyvault/vaults/certificates"] = 0;
  ManualClock clock;
  KeyVaultDataPlane dataPlane(config, clock);
  VaultInfo vault{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", "kv", "s", "westeurope", "t"};
  Request request = Request::fromTarget("POST", "/certificates/now/create?api-version=7.6");
  request.withBody(json({{"policy", selfPolicy("CN=now")}}).dump());
  Response created = dataPlane.handle(request, vault, "https://kv.vault.localhost/");
  ASSERT_EQ(created.status, 202) << created.body;
  EXPECT_EQ(json::parse(created.body)["status"], "completed");
  EXPECT_EQ(dataPlane.handle(Request::fromTarget("GET", "/certificates/now?api-version=7.6"), vault, "https://kv.vault.localhost/").status, 200);
}

}  // namespace
}  // namespace kvr::sim::testing
