// The Azure client against an in-process kvsim: authentication, the Key Vault challenge,
// paging and Resource Manager long-running operations.

#include "azure/client.h"
#include "discovery/json.h"
#include "support/cases.h"
#include "support/simulator_transport.h"

#include <gtest/gtest.h>

namespace kvr::azure {
namespace {

constexpr const char* kSubscription = "00000000-0000-0000-0000-000000000001";

class ClientOnSimulatorTest : public ::testing::Test {
 protected:
  ClientOnSimulatorTest()
      : clock_(std::make_shared<sim::ManualClock>()),
        simulator_(makeConfig(), clock_),
        transport_(simulator_),
        timer_(clock_.get()),
        credential_(simulator_.issueToken("https://management.azure.com/.default"), timer_.now() + std::chrono::hours(1)) {
    simulator_.setBaseUrl("https://127.0.0.1:8443");
  }

  static sim::SimulatorConfig makeConfig() {
    sim::SimulatorConfig config;
    config.timeScale = 1.0;
    return config;
  }

  ClientOptions options() {
    ClientOptions result;
    result.cloud.resourceManager = "https://127.0.0.1:8443";
    result.jitterSeed = 7;
    return result;
  }

  std::shared_ptr<sim::ManualClock> clock_;
  sim::Simulator simulator_;
  testing::SimulatorTransport transport_;
  testing::SteppingTimer timer_;
  StaticTokenCredential credential_;
};

// Issues kvsim tokens for whatever scope it is asked and records the scopes. kvsim accepts
// a token only on the routes of its audience.
class ScopedSimulatorCredential : public TokenCredential {
 public:
  explicit ScopedSimulatorCredential(sim::Simulator& simulator) : simulator_(simulator) {}
  AccessToken getToken(const std::string& scope) override {
    scopes.push_back(scope);
    return {simulator_.issueToken(scope), Clock::now() + std::chrono::hours(1)};
  }
  std::string describe() const override { return "simulator"; }
  std::vector<std::string> scopes;

 private:
  sim::Simulator& simulator_;
};

TEST_F(ClientOnSimulatorTest, PutResourceWaitsForTheVaultCreationToFinish) {
  ScopedSimulatorCredential credential(simulator_);
  AzureClient client(transport_, credential, options(), timer_);
  std::string group = std::string("/subscriptions/") + kSubscription + "/resourceGroups/rg-target";
  client.putResource(client.resourceUrl(group, "2021-04-01"), {{"location", "northeurope"}});

  Json vault = client.putResource(
      client.resourceUrl(group + "/providers/Microsoft.KeyVault/vaults/kv-target-neu", "2024-11-01"),
      {{"location", "northeurope"},
       {"properties", {{"tenantId", "11111111-1111-1111-1111-111111111111"}, {"sku", {{"family", "A"}, {"name", "standard"}}}}}});

  EXPECT_EQ(vault["properties"]["provisioningState"], "Succeeded");
  EXPECT_EQ(vault["name"], "kv-target-neu");
  EXPECT_GT(timer_.sleptMs(), 0) << "the client polled the long-running operation";
}

TEST_F(ClientOnSimulatorTest, KeyVaultRequestsUseTheKeyVaultAudience) {
  Json estate = readJsonFile(std::string(KVR_SOURCE_DIR) + "/examples/contoso-payments/inventory.json");
  simulator_.loadEstate(estate);
  ScopedSimulatorCredential credential(simulator_);
  AzureClient client(transport_, credential, options(), timer_);

  std::string vaultName = estate["dataPlane"].begin().key();
  std::vector<Json> secrets = client.list(Service::KeyVault, "https://" + vaultName + ".vault.localhost:8443/secrets?api-version=7.6");

  EXPECT_EQ(secrets.size(), estate["dataPlane"][vaultName]["secrets"].size());
  ASSERT_FALSE(credential.scopes.empty());
  EXPECT_EQ(credential.scopes.back(), "https://vault.azure.net/.default");
}

TEST_F(ClientOnSimulatorTest, ListFollowsNextLinkAcrossPages) {
  ScopedSimulatorCredential credential(simulator_);
  AzureClient client(transport_, credential, options(), timer_);
  std::string group = std::string("/subscriptions/") + kSubscription + "/resourceGroups/rg-many";
  client.putResource(client.resourceUrl(group, "2021-04-01"), {{"location", "westeurope"}});
  for (int index = 0; index < 7; ++index) {
    client.putResource(client.resourceUrl(group + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-" +
                                              std::to_string(index),
                                          "2023-01-31"),
                       {{"location", "westeurope"}});
  }

  std::vector<Json> identities = client.list(Service::ResourceManager, client.resourceUrl(group + "/resources", "2021-04-01") + "&$top=3");

  ASSERT_EQ(identities.size(), 7u);
  EXPECT_EQ(identities.front()["name"], "id-0");
}

TEST_F(ClientOnSimulatorTest, MissingResourceGivesAnApiErrorNamingTheUrlAndCode) {
  AzureClient client(transport_, credential_, options(), timer_);
  std::string url = client.resourceUrl(std::string("/subscriptions/") + kSubscription +
                                           "/resourceGroups/nowhere/providers/Microsoft.KeyVault/vaults/kv-none",
                                       "2024-11-01");
  try {
    client.get(Service::ResourceManager, url);
    FAIL() << "expected ApiError";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.status(), 404);
    EXPECT_FALSE(error.code().empty());
    EXPECT_NE(std::string(error.what()).find("/vaults/kv-none?api-version=2024-11-01"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(client.getIfExists(Service::ResourceManager, url).has_value());
}

}  // namespace
}  // namespace kvr::azure
