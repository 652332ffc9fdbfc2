#include "simulator_fixture.h"

namespace kvr::sim::testing {
namespace {

using nlohmann::json;

class KeyVaultTest : public SimulatorTest {
 protected:
  void SetUp() override {
    createGroup("rg1");
    ASSERT_EQ(createVault("kv-data").status, 201);
  }

  Response setSecret(const std::string& name, const std::string& value, json extra = json::object()) {
    extra["value"] = value;
    return vault("kv-data", "PUT", "/secrets/" + name + "?api-version=7.6", extra);
  }
};

TEST_F(KeyVaultTest, UnauthenticatedRequestGetsChallenge) {
  Request request = Request::fromTarget("GET", "/secrets?api-version=7.6");
  request.withHeader("Host", "kv-data.vault.localhost:8443");
  Response response = simulator_.handle(request);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(errorCode(response), "Unauthorized");
  EXPECT_EQ(response.header("WWW-Authenticate"),
            "Bearer authorization=\"https://127.0.0.1:8443/11111111-1111-1111-1111-111111111111\", resource=\"https://vault.azure.net\"");
}

TEST_F(KeyVaultTest, ResourceManagerTokenIsRejectedByVault) {
  Request request = Request::fromTarget("GET", "/secrets?api-version=7.6");
  request.withHeader("Host", "kv-data.vault.localhost:8443").withHeader("Authorization", "Bearer " + armToken_);
  EXPECT_EQ(simulator_.handle(request).status, 401);
}

TEST_F(KeyVaultTest, SetThenGetReturnsValueAndVersionedId) {
  Response set = setSecret("db-password", "test-value-1", {{"contentType", "text/plain"}, {"tags", {{"owner", "db"}}}});
  ASSERT_EQ(set.status, 200) << set.body;
  json bundle = bodyOf(set);
  EXPECT_EQ(bundle["value"], "test-value-1");
  std::string id = bundle["id"].get<std::string>();
  EXPECT_EQ(id.rfind("https://kv-data.vault.localhost:8443/secrets/db-password/", 0), 0u);
  EXPECT_EQ(id.size() - id.rfind('/') - 1, 32u);
  EXPECT_EQ(bundle["attributes"]["recoveryLevel"], "Recoverable+Purgeable");

  json latest = bodyOf(vault("kv-data", "GET", "/secrets/db-password?api-version=7.6"));
  EXPECT_EQ(latest["value"], "test-value-1");
  EXPECT_EQ(latest["contentType"], "text/plain");
  json byVersion = bodyOf(vault("kv-data", "GET", "/secrets/db-password/" + id.substr(id.rfind('/') + 1) + "?api-version=7.6"));
  EXPECT_EQ(byVersion["id"], id);
}

TEST_F(KeyVaultTest, MissingSecretIsSecretNotFound) {
  Response response = vault("kv-data", "GET", "/secrets/none?api-version=7.6");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(errorCode(response), "SecretNotFound");
}

TEST_F(KeyVaultTest, MissingApiVersionIsBadParameter) {
  Response response = vault("kv-data", "GET", "/secrets");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "BadParameter");
}

TEST_F(KeyVaultTest, InvalidInputIsBadParameter) {
  EXPECT_EQ(errorCode(vault("kv-data", "PUT", "/secrets/bad_name?api-version=7.6", {{"value", "x"}})), "BadParameter");
  EXPECT_EQ(errorCode(setSecret("big", std::string(25 * 1024 + 1, 'x'))), "BadParameter");
  json tags = json::object();
  for (int index = 0; index < 16; ++index) tags["t" + std::to_string(index)] = "v";
  EXPECT_EQ(errorCode(setSecret("tagged", "x", {{"tags", tags}})), "BadParameter");
  EXPECT_EQ(errorCode(vault("kv-data", "PUT", "/secrets/novalue?api-version=7.6", json::object())), "BadParameter");
}

TEST_F(KeyVaultTest, VersionsListOldestFirstWithPaging) {
  for (int index = 0; index < 3; ++index) setSecret("rotated", "value-" + std::to_string(index));
  json first = bodyOf(vault("kv-data", "GET", "/secrets/rotated/versions?api-version=7.6&maxresults=2"));
  ASSERT_EQ(first["value"].size(), 2u);
  std::string next = first["nextLink"].get<std::string>();
  std::string prefix = "https://kv-data.vault.localhost:8443";
  ASSERT_EQ(next.rfind(prefix, 0), 0u);
  json second = bodyOf(vault("kv-data", "GET", next.substr(prefix.size())));
  EXPECT_EQ(second["value"].size(), 1u);
  EXPECT_TRUE(second["nextLink"].is_null());
  EXPECT_FALSE(first["value"][0].contains("value"));
}

TEST_F(KeyVaultTest, ListSecretsOmitsValuesAndVersions) {
  setSecret("a-one", "1");
  setSecret("b-two", "2");
  json list = bodyOf(vault("kv-data", "GET", "/secrets?api-version=7.6"));
  ASSERT_EQ(list["value"].size(), 2u);
  EXPECT_EQ(list["value"][0]["id"], "https://kv-data.vault.localhost:8443/secrets/a-one");
  EXPECT_FALSE(list["value"][0].contains("value"));
  EXPECT_EQ(errorCode(vault("kv-data", "GET", "/secrets?api-version=7.6&maxresults=26")), "BadParameter");
}

TEST_F(KeyVaultTest, DisabledVersionIsForbidden) {
  setSecret("off", "hidden", {{"attributes", {{"enabled", false}}}});
  Response response = vault("kv-data", "GET", "/secrets/off?api-version=7.6");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(errorCode(response), "Forbidden");
  EXPECT_EQ(errorOf(response)["innererror"]["code"], "SecretDisabled");
}

TEST_F(KeyVaultTest, UpdateChangesAttributesWithoutValue) {
  setSecret("upd", "v");
  Response response = vault("kv-data", "PATCH", "/secrets/upd/?api-version=7.6", {{"contentType", "x"}, {"attributes", {{"exp", 1900000000}}}});
  ASSERT_EQ(response.status, 200) << response.body;
  json bundle = bodyOf(response);
  EXPECT_FALSE(bundle.contains("value"));
  EXPECT_EQ(bundle["attributes"]["exp"], 1900000000);
  EXPECT_EQ(bundle["contentType"], "x");
}

TEST_F(KeyVaultTest, DeleteRecoverAndPurge) {
  setSecret("gone", "v");
  Response deleted = vault("kv-data", "DELETE", "/secrets/gone?api-version=7.6");
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(bodyOf(deleted)["recoveryId"], "https://kv-data.vault.localhost:8443/deletedsecrets/gone");
  EXPECT_EQ(vault("kv-data", "GET", "/secrets/gone?api-version=7.6").status, 404);

  Response reuse = setSecret("gone", "again");
  EXPECT_EQ(reuse.status, 409);
  EXPECT_EQ(errorCode(reuse), "Conflict");

  EXPECT_EQ(vault("kv-data", "GET", "/deletedsecrets/gone?api-version=7.6").status, 200);
  EXPECT_EQ(vault("kv-data", "POST", "/deletedsecrets/gone/recover?api-version=7.6").status, 200);
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/secrets/gone?api-version=7.6"))["value"], "v");

  vault("kv-data", "DELETE", "/secrets/gone?api-version=7.6");
  EXPECT_EQ(vault("kv-data", "DELETE", "/deletedsecrets/gone?api-version=7.6").status, 204);
  EXPECT_EQ(setSecret("gone", "fresh").status, 200);
}

TEST_F(KeyVaultTest, BackupRestoresIntoVaultOfSameGeography) {
  setSecret("moved", "first-version-plaintext");
  setSecret("moved", "v2");
  Response backup = vault("kv-data", "POST", "/secrets/moved/backup?api-version=7.6");
  ASSERT_EQ(backup.status, 200);
  std::string blob = bodyOf(backup)["value"].get<std::string>();
  // A value long enough that random base64url text cannot contain it by chance.
  EXPECT_EQ(blob.find("first-version-plaintext"), std::string::npos);

  Response conflict = vault("kv-data", "POST", "/secrets/restore?api-version=7.6", {{"value", blob}});
  EXPECT_EQ(conflict.status, 409);

  ASSERT_EQ(createVault("kv-target", "rg1", kSubscription, vaultBody("northeurope")).status, 201);
  Response restored = vault("kv-target", "POST", "/secrets/restore?api-version=7.6", {{"value", blob}});
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_EQ(bodyOf(vault("kv-target", "GET", "/secrets/moved?api-version=7.6"))["value"], "v2");
  EXPECT_EQ(bodyOf(vault("kv-target", "GET", "/secrets/moved/versions?api-version=7.6"))["value"].size(), 2u);
}

TEST_F(KeyVaultTest, BackupDoesNotRestoreAcrossGeographies) {
  setSecret("moved", "v1");
  std::string blob = bodyOf(vault("kv-data", "POST", "/secrets/moved/backup?api-version=7.6"))["value"];
  ASSERT_EQ(createVault("kv-us", "rg1", kSubscription, vaultBody("eastus")).status, 201);
  Response response = vault("kv-us", "POST", "/secrets/restore?api-version=7.6", {{"value", blob}});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(errorCode(response), "Forbidden");
}

TEST_F(KeyVaultTest, AlteredBackupIsBadParameter) {
  Response response = vault("kv-data", "POST", "/secrets/restore?api-version=7.6", {{"value", "S1ZTSU0xAAAA"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "BadParameter");
}

TEST_F(KeyVaultTest, PurgedVaultLosesItsSecrets) {
  setSecret("kept", "v");
  arm("DELETE", vaultId("kv-data") + kArmVersion);
  arm("POST", std::string("/subscriptions/") + kSubscription + "/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-data/purge" + kArmVersion);
  ASSERT_EQ(createVault("kv-data").status, 201);
  EXPECT_EQ(vault("kv-data", "GET", "/secrets/kept?api-version=7.6").status, 404);
}

TEST_F(KeyVaultTest, RecoveredVaultKeepsItsSecrets) {
  setSecret("kept", "v");
  arm("DELETE", vaultId("kv-data") + kArmVersion);
  EXPECT_EQ(vault("kv-data", "GET", "/secrets/kept?api-version=7.6").status, 404);
  json body = vaultBody();
  body["properties"]["createMode"] = "recover";
  ASSERT_EQ(createVault("kv-data", "rg1", kSubscription, body).status, 201);
  EXPECT_EQ(bodyOf(vault("kv-data", "GET", "/secrets/kept?api-version=7.6"))["value"], "v");
}

}  // namespace
}  // namespace kvr::sim::testing
