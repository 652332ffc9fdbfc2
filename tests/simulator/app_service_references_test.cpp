// The App Service Key Vault reference endpoints: the status each reference resolves to,
// which identity resolves it, access policies and role assignments, and the stored
// resolution that only a settings write or a restart renews.

#include "simulator_fixture.h"

namespace kvr::sim::testing {
namespace {

using nlohmann::json;

const std::string kWebVersion = "?api-version=2023-12-01";
const std::string kSecretsUserRole = "4633458b-17de-408a-b874-0445c86b69e6";
const std::string kReaderRole = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

class AppServiceReferencesTest : public SimulatorTest {
 protected:
  void SetUp() override {
    createGroup("rg1");
    ASSERT_LT(createVault("kv1").status, 300);
    secretVersion_ = setSecret("kv1", "db");
    site_ = siteId("app1");
    json created = bodyOf(arm("PUT", site_ + kWebVersion,
                              {{"location", "westeurope"}, {"identity", {{"type", "SystemAssigned"}}}, {"properties", json::object()}}));
    principal_ = created["identity"]["principalId"];
  }

  static std::string siteId(const std::string& name) { return groupId("rg1") + "/providers/Microsoft.Web/sites/" + name; }

  // Sets a secret with a fake test value and returns the new version.
  std::string setSecret(const std::string& vaultName, const std::string& name) {
    Response response = vault(vaultName, "PUT", "/secrets/" + name + "?api-version=7.6", {{"value", "fake-test-value"}});
    EXPECT_EQ(response.status, 200) << response.body;
    std::string id = bodyOf(response)["id"];
    return id.substr(id.rfind('/') + 1);
  }

  void grantSecretGet(const std::string& vaultName, const std::string& principal) {
    json policy = {{"tenantId", "11111111-1111-1111-1111-111111111111"},
                   {"objectId", principal},
                   {"permissions", {{"secrets", {"get", "list"}}}}};
    Response response = arm("PUT", vaultId(vaultName) + "/accessPolicies/add" + kArmVersion,
                            {{"properties", {{"accessPolicies", json::array({policy})}}}});
    ASSERT_EQ(response.status, 200) << response.body;
  }

  void assignRole(const std::string& scope, const std::string& name, const std::string& role, const std::string& principal) {
    json body = {{"properties",
                  {{"roleDefinitionId", "/subscriptions/" + std::string(kSubscription) + "/providers/Microsoft.Authorization/roleDefinitions/" + role},
                   {"principalId", principal},
                   {"principalType", "ServicePrincipal"}}}};
    Response response = arm("PUT", scope + "/providers/Microsoft.Authorization/roleAssignments/" + name + "?api-version=2022-04-01", body);
    ASSERT_LT(response.status, 300) << response.body;
  }

  void putAppSettings(const std::string& site, const json& settings) {
    Response response = arm("PUT", site + "/config/appsettings" + kWebVersion, {{"properties", settings}});
    ASSERT_EQ(response.status, 200) << response.body;
  }

  json references(const std::string& site, const std::string& section = "appsettings") {
    Response response = arm("GET", site + "/config/configreferences/" + section + kWebVersion);
    EXPECT_EQ(response.status, 200) << response.body;
    json body = bodyOf(response);
    json byName = json::object();
    for (const json& item : body["value"]) byName[item["name"].get<std::string>()] = item;
    return byName;
  }

  std::string statusOf(const std::string& site, const std::string& setting) {
    return references(site)[setting]["properties"].value("status", "(missing)");
  }

  std::string site_;
  std::string principal_;
  std::string secretVersion_;
};

TEST_F(AppServiceReferencesTest, ResolvedReferenceReportsEveryField) {
  grantSecretGet("kv1", principal_);
  putAppSettings(site_, {{"Db", "@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/db/)"}, {"Plain", "not a reference"}});

  json listed = references(site_);

  ASSERT_EQ(listed.size(), 1u) << "only settings that hold a reference are listed: " << listed.dump();
  const json& reference = listed["Db"];
  EXPECT_EQ(reference["id"], site_ + "/config/configreferences/appsettings/Db");
  EXPECT_EQ(reference["type"], "Microsoft.Web/sites/config/configreferences");
  const json& properties = reference["properties"];
  EXPECT_EQ(properties["status"], "Resolved");
  EXPECT_EQ(properties["reference"], "@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/db/)");
  EXPECT_EQ(properties["vaultName"], "kv1");
  EXPECT_EQ(properties["secretName"], "db");
  EXPECT_FALSE(properties.contains("secretVersion")) << "the reference follows the current version";
  EXPECT_EQ(properties["activeVersion"], secretVersion_);
  EXPECT_EQ(properties["source"], "KeyVault");
  EXPECT_EQ(properties["identityType"]["type"], "SystemAssigned");
  EXPECT_EQ(properties["identityType"]["principalId"], principal_);
  EXPECT_EQ(properties["details"], "The reference resolved to version " + secretVersion_ + " of secret db.");
}

TEST_F(AppServiceReferencesTest, EachFailureHasItsStatus) {
  grantSecretGet("kv1", principal_);
  ASSERT_LT(createVault("kv2").status, 300);
  setSecret("kv2", "db");
  std::string disabled = setSecret("kv1", "old");
  setSecret("kv1", "old");
  Response patched = vault("kv1", "PATCH", "/secrets/old/" + disabled + "?api-version=7.6", {{"attributes", {{"enabled", false}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;

  putAppSettings(site_, {
                            {"Pinned", "@Microsoft.KeyVault(VaultName=kv1;SecretName=db;SecretVersion=" + secretVersion_ + ")"},
                            {"NoSyntax", "@Microsoft.KeyVault(SecretName=db)"},
                            {"BadUri", "@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/keys/db)"},
                            {"NoVault", "@Microsoft.KeyVault(VaultName=kv-gone;SecretName=db)"},
                            {"NoGrant", "@Microsoft.KeyVault(VaultName=kv2;SecretName=db)"},
                            {"NoSecret", "@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/missing)"},
                            {"NoVersion", "@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/db/0123456789abcdef0123456789abcdef)"},
                            {"Disabled", "@Microsoft.KeyVault(VaultName=kv1;SecretName=old;SecretVersion=" + disabled + ")"},
                        });

  json listed = references(site_);
  const std::map<std::string, std::string> expected = {
      {"Pinned", "Resolved"},          {"NoSyntax", "InvalidSyntax"},     {"BadUri", "InvalidSyntax"},
      {"NoVault", "VaultNotFound"},    {"NoGrant", "AccessToKeyVaultDenied"}, {"NoSecret", "SecretNotFound"},
      {"NoVersion", "SecretVersionNotFound"}, {"Disabled", "OtherReasons"},
  };
  for (const auto& [setting, status] : expected) {
    EXPECT_EQ(listed[setting]["properties"]["status"], status) << setting << ": " << listed[setting].dump();
  }
  EXPECT_EQ(listed["Pinned"]["properties"]["secretVersion"], secretVersion_);
  EXPECT_EQ(listed["NoSyntax"]["properties"]["details"],
            "The Key Vault reference is invalid: the reference needs both VaultName and SecretName, or a SecretUri.");
  EXPECT_EQ(listed["NoGrant"]["properties"]["details"],
            "Principal " + principal_ + " may not get secrets from vault kv2: it needs an access policy with get permission on secrets.");
  EXPECT_EQ(listed["NoSecret"]["properties"]["details"], "Vault kv1 has no secret named 'missing'.");
  EXPECT_FALSE(listed["NoGrant"]["properties"].contains("activeVersion"));
}

TEST_F(AppServiceReferencesTest, AppWithoutIdentityIsMsiNotEnabled) {
  std::string bare = siteId("app-bare");
  ASSERT_EQ(arm("PUT", bare + kWebVersion, {{"location", "westeurope"}, {"properties", json::object()}}).status, 201);
  putAppSettings(bare, {{"Db", "@Microsoft.KeyVault(VaultName=kv1;SecretName=db)"}});

  json properties = references(bare)["Db"]["properties"];

  EXPECT_EQ(properties["status"], "MSINotEnabled");
  EXPECT_FALSE(properties.contains("identityType"));
}

TEST_F(AppServiceReferencesTest, RbacVaultNeedsSecretsRole) {
  json rbacBody = vaultBody();
  rbacBody["properties"]["enableRbacAuthorization"] = true;
  ASSERT_LT(createVault("kv-rbac", "rg1", kSubscription, rbacBody).status, 300);
  std::string version = setSecret("kv-rbac", "db");
  std::string identityId = groupId("rg1") + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-web";
  json identity = bodyOf(arm("PUT", identityId + "?api-version=2023-01-31", {{"location", "westeurope"}}));
  std::string principal = identity["properties"]["principalId"];
  std::string app = siteId("app-uai");
  json siteBody = {{"location", "westeurope"},
                   {"identity", {{"type", "UserAssigned"}, {"userAssignedIdentities", {{identityId, json::object()}}}}},
                   {"properties", {{"keyVaultReferenceIdentity", identityId}}}};
  ASSERT_EQ(arm("PUT", app + kWebVersion, siteBody).status, 201);
  json settings = {{"Db", "@Microsoft.KeyVault(VaultName=kv-rbac;SecretName=db)"}};

  // Reader grants no data access, and an access policy does not count on an RBAC vault.
  assignRole(vaultId("kv-rbac"), "0b7c2f4e-0000-4000-8000-000000000001", kReaderRole, principal);
  grantSecretGet("kv-rbac", principal);
  putAppSettings(app, settings);
  json denied = references(app)["Db"]["properties"];
  // Key Vault Secrets User on the resource group covers every vault in it.
  assignRole(groupId("rg1"), "0b7c2f4e-0000-4000-8000-000000000002", kSecretsUserRole, principal);
  putAppSettings(app, settings);
  json resolved = references(app)["Db"]["properties"];

  EXPECT_EQ(denied["status"], "AccessToKeyVaultDenied");
  EXPECT_EQ(denied["details"], "Principal " + principal +
                                   " may not get secrets from vault kv-rbac: it needs a role assignment such as Key Vault Secrets User on the "
                                   "vault or the secret.");
  EXPECT_EQ(resolved["status"], "Resolved");
  EXPECT_EQ(resolved["activeVersion"], version);
  EXPECT_EQ(resolved["identityType"]["type"], "UserAssigned");
  EXPECT_EQ(resolved["identityType"]["userAssignedIdentities"][identityId]["principalId"], principal);
  EXPECT_EQ(resolved["identityType"]["userAssignedIdentities"][identityId]["clientId"], identity["properties"]["clientId"]);
}

TEST_F(AppServiceReferencesTest, UnassignedReferenceIdentityIsMsiNotEnabled) {
  std::string app = siteId("app-wrong-identity");
  std::string missing = groupId("rg1") + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-elsewhere";
  ASSERT_LT(arm("PUT", missing + "?api-version=2023-01-31", {{"location", "westeurope"}}).status, 300);
  json siteBody = {{"location", "westeurope"},
                   {"identity", {{"type", "SystemAssigned"}}},
                   {"properties", {{"keyVaultReferenceIdentity", missing}}}};
  ASSERT_EQ(arm("PUT", app + kWebVersion, siteBody).status, 201);
  putAppSettings(app, {{"Db", "@Microsoft.KeyVault(VaultName=kv1;SecretName=db)"}});

  json properties = references(app)["Db"]["properties"];

  EXPECT_EQ(properties["status"], "MSINotEnabled");
  EXPECT_EQ(properties["details"], "No managed identity can fetch the reference: keyVaultReferenceIdentity " + missing +
                                       " is not a user-assigned identity of the app.");
}

TEST_F(AppServiceReferencesTest, StatusKeepsUntilSettingsAreWritten) {
  json settings = {{"Db", "@Microsoft.KeyVault(VaultName=kv1;SecretName=db)"}};
  putAppSettings(site_, settings);
  ASSERT_EQ(statusOf(site_, "Db"), "AccessToKeyVaultDenied");

  grantSecretGet("kv1", principal_);
  EXPECT_EQ(statusOf(site_, "Db"), "AccessToKeyVaultDenied") << "App Service serves what it resolved at the last start";

  putAppSettings(site_, settings);
  EXPECT_EQ(statusOf(site_, "Db"), "Resolved");
}

TEST_F(AppServiceReferencesTest, RestartResolvesAgain) {
  grantSecretGet("kv1", principal_);
  putAppSettings(site_, {{"Db", "@Microsoft.KeyVault(VaultName=kv1;SecretName=db)"}});
  std::string first = references(site_)["Db"]["properties"]["activeVersion"];
  std::string second = setSecret("kv1", "db");
  EXPECT_EQ(references(site_)["Db"]["properties"]["activeVersion"], first);

  Response restarted = arm("POST", site_ + "/restart" + kWebVersion);

  EXPECT_EQ(restarted.status, 200) << restarted.body;
  EXPECT_EQ(references(site_)["Db"]["properties"]["activeVersion"], second);
  EXPECT_NE(first, second);
}

TEST_F(AppServiceReferencesTest, SeededSiteResolvesOnFirstRead) {
  grantSecretGet("kv1", principal_);
  json estate = simulator_.snapshot(true);
  for (json& resource : estate["resources"]) {
    if (resource["id"] == site_) resource["config"] = {{"appSettings", {{"Db", "@Microsoft.KeyVault(VaultName=kv1;SecretName=db)"}}}};
  }
  simulator_.loadEstate(estate);

  EXPECT_EQ(statusOf(site_, "Db"), "Resolved");
}

TEST_F(AppServiceReferencesTest, SingleReferenceAndConnectionStrings) {
  grantSecretGet("kv1", principal_);
  Response written = arm("PUT", site_ + "/config/connectionstrings" + kWebVersion,
                         {{"properties", {{"Main", {{"value", "@Microsoft.KeyVault(VaultName=kv1;SecretName=db)"}, {"type", "SQLAzure"}}},
                                          {"Plain", {{"value", "Server=tcp:fake"}, {"type", "SQLAzure"}}}}}});
  ASSERT_EQ(written.status, 200) << written.body;
  putAppSettings(site_, {{"Db", "@Microsoft.KeyVault(VaultName=kv1;SecretName=db)"}, {"Plain", "value"}});

  json connections = references(site_, "connectionstrings");
  Response one = arm("GET", site_ + "/config/configreferences/connectionstrings/Main" + kWebVersion);
  Response setting = arm("GET", site_ + "/config/configreferences/appsettings/Db" + kWebVersion);
  Response plain = arm("GET", site_ + "/config/configreferences/appsettings/Plain" + kWebVersion);
  Response absentSite = arm("GET", siteId("nope") + "/config/configreferences/appsettings" + kWebVersion);
  Response noVersion = arm("GET", site_ + "/config/configreferences/appsettings");

  ASSERT_EQ(connections.size(), 1u);
  EXPECT_EQ(connections["Main"]["id"], site_ + "/config/configreferences/connectionstrings/Main");
  EXPECT_EQ(connections["Main"]["properties"]["status"], "Resolved");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(bodyOf(one), connections["Main"]);
  ASSERT_EQ(setting.status, 200) << setting.body;
  EXPECT_EQ(bodyOf(setting)["properties"]["status"], "Resolved");
  EXPECT_EQ(plain.status, 404);
  EXPECT_EQ(errorCode(plain), "NotFound");
  EXPECT_EQ(absentSite.status, 404);
  EXPECT_EQ(errorCode(absentSite), "ResourceNotFound");
  EXPECT_EQ(noVersion.status, 400);
  EXPECT_EQ(errorCode(noVersion), "MissingApiVersionParameter");
}

TEST_F(AppServiceReferencesTest, WritesAndUnknownMethodsAreRejected) {
  Response put = arm("PUT", site_ + "/config/configreferences/appsettings/Db" + kWebVersion, {{"properties", json::object()}});
  Response getRestart = arm("GET", site_ + "/restart" + kWebVersion);

  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(getRestart.status, 405);
}

}  // namespace
}  // namespace kvr::sim::testing
