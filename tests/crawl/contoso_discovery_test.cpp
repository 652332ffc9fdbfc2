// Discovery of the bundled example estate from an in-process kvsim, compared with planning
// the estate's own templates.

#include <filesystem>
#include <fstream>

#include "crawl_fixture.h"
#include "discovery/resource_id.h"
#include "strategies/planner.h"

namespace kvr::testing {
namespace {

constexpr const char* kSubscription = "6f1c2a4e-3b7d-4c8e-9a1f-2d5e8b0c7a93";
const std::string kGroup = std::string("/subscriptions/") + kSubscription + "/resourceGroups/";
const std::string kVaultId = kGroup + "rg-payments-weu/providers/Microsoft.KeyVault/vaults/kv-payments-weu";
const std::string kEdge = kGroup + "rg-payments-edge-weu/providers/";

// The example estate plus consumers in another resource group: an application gateway
// with the TLS certificate, an API Management named value, a resource of a type the
// reference catalog does not know, and a resource whose text only resembles the vault's.
Json contosoWithEdgeConsumers() {
  Json estate = readJsonFile(examplePath("inventory.json"));
  estate["resources"].push_back(Json::parse(R"({
    "id": ")" + kEdge + R"(Microsoft.Network/applicationGateways/agw-payments-weu",
    "type": "Microsoft.Network/applicationGateways", "name": "agw-payments-weu", "location": "westeurope",
    "properties": {"sslCertificates": [{"name": "payments-tls", "properties": {
      "keyVaultSecretId": "https://kv-payments-weu.vault.azure.net/secrets/payments-tls"}}]}})"));
  estate["resources"].push_back(Json::parse(R"({
    "id": ")" + kEdge + R"(Microsoft.ApiManagement/service/apim-payments-weu/namedValues/smtp-password",
    "type": "Microsoft.ApiManagement/service/namedValues", "name": "apim-payments-weu/smtp-password",
    "properties": {"displayName": "smtp-password", "secret": true, "keyVault": {
      "secretIdentifier": "https://kv-payments-weu.vault.azure.net/secrets/smtp-password"}}})"));
  estate["resources"].push_back(Json::parse(R"({
    "id": ")" + kEdge + R"(Microsoft.Logic/workflows/wf-payments-report",
    "type": "Microsoft.Logic/workflows", "name": "wf-payments-report", "location": "westeurope",
    "properties": {"parameters": {"vault": {"value": "https://kv-payments-weu.vault.azure.net/"}}}})"));
  estate["resources"].push_back(Json::parse(R"({
    "id": ")" + kEdge + R"(Microsoft.Storage/storageAccounts/starchiveweu01",
    "type": "Microsoft.Storage/storageAccounts", "name": "starchiveweu01", "location": "westeurope",
    "properties": {"description": "exports of kv-payments-weu-archive, a different vault"}})"));
  return estate;
}

// One crawl of the estate, shared by the suite: generating the estate's RSA keys in kvsim
// takes seconds.
class ContosoDiscovery : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    environment_ = new CrawlEnvironment();
    environment_->seed(contosoWithEdgeConsumers());
    inventory_ = new Json(discoverContoso());
  }
  static void TearDownTestSuite() {
    delete inventory_;
    delete environment_;
  }

  static Json discoverContoso() { return environment_->discover({.vaultId = kVaultId, .scopes = {kSubscription}}); }

  static PlanOptions planOptions() {
    PlanOptions options;
    options.targetRegion = "northeurope";
    return options;
  }

  static CrawlEnvironment* environment_;
  static Json* inventory_;
};

CrawlEnvironment* ContosoDiscovery::environment_ = nullptr;
Json* ContosoDiscovery::inventory_ = nullptr;

TEST_F(ContosoDiscovery, PlanMatchesTemplatePlan) {
  const Json& inventory = *inventory_;
  Plan discovered = makePlan(CrawlEnvironment::estateOf(inventory), planOptions());
  Plan fromTemplates = planFiles({examplePath("network.json"), examplePath("keyvault.json")}, planOptions());

  // The template declares the vault's private endpoint connection, which is dropped; a
  // vault GET reports it as a property instead.
  std::set<std::string> common;
  for (const auto& node : fromTemplates.nodes) {
    if (node.type == "Microsoft.KeyVault/vaults/privateEndpointConnections") continue;
    const PlanNode* found = discovered.node(node.key);
    ASSERT_NE(found, nullptr) << "discovery missed " << node.key;
    EXPECT_EQ(strategyName(found->strategy), std::string(strategyName(node.strategy))) << node.key;
    EXPECT_EQ(found->targetName, node.targetName) << node.key;
    common.insert(node.key);
  }
  EXPECT_EQ(common.size(), 26u);

  // dependsOn entries ("declared") exist only in templates; every other kind of edge comes
  // from the resources' properties and must be found in both.
  auto edgesAmong = [&](const Plan& plan) {
    std::set<std::tuple<std::string, std::string, std::string>> edges;
    for (const auto& edge : plan.edges) {
      if (edge.kind == "declared") continue;
      if (common.count(edge.from) && common.count(edge.to)) edges.insert({edge.from, edge.to, edge.kind});
    }
    return edges;
  };
  auto discoveredEdges = edgesAmong(discovered);
  auto templateEdges = edgesAmong(fromTemplates);
  for (const auto& [from, to, kind] : templateEdges) {
    EXPECT_TRUE(discoveredEdges.count({from, to, kind})) << "discovery lacks " << kind << " " << from << " -> " << to;
  }
  for (const auto& [from, to, kind] : discoveredEdges) {
    EXPECT_TRUE(templateEdges.count({from, to, kind})) << "templates lack " << kind << " " << from << " -> " << to;
  }

  auto orderAmong = [&](const Plan& plan) {
    std::vector<std::string> order;
    for (const auto& step : plan.steps) {
      if (common.count(step.node)) order.push_back(step.node);
    }
    return order;
  };
  EXPECT_EQ(orderAmong(discovered), orderAmong(fromTemplates));
  EXPECT_FALSE(discovered.hasBlockers());
}

TEST_F(ContosoDiscovery, VaultNetworkAndExtensionsAreRead) {
  const Json& inventory = *inventory_;
  std::set<std::string> keys = resourceKeys(inventory);
  std::string net = toLower(kGroup) + "rg-payments-net-weu/providers/microsoft.network/";
  for (const std::string& expected : {
           normalizeId(kVaultId),
           net + "virtualnetworks/vnet-payments-weu",
           net + "networksecuritygroups/nsg-snet-vm-weu",
           net + "privatednszones/privatelink.vaultcore.azure.net",
           net + "privatednszones/privatelink.vaultcore.azure.net/virtualnetworklinks/link-vnet-payments-weu",
           toLower(kGroup) + "rg-payments-weu/providers/microsoft.network/privateendpoints/pe-kv-payments-weu",
           toLower(kGroup) + "rg-payments-weu/providers/microsoft.network/privateendpoints/pe-kv-payments-weu/"
                             "privatednszonegroups/default",
           normalizeId(kVaultId) + "/providers/microsoft.insights/diagnosticsettings/diag-kv-payments-weu",
           normalizeId(kVaultId) + "/providers/microsoft.authorization/roleassignments/75e3e4fc-0170-53c4-a7eb-4050cf2e2ae5",
       }) {
    EXPECT_TRUE(keys.count(expected)) << expected;
  }
  EXPECT_EQ(inventory["relocation"]["sourceLocation"], "westeurope");
  EXPECT_TRUE(inventory["blindSpots"].empty()) << inventory["blindSpots"].dump();
}

TEST_F(ContosoDiscovery, DataPlaneListedWithAttributesOnly) {
  const Json& inventory = *inventory_;
  const Json& dataPlane = inventory["dataPlane"]["kv-payments-weu"];

  const Json* database = findByName(dataPlane["secrets"], "db-connection");
  ASSERT_NE(database, nullptr);
  ASSERT_EQ((*database)["versions"].size(), 3u);
  EXPECT_EQ((*database)["versions"][0]["version"], "0a3f6c9e2b5d4e71a8c0f3b6d9e2a514");
  EXPECT_EQ((*database)["versions"][1]["version"], "4c7e1b9d3f6a4c08b2e5d8a1f4c7b369");
  EXPECT_EQ((*database)["versions"][1]["attributes"]["enabled"], false);
  EXPECT_EQ((*database)["versions"][1]["tags"]["status"], "revoked");
  EXPECT_EQ((*database)["versions"][2]["version"], "8e2b5d7f1a4c4e93c6f9b2d5a8e1c740");
  EXPECT_EQ((*database)["contentType"], "text/plain");

  const Json* apiKey = findByName(dataPlane["secrets"], "payments-api-key");
  ASSERT_NE(apiKey, nullptr);
  EXPECT_EQ((*apiKey)["versions"][0]["attributes"]["exp"], 1801353600);

  const Json* tlsSecret = findByName(dataPlane["secrets"], "payments-tls");
  ASSERT_NE(tlsSecret, nullptr);
  EXPECT_EQ((*tlsSecret)["managed"], true);
  EXPECT_EQ((*tlsSecret)["versions"].size(), 2u);

  const Json* storageKey = findByName(dataPlane["keys"], "storage-cmk");
  ASSERT_NE(storageKey, nullptr);
  EXPECT_EQ((*storageKey)["kty"], "RSA");
  EXPECT_EQ((*storageKey)["keySize"], 3072);
  EXPECT_EQ((*storageKey)["versions"].size(), 2u);
  EXPECT_EQ((*storageKey)["versions"][1]["version"], "6d1a8c3e5f7b4a29b0c4e6f8a2d1c357");
  EXPECT_EQ((*storageKey)["rotationPolicy"]["lifetimeActions"].size(), 2u);
  const Json* diskKey = findByName(dataPlane["keys"], "disk-cmk");
  ASSERT_NE(diskKey, nullptr);
  EXPECT_EQ((*diskKey)["keySize"], 4096);
  EXPECT_EQ(dataPlane["keys"].size(), 2u);

  const Json* certificate = findByName(dataPlane["certificates"], "payments-tls");
  ASSERT_NE(certificate, nullptr) << dataPlane["certificates"].dump();
  ASSERT_TRUE(certificate->contains("policy")) << certificate->dump();
  EXPECT_EQ((*certificate)["policy"]["key_props"]["exportable"], true);
  EXPECT_EQ((*certificate)["policy"]["issuer"]["name"], "Self");
  ASSERT_EQ((*certificate)["versions"].size(), 2u);
  EXPECT_EQ((*certificate)["versions"][1]["version"], "f2b5e8a1d4c74f60b3e6a9d2c5f8b174");
  EXPECT_EQ((*certificate)["versions"][1]["sid"],
            "https://kv-payments-weu.vault.localhost:8443/secrets/payments-tls/f2b5e8a1d4c74f60b3e6a9d2c5f8b174");
  EXPECT_FALSE((*certificate)["versions"][1].value("x5t", std::string()).empty()) << certificate->dump();

  EXPECT_EQ(environment_->summary_.secrets, 4u);
  EXPECT_EQ(environment_->summary_.certificates, 1u);
  EXPECT_EQ(environment_->summary_.keys, 2u);
  environment_->expectNoSecretValueReads();
}

TEST_F(ContosoDiscovery, ConsumersInOtherGroupsAreFound) {
  const Json& inventory = *inventory_;
  std::set<std::string> keys = resourceKeys(inventory);
  const Json& consumers = inventory["discovery"]["consumers"];

  std::string gateway = kEdge + "Microsoft.Network/applicationGateways/agw-payments-weu";
  ASSERT_TRUE(consumers.contains(gateway));
  EXPECT_EQ(consumers[gateway][0], "properties.sslCertificates[0].properties.keyVaultSecretId");
  std::string namedValue = kEdge + "Microsoft.ApiManagement/service/apim-payments-weu/namedValues/smtp-password";
  ASSERT_TRUE(consumers.contains(namedValue));
  EXPECT_EQ(consumers[namedValue][0], "properties.keyVault.secretIdentifier");
  std::string workflow = kEdge + "Microsoft.Logic/workflows/wf-payments-report";
  ASSERT_TRUE(consumers.contains(workflow));
  EXPECT_EQ(consumers[workflow][0], "properties.parameters.vault.value");
  EXPECT_FALSE(keys.count(normalizeId(kEdge + "Microsoft.Storage/storageAccounts/starchiveweu01")));

  // Reached through a consumer, not through the vault: the DES's VM and OS disk, the
  // VM's network interface and the app's plan.
  std::string group = toLower(kGroup) + "rg-payments-weu/providers/";
  EXPECT_TRUE(keys.count(group + "microsoft.compute/virtualmachines/vm-payments-batch01"));
  EXPECT_TRUE(keys.count(group + "microsoft.network/networkinterfaces/nic-vm-payments-batch01"));
  EXPECT_TRUE(keys.count(group + "microsoft.web/serverfarms/plan-payments-weu"));
  EXPECT_EQ(inventory["discovery"]["principals"]["8b2e5c71-4f3a-4d9e-a6b0-1c7d2e9f5a34"],
            kGroup + "rg-payments-weu/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-payments-web");
}

TEST_F(ContosoDiscovery, AppSettingsKeepOnlyKeyVaultReferences) {
  const Json& inventory = *inventory_;
  const Json* app = nullptr;
  for (const auto& resource : inventory["resources"]) {
    if (resource["name"] == "app-payments-weu") app = &resource;
  }
  ASSERT_NE(app, nullptr);
  const Json& settings = (*app)["config"]["appSettings"];
  EXPECT_EQ(settings.size(), 3u);
  EXPECT_EQ(settings["Smtp__Password"], "@Microsoft.KeyVault(VaultName=kv-payments-weu;SecretName=smtp-password)");
  EXPECT_FALSE(settings.contains("ASPNETCORE_ENVIRONMENT"));
  EXPECT_EQ(environment_->logText().find("ASPNETCORE_ENVIRONMENT"), std::string::npos);
}

TEST_F(ContosoDiscovery, SameStateGivesSameBytes) {
  EXPECT_EQ(discoverContoso().dump(2), inventory_->dump(2));
}

TEST_F(ContosoDiscovery, NoSecretValueOrTokenIsWritten) {
  const Json& inventory = *inventory_;
  auto file = std::filesystem::temp_directory_path() / "kvr-crawl-contoso-inventory.json";
  {
    std::ofstream out(file);
    out << inventory.dump(2);
  }
  std::ifstream in(file);
  std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(file);

  ASSERT_FALSE(secretValuesIn(environment_->seeded_).empty());
  ASSERT_FALSE(environment_->credential_.issued.empty());
  environment_->expectNoSecretsIn(written, "the inventory file");
  environment_->expectNoSecretsIn(environment_->logText(), "the log");
  EXPECT_NE(environment_->logText().find("kv-payments-weu"), std::string::npos) << "the log was captured";
  environment_->expectNoSecretValueReads();
}

TEST_F(ContosoDiscovery, ResourceGraphResultsArePaged) {
  EstateTransport& transport = environment_->transport_;
  transport.resourceGraphPageSize = 1;
  transport.queries.clear();
  Json paged = discoverContoso();
  transport.resourceGraphPageSize = 3;

  EXPECT_EQ(paged["discovery"]["consumers"].size(), 7u) << paged["discovery"]["consumers"].dump();
  EXPECT_EQ(paged.dump(), inventory_->dump());
  // The search for the vault's name alone matches 8 rows, one per page.
  EXPECT_GE(transport.queries.size(), 8u + 5u);
}

}  // namespace
}  // namespace kvr::testing
