#include "simulator_fixture.h"

#include <fstream>

namespace kvr::sim::testing {
namespace {

using nlohmann::json;

constexpr const char* kExampleSubscription = "6f1c2a4e-3b7d-4c8e-9a1f-2d5e8b0c7a93";

json readExample() {
  std::ifstream stream(std::string(KVR_SOURCE_DIR) + "/examples/contoso-payments/inventory.json");
  return json::parse(stream);
}

class EstateTest : public SimulatorTest {
 protected:
  void SetUp() override { simulator_.loadEstate(readExample()); }
};

TEST_F(EstateTest, ExampleVaultIsServedWithLocalUri) {
  json vaults = bodyOf(arm("GET", std::string("/subscriptions/") + kExampleSubscription + "/providers/Microsoft.KeyVault/vaults" + kArmVersion));
  ASSERT_GE(vaults["value"].size(), 1u);
  json vault = vaults["value"][0];
  EXPECT_EQ(vault["properties"]["vaultUri"], "https://" + vault["name"].get<std::string>() + ".vault.localhost:8443/");
}

TEST_F(EstateTest, ExampleSecretValuesAreServed) {
  Response response = vault("kv-payments-weu", "GET", "/secrets/db-connection?api-version=7.6");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(bodyOf(response)["value"], "test-only-db-connection-v3");
}

TEST_F(EstateTest, SnapshotHidesValuesUnlessAsked) {
  Response snapshot = simulator_.handle(Request::fromTarget("GET", "/_admin/snapshot"));
  ASSERT_EQ(snapshot.status, 200);
  EXPECT_EQ(snapshot.body.find("test-only-db-connection"), std::string::npos);
  EXPECT_EQ(bodyOf(snapshot)["kind"], "kvrelocate.inventory");
  Response withValues = simulator_.handle(Request::fromTarget("GET", "/_admin/snapshot?includeValues=true"));
  EXPECT_NE(withValues.body.find("test-only-db-connection-v3"), std::string::npos);
}

TEST_F(EstateTest, ResetRestoresTheEstate) {
  vault("kv-payments-weu", "DELETE", "/secrets/db-connection?api-version=7.6");
  EXPECT_EQ(vault("kv-payments-weu", "GET", "/secrets/db-connection?api-version=7.6").status, 404);
  EXPECT_EQ(simulator_.handle(Request::fromTarget("POST", "/_admin/reset")).status, 204);
  armToken_ = simulator_.issueToken("https://management.azure.com/.default");
  vaultToken_ = simulator_.issueToken("https://vault.azure.net/.default");
  EXPECT_EQ(vault("kv-payments-weu", "GET", "/secrets/db-connection?api-version=7.6").status, 200);
}

TEST_F(EstateTest, CountersTrackRequestsByAreaAndStatus) {
  vault("kv-payments-weu", "GET", "/secrets?api-version=7.6");
  json counters = bodyOf(simulator_.handle(Request::fromTarget("GET", "/_admin/counters")));
  EXPECT_EQ(counters["keyVault.GET"], 1);
  EXPECT_EQ(counters["status.200"], 1);
}

TEST_F(EstateTest, SnapshotSeedsAnEqualState) {
  json snapshot = simulator_.snapshot(true);
  Simulator copy(makeConfig(), clock_);
  copy.setBaseUrl(kBaseUrl);
  copy.loadEstate(snapshot);
  EXPECT_EQ(copy.snapshot(true), snapshot);
}

TEST(EstateShapeTest, NonInventoryIsRejected) {
  Simulator simulator(SimulatorConfig{});
  EXPECT_THROW(simulator.loadEstate(json{{"kind", "other"}}), std::runtime_error);
  EXPECT_THROW(simulator.loadEstate(json{{"kind", "kvrelocate.inventory"}}), std::runtime_error);
}

}  // namespace
}  // namespace kvr::sim::testing
