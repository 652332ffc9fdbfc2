// The request pacer's budgets, with a stepping timer: Key Vault windows per vault, Resource
// Manager buckets per subscription, and the slowdown after a 429.

#include "azure/pacer.h"
#include "support/scripted_transport.h"
#include "support/simulator_transport.h"

#include <gtest/gtest.h>

namespace kvr::azure {
namespace {

HttpRequest request(std::string method, std::string url, std::string body = "") {
  return HttpRequest{std::move(method), std::move(url), {}, std::move(body)};
}

const HttpRequest kSecretSet = request("PUT", "https://kv1.vault.azure.net/secrets/s1?api-version=7.6");
const HttpRequest kSecretGet = request("GET", "https://kv1.vault.azure.net/secrets/s1?api-version=7.6");
const HttpRequest kArmRead =
    request("GET", "https://management.azure.com/subscriptions/sub-a/resourceGroups/rg?api-version=2021-04-01");

TEST(Pacer, SecretCreatesWaitForTheWindow) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);

  for (int index = 0; index < 300; ++index) pacer.beforeSend(Service::KeyVault, kSecretSet);
  EXPECT_EQ(timer.sleptMs(), 0);
  pacer.beforeSend(Service::KeyVault, kSecretSet);

  EXPECT_EQ(timer.sleptMs(), 10'000);
}

TEST(Pacer, CreatesAndReadsUseSeparateBudgets) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);

  for (int index = 0; index < 300; ++index) pacer.beforeSend(Service::KeyVault, kSecretSet);
  for (int index = 0; index < 4000; ++index) pacer.beforeSend(Service::KeyVault, kSecretGet);

  EXPECT_EQ(timer.sleptMs(), 0);
}

TEST(Pacer, VaultsHaveSeparateBudgets) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);
  HttpRequest otherVault = request("PUT", "https://kv2.vault.azure.net/secrets/s1?api-version=7.6");

  for (int index = 0; index < 300; ++index) {
    pacer.beforeSend(Service::KeyVault, kSecretSet);
    pacer.beforeSend(Service::KeyVault, otherVault);
  }

  EXPECT_EQ(timer.sleptMs(), 0);
}

TEST(Pacer, HsmKeyCreateUsesItsOwnSmallerBudget) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);
  HttpRequest hsmCreate = request("POST", "https://kv1.vault.azure.net/keys/k1/create?api-version=7.6",
                                  R"({"kty":"RSA-HSM","key_size":2048})");

  for (int index = 0; index < 10; ++index) pacer.beforeSend(Service::KeyVault, hsmCreate);
  EXPECT_EQ(timer.sleptMs(), 0);
  pacer.beforeSend(Service::KeyVault, hsmCreate);

  EXPECT_EQ(timer.sleptMs(), 10'000);
}

TEST(Pacer, ResourceManagerReadsRefillAtTheirRate) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);

  for (int index = 0; index < 250; ++index) pacer.beforeSend(Service::ResourceManager, kArmRead);
  EXPECT_EQ(timer.sleptMs(), 0);
  pacer.beforeSend(Service::ResourceManager, kArmRead);
  EXPECT_EQ(timer.sleptMs(), 40) << "one read refills in 1/25 s";
  pacer.beforeSend(Service::ResourceManager, request("GET", "https://management.azure.com/subscriptions/sub-b/resourceGroups/rg"));
  EXPECT_EQ(timer.sleptMs(), 40) << "another subscription has its own bucket";
}

TEST(Pacer, ThrottledBudgetPausesAndSlowsDown) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);
  std::string key = budgetKey(Service::KeyVault, kSecretSet);

  pacer.beforeSend(Service::KeyVault, kSecretSet);
  pacer.onThrottled(Service::KeyVault, kSecretSet, Milliseconds(5'000));
  pacer.beforeSend(Service::KeyVault, kSecretSet);

  EXPECT_EQ(timer.sleptMs(), 5'000);
  EXPECT_DOUBLE_EQ(pacer.rateFactor(key), 0.5);
  timer.sleepFor(Milliseconds(60'000));
  pacer.beforeSend(Service::KeyVault, kSecretSet);
  EXPECT_DOUBLE_EQ(pacer.rateFactor(key), 1.0);
}

TEST(Pacer, ThrottledWithoutRetryAfterPausesDefault) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);

  pacer.onThrottled(Service::ResourceManager, kArmRead, Milliseconds(0));
  pacer.beforeSend(Service::ResourceManager, kArmRead);

  EXPECT_EQ(timer.sleptMs(), 1'000);
}

TEST(Pacer, SlowedWindowAllowsFewerRequests) {
  testing::SteppingTimer timer;
  PacerOptions options;
  options.keyVaultSecretCreateAndImport = WindowLimit{4};
  LimitPacer pacer(options, timer);
  pacer.onThrottled(Service::KeyVault, kSecretSet, Milliseconds(0));  // pauses 1 s, rate halved

  pacer.beforeSend(Service::KeyVault, kSecretSet);
  pacer.beforeSend(Service::KeyVault, kSecretSet);
  EXPECT_EQ(timer.sleptMs(), 1'000);
  pacer.beforeSend(Service::KeyVault, kSecretSet);

  EXPECT_EQ(timer.sleptMs(), 11'000) << "two requests per window at half rate";
}

TEST(Pacer, BudgetKeysFollowTheRequest) {
  struct Case {
    Service service;
    HttpRequest request;
    std::string key;
  };
  const Case cases[] = {
      {Service::KeyVault, kSecretSet, "key-vault/kv1.vault.azure.net/secret-create"},
      {Service::KeyVault, kSecretGet, "key-vault/kv1.vault.azure.net/other"},
      {Service::KeyVault, request("POST", "https://kv1.vault.azure.net/certificates/c1/import"),
       "key-vault/kv1.vault.azure.net/secret-create"},
      {Service::KeyVault, request("PUT", "https://kv1.vault.azure.net/keys/k1"), "key-vault/kv1.vault.azure.net/secret-create"},
      {Service::KeyVault, request("POST", "https://kv1.vault.azure.net/keys/k1/create", R"({"kty":"RSA"})"),
       "key-vault/kv1.vault.azure.net/key-create"},
      {Service::KeyVault, request("GET", "https://kv1.vault.azure.net/keys/k1"), "key-vault/kv1.vault.azure.net/key-other"},
      {Service::ResourceManager, kArmRead, "resource-manager/sub-a/reads"},
      {Service::ResourceManager, request("PUT", "https://management.azure.com/subscriptions/SUB-A/resourceGroups/rg"),
       "resource-manager/sub-a/writes"},
      {Service::ResourceManager, request("DELETE", "https://management.azure.com/subscriptions/sub-a/resourceGroups/rg"),
       "resource-manager/sub-a/deletes"},
      {Service::ResourceGraph, request("POST", "https://management.azure.com/providers/Microsoft.ResourceGraph/resources"),
       "resource-graph/queries"},
  };
  for (const Case& entry : cases) {
    EXPECT_EQ(budgetKey(entry.service, entry.request), entry.key) << entry.request.method << " " << entry.request.url;
  }
}

TEST(Pacer, SustainedRatesComeFromTheBudgets) {
  SustainedRates rates = sustainedRates(PacerOptions{});

  EXPECT_DOUBLE_EQ(rates.keyVaultSecretCreateAndImport, 30);
  EXPECT_DOUBLE_EQ(rates.keyVaultOther, 400);
  EXPECT_DOUBLE_EQ(rates.keyVaultSoftwareKeyCreate, 2);
  EXPECT_DOUBLE_EQ(rates.resourceManagerReads, 25);
  EXPECT_DOUBLE_EQ(rates.resourceManagerWrites, 10);
  EXPECT_DOUBLE_EQ(rates.resourceGraphQueries, 3);
}

TEST(Pacer, ClientReportsThrottlingToPacer) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);
  testing::ScriptedTransport transport;
  transport.respond(429, "", {{"Retry-After", "3"}}).respond(200, "{}");
  StaticTokenCredential credential("fake-token", timer.now() + std::chrono::hours(1));
  ClientOptions options;
  options.pacer = &pacer;
  options.jitterSeed = 1;
  AzureClient client(transport, credential, options, timer);

  client.get(Service::KeyVault, kSecretGet.url);

  EXPECT_DOUBLE_EQ(pacer.rateFactor(budgetKey(Service::KeyVault, kSecretGet)), 0.5);
  EXPECT_EQ(transport.requests().size(), 2u);
  EXPECT_EQ(timer.sleptMs(), 3'000) << "the client's retry wait covers the pacer's pause";
}

}  // namespace
}  // namespace kvr::azure
