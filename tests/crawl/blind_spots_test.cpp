// What the crawler may not or cannot read becomes a blind spot in the inventory and a plan
// warning, never a crash; only an unreadable vault stops the crawl.

#include "crawl_fixture.h"
#include "strategies/planner.h"

namespace kvr::testing {
namespace {

constexpr const char* kSubscription = "6f1c2a4e-3b7d-4c8e-9a1f-2d5e8b0c7a93";
const std::string kVaultId = std::string("/subscriptions/") + kSubscription +
                             "/resourceGroups/rg-payments-weu/providers/Microsoft.KeyVault/vaults/kv-payments-weu";
const std::string kZoneId = std::string("/subscriptions/") + kSubscription +
                            "/resourceGroups/rg-payments-net-weu/providers/Microsoft.Network/privateDnsZones/"
                            "privatelink.vaultcore.azure.net";

ScriptedResponse forbidden(const std::string& method, const std::string& host, const std::string& path,
                           const std::string& code) {
  ScriptedResponse scripted;
  scripted.method = method;
  scripted.hostLabel = host;
  scripted.pathPrefix = path;
  scripted.times = 100;
  scripted.response.status = 403;
  scripted.response.body = Json{{"error", {{"code", code}, {"message", "access denied for this test"}}}}.dump();
  return scripted;
}

class BlindSpots : public CrawlTest {
 protected:
  BlindSpots() { seed(readJsonFile(examplePath("inventory.json"))); }
};

TEST_F(BlindSpots, RefusedReadsBecomeBlindSpots) {
  transport_.script = {forbidden("GET", "management", kZoneId, "AuthorizationFailed"),
                       forbidden("GET", "kv-payments-weu", "/keys?", "ForbiddenByFirewall")};
  Json inventory = discover({.vaultId = kVaultId});

  ASSERT_EQ(inventory["blindSpots"].size(), 2u) << inventory["blindSpots"].dump();
  EXPECT_EQ(inventory["blindSpots"][0]["scope"], kZoneId);
  EXPECT_EQ(inventory["blindSpots"][0]["reason"], "403 AuthorizationFailed: access denied for this test");
  EXPECT_EQ(inventory["blindSpots"][1]["scope"], "https://kv-payments-weu.vault.localhost:8443/keys");
  EXPECT_EQ(inventory["blindSpots"][1]["reason"], "403 ForbiddenByFirewall: access denied for this test");
  // The rest is still read.
  EXPECT_EQ(inventory["dataPlane"]["kv-payments-weu"]["secrets"].size(), 4u);
  EXPECT_TRUE(inventory["dataPlane"]["kv-payments-weu"]["keys"].empty());
}

TEST_F(BlindSpots, PlanWarnsForEachBlindSpot) {
  transport_.script = {forbidden("GET", "management", kZoneId, "AuthorizationFailed"),
                       forbidden("GET", "kv-payments-weu", "/keys?", "ForbiddenByFirewall")};
  Json inventory = discover({.vaultId = kVaultId});
  Plan plan = makePlan(estateOf(inventory), PlanOptions{.targetRegion = "northeurope"});

  std::vector<std::string> warnings = messagesFor(plan, "W-DISCOVERY-BLIND-SPOT");
  ASSERT_EQ(warnings.size(), 2u);
  std::sort(warnings.begin(), warnings.end());
  EXPECT_EQ(warnings[0], "discovery could not read " + kZoneId +
                             " (403 AuthorizationFailed: access denied for this test); resources or settings there are "
                             "missing from this plan, so check them by hand or discover again with read access");
  EXPECT_EQ(warnings[1].rfind("discovery could not read https://kv-payments-weu.vault.localhost:8443/keys (403", 0), 0u)
      << warnings[1];
}

TEST_F(BlindSpots, ResourceGraphFailureIsABlindSpot) {
  ScriptedResponse refused = forbidden("POST", "management", "/providers/Microsoft.ResourceGraph", "AuthorizationFailed");
  transport_.script = {refused};
  Json inventory = discover({.vaultId = kVaultId});

  ASSERT_FALSE(inventory["blindSpots"].empty());
  EXPECT_EQ(inventory["blindSpots"][0]["scope"].get<std::string>().rfind("Resource Graph: ", 0), 0u);
  EXPECT_TRUE(inventory["discovery"]["consumers"].empty());
  EXPECT_EQ(inventory["dataPlane"]["kv-payments-weu"]["secrets"].size(), 4u);
}

TEST_F(BlindSpots, UnavailableServiceIsABlindSpot) {
  ScriptedResponse unavailable = forbidden("GET", "kv-payments-weu", "/certificates?", "ServiceUnavailable");
  unavailable.response.status = 503;
  transport_.script = {unavailable};
  Json inventory = discover({.vaultId = kVaultId});

  ASSERT_EQ(inventory["blindSpots"].size(), 1u);
  EXPECT_EQ(inventory["blindSpots"][0]["scope"], "https://kv-payments-weu.vault.localhost:8443/certificates");
  EXPECT_EQ(stats_.retries, 7) << "every attempt was retried before giving up";
}

TEST_F(BlindSpots, UnreadableVaultStopsTheCrawl) {
  std::string missing = kVaultId + "-gone";
  try {
    discover({.vaultId = missing});
    FAIL() << "expected CrawlError";
  } catch (const CrawlError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("cannot read vault " + missing + ": 404 ResourceNotFound", 0), 0u)
        << error.what();
  }
  EXPECT_THROW(discover({.vaultId = "/subscriptions/x/resourceGroups/y"}), CrawlError);
}

TEST(InventoryReaderBlindSpots, MalformedEntryIsReported) {
  Json document = {{"kind", "kvrelocate.inventory"},
                   {"version", "1.0"},
                   {"resources", Json::array()},
                   {"blindSpots", Json::array({Json{{"reason", "no scope"}}})}};
  Estate estate;
  readInventory("bad.json", document, estate);
  ASSERT_EQ(estate.diagnostics.count("E-INVENTORY-INVALID"), 1u);
  EXPECT_EQ(estate.diagnostics.all()[0].location.pointer, "/blindSpots/0");
}

}  // namespace
}  // namespace kvr::testing
