// Config file members for Resource Manager throttling, Resource Graph, faults and the
// saved state, and the state file that --save-state writes.

#include "simulator_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kvr::sim::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class OperationsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() / ("kvsim-ops-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
    fs::create_directories(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }

  fs::path writeConfig(const std::string& text) {
    fs::path file = directory_ / "kvsim.json";
    std::ofstream(file) << text;
    return file;
  }

  std::string loadError(const std::string& text) {
    try {
      loadConfig(writeConfig(text));
    } catch (const std::runtime_error& error) {
      return error.what();
    }
    return "";
  }

  fs::path directory_;
};

TEST_F(OperationsConfigTest, OperationsMembersAreRead) {
  SimulatorConfig config = loadConfig(writeConfig(R"({
    "resourceManagerThrottle": {"reads": {"capacity": 10, "refillPerSecond": 2.5}, "deletes": {"capacity": 0}, "perPrincipal": false},
    "resourceGraph": {"pageSize": 50, "quotaRequests": 3, "quotaWindowSeconds": 10},
    "faults": {"seed": 7, "rules": [{"name": "slow-vaults", "method": "PUT", "path": "/vaults/", "delayMilliseconds": 500, "rate": 0.5}]},
    "saveState": "state.json",
    "timeScale": 0.01,
    "operationSeconds": {"Microsoft.KeyVault/vaults": 200}
  })"));
  EXPECT_EQ(config.resourceManagerThrottle.reads.capacity, 10);
  EXPECT_EQ(config.resourceManagerThrottle.reads.refillPerSecond, 2.5);
  EXPECT_EQ(config.resourceManagerThrottle.writes.capacity, 200) << "unset buckets keep Azure's limits";
  EXPECT_EQ(config.resourceManagerThrottle.deletes.capacity, 0);
  EXPECT_FALSE(config.resourceManagerThrottle.perPrincipal);
  EXPECT_EQ(config.resourceGraph.pageSize, 50);
  EXPECT_EQ(config.resourceGraph.quotaRequests, 3);
  EXPECT_EQ(config.resourceGraph.quotaWindowSeconds, 10);
  EXPECT_EQ(config.faults.seed, 7u);
  ASSERT_EQ(config.faults.rules.size(), 1u);
  EXPECT_EQ(config.faults.rules[0].name, "slow-vaults");
  EXPECT_EQ(config.faults.rules[0].delayMilliseconds, 500);
  EXPECT_EQ(config.faults.rules[0].rate, 0.5);
  EXPECT_EQ(config.saveState, fs::path("state.json"));
  EXPECT_EQ(config.operationSeconds["microsoft.keyvault/vaults"], 200);
}

TEST_F(OperationsConfigTest, InvalidOperationsMembersAreNamed) {
  EXPECT_EQ(loadError(R"({"resourceManagerThrottle": {"reads": {"capacity": 10, "refillPerSecond": 0}}})"),
            "invalid kvsim config " + (directory_ / "kvsim.json").string() +
                ": member \"resourceManagerThrottle/reads/refillPerSecond\" must be above 0 while capacity is above 0");
  EXPECT_EQ(loadError(R"({"resourceManagerThrottle": {"lists": {}}})"),
            "invalid kvsim config " + (directory_ / "kvsim.json").string() +
                ": member \"resourceManagerThrottle/lists\" is not a Resource Manager throttle setting (reads, writes, deletes, perPrincipal)");
  EXPECT_EQ(loadError(R"({"resourceGraph": {"pageSize": 5000}})"),
            "invalid kvsim config " + (directory_ / "kvsim.json").string() +
                ": member \"resourceGraph/pageSize\" must be a whole number from 1 to 1000");
  EXPECT_EQ(loadError(R"({"faults": {"rules": [{"status": 99}, {"drop": "yes"}]}})"),
            "invalid kvsim config " + (directory_ / "kvsim.json").string() +
                ": faults/rules/0/status must be a whole number from 400 to 599; faults/rules/0/status is missing: a rule needs a "
                "status, \"drop\": true or a delayMilliseconds; faults/rules/1/drop must be true or false; faults/rules/1/status is "
                "missing: a rule needs a status, \"drop\": true or a delayMilliseconds");
}

TEST_F(OperationsConfigTest, ResourceGraphPageSizeIsUsed) {
  SimulatorConfig config;
  config.resourceGraph.pageSize = 2;
  Simulator simulator(config, std::make_shared<ManualClock>());
  std::string token = simulator.issueToken("https://management.azure.com/.default");
  auto send = [&](const std::string& method, const std::string& target, const json& body) {
    Request request = Request::fromTarget(method, target);
    request.withHeader("Authorization", "Bearer " + token).withBody(body.dump());
    return simulator.handle(request);
  };
  for (const char* group : {"rg-a", "rg-b", "rg-c"}) {
    ASSERT_EQ(send("PUT", "/subscriptions/" + std::string(kSubscription) + "/resourceGroups/" + group + "?api-version=2021-04-01", {{"location", "westeurope"}}).status, 201);
  }
  Response response = send("POST", "/providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01",
                           {{"query", "ResourceContainers | where type endswith 'resourcegroups'"}});
  ASSERT_EQ(response.status, 200) << response.body;
  json body = json::parse(response.body);
  EXPECT_EQ(body["count"], 2);
  EXPECT_EQ(body["totalRecords"], 3);
  EXPECT_TRUE(body.contains("$skipToken"));
}

TEST_F(OperationsConfigTest, TimeScaleShortensVaultCreation) {
  SimulatorConfig config;
  config.timeScale = 0.01;  // the 180-second vault creation takes 1.8 seconds
  auto clock = std::make_shared<ManualClock>();
  Simulator simulator(config, clock);
  std::string token = simulator.issueToken("https://management.azure.com/.default");
  auto send = [&](const std::string& method, const std::string& target, const json& body) {
    Request request = Request::fromTarget(method, target);
    request.withHeader("Authorization", "Bearer " + token);
    if (!body.is_null()) request.withBody(body.dump());
    return simulator.handle(request);
  };
  std::string group = "/subscriptions/" + std::string(kSubscription) + "/resourceGroups/rg1";
  std::string vault = group + "/providers/Microsoft.KeyVault/vaults/kv-scaled?api-version=2024-11-01";
  ASSERT_EQ(send("PUT", group + "?api-version=2021-04-01", {{"location", "westeurope"}}).status, 201);
  json body = {{"location", "westeurope"},
               {"properties", {{"tenantId", "11111111-1111-1111-1111-111111111111"}, {"sku", {{"family", "A"}, {"name", "standard"}}}}}};
  ASSERT_EQ(send("PUT", vault, body).status, 201);

  clock->advance(std::chrono::milliseconds(1700));
  EXPECT_EQ(json::parse(send("GET", vault, nullptr).body)["properties"]["provisioningState"], "RegisteringDns");
  clock->advance(std::chrono::milliseconds(100));
  EXPECT_EQ(json::parse(send("GET", vault, nullptr).body)["properties"]["provisioningState"], "Succeeded");
}

class SavedStateTest : public SimulatorTest {
 protected:
  void SetUp() override {
    file_ = fs::temp_directory_path() / ("kvsim-saved-state-" + std::to_string(::getpid()) + ".json");
    fs::remove(file_);
  }
  void TearDown() override { fs::remove(file_); }

  fs::path file_;
};

TEST_F(SavedStateTest, StateFileIsPrivate) {
  simulator_.saveState(file_);
  struct stat info {};
  ASSERT_EQ(::stat(file_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(SavedStateTest, SavedStateLoadsBackEqual) {
  createGroup("rg1");
  ASSERT_EQ(createVault("kv-saved").status, 201);
  ASSERT_EQ(vault("kv-saved", "PUT", "/secrets/db-password?api-version=7.6", {{"value", "fake-test-value"}}).status, 200);
  ASSERT_EQ(vault("kv-saved", "PUT", "/secrets/db-password?api-version=7.6", {{"value", "fake-test-value-2"}}).status, 200);
  ASSERT_EQ(createVault("kv-gone").status, 201);
  clock_->advance(std::chrono::minutes(5));
  ASSERT_EQ(arm("DELETE", vaultId("kv-gone") + kArmVersion).status, 202);

  simulator_.saveState(file_);
  std::ifstream stream(file_);
  json saved = json::parse(stream);

  Simulator restored(makeConfig(), clock_);
  restored.setBaseUrl(kBaseUrl);
  restored.loadEstate(saved);
  EXPECT_EQ(restored.snapshot(true), simulator_.snapshot(true));
  EXPECT_EQ(saved["deletedVaults"].size(), 1u);

  std::string token = restored.issueToken("https://vault.azure.net/.default");
  Request request = Request::fromTarget("GET", "/secrets/db-password?api-version=7.6");
  request.withHeader("Host", "kv-saved.vault.localhost:8443").withHeader("Authorization", "Bearer " + token);
  Response secret = restored.handle(request);
  ASSERT_EQ(secret.status, 200) << secret.body;
  EXPECT_EQ(json::parse(secret.body)["value"], "fake-test-value-2");
}

TEST_F(SavedStateTest, UnwritableStateFileIsReported) {
  fs::path missing = fs::temp_directory_path() / "kvsim-no-such-directory" / "state.json";
  try {
    simulator_.saveState(missing);
    FAIL() << "saving into a missing directory must fail";
  } catch (const std::system_error& error) {
    EXPECT_NE(std::string(error.what()).find("mkstemp failed for kvsim state file " + missing.string()), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace kvr::sim::testing
