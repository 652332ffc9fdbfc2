#include "simulator_fixture.h"
#include "test_pfx.h"

#include "simulator/random_text.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

namespace kvr::sim::testing {
namespace {

using nlohmann::json;

constexpr const char* kVaultHost = "https://kv-data.vault.localhost:8443";
constexpr long kValidSeconds = 365L * 24 * 3600;

// A self-signed EC certificate for CN=<commonName> in a password-protected PFX, as base64.
std::string makePfx(const std::string& commonName, const std::string& password) {
  return makeSelfSignedPfx(EVP_EC_gen("P-256"), commonName, password, kValidSeconds);
}

// Opens a base64 PFX without password and reports whether it contains a private key.
bool pfxHasPrivateKey(const std::string& base64Pfx, bool& opened) {
  std::string der;
  opened = false;
  if (!base64UrlDecode(base64Pfx, der)) return false;
  const unsigned char* cursor = reinterpret_cast<const unsigned char*>(der.data());
  PKCS12* bundle = d2i_PKCS12(nullptr, &cursor, static_cast<long>(der.size()));
  if (!bundle) return false;
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  STACK_OF(X509)* others = nullptr;
  // OpenSSL returns a certificate without its private key among `others`.
  opened = PKCS12_parse(bundle, nullptr, &key, &certificate, &others) == 1 && (certificate != nullptr || sk_X509_num(others) > 0);
  bool hasKey = key != nullptr;
  EVP_PKEY_free(key);
  X509_free(certificate);
  sk_X509_pop_free(others, X509_free);
  PKCS12_free(bundle);
  return hasKey;
}

class KeyVaultCertificatesTest : public SimulatorTest {
 protected:
  void SetUp() override {
    createGroup("rg1");
    ASSERT_EQ(createVault("kv-data").status, 201);
  }

  Response importPfx(const std::string& name, const std::string& pfx, bool exportable, const std::string& password = "123") {
    json body = {{"value", pfx},
                 {"pwd", password},
                 {"policy", {{"key_props", {{"exportable", exportable}}}, {"secret_props", {{"contentType", "application/x-pkcs12"}}}}}};
    return vault("kv-data", "POST", "/certificates/" + name + "/import?api-version=7.6", body);
  }
};

TEST_F(KeyVaultCertificatesTest, ImportReturnsPublishedBundleShape) {
  Response response = importPfx("importCert01", makePfx("KeyVaultTest", "123"), true);
  ASSERT_EQ(response.status, 200) << response.body;
  json bundle = bodyOf(response);
  std::string id = bundle["id"].get<std::string>();
  std::string version = id.substr(id.rfind('/') + 1);
  EXPECT_EQ(id, std::string(kVaultHost) + "/certificates/importCert01/" + version);
  EXPECT_EQ(bundle["kid"], std::string(kVaultHost) + "/keys/importCert01/" + version);
  EXPECT_EQ(bundle["sid"], std::string(kVaultHost) + "/secrets/importCert01/" + version);
  EXPECT_EQ(bundle["x5t"].get<std::string>().size(), 27u);
  EXPECT_TRUE(bundle["cer"].is_string());
  json attributes = bundle["attributes"];
  EXPECT_EQ(attributes["enabled"], true);
  EXPECT_EQ(attributes["exp"].get<long long>() - attributes["nbf"].get<long long>(), kValidSeconds);
  EXPECT_EQ(attributes["recoveryLevel"], "Recoverable+Purgeable");

  json policy = bundle["policy"];
  EXPECT_EQ(policy["id"], std::string(kVaultHost) + "/certificates/importCert01/policy");
  EXPECT_EQ(policy["key_props"], json({{"exportable", true}, {"kty", "EC"}, {"crv", "P-256"}, {"reuse_key", false}}));
  EXPECT_EQ(policy["secret_props"]["contentType"], "application/x-pkcs12");
  EXPECT_EQ(policy["x509_props"]["subject"], "CN=KeyVaultTest");
  EXPECT_EQ(policy["issuer"]["name"], "Unknown");
  EXPECT_EQ(policy["lifetime_actions"][0]["action"]["action_type"], "EmailContacts");
}

TEST_F(KeyVaultCertificatesTest, ExportablePfxIsServedThroughSecret) {
  json bundle = bodyOf(importPfx("web-tls", makePfx("web", "123"), true));
  Response secret = vault("kv-data", "GET", "/secrets/web-tls?api-version=7.6");
  ASSERT_EQ(secret.status, 200) << secret.body;
  json secretBundle = bodyOf(secret);
  EXPECT_EQ(secretBundle["id"], bundle["sid"]);
  EXPECT_EQ(secretBundle["kid"], bundle["kid"]);
  EXPECT_EQ(secretBundle["managed"], true);
  EXPECT_EQ(secretBundle["contentType"], "application/x-pkcs12");
  bool opened = false;
  EXPECT_TRUE(pfxHasPrivateKey(secretBundle["value"], opened));
  EXPECT_TRUE(opened);
}

TEST_F(KeyVaultCertificatesTest, NonExportableSecretHasNoPrivateKey) {
  importPfx("locked", makePfx("locked", "123"), false);
  json secretBundle = bodyOf(vault("kv-data", "GET", "/secrets/locked?api-version=7.6"));
  bool opened = false;
  EXPECT_FALSE(pfxHasPrivateKey(secretBundle["value"], opened));
  EXPECT_TRUE(opened);
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/certificates/locked/policy?api-version=7.6"))["key_props"]["exportable"], false);
}

TEST_F(KeyVaultCertificatesTest, VersionsAndGetByVersion) {
  std::string firstId = bodyOf(importPfx("rotating", makePfx("one", "123"), true))["id"];
  std::string secondId = bodyOf(importPfx("rotating", makePfx("two", "123"), true))["id"];
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/certificates/rotating?api-version=7.6"))["id"], secondId);
  std::string firstVersion = firstId.substr(firstId.rfind('/') + 1);
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/certificates/rotating/" + firstVersion + "?api-version=7.6"))["id"], firstId);

  json versions = bodyOf(vault("kv-data", "GET", "/certificates/rotating/versions?api-version=7.6"));
  ASSERT_EQ(versions["value"].size(), 2u);
  EXPECT_EQ(versions["value"][0]["id"], firstId);
  EXPECT_TRUE(versions["value"][0]["x5t"].is_string());
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/secrets/rotating/versions?api-version=7.6"))["value"].size(), 2u);

  json list = bodyOf(vault("kv-data", "GET", "/certificates?api-version=7.6"));
  ASSERT_EQ(list["value"].size(), 1u);
  EXPECT_EQ(list["value"][0]["id"], std::string(kVaultHost) + "/certificates/rotating");
}

TEST_F(KeyVaultCertificatesTest, WrongPasswordIsBadParameter) {
  Response response = importPfx("bad", makePfx("bad", "123"), true, "wrong");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "BadParameter");
  EXPECT_EQ(vault("kv-data", "GET", "/secrets/bad?api-version=7.6").status, 404);
}

TEST_F(KeyVaultCertificatesTest, MissingCertificateIsCertificateNotFound) {
  Response response = vault("kv-data", "GET", "/certificates/none?api-version=7.6");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(errorCode(response), "CertificateNotFound");
  EXPECT_EQ(errorCode(vault("kv-data", "GET", "/certificates/none/policy?api-version=7.6")), "CertificateNotFound");
}

TEST_F(KeyVaultCertificatesTest, NameOfPlainSecretIsConflict) {
  vault("kv-data", "PUT", "/secrets/taken?api-version=7.6", {{"value", "v"}});
  Response response = importPfx("taken", makePfx("taken", "123"), true);
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(errorCode(response), "Conflict");
  EXPECT_EQ(vault("kv-data", "GET", "/certificates/taken?api-version=7.6").status, 404);
}

}  // namespace
}  // namespace kvr::sim::testing
