// Several files forming one estate, ids resolved from exported templates, and the
// references the catalog finds.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "discovery/estate.h"
#include "discovery/resource_id.h"
#include "support/cases.h"

namespace kvr {
namespace {

using testing::templatePath;

class EstateLinking : public ::testing::Test {
 protected:
  static const Resource* byName(const Estate& estate, const std::string& type, const std::string& name) {
    for (const auto& resource : estate.resources) {
      if (iequals(resource.type, type) && resource.name == name) return &resource;
    }
    return nullptr;
  }

  static bool linked(const Estate& estate, const Resource& from, const Resource& to, EdgeKind kind) {
    for (const auto& reference : estate.references) {
      if (reference.from == from.key && reference.to == to.key && reference.kind == kind) return true;
    }
    return false;
  }
};

TEST_F(EstateLinking, HubFilesLinkZoneAcrossResourceGroups) {
  Estate estate = testing::loadFiles({templatePath("exported-hub-lz-dns-privatelink-vaultcore.json"),
                                      templatePath("exported-hub-lz-net-kv-pe-appgw-secrets.json")});
  const Resource* zone = byName(estate, "Microsoft.Network/privateDnsZones", "privatelink.vaultcore.azure.net");
  ASSERT_NE(zone, nullptr);
  EXPECT_FALSE(zone->external);
  EXPECT_EQ(zone->resourceGroup, "rg-hub-lz-pro-spc1-con-dns-01");
  const Resource* vault = byName(estate, "Microsoft.KeyVault/vaults", "kv-hub-lz-pro-spc1-01");
  ASSERT_NE(vault, nullptr);
  EXPECT_EQ(vault->resourceGroup, "rg-hub-lz-pro-spc1-con-net-01");
  EXPECT_EQ(vault->subscription, "300f5304-aee3-4ad6-9916-8c62d857f525");
  const Resource* group = byName(estate, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                                 "pe-kv-hub-lz-pro-spc1-01/pdnszg-kv-hub-lz-pro-spc1-01");
  ASSERT_NE(group, nullptr);
  EXPECT_TRUE(linked(estate, *zone, *group, EdgeKind::ZoneGroupToZone));
}

TEST_F(EstateLinking, HubZoneStaysExternalWhenLoadedAlone) {
  Estate estate = testing::loadFiles({templatePath("exported-hub-lz-net-kv-pe-appgw-secrets.json")});
  const Resource* zone = byName(estate, "Microsoft.Network/privateDnsZones", "privatelink.vaultcore.azure.net");
  ASSERT_NE(zone, nullptr);
  EXPECT_TRUE(zone->external);
}

TEST_F(EstateLinking, HubPlanOrdersNetworkVaultEndpointAndDns) {
  PlanOptions options;
  options.targetRegion = "westeurope";
  Plan plan = testing::planFiles({templatePath("exported-hub-lz-dns-privatelink-vaultcore.json"),
                                  templatePath("exported-hub-lz-net-kv-pe-appgw-secrets.json")},
                                 options);
  const PlanNode* vnet = testing::findNode(plan, "vnet-hub-lz-pro-spc1-con-01");
  const PlanNode* vault = testing::findNode(plan, "kv-hub-lz-pro-spc1-01");
  const PlanNode* endpoint = testing::findNode(plan, "pe-kv-hub-lz-pro-spc1-01");
  const PlanNode* group = testing::findNode(plan, "pdnszg-kv-hub-lz-pro-spc1-01");
  const PlanNode* zone = nullptr;
  for (const auto& node : plan.nodes) {
    if (iequals(node.type, "Microsoft.Network/privateDnsZones")) zone = &node;
  }
  ASSERT_NE(vnet, nullptr);
  ASSERT_NE(vault, nullptr);
  ASSERT_NE(endpoint, nullptr);
  ASSERT_NE(group, nullptr);
  ASSERT_NE(zone, nullptr);
  EXPECT_EQ(vault->strategy, Strategy::RedeployWithData);
  EXPECT_EQ(vnet->strategy, Strategy::Redeploy);
  EXPECT_EQ(endpoint->strategy, Strategy::Redeploy);
  EXPECT_EQ(zone->strategy, Strategy::Reuse);
  EXPECT_LT(vnet->order, endpoint->order);
  EXPECT_LT(vault->order, endpoint->order);
  EXPECT_LT(endpoint->order, group->order);
  for (const auto& message : testing::messagesFor(plan, "W-EXTERNAL-REFERENCE")) {
    EXPECT_EQ(message.find("privateDnsZones"), std::string::npos) << message;
  }
}

TEST_F(EstateLinking, UmbracoFilesFormOneEstate) {
  Estate estate = testing::loadFiles({templatePath("exported-umbraco-backend-webapp-kvreferenceidentity.json"),
                                      templatePath("exported-umbraco-frontend-webapp-kvreferenceidentity.json"),
                                      templatePath("exported-umbraco-kv-vnetrules-secrets.json"),
                                      templatePath("exported-umbraco-vnet-subnets-kv-serviceendpoints.json")});
  std::size_t vaults = 0;
  std::size_t externalSubnets = 0;
  for (const auto& resource : estate.resources) {
    if (iequals(resource.type, "Microsoft.KeyVault/vaults") && !resource.external) ++vaults;
    if (iequals(resource.type, "Microsoft.Network/virtualNetworks/subnets") && resource.external) ++externalSubnets;
  }
  EXPECT_EQ(vaults, 1u);
  // The vault's network rules name subnets that the network file defines.
  EXPECT_EQ(externalSubnets, 0u);
}

TEST_F(EstateLinking, ExportedVaultIdUsesInferredGroup) {
  Estate estate = testing::loadFiles({templatePath("exported-kv-two-accesspolicies-secret.json")});
  const Resource* vault = nullptr;
  for (const auto& resource : estate.resources) {
    if (iequals(resource.type, "Microsoft.KeyVault/vaults") && !resource.external) vault = &resource;
  }
  ASSERT_NE(vault, nullptr);
  auto parsed = parseResourceId(vault->id);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->type, "Microsoft.KeyVault/vaults");
  EXPECT_FALSE(parsed->subscription.empty());
  EXPECT_FALSE(parsed->resourceGroup.empty());
}

TEST_F(EstateLinking, ParametersFileReferenceBecomesSecretReference) {
  Estate estate = testing::loadFiles({templatePath("gh-params-keyvault-secret-reference-hardcoded-vault-id.json")});
  std::size_t secretReferences = 0;
  for (const auto& reference : estate.references) {
    if (reference.kind == EdgeKind::SecretReference) ++secretReferences;
  }
  EXPECT_GE(secretReferences, 1u);
  bool externalVault = false;
  for (const auto& resource : estate.resources) {
    if (iequals(resource.type, "Microsoft.KeyVault/vaults") && resource.external) externalVault = true;
  }
  EXPECT_TRUE(externalVault);
}

TEST_F(EstateLinking, DiskEncryptionSetKeyUseFound) {
  Estate estate = testing::loadFiles({templatePath("gh-win11-lab-kv-key-diskencryptionset-vm.json")});
  bool keyUse = false;
  for (const auto& reference : estate.references) {
    const Resource* to = estate.find(reference.to);
    if (reference.kind == EdgeKind::KeyUse && to && iequals(to->type, "Microsoft.Compute/diskEncryptionSets")) {
      keyUse = true;
    }
  }
  EXPECT_TRUE(keyUse);
}

class PlanOutput : public ::testing::Test {
 protected:
  static std::string writeTemporary(const std::string& name, const std::string& text) {
    std::filesystem::path path = std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "-" + name);
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  // The plan of the example's two templates for a move to northeurope.
  static Plan planExampleTemplates() {
    PlanOptions options;
    options.targetRegion = "northeurope";
    return testing::planFiles({testing::examplePath("network.json"), testing::examplePath("keyvault.json")}, options);
  }
};

TEST_F(PlanOutput, DeclaredCycleIsReportedWithWholePath) {
  std::string file = writeTemporary("kvr-cycle.json", R"({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
      {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv", "location": "westeurope",
       "properties": {}, "dependsOn": ["pe"]},
      {"type": "Microsoft.Network/privateEndpoints", "apiVersion": "2023-09-01", "name": "pe", "location": "westeurope",
       "properties": {"privateLinkServiceConnections": [{"name": "c", "properties": {
         "privateLinkServiceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
         "groupIds": ["vault"]}}]}}
    ]
  })");
  LoadOptions load;
  load.files = {file};
  load.context.subscriptionId = "s";
  load.context.resourceGroup = "rg";
  Estate estate = loadEstate(load);
  PlanOptions options;
  options.targetRegion = "northeurope";
  Plan plan = makePlan(estate, options);
  auto messages = testing::messagesFor(plan, "E-DEPENDENCY-CYCLE");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages.front(),
            "dependency cycle: /subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv -> "
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/privateendpoints/pe "
            "(endpoint-to-vault: properties.privateLinkServiceConnections[0].properties.privateLinkServiceId) -> "
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv (declared: dependsOn[0])");
  EXPECT_TRUE(plan.hasBlockers());
}

TEST_F(PlanOutput, RegionTableCanBeOverridden) {
  std::string table = writeTemporary("kvr-geographies.json", R"({"regions": {"northeurope": "Somewhere Else"}})");
  PlanOptions options;
  options.targetRegion = "northeurope";
  options.geographyFile = table;
  Plan plan = testing::planFiles({testing::examplePath("network.json"), testing::examplePath("keyvault.json")}, options);
  EXPECT_EQ(plan.target.geography, "Somewhere Else");
  const PlanNode* key = testing::findNode(plan, "storage-cmk");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->strategy, Strategy::RegenerateKey);
}

TEST_F(PlanOutput, ExamplePlansWithoutBlockers) {
  Plan plan = planExampleTemplates();
  EXPECT_FALSE(plan.hasBlockers());
  const PlanNode* vault = testing::findNode(plan, "kv-payments-weu");
  const PlanNode* vnet = testing::findNode(plan, "vnet-payments-weu");
  const PlanNode* endpoint = testing::findNode(plan, "pe-kv-payments-weu");
  const PlanNode* group = testing::findNode(plan, "pe-kv-payments-weu/default");
  const PlanNode* app = testing::findNode(plan, "app-payments-weu");
  const PlanNode* key = testing::findNode(plan, "storage-cmk");
  ASSERT_NE(vault, nullptr);
  ASSERT_NE(vnet, nullptr);
  ASSERT_NE(endpoint, nullptr);
  ASSERT_NE(group, nullptr);
  ASSERT_NE(app, nullptr);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(vault->targetName, "kv-payments-neu");
  EXPECT_EQ(vnet->targetName, "vnet-payments-neu");
  EXPECT_EQ(key->strategy, Strategy::BackupRestore);
  EXPECT_EQ(app->strategy, Strategy::Repoint);
  EXPECT_LT(vnet->order, vault->order);
  EXPECT_LT(vault->order, endpoint->order);
  EXPECT_LT(endpoint->order, group->order);
  // The vault denies public access, so data-plane copies wait for the private DNS record.
  EXPECT_LT(group->order, key->order);
  EXPECT_LT(key->order, app->order);
}

TEST_F(PlanOutput, ExampleKeyBackupReasonReads) {
  Plan plan = planExampleTemplates();
  const PlanNode* key = testing::findNode(plan, "storage-cmk");
  ASSERT_NE(key, nullptr);
  ASSERT_EQ(key->strategy, Strategy::BackupRestore);
  EXPECT_EQ(key->reason,
            "source and target are in the same subscription and the same geography, so a backup restores the same key "
            "material");
}

TEST_F(PlanOutput, ExampleWebAppIsRefreshedAndWarned) {
  Plan plan = planExampleTemplates();
  const PlanNode* app = testing::findNode(plan, "app-payments-weu");
  ASSERT_NE(app, nullptr);
  EXPECT_TRUE(app->parameters.value("refreshReferences", false));
  EXPECT_TRUE(app->parameters.value("verifyReferences", false));
  ASSERT_TRUE(app->parameters.contains("references"));
  EXPECT_EQ(app->parameters["references"].size(), 3u);
  auto warnings = testing::messagesFor(plan, "W-CONSUMER-LOSES-NETWORK-ACCESS");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings.front().find("app-payments-weu"), std::string::npos);
}


// The estate's diagnostics with `code`, as "pointer: message".
std::vector<std::string> estateFindings(const Estate& estate, const std::string& code) {
  std::vector<std::string> out;
  for (const auto& diagnostic : estate.diagnostics.all()) {
    if (diagnostic.code == code) out.push_back(diagnostic.location.pointer + ": " + diagnostic.message);
  }
  return out;
}

TEST_F(PlanOutput, InventoryIdMustBeString) {
  std::string file = writeTemporary("kvr-id-number.json", R"({
    "kind": "kvrelocate.inventory", "version": "1.0",
    "resources": [
      {"id": 5, "type": "Microsoft.KeyVault/vaults", "location": "westeurope"},
      {"type": "Microsoft.KeyVault/vaults", "location": "westeurope"}
    ]
  })");
  Estate estate = testing::loadFiles({file});
  auto findings = estateFindings(estate, "E-INVENTORY-INVALID");
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0], "/resources/0/id: \"id\" must be a string, but it is a JSON number; write the resource id in quotes");
  EXPECT_EQ(findings[1], "/resources/1/id: the resource has no \"id\"");
}

TEST_F(PlanOutput, UnloadedFileSuppressesNoVault) {
  std::string broken = writeTemporary("kvr-not-json.json", "{ this is not JSON");
  PlanOptions options;
  options.targetRegion = "northeurope";
  Estate estate = testing::loadFiles({broken});
  Plan plan = makePlan(estate, options);
  EXPECT_TRUE(estate.diagnostics.has("E-INPUT-INVALID"));
  EXPECT_FALSE(plan.diagnostics.has("E-NO-VAULT"));
}

TEST_F(PlanOutput, FilesWithoutVaultGiveNoVault) {
  PlanOptions options;
  options.targetRegion = "northeurope";
  Plan plan = testing::planFiles({testing::examplePath("network.json")}, options);
  EXPECT_EQ(testing::countCode(plan, "E-NO-VAULT"), 1u);
}

}  // namespace
}  // namespace kvr
