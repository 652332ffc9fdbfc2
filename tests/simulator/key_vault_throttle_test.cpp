#include "simulator_fixture.h"

#include "simulator/key_material.h"

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace kvr::sim::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class KeyVaultThrottleTest : public SimulatorTest {
 protected:
  void SetUp() override {
    createGroup("rg1");
    ASSERT_EQ(createVault("kv-data").status, 201);
  }

  Response setSecret(const std::string& name, const std::string& vaultName = "kv-data") {
    return vault(vaultName, "PUT", "/secrets/" + name + "?api-version=7.6", {{"value", "test-value"}});
  }

  // Sends `count` secret creates and returns how many were accepted.
  int setSecrets(int count, const std::string& prefix) {
    int accepted = 0;
    for (int index = 0; index < count; ++index) accepted += setSecret(prefix + std::to_string(index)).status == 200 ? 1 : 0;
    return accepted;
  }

  Response createKey(const std::string& name, const std::string& kty) {
    return vault("kv-data", "POST", "/keys/" + name + "/create?api-version=7.6", {{"kty", kty}, {"crv", "P-256"}});
  }

  json counters() { return bodyOf(simulator_.handle(Request::fromTarget("GET", "/_admin/counters"))); }
};

TEST_F(KeyVaultThrottleTest, SecretCreateBudgetAllows300) {
  EXPECT_EQ(setSecrets(300, "s"), 300);
  Response rejected = setSecret("one-too-many");
  EXPECT_EQ(rejected.status, 429);
  EXPECT_EQ(errorCode(rejected), "Throttled");
  EXPECT_EQ(rejected.header("Retry-After"), "10");
  EXPECT_EQ(errorOf(rejected)["message"],
            "Vault kv-data exceeded its secretCreateAndImport budget of 300 requests per 10 seconds; retry after 10 seconds.");
  EXPECT_EQ(vault("kv-data", "GET", "/secrets/one-too-many?api-version=7.6").status, 404);
}

TEST_F(KeyVaultThrottleTest, RetryAfterCountsToOldestRequestLeaving) {
  EXPECT_EQ(setSecrets(100, "early"), 100);
  clock_->advance(milliseconds(3500));
  EXPECT_EQ(setSecrets(200, "late"), 200);
  Response rejected = setSecret("waiting");
  ASSERT_EQ(rejected.status, 429);
  EXPECT_EQ(rejected.header("Retry-After"), "7");

  clock_->advance(milliseconds(6500));
  EXPECT_EQ(setSecrets(100, "after"), 100);
  EXPECT_EQ(setSecret("full-again").status, 429);
}

TEST_F(KeyVaultThrottleTest, RejectedRequestsDoNotCount) {
  EXPECT_EQ(setSecrets(300, "first"), 300);
  clock_->advance(seconds(5));
  for (int attempt = 0; attempt < 10; ++attempt) EXPECT_EQ(setSecret("rejected").status, 429);
  clock_->advance(seconds(5));
  EXPECT_EQ(setSecrets(300, "second"), 300);
}

TEST_F(KeyVaultThrottleTest, KeyImportSharesSecretCreateBudget) {
  KeyMaterial material = generateKeyMaterial("EC", 0, "P-256");
  json jwk = material.publicJwk;
  jwk.update(material.privateJwk);
  for (int index = 0; index < 150; ++index) {
    ASSERT_EQ(vault("kv-data", "PUT", "/keys/imported?api-version=7.6", {{"key", jwk}}).status, 200) << index;
  }
  EXPECT_EQ(setSecrets(150, "s"), 150);
  Response rejected = vault("kv-data", "PUT", "/keys/imported?api-version=7.6", {{"key", jwk}});
  EXPECT_EQ(rejected.status, 429);
  EXPECT_EQ(setSecret("late").status, 429);
}

TEST_F(KeyVaultThrottleTest, KeyCreateBudgetsBySoftwareAndHsm) {
  for (int index = 0; index < 20; ++index) ASSERT_EQ(createKey("soft" + std::to_string(index), "EC").status, 200) << index;
  Response software = createKey("soft-extra", "EC");
  EXPECT_EQ(software.status, 429);
  EXPECT_EQ(errorCode(software), "Throttled");
  EXPECT_EQ(vault("kv-data", "POST", "/keys/soft0/rotate?api-version=7.6").status, 429);

  for (int index = 0; index < 10; ++index) ASSERT_EQ(createKey("hsm" + std::to_string(index), "EC-HSM").status, 200) << index;
  EXPECT_EQ(createKey("hsm-extra", "EC-HSM").status, 429);
  EXPECT_EQ(setSecret("unaffected").status, 200);
}

TEST_F(KeyVaultThrottleTest, OtherSecretTransactionsAllow4000) {
  for (int index = 0; index < 4000; ++index) {
    ASSERT_EQ(vault("kv-data", "GET", "/secrets/missing?api-version=7.6").status, 404) << index;
  }
  Response rejected = vault("kv-data", "GET", "/secrets?api-version=7.6");
  EXPECT_EQ(rejected.status, 429);
  EXPECT_EQ(rejected.header("Retry-After"), "10");
  EXPECT_EQ(setSecret("create-budget-is-separate").status, 200);
}

TEST_F(KeyVaultThrottleTest, BudgetsAreKeptPerVault) {
  ASSERT_EQ(createVault("kv-other").status, 201);
  EXPECT_EQ(setSecrets(300, "s"), 300);
  EXPECT_EQ(setSecret("full").status, 429);
  EXPECT_EQ(setSecret("fresh", "kv-other").status, 200);
}

TEST_F(KeyVaultThrottleTest, CountersShowEachBucket) {
  setSecrets(301, "s");
  vault("kv-data", "GET", "/secrets?api-version=7.6");
  json values = counters();
  EXPECT_EQ(values["throttle.kv-data.secretCreateAndImport.accepted"], 300);
  EXPECT_EQ(values["throttle.kv-data.secretCreateAndImport.rejected"], 1);
  EXPECT_EQ(values["throttle.kv-data.secretCreateAndImport.inWindow"], 300);
  EXPECT_EQ(values["throttle.kv-data.secretCreateAndImport.limit"], 300);
  EXPECT_EQ(values["throttle.kv-data.secretAndVaultOther.accepted"], 1);
  EXPECT_EQ(values["status.429"], 1);

  clock_->advance(seconds(10));
  EXPECT_EQ(counters()["throttle.kv-data.secretCreateAndImport.inWindow"], 0);
}

TEST_F(KeyVaultThrottleTest, ResetClearsBudgets) {
  simulator_.loadEstate({{"kind", "kvrelocate.inventory"}, {"version", "1.0"}, {"resources", json::array()}});
  createGroup("rg1");
  ASSERT_EQ(createVault("kv-data").status, 201);
  EXPECT_EQ(setSecrets(301, "s"), 300);
  simulator_.handle(Request::fromTarget("POST", "/_admin/reset"));
  createGroup("rg1");
  ASSERT_EQ(createVault("kv-data").status, 201);
  EXPECT_EQ(setSecret("after-reset").status, 200);
  EXPECT_EQ(counters()["throttle.kv-data.secretCreateAndImport.accepted"], 1);
}

TEST(KeyVaultThrottleBucket, ClassifiesRequests) {
  struct Case {
    const char* method;
    const char* path;
    std::string body;
    std::optional<std::string> bucket;
  };
  const std::vector<Case> cases = {
      {"PUT", "/secrets/a", "", "secretCreateAndImport"},
      {"GET", "/secrets/a", "", "secretAndVaultOther"},
      {"POST", "/secrets/a/backup", "", "secretAndVaultOther"},
      {"GET", "/deletedsecrets", "", "secretAndVaultOther"},
      {"POST", "/certificates/c/import", "", "secretCreateAndImport"},
      {"PUT", "/keys/k", "", "secretCreateAndImport"},
      {"POST", "/keys/k/create", R"({"kty":"RSA"})", "softwareKeyCreate"},
      {"POST", "/keys/k/create", R"({"kty":"RSA-HSM"})", "hsmKeyCreate"},
      {"POST", "/keys/k/rotate", "", "softwareKeyCreate"},
      {"GET", "/keys/k", "", std::nullopt},
  };
  for (const Case& testCase : cases) {
    Request request = Request::fromTarget(testCase.method, std::string(testCase.path) + "?api-version=7.6");
    request.withBody(testCase.body);
    EXPECT_EQ(keyVaultThrottleBucket(request), testCase.bucket) << testCase.method << " " << testCase.path;
  }
}

class ConfiguredThrottleTest : public SimulatorTest {};

TEST_F(ConfiguredThrottleTest, ConfigFileSetsBudgets) {
  std::filesystem::path file = std::filesystem::temp_directory_path() / ("kvsim-throttle-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream stream(file);
    stream << R"({"keyVaultThrottle": {"windowSeconds": 5, "secretCreateAndImport": 2, "hsmKeyCreate": 0}})";
  }
  SimulatorConfig config = loadConfig(file);
  std::filesystem::remove(file);
  EXPECT_EQ(config.keyVaultThrottle.windowSeconds, 5);
  EXPECT_EQ(config.keyVaultThrottle.secretCreateAndImport, 2);
  EXPECT_EQ(config.keyVaultThrottle.hsmKeyCreate, 0);
  EXPECT_EQ(config.keyVaultThrottle.secretAndVaultOther, 4000);

  config.timeScale = 1.0;
  auto clock = std::make_shared<ManualClock>();
  Simulator configured(config, clock);
  configured.setBaseUrl(kBaseUrl);
  std::string armToken = configured.issueToken("https://management.azure.com/.default");
  std::string vaultToken = configured.issueToken("https://vault.azure.net/.default");
  auto send = [&](const std::string& method, const std::string& target, const std::string& host, const std::string& token, const json& body) {
    Request request = Request::fromTarget(method, target);
    request.withHeader("Host", host).withHeader("Authorization", "Bearer " + token).withBody(body.dump());
    return configured.handle(request);
  };
  ASSERT_LT(send("PUT", groupId("rg1") + "?api-version=2021-04-01", "127.0.0.1:8443", armToken, {{"location", "westeurope"}}).status, 300);
  ASSERT_EQ(send("PUT", vaultId("kv-data") + kArmVersion, "127.0.0.1:8443", armToken, vaultBody()).status, 201);
  auto setSecret = [&](const std::string& name) {
    return send("PUT", "/secrets/" + name + "?api-version=7.6", "kv-data.vault.localhost:8443", vaultToken, {{"value", "v"}});
  };
  EXPECT_EQ(setSecret("a").status, 200);
  EXPECT_EQ(setSecret("b").status, 200);
  Response rejected = setSecret("c");
  EXPECT_EQ(rejected.status, 429);
  EXPECT_EQ(rejected.header("Retry-After"), "5");
  clock->advance(seconds(5));
  EXPECT_EQ(setSecret("c").status, 200);
}

TEST_F(ConfiguredThrottleTest, ConfigRejectsUnknownBudget) {
  std::filesystem::path file = std::filesystem::temp_directory_path() / ("kvsim-throttle-bad-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream stream(file);
    stream << R"({"keyVaultThrottle": {"keyGet": 5}})";
  }
  EXPECT_THROW(loadConfig(file), std::runtime_error);
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace kvr::sim::testing
