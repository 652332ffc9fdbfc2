#include "simulator_fixture.h"

#include "simulator/key_material.h"
#include "simulator/random_text.h"

#include <fstream>

namespace kvr::sim::testing {
namespace {

using nlohmann::json;

constexpr const char* kVaultHost = "https://kv-data.vault.localhost:8443";

std::size_t decodedSize(const json& member) {
  std::string bytes;
  EXPECT_TRUE(base64UrlDecode(member.get<std::string>(), bytes));
  return bytes.size();
}

std::string versionOf(const std::string& kid) { return kid.substr(kid.rfind('/') + 1); }

class KeyVaultKeysTest : public SimulatorTest {
 protected:
  void SetUp() override {
    createGroup("rg1");
    ASSERT_EQ(createVault("kv-data").status, 201);
  }

  Response createKey(const std::string& name, json body, const std::string& vaultName = "kv-data") {
    return vault(vaultName, "POST", "/keys/" + name + "/create?api-version=7.6", body);
  }

  Response createRsa(const std::string& name) { return createKey(name, {{"kty", "RSA"}, {"key_size", 2048}}); }

  static json privateJwk() {
    KeyMaterial material = generateKeyMaterial("RSA", 2048, "");
    json jwk = material.publicJwk;
    jwk.update(material.privateJwk);
    return jwk;
  }
};

TEST_F(KeyVaultKeysTest, CreateRsaReturnsPublicMembersOnly) {
  Response response = createKey("signing", {{"kty", "RSA"}, {"key_size", 2048}, {"tags", {{"purpose", "unit test"}}}});
  ASSERT_EQ(response.status, 200) << response.body;
  json bundle = bodyOf(response);
  json key = bundle["key"];
  std::string kid = key["kid"].get<std::string>();
  EXPECT_EQ(kid.rfind(std::string(kVaultHost) + "/keys/signing/", 0), 0u);
  EXPECT_EQ(versionOf(kid).size(), 32u);
  EXPECT_EQ(key["kty"], "RSA");
  EXPECT_EQ(decodedSize(key["n"]), 256u);
  EXPECT_EQ(key["e"], "AQAB");
  EXPECT_EQ(key["key_ops"], json({"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"}));
  for (const char* member : {"d", "p", "q", "dp", "dq", "qi"}) EXPECT_FALSE(key.contains(member)) << member;
  EXPECT_EQ(bundle["attributes"]["enabled"], true);
  EXPECT_EQ(bundle["attributes"]["recoveryLevel"], "Recoverable+Purgeable");
  EXPECT_EQ(bundle["attributes"]["created"], unixSeconds(clock_->now()));
  EXPECT_EQ(bundle["tags"]["purpose"], "unit test");
}

TEST_F(KeyVaultKeysTest, CreateSupportsLargeRsaAndP256) {
  json rsa3072 = bodyOf(createKey("rsa-3072", {{"kty", "RSA"}, {"key_size", 3072}}))["key"];
  EXPECT_EQ(decodedSize(rsa3072["n"]), 384u);
  json rsa4096 = bodyOf(createKey("rsa-4096", {{"kty", "RSA-HSM"}, {"key_size", 4096}}))["key"];
  EXPECT_EQ(decodedSize(rsa4096["n"]), 512u);
  EXPECT_EQ(rsa4096["kty"], "RSA-HSM");

  Response ec = createKey("ec-p256", {{"kty", "EC"}, {"crv", "P-256"}});
  ASSERT_EQ(ec.status, 200) << ec.body;
  json key = bodyOf(ec)["key"];
  EXPECT_EQ(key["crv"], "P-256");
  EXPECT_EQ(decodedSize(key["x"]), 32u);
  EXPECT_EQ(decodedSize(key["y"]), 32u);
  EXPECT_FALSE(key.contains("d"));
  EXPECT_EQ(key["key_ops"], json({"sign", "verify"}));
}

TEST_F(KeyVaultKeysTest, CreateRejectsUnsupportedParameters) {
  for (const json& body : {json{{"kty", "RSA"}, {"key_size", 1024}}, json{{"kty", "oct"}}, json{{"kty", "EC"}, {"crv", "P-384"}},
                           json{{"key_size", 2048}}, json{{"kty", "RSA"}, {"key_ops", {"launch"}}}}) {
    Response response = createKey("rejected", body);
    EXPECT_EQ(response.status, 400) << body.dump();
    EXPECT_EQ(errorCode(response), "BadParameter") << body.dump();
  }
  EXPECT_EQ(errorCode(createKey("bad_name", {{"kty", "RSA"}})), "BadParameter");
  EXPECT_EQ(vault("kv-data", "GET", "/keys/rejected?api-version=7.6").status, 404);
}

TEST_F(KeyVaultKeysTest, ImportKeepsPublicMembersAndAddsVersions) {
  json jwk = privateJwk();
  Response first = vault("kv-data", "PUT", "/keys/imported?api-version=7.6", {{"key", jwk}, {"tags", {{"source", "hsm"}}}});
  ASSERT_EQ(first.status, 200) << first.body;
  json key = bodyOf(first)["key"];
  EXPECT_EQ(key["n"], jwk["n"]);
  EXPECT_EQ(key["e"], jwk["e"]);
  EXPECT_FALSE(key.contains("d"));
  EXPECT_EQ(first.body.find(jwk["d"].get<std::string>()), std::string::npos);

  Response second = vault("kv-data", "PUT", "/keys/imported?api-version=7.6", {{"key", privateJwk()}});
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/keys/imported/versions?api-version=7.6"))["value"].size(), 2u);
}

TEST_F(KeyVaultKeysTest, ImportWithoutPrivateKeyIsBadParameter) {
  json jwk = privateJwk();
  jwk.erase("d");
  Response response = vault("kv-data", "PUT", "/keys/public-only?api-version=7.6", {{"key", jwk}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "BadParameter");
  EXPECT_EQ(errorCode(vault("kv-data", "PUT", "/keys/no-key?api-version=7.6", json::object())), "BadParameter");
}

TEST_F(KeyVaultKeysTest, GetReturnsLatestOrNamedVersion) {
  std::string firstKid = bodyOf(createRsa("versioned"))["key"]["kid"];
  std::string secondKid = bodyOf(createRsa("versioned"))["key"]["kid"];
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/keys/versioned?api-version=7.6"))["key"]["kid"], secondKid);
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/keys/versioned/" + versionOf(firstKid) + "?api-version=7.6"))["key"]["kid"], firstKid);

  Response missing = vault("kv-data", "GET", "/keys/versioned/00000000000000000000000000000000?api-version=7.6");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(errorCode(missing), "KeyNotFound");
  EXPECT_EQ(errorOf(missing)["message"],
            "A key with (name/id) versioned/00000000000000000000000000000000 was not found in this key vault; check the name and version.");
}

TEST_F(KeyVaultKeysTest, ListsPageWithNextLink) {
  for (const char* name : {"a-key", "b-key", "c-key"}) createRsa(name);
  json first = bodyOf(vault("kv-data", "GET", "/keys?api-version=7.6&maxresults=2"));
  ASSERT_EQ(first["value"].size(), 2u);
  EXPECT_EQ(first["value"][0]["kid"], std::string(kVaultHost) + "/keys/a-key");
  EXPECT_FALSE(first["value"][0].contains("key"));
  std::string next = first["nextLink"].get<std::string>();
  ASSERT_EQ(next.rfind(kVaultHost, 0), 0u);
  json second = bodyOf(vault("kv-data", "GET", next.substr(std::string(kVaultHost).size())));
  ASSERT_EQ(second["value"].size(), 1u);
  EXPECT_EQ(second["value"][0]["kid"], std::string(kVaultHost) + "/keys/c-key");
  EXPECT_TRUE(second["nextLink"].is_null());

  createRsa("a-key");
  json versions = bodyOf(vault("kv-data", "GET", "/keys/a-key/versions?api-version=7.6&maxresults=1"));
  ASSERT_EQ(versions["value"].size(), 1u);
  EXPECT_EQ(versions["value"][0]["kid"].get<std::string>().rfind(std::string(kVaultHost) + "/keys/a-key/", 0), 0u);
  EXPECT_TRUE(versions["nextLink"].is_string());
}

TEST_F(KeyVaultKeysTest, UpdateChangesOperationsTagsAndAttributes) {
  createRsa("updated");
  clock_->advance(std::chrono::seconds(5));
  Response response = vault("kv-data", "PATCH", "/keys/updated?api-version=7.6",
                            {{"key_ops", {"wrapKey", "unwrapKey"}}, {"tags", {{"owner", "storage"}}}, {"attributes", {{"enabled", false}, {"exp", 1900000000}}}});
  ASSERT_EQ(response.status, 200) << response.body;
  json bundle = bodyOf(response);
  EXPECT_EQ(bundle["key"]["key_ops"], json({"wrapKey", "unwrapKey"}));
  EXPECT_EQ(bundle["tags"]["owner"], "storage");
  EXPECT_EQ(bundle["attributes"]["enabled"], false);
  EXPECT_EQ(bundle["attributes"]["exp"], 1900000000);
  EXPECT_EQ(bundle["attributes"]["updated"], unixSeconds(clock_->now()));
  EXPECT_EQ(errorCode(vault("kv-data", "PATCH", "/keys/none?api-version=7.6", json::object())), "KeyNotFound");
}

TEST_F(KeyVaultKeysTest, DeleteRecoverAndPurge) {
  createRsa("gone");
  Response deleted = vault("kv-data", "DELETE", "/keys/gone?api-version=7.6");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  json bundle = bodyOf(deleted);
  EXPECT_EQ(bundle["recoveryId"], std::string(kVaultHost) + "/deletedkeys/gone");
  EXPECT_EQ(bundle["deletedDate"], unixSeconds(clock_->now()));
  EXPECT_EQ(bundle["scheduledPurgeDate"], unixSeconds(clock_->now()) + 90LL * 24 * 3600);
  EXPECT_EQ(vault("kv-data", "GET", "/keys/gone?api-version=7.6").status, 404);

  Response reuse = createRsa("gone");
  EXPECT_EQ(reuse.status, 409);
  EXPECT_EQ(errorCode(reuse), "Conflict");

  json deletedList = bodyOf(vault("kv-data", "GET", "/deletedkeys?api-version=7.6"));
  ASSERT_EQ(deletedList["value"].size(), 1u);
  EXPECT_EQ(deletedList["value"][0]["recoveryId"], std::string(kVaultHost) + "/deletedkeys/gone");
  EXPECT_EQ(vault("kv-data", "GET", "/deletedkeys/gone?api-version=7.6").status, 200);
  EXPECT_EQ(vault("kv-data", "POST", "/deletedkeys/gone/recover?api-version=7.6").status, 200);
  EXPECT_EQ(vault("kv-data", "GET", "/keys/gone?api-version=7.6").status, 200);

  vault("kv-data", "DELETE", "/keys/gone?api-version=7.6");
  EXPECT_EQ(vault("kv-data", "DELETE", "/deletedkeys/gone?api-version=7.6").status, 204);
  Response missing = vault("kv-data", "GET", "/deletedkeys/gone?api-version=7.6");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(errorCode(missing), "KeyNotFound");
  EXPECT_EQ(createRsa("gone").status, 200);
}

TEST_F(KeyVaultKeysTest, PurgeProtectionForbidsPurge) {
  json body = vaultBody();
  body["properties"]["enablePurgeProtection"] = true;
  ASSERT_EQ(createVault("kv-protected", "rg1", kSubscription, body).status, 201);
  ASSERT_EQ(createKey("kept", {{"kty", "EC"}}, "kv-protected").status, 200);
  vault("kv-protected", "DELETE", "/keys/kept?api-version=7.6");
  Response purge = vault("kv-protected", "DELETE", "/deletedkeys/kept?api-version=7.6");
  EXPECT_EQ(purge.status, 403);
  EXPECT_EQ(errorCode(purge), "Forbidden");
}

TEST_F(KeyVaultKeysTest, BackupRestoresSameKeyInSameGeography) {
  json created = bodyOf(createRsa("moved"));
  createRsa("moved");
  Response backup = vault("kv-data", "POST", "/keys/moved/backup?api-version=7.6");
  ASSERT_EQ(backup.status, 200);
  std::string blob = bodyOf(backup)["value"].get<std::string>();
  EXPECT_EQ(blob.find(created["key"]["n"].get<std::string>()), std::string::npos);

  Response conflict = vault("kv-data", "POST", "/keys/restore?api-version=7.6", {{"value", blob}});
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(errorCode(conflict), "Conflict");

  ASSERT_EQ(createVault("kv-target", "rg1", kSubscription, vaultBody("northeurope")).status, 201);
  Response restored = vault("kv-target", "POST", "/keys/restore?api-version=7.6", {{"value", blob}});
  ASSERT_EQ(restored.status, 200) << restored.body;
  std::string firstVersion = versionOf(created["key"]["kid"]);
  json oldVersion = bodyOf(vault("kv-target", "GET", "/keys/moved/" + firstVersion + "?api-version=7.6"));
  EXPECT_EQ(oldVersion["key"]["n"], created["key"]["n"]);
  EXPECT_EQ(oldVersion["key"]["kid"], "https://kv-target.vault.localhost:8443/keys/moved/" + firstVersion);
  EXPECT_EQ(bodyOf(vault("kv-target", "GET", "/keys/moved/versions?api-version=7.6"))["value"].size(), 2u);
}

TEST_F(KeyVaultKeysTest, RestoreRejectsOtherGeographyAndSecretBlobs) {
  createRsa("moved");
  std::string blob = bodyOf(vault("kv-data", "POST", "/keys/moved/backup?api-version=7.6"))["value"];
  ASSERT_EQ(createVault("kv-us", "rg1", kSubscription, vaultBody("eastus")).status, 201);
  Response otherGeography = vault("kv-us", "POST", "/keys/restore?api-version=7.6", {{"value", blob}});
  EXPECT_EQ(otherGeography.status, 403);
  EXPECT_EQ(errorCode(otherGeography), "Forbidden");

  vault("kv-data", "PUT", "/secrets/plain?api-version=7.6", {{"value", "v"}});
  std::string secretBlob = bodyOf(vault("kv-data", "POST", "/secrets/plain/backup?api-version=7.6"))["value"];
  Response wrongKind = vault("kv-data", "POST", "/keys/restore?api-version=7.6", {{"value", secretBlob}});
  EXPECT_EQ(wrongKind.status, 400);
  EXPECT_EQ(errorCode(wrongKind), "BadParameter");
}

TEST_F(KeyVaultKeysTest, RotationPolicyMatchesPublishedShape) {
  createRsa("key01");
  json initial = bodyOf(vault("kv-data", "GET", "/keys/key01/rotationpolicy?api-version=7.6"));
  EXPECT_EQ(initial["id"], std::string(kVaultHost) + "/keys/key01/rotationpolicy");

  json policy = {{"lifetimeActions",
                  {{{"trigger", {{"timeAfterCreate", "P90D"}}}, {"action", {{"type", "Rotate"}}}},
                   {{"trigger", {{"timeBeforeExpiry", "P30D"}}}, {"action", {{"type", "Notify"}}}}}},
                 {"attributes", {{"expiryTime", "P2Y"}}}};
  Response put = vault("kv-data", "PUT", "/keys/key01/rotationpolicy?api-version=7.6", policy);
  ASSERT_EQ(put.status, 200) << put.body;
  long long created = unixSeconds(clock_->now());
  clock_->advance(std::chrono::seconds(1));
  vault("kv-data", "PUT", "/keys/key01/rotationpolicy?api-version=7.6", policy);

  json stored = bodyOf(vault("kv-data", "GET", "/keys/key01/rotationpolicy?api-version=7.6"));
  json expected = policy;
  expected["id"] = std::string(kVaultHost) + "/keys/key01/rotationpolicy";
  expected["attributes"]["created"] = created;
  expected["attributes"]["updated"] = created + 1;
  EXPECT_EQ(stored, expected);
}

TEST_F(KeyVaultKeysTest, InvalidRotationPolicyIsBadParameter) {
  createRsa("key01");
  json bothTriggers = {{"lifetimeActions", {{{"trigger", {{"timeAfterCreate", "P90D"}, {"timeBeforeExpiry", "P30D"}}}, {"action", {{"type", "Rotate"}}}}}}};
  json unknownAction = {{"lifetimeActions", {{{"trigger", {{"timeAfterCreate", "P90D"}}}, {"action", {{"type", "Explode"}}}}}}};
  for (const json& policy : {bothTriggers, unknownAction}) {
    Response response = vault("kv-data", "PUT", "/keys/key01/rotationpolicy?api-version=7.6", policy);
    EXPECT_EQ(response.status, 400) << policy.dump();
    EXPECT_EQ(errorCode(response), "BadParameter");
  }
  EXPECT_EQ(errorCode(vault("kv-data", "GET", "/keys/none/rotationpolicy?api-version=7.6")), "KeyNotFound");
}

TEST_F(KeyVaultKeysTest, RotateAddsVersionWithNewMaterial) {
  json original = bodyOf(createKey("rotated", {{"kty", "RSA"}, {"key_size", 3072}, {"key_ops", {"wrapKey", "unwrapKey"}}}))["key"];
  Response rotated = vault("kv-data", "POST", "/keys/rotated/rotate?api-version=7.6");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  json key = bodyOf(rotated)["key"];
  EXPECT_NE(key["kid"], original["kid"]);
  EXPECT_NE(key["n"], original["n"]);
  EXPECT_EQ(decodedSize(key["n"]), 384u);
  EXPECT_EQ(key["key_ops"], original["key_ops"]);
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/keys/rotated?api-version=7.6"))["key"]["kid"], key["kid"]);
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/keys/rotated/versions?api-version=7.6"))["value"].size(), 2u);
  EXPECT_EQ(errorCode(vault("kv-data", "POST", "/keys/none/rotate?api-version=7.6")), "KeyNotFound");
}

TEST_F(KeyVaultKeysTest, SnapshotOmitsKeyMaterial) {
  json created = bodyOf(createRsa("hidden"));
  Response snapshot = simulator_.handle(Request::fromTarget("GET", "/_admin/snapshot?includeValues=true"));
  ASSERT_EQ(snapshot.status, 200);
  EXPECT_EQ(snapshot.body.find(created["key"]["n"].get<std::string>()), std::string::npos);
  json keys = bodyOf(snapshot)["dataPlane"]["kv-data"]["keys"];
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0]["name"], "hidden");
  EXPECT_EQ(keys[0]["kty"], "RSA");
  EXPECT_EQ(keys[0]["keySize"], 2048);
  EXPECT_EQ(keys[0]["versions"][0]["version"], versionOf(created["key"]["kid"]));
}

class SeededKeysTest : public SimulatorTest {
 protected:
  void SetUp() override {
    std::ifstream stream(std::string(KVR_SOURCE_DIR) + "/examples/contoso-payments/inventory.json");
    simulator_.loadEstate(json::parse(stream));
  }
};

TEST_F(SeededKeysTest, EstateKeysAreServedWithVersionsAndPolicy) {
  Response response = vault("kv-payments-weu", "GET", "/keys/storage-cmk?api-version=7.6");
  ASSERT_EQ(response.status, 200) << response.body;
  json bundle = bodyOf(response);
  EXPECT_EQ(bundle["key"]["kid"], "https://kv-payments-weu.vault.localhost:8443/keys/storage-cmk/6d1a8c3e5f7b4a29b0c4e6f8a2d1c357");
  EXPECT_EQ(decodedSize(bundle["key"]["n"]), 384u);
  EXPECT_EQ(bundle["key"]["key_ops"], json({"wrapKey", "unwrapKey"}));
  EXPECT_EQ(bundle["attributes"]["exp"], 1807336800);
  EXPECT_EQ(bundle["attributes"]["exportable"], false);
  EXPECT_EQ(bodyOf(vault("kv-payments-weu", "GET", "/keys/storage-cmk/versions?api-version=7.6"))["value"].size(), 2u);

  json policy = bodyOf(vault("kv-payments-weu", "GET", "/keys/storage-cmk/rotationpolicy?api-version=7.6"));
  EXPECT_EQ(policy["id"], "https://kv-payments-weu.vault.localhost:8443/keys/storage-cmk/rotationpolicy");
  EXPECT_EQ(policy["lifetimeActions"][0]["trigger"]["timeAfterCreate"], "P1Y");
  EXPECT_EQ(policy["attributes"]["expiryTime"], "P2Y");
}

}  // namespace
}  // namespace kvr::sim::testing
