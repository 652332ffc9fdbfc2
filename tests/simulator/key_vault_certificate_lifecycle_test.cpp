#include "simulator_fixture.h"

#include "simulator/random_text.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace kvr::sim::testing {
namespace {

using nlohmann::json;

constexpr const char* kVaultHost = "https://kv-data.vault.localhost:8443";
constexpr const char* kApi = "?api-version=7.6";

// PEM text with an EC P-256 private key and a self-signed certificate for CN=<commonName>.
std::string makePem(const std::string& commonName) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(X509_new(), X509_free);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 3);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 3600L * 24 * 30);
  X509_set_pubkey(certificate.get(), key.get());
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), name);
  X509_sign(certificate.get(), key.get(), EVP_sha256());
  std::unique_ptr<BIO, decltype(&BIO_free)> output(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(output.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(output.get(), certificate.get());
  char* data = nullptr;
  long length = BIO_get_mem_data(output.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

json pemPolicy() { return {{"secret_props", {{"contentType", "application/x-pem-file"}}}}; }

class KeyVaultCertificateLifecycleTest : public SimulatorTest {
 protected:
  void SetUp() override {
    createGroup("rg1");
    ASSERT_EQ(createVault("kv-data").status, 201);
  }

  Response importPem(const std::string& name, const std::string& commonName, const std::string& vaultName = "kv-data") {
    json body = {{"value", makePem(commonName)}, {"policy", pemPolicy()}, {"tags", {{"team", "web"}}}};
    return vault(vaultName, "POST", "/certificates/" + name + "/import" + kApi, body);
  }

  static std::string versionOf(const json& bundle) {
    std::string id = bundle["id"];
    return id.substr(id.rfind('/') + 1);
  }
};

TEST_F(KeyVaultCertificateLifecycleTest, PemImportIsServedAsPem) {
  Response imported = importPem("pem-cert", "pem.contoso.example");
  ASSERT_EQ(imported.status, 200) << imported.body;
  json bundle = bodyOf(imported);
  EXPECT_EQ(bundle["contentType"], "application/x-pem-file");
  EXPECT_EQ(bundle["policy"]["x509_props"]["subject"], "CN=pem.contoso.example");
  EXPECT_EQ(bundle["policy"]["key_props"]["kty"], "EC");
  EXPECT_EQ(bundle["tags"], json({{"team", "web"}}));
  json secret = bodyOf(vault("kv-data", "GET", std::string("/secrets/pem-cert") + kApi));
  EXPECT_EQ(secret["contentType"], "application/x-pem-file");
  EXPECT_NE(secret["value"].get<std::string>().find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
}

TEST_F(KeyVaultCertificateLifecycleTest, PemWithoutKeyIsBadParameter) {
  std::string pem = makePem("nokey");
  std::string certificateOnly = pem.substr(pem.find("-----BEGIN CERTIFICATE-----"));
  Response response = vault("kv-data", "POST", std::string("/certificates/nokey/import") + kApi, {{"value", certificateOnly}, {"policy", pemPolicy()}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorOf(response)["message"], "Certificate nokey: the value has no private key, which import needs.");
}

TEST_F(KeyVaultCertificateLifecycleTest, PolicyUpdateMergesMembers) {
  importPem("pem-cert", "pem");
  Response updated = vault("kv-data", "PATCH", std::string("/certificates/pem-cert/policy") + kApi,
                           {{"key_props", {{"exportable", false}}}, {"lifetime_actions", json::array({{{"trigger", {{"days_before_expiry", 30}}}, {"action", {{"action_type", "EmailContacts"}}}}})}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  json policy = bodyOf(updated);
  EXPECT_EQ(policy["id"], std::string(kVaultHost) + "/certificates/pem-cert/policy");
  EXPECT_EQ(policy["key_props"]["exportable"], false);
  EXPECT_EQ(policy["key_props"]["kty"], "EC");
  EXPECT_EQ(policy["lifetime_actions"][0]["trigger"]["days_before_expiry"], 30);
  EXPECT_EQ(policy["secret_props"]["contentType"], "application/x-pem-file");
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", std::string("/certificates/pem-cert/policy") + kApi)), policy);

  Response invalid = vault("kv-data", "PATCH", std::string("/certificates/pem-cert/policy") + kApi, {{"secret_props", {{"contentType", "text/plain"}}}});
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(errorCode(invalid), "BadParameter");
}

TEST_F(KeyVaultCertificateLifecycleTest, VersionsArePagedWithNextLink) {
  std::vector<std::string> ids;
  for (const char* name : {"one", "two", "three"}) ids.push_back(bodyOf(importPem("paged", name))["id"]);
  json first = bodyOf(vault("kv-data", "GET", std::string("/certificates/paged/versions") + kApi + "&maxresults=2"));
  ASSERT_EQ(first["value"].size(), 2u);
  EXPECT_EQ(first["value"][0]["id"], ids[0]);
  EXPECT_EQ(first["nextLink"], std::string(kVaultHost) + "/certificates/paged/versions?api-version=7.6&%24skiptoken=2&maxresults=2");
  json second = bodyOf(vault("kv-data", "GET", "/certificates/paged/versions?api-version=7.6&%24skiptoken=2&maxresults=2"));
  ASSERT_EQ(second["value"].size(), 1u);
  EXPECT_EQ(second["value"][0]["id"], ids[2]);
  EXPECT_TRUE(second["nextLink"].is_null());
  std::string middle = ids[1].substr(ids[1].rfind('/') + 1);
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/certificates/paged/" + middle + kApi))["policy"]["x509_props"]["subject"], "CN=three");
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/certificates/paged/" + middle + kApi))["id"], ids[1]);
}

TEST_F(KeyVaultCertificateLifecycleTest, UpdateSetsEnabledAndTags) {
  json bundle = bodyOf(importPem("pem-cert", "pem"));
  clock_->advance(std::chrono::seconds(5));
  Response updated = vault("kv-data", "PATCH", "/certificates/pem-cert/" + versionOf(bundle) + kApi,
                           {{"attributes", {{"enabled", false}}}, {"tags", {{"env", "test"}}}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  json result = bodyOf(updated);
  EXPECT_EQ(result["attributes"]["enabled"], false);
  EXPECT_EQ(result["attributes"]["updated"], bundle["attributes"]["created"].get<long long>() + 5);
  EXPECT_EQ(result["tags"], json({{"env", "test"}}));
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", std::string("/certificates") + kApi))["value"][0]["attributes"]["enabled"], false);
  EXPECT_EQ(vault("kv-data", "PATCH", std::string("/certificates/pem-cert") + kApi, {{"attributes", {{"enabled", "no"}}}}).status, 400);
}

TEST_F(KeyVaultCertificateLifecycleTest, SoftDeleteRecoverAndPurge) {
  importPem("gone", "gone");
  Response deleted = vault("kv-data", "DELETE", std::string("/certificates/gone") + kApi);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  json deletedBundle = bodyOf(deleted);
  EXPECT_EQ(deletedBundle["recoveryId"], std::string(kVaultHost) + "/deletedcertificates/gone");
  EXPECT_EQ(deletedBundle["scheduledPurgeDate"].get<long long>() - deletedBundle["deletedDate"].get<long long>(), 90LL * 24 * 3600);
  EXPECT_EQ(vault("kv-data", "GET", std::string("/certificates/gone") + kApi).status, 404);
  EXPECT_EQ(vault("kv-data", "GET", std::string("/secrets/gone") + kApi).status, 404);
  EXPECT_EQ(vault("kv-data", "GET", std::string("/keys/gone") + kApi).status, 404);

  json list = bodyOf(vault("kv-data", "GET", std::string("/deletedcertificates") + kApi));
  ASSERT_EQ(list["value"].size(), 1u);
  EXPECT_EQ(list["value"][0]["id"], std::string(kVaultHost) + "/certificates/gone");
  EXPECT_EQ(list["value"][0]["recoveryId"], std::string(kVaultHost) + "/deletedcertificates/gone");
  EXPECT_EQ(vault("kv-data", "GET", std::string("/deletedcertificates/gone") + kApi).status, 200);

  Response reuse = importPem("gone", "again");
  EXPECT_EQ(reuse.status, 409);
  EXPECT_EQ(errorOf(reuse)["innererror"]["code"], "ObjectIsDeletedButRecoverable");

  Response recovered = vault("kv-data", "POST", std::string("/deletedcertificates/gone/recover") + kApi);
  ASSERT_EQ(recovered.status, 200) << recovered.body;
  EXPECT_EQ(vault("kv-data", "GET", std::string("/certificates/gone") + kApi).status, 200);
  EXPECT_EQ(vault("kv-data", "GET", std::string("/secrets/gone") + kApi).status, 200);
  EXPECT_EQ(vault("kv-data", "GET", std::string("/keys/gone") + kApi).status, 200);

  vault("kv-data", "DELETE", std::string("/certificates/gone") + kApi);
  EXPECT_EQ(vault("kv-data", "DELETE", std::string("/deletedcertificates/gone") + kApi).status, 204);
  EXPECT_EQ(errorCode(vault("kv-data", "GET", std::string("/deletedcertificates/gone") + kApi)), "CertificateNotFound");
  EXPECT_EQ(importPem("gone", "fresh").status, 200);
}

TEST_F(KeyVaultCertificateLifecycleTest, PurgeProtectionRejectsPurge) {
  json body = vaultBody();
  body["properties"]["enablePurgeProtection"] = true;
  ASSERT_EQ(createVault("kv-locked", "rg1", kSubscription, body).status, 201);
  importPem("kept", "kept", "kv-locked");
  vault("kv-locked", "DELETE", std::string("/certificates/kept") + kApi);
  Response purge = vault("kv-locked", "DELETE", std::string("/deletedcertificates/kept") + kApi);
  EXPECT_EQ(purge.status, 403);
  EXPECT_EQ(errorCode(purge), "Forbidden");
}

TEST_F(KeyVaultCertificateLifecycleTest, BackupRestoresVersionsSecretAndKey) {
  json first = bodyOf(importPem("moved", "first"));
  json second = bodyOf(importPem("moved", "second"));
  std::string secretValue = bodyOf(vault("kv-data", "GET", std::string("/secrets/moved") + kApi))["value"];
  json publicKey = bodyOf(vault("kv-data", "GET", std::string("/keys/moved") + kApi))["key"];
  Response backup = vault("kv-data", "POST", std::string("/certificates/moved/backup") + kApi);
  ASSERT_EQ(backup.status, 200) << backup.body;
  std::string blob = bodyOf(backup)["value"];
  EXPECT_EQ(blob.find("BEGIN"), std::string::npos);

  ASSERT_EQ(createVault("kv-target", "rg1", kSubscription, vaultBody("northeurope")).status, 201);
  Response restored = vault("kv-target", "POST", std::string("/certificates/restore") + kApi, {{"value", blob}});
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_EQ(bodyOf(restored)["id"], "https://kv-target.vault.localhost:8443/certificates/moved/" + versionOf(second));
  EXPECT_EQ(bodyOf(restored)["cer"], second["cer"]);
  json versions = bodyOf(vault("kv-target", "GET", std::string("/certificates/moved/versions") + kApi));
  ASSERT_EQ(versions["value"].size(), 2u);
  EXPECT_EQ(versions["value"][0]["x5t"], first["x5t"]);
  EXPECT_EQ(bodyOf(vault("kv-target", "GET", std::string("/secrets/moved") + kApi))["value"], secretValue);
  json restoredKey = bodyOf(vault("kv-target", "GET", std::string("/keys/moved") + kApi))["key"];
  EXPECT_EQ(restoredKey["x"], publicKey["x"]);
  EXPECT_EQ(bodyOf(vault("kv-target", "GET", "/secrets/moved/" + versionOf(first) + kApi))["kid"],
            "https://kv-target.vault.localhost:8443/keys/moved/" + versionOf(first));

  Response again = vault("kv-target", "POST", std::string("/certificates/restore") + kApi, {{"value", blob}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(errorCode(again), "Conflict");
}

TEST_F(KeyVaultCertificateLifecycleTest, RestoreOutsideGeographyOrSubscriptionIsForbidden) {
  importPem("moved", "moved");
  std::string blob = bodyOf(vault("kv-data", "POST", std::string("/certificates/moved/backup") + kApi))["value"];
  ASSERT_EQ(createVault("kv-us", "rg1", kSubscription, vaultBody("eastus")).status, 201);
  Response otherGeography = vault("kv-us", "POST", std::string("/certificates/restore") + kApi, {{"value", blob}});
  EXPECT_EQ(otherGeography.status, 403);
  EXPECT_EQ(errorCode(otherGeography), "Forbidden");
  createGroup("rg2", kOtherSubscription);
  ASSERT_EQ(createVault("kv-other", "rg2", kOtherSubscription).status, 201);
  Response otherSubscription = vault("kv-other", "POST", std::string("/certificates/restore") + kApi, {{"value", blob}});
  EXPECT_EQ(otherSubscription.status, 403);
  EXPECT_EQ(vault("kv-us", "GET", std::string("/secrets/moved") + kApi).status, 404);

  std::string secretBlob = bodyOf(vault("kv-data", "POST", std::string("/secrets/moved/backup") + kApi))["value"];
  Response wrongKind = vault("kv-data", "POST", std::string("/certificates/restore") + kApi, {{"value", secretBlob}});
  EXPECT_EQ(wrongKind.status, 400);
}

TEST_F(KeyVaultCertificateLifecycleTest, DeletedSecretNameIsObjectIsDeletedButRecoverable) {
  vault("kv-data", "PUT", std::string("/secrets/plain") + kApi, {{"value", "test-only"}});
  vault("kv-data", "DELETE", std::string("/secrets/plain") + kApi);
  Response reuse = vault("kv-data", "PUT", std::string("/secrets/plain") + kApi, {{"value", "test-only-2"}});
  EXPECT_EQ(reuse.status, 409);
  EXPECT_EQ(errorCode(reuse), "Conflict");
  EXPECT_EQ(errorOf(reuse)["innererror"]["code"], "ObjectIsDeletedButRecoverable");
  Response certificate = importPem("plain", "plain");
  EXPECT_EQ(certificate.status, 409);
  EXPECT_EQ(errorOf(certificate)["innererror"]["code"], "ObjectIsDeletedButRecoverable");
  EXPECT_EQ(vault("kv-data", "GET", std::string("/certificates/plain") + kApi).status, 404);
}

TEST_F(KeyVaultCertificateLifecycleTest, DeletedKeyNameIsObjectIsDeletedButRecoverable) {
  vault("kv-data", "POST", std::string("/keys/signing/create") + kApi, {{"kty", "EC"}});
  vault("kv-data", "DELETE", std::string("/keys/signing") + kApi);
  Response reuse = vault("kv-data", "POST", std::string("/keys/signing/create") + kApi, {{"kty", "EC"}});
  EXPECT_EQ(reuse.status, 409);
  EXPECT_EQ(errorOf(reuse)["innererror"]["code"], "ObjectIsDeletedButRecoverable");
}

}  // namespace
}  // namespace kvr::sim::testing
