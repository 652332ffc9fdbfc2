// The failure cases, seeded into an in-process kvsim and discovered back: every resource and
// every data-plane object and version of the case is found, and planning the discovered
// inventory reaches the case's findings.

#include "crawl_fixture.h"
#include "discovery/resource_id.h"
#include "strategies/planner.h"

namespace kvr::testing {
namespace {

class FailureCaseDiscovery : public CrawlTest {
 protected:
  Json seedCase(const std::string& file) {
    Json document = readJsonFile(failurePath(file));
    seed(document);
    return document;
  }

  Json discoverCase(const Json& document) {
    std::string vaultId;
    for (const auto& resource : document["resources"]) {
      if (resource["type"] == "Microsoft.KeyVault/vaults") vaultId = resource["id"];
    }
    return discover({.vaultId = vaultId});
  }

  // The discovered inventory planned with the case's relocation request.
  Plan planDiscovered(const Json& inventory, const Json& document) {
    Json withRequest = inventory;
    withRequest["relocation"] = document["relocation"];
    return makePlan(estateOf(withRequest), PlanOptions{.targetRegion = document["relocation"]["targetLocation"]});
  }

  // Every resource of the case, and every secret, key and version, is in the inventory.
  void expectCaseDiscovered(const Json& document, const Json& inventory) {
    std::set<std::string> keys = resourceKeys(inventory);
    for (const auto& resource : document["resources"]) {
      EXPECT_TRUE(keys.count(normalizeId(resource["id"].get<std::string>()))) << "missed " << resource["id"];
    }
    for (auto vault = document["dataPlane"].begin(); vault != document["dataPlane"].end(); ++vault) {
      ASSERT_TRUE(inventory["dataPlane"].contains(vault.key())) << vault.key();
      const Json& found = inventory["dataPlane"][vault.key()];
      for (const char* collection : {"secrets", "keys"}) {
        ASSERT_EQ(found[collection].size(), (*vault)[collection].size()) << collection;
        for (const auto& item : (*vault)[collection]) {
          const Json* discovered = findByName(found[collection], item["name"]);
          ASSERT_NE(discovered, nullptr) << item["name"];
          for (const auto& version : item.value("versions", Json::array())) {
            bool listed = false;
            for (const auto& candidate : (*discovered)["versions"]) {
              if (candidate["version"] == version["version"]) {
                listed = true;
                EXPECT_EQ(candidate["attributes"]["enabled"], version["attributes"].value("enabled", true));
              }
            }
            EXPECT_TRUE(listed) << item["name"] << " version " << version["version"];
          }
        }
      }
    }
    EXPECT_TRUE(inventory["blindSpots"].empty()) << inventory["blindSpots"].dump();
    expectNoSecretsIn(inventory.dump(), "the inventory");
    expectNoSecretsIn(logText(), "the log");
    expectNoSecretValueReads();
  }
};

TEST_F(FailureCaseDiscovery, B11DiskEncryptionChainIsFound) {
  Json document = seedCase("B11-disk-encryption-set-access.json");
  Json inventory = discoverCase(document);
  expectCaseDiscovered(document, inventory);

  std::string group = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/";
  EXPECT_EQ(inventory["discovery"]["principals"]["77777777-7777-7777-7777-777777777777"],
            group + "rg-vault-scus/providers/Microsoft.Compute/diskEncryptionSets/des-scus");
  const Json& dependents = inventory["discovery"]["dependents"];
  EXPECT_EQ(dependents[group + "rg-app-scus/providers/Microsoft.Compute/disks/disk-data01"][0],
            "properties.encryption.diskEncryptionSetId");
  EXPECT_EQ(dependents[group + "rg-app-scus/providers/Microsoft.Compute/virtualMachines/vm-app01"][0],
            "properties.storageProfile.dataDisks[0].managedDisk.id");

  Plan plan = planDiscovered(inventory, document);
  EXPECT_EQ(countCode(plan, "W-STALE-PRINCIPAL-DROPPED"), 1u);
}

TEST_F(FailureCaseDiscovery, B13ReferencesAndIdentityAreFound) {
  Json document = seedCase("B13-appservice-keyvault-references.json");
  Json inventory = discoverCase(document);
  expectCaseDiscovered(document, inventory);

  const Json* app = nullptr;
  for (const auto& resource : inventory["resources"]) {
    if (resource["name"] == "app-shop-front") app = &resource;
  }
  ASSERT_NE(app, nullptr);
  EXPECT_EQ((*app)["config"]["appSettings"].size(), 2u);
  EXPECT_FALSE((*app)["config"]["appSettings"].contains("Feature__Banner"));
  EXPECT_EQ((*app)["config"]["connectionStrings"]["OrdersDb"]["value"],
            "@Microsoft.KeyVault(SecretUri=https://kv-shop-eas.vault.azure.net/secrets/orders-db-conn/)");

  Plan plan = planDiscovered(inventory, document);
  EXPECT_EQ(countCode(plan, "W-PINNED-VERSION-REMAPPED"), 1u);
}

TEST_F(FailureCaseDiscovery, B15ThrottlingIsAbsorbedByRetries) {
  Json document = seedCase("B15-throttled-bulk-copy.json");
  transport_.script = scriptFromCase(document);
  Json inventory = discoverCase(document);
  expectCaseDiscovered(document, inventory);

  EXPECT_EQ(transport_.scriptedServed, 1) << "the GET on s09 was throttled once";
  EXPECT_EQ(stats_.throttled, 1);
  EXPECT_EQ(stats_.retries, 1);
  EXPECT_EQ(inventory["dataPlane"]["kv-signing-neu"]["secrets"].size(), 12u);
}

TEST_F(FailureCaseDiscovery, B18DisabledVersionsKeepTheirAttributes) {
  Json document = seedCase("B18-disabled-secrets-and-attributes.json");
  Json inventory = discoverCase(document);
  expectCaseDiscovered(document, inventory);

  const Json& secrets = inventory["dataPlane"]["kv-hr-krc"]["secrets"];
  const Json* payroll = findByName(secrets, "payroll-sftp");
  ASSERT_NE(payroll, nullptr);
  EXPECT_EQ((*payroll)["contentType"], "application/json");
  EXPECT_EQ((*payroll)["versions"][0]["attributes"]["exp"], 1798761600);
  EXPECT_EQ((*payroll)["versions"][0]["attributes"]["nbf"], 1704067200);
  EXPECT_EQ((*payroll)["versions"][0]["tags"]["rotation"], "quarterly");
  const Json* badge = findByName(secrets, "badge-api");
  ASSERT_NE(badge, nullptr);
  EXPECT_EQ((*badge)["versions"][1]["version"], "f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4");
  EXPECT_EQ((*badge)["versions"][1]["tags"]["note"], "compromised");

  Plan plan = planDiscovered(inventory, document);
  EXPECT_EQ(countCode(plan, "E-CURRENT-VERSION-DISABLED"), 1u);
  EXPECT_EQ(countCode(plan, "E-SECRET-DISABLED-UNREADABLE"), 1u);
}

TEST_F(FailureCaseDiscovery, B20LongHistoryIsSummarised) {
  Json document = seedCase("B20-secret-version-history.json");
  Json inventory = discoverCase(document);
  expectCaseDiscovered(document, inventory);

  const Json& secrets = inventory["dataPlane"]["kv-tokens-inc"]["secrets"];
  const Json* partner = findByName(secrets, "partner-secret");
  ASSERT_NE(partner, nullptr);
  ASSERT_EQ((*partner)["versions"].size(), 3u);
  EXPECT_EQ((*partner)["versions"][2]["version"], "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3");
  const Json* refresh = findByName(secrets, "oauth-refresh-token");
  ASSERT_NE(refresh, nullptr);
  EXPECT_FALSE(refresh->contains("versions"));
  EXPECT_EQ((*refresh)["versionCount"], 612);
  EXPECT_EQ((*refresh)["versionsSummary"]["newest"]["version"], "ffffffffffffffffffffffffffffff01");
  EXPECT_EQ((*refresh)["versionsSummary"]["enabled"], 612);
  EXPECT_EQ((*refresh)["versionsSummary"]["oldestCreated"], 1650000000);

  Plan plan = planDiscovered(inventory, document);
  EXPECT_EQ(countCode(plan, "W-VERSION-LIMIT"), 1u);
  EXPECT_EQ(countCode(plan, "W-PINNED-VERSION-REMAPPED"), 1u);
}

}  // namespace
}  // namespace kvr::testing
