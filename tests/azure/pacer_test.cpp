// The request pacer's budgets, with a stepping timer: Key Vault streams per vault, Resource
// Manager buckets per subscription, the slowdown after a 429, and a paced stream checked
// against kvsim's Key Vault throttle with requests arriving late.

#include "azure/pacer.h"
#include "support/scripted_transport.h"
#include "simulator/key_vault_throttle.h"
#include "support/simulator_transport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <vector>

namespace kvr::azure {
namespace {

HttpRequest request(std::string method, std::string url, std::string body = "") {
  return HttpRequest{std::move(method), std::move(url), {}, std::move(body)};
}

const HttpRequest kSecretSet = request("PUT", "https://kv1.vault.azure.net/secrets/s1?api-version=7.6");
const HttpRequest kSecretGet = request("GET", "https://kv1.vault.azure.net/secrets/s1?api-version=7.6");
const HttpRequest kArmRead =
    request("GET", "https://management.azure.com/subscriptions/sub-a/resourceGroups/rg?api-version=2021-04-01");

// With the default 8% headroom, 300 secret creates per 10 s are paced at 27.6 per second,
// one every 36.23 ms, after a burst of 6.
TEST(Pacer, SecretCreatesAreSpacedEvenly) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);

  for (int index = 0; index < 6; ++index) pacer.beforeSend(Service::KeyVault, kSecretSet);
  EXPECT_EQ(timer.sleptMs(), 0);
  pacer.beforeSend(Service::KeyVault, kSecretSet);
  EXPECT_EQ(timer.sleptMs(), 37);
  pacer.beforeSend(Service::KeyVault, kSecretSet);
  EXPECT_EQ(timer.sleptMs(), 73);

  for (int index = 8; index < 282; ++index) pacer.beforeSend(Service::KeyVault, kSecretSet);
  EXPECT_EQ(timer.sleptMs(), 10'000) << "276 requests after the burst span one window";
}

TEST(Pacer, CreatesAndReadsUseSeparateBudgets) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);

  for (int index = 0; index < 6; ++index) pacer.beforeSend(Service::KeyVault, kSecretSet);
  for (int index = 0; index < 80; ++index) pacer.beforeSend(Service::KeyVault, kSecretGet);
  EXPECT_EQ(timer.sleptMs(), 0) << "the burst of each budget is its own";
  pacer.beforeSend(Service::KeyVault, kSecretSet);

  EXPECT_EQ(timer.sleptMs(), 37) << "reads took no create slot";
}

TEST(Pacer, VaultsHaveSeparateBudgets) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);
  HttpRequest otherVault = request("PUT", "https://kv2.vault.azure.net/secrets/s1?api-version=7.6");

  for (int index = 0; index < 6; ++index) {
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
  HttpRequest softwareCreate =
      request("POST", "https://kv1.vault.azure.net/keys/k2/create?api-version=7.6", R"({"kty":"RSA","key_size":2048})");

  pacer.beforeSend(Service::KeyVault, hsmCreate);
  pacer.beforeSend(Service::KeyVault, softwareCreate);
  EXPECT_EQ(timer.sleptMs(), 0);
  pacer.beforeSend(Service::KeyVault, hsmCreate);

  EXPECT_EQ(timer.sleptMs(), 1'087) << "10 per 10 s less 8% headroom: one every 1.087 s";
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

TEST(Pacer, ReportedRemainingWritesLowerTheBucket) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);
  HttpRequest write = request("PUT", "https://management.azure.com/subscriptions/sub-a/resourceGroups/rg?api-version=2021-04-01");

  pacer.beforeSend(Service::ResourceManager, write);
  pacer.onResponse(Service::ResourceManager, write, HttpResponse{200, {{"x-ms-ratelimit-remaining-subscription-writes", "0"}}, "{}"});
  pacer.beforeSend(Service::ResourceManager, write);
  EXPECT_EQ(timer.sleptMs(), 100) << "with nothing left, the next write waits for one token at 10 per second";

  pacer.onResponse(Service::ResourceManager, kArmRead, HttpResponse{200, {{"x-ms-ratelimit-remaining-subscription-reads", "not a number"}}, "{}"});
  pacer.beforeSend(Service::ResourceManager, kArmRead);
  EXPECT_EQ(timer.sleptMs(), 100) << "an unreadable count changes nothing";
  pacer.onResponse(Service::ResourceManager, write, HttpResponse{200, {{"x-ms-ratelimit-remaining-subscription-writes", "150"}}, "{}"});
  pacer.beforeSend(Service::ResourceManager, write);
  EXPECT_EQ(timer.sleptMs(), 200) << "a higher count does not add tokens the client already spent";
}

TEST(Pacer, ThrottledBudgetPausesAndSlowsDown) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);
  std::string key = budgetKey(Service::KeyVault, kSecretSet);

  pacer.beforeSend(Service::KeyVault, kSecretSet);
  pacer.onThrottled(Service::KeyVault, kSecretSet, Milliseconds(5'000));
  pacer.beforeSend(Service::KeyVault, kSecretSet);

  EXPECT_EQ(timer.sleptMs(), 5'000);
  EXPECT_DOUBLE_EQ(pacer.rateFactor(key), 0.75);
  timer.sleepFor(Milliseconds(60'000));
  pacer.beforeSend(Service::KeyVault, kSecretSet);
  EXPECT_DOUBLE_EQ(pacer.rateFactor(key), 1.0);
}

TEST(Pacer, RateFactorFloorsThenRecoversStepwise) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);
  std::string key = budgetKey(Service::KeyVault, kSecretSet);

  pacer.onThrottled(Service::KeyVault, kSecretSet, Milliseconds(1'000));
  pacer.onThrottled(Service::KeyVault, kSecretSet, Milliseconds(1'000));
  EXPECT_DOUBLE_EQ(pacer.rateFactor(key), 0.5625);
  pacer.onThrottled(Service::KeyVault, kSecretSet, Milliseconds(1'000));
  EXPECT_DOUBLE_EQ(pacer.rateFactor(key), 0.5) << "0.75^3 is below the floor";

  timer.sleepFor(Milliseconds(10'000));
  pacer.beforeSend(Service::KeyVault, kSecretSet);
  EXPECT_DOUBLE_EQ(pacer.rateFactor(key), 0.5 / 0.75);
  timer.sleepFor(Milliseconds(10'000));
  pacer.beforeSend(Service::KeyVault, kSecretSet);
  EXPECT_DOUBLE_EQ(pacer.rateFactor(key), 0.5 / 0.75 / 0.75);
  timer.sleepFor(Milliseconds(10'000));
  pacer.beforeSend(Service::KeyVault, kSecretSet);
  EXPECT_DOUBLE_EQ(pacer.rateFactor(key), 1.0);
}

// A timer that runs a hook once, at the end of its first sleep, to play another thread
// that receives a 429 while a request waits for its slot.
class HookedTimer : public testing::SteppingTimer {
 public:
  explicit HookedTimer(std::function<void()> hook) : hook_(std::move(hook)) {}
  void sleepFor(Milliseconds duration) override {
    testing::SteppingTimer::sleepFor(duration);
    if (auto hook = std::exchange(hook_, nullptr)) hook();
  }

 private:
  std::function<void()> hook_;
};

TEST(Pacer, WaitingRequestHonoursLaterPause) {
  LimitPacer* paced = nullptr;
  HookedTimer timer([&] { paced->onThrottled(Service::KeyVault, kSecretSet, Milliseconds(2'000)); });
  LimitPacer pacer({}, timer);
  paced = &pacer;
  for (int index = 0; index < 6; ++index) pacer.beforeSend(Service::KeyVault, kSecretSet);

  pacer.beforeSend(Service::KeyVault, kSecretSet);

  EXPECT_EQ(timer.sleptMs(), 37 + 2'000) << "the slot at 37 ms fell in the pause that began then";
}

TEST(Pacer, ThrottledWithoutRetryAfterPausesDefault) {
  testing::SteppingTimer timer;
  LimitPacer pacer({}, timer);

  pacer.onThrottled(Service::ResourceManager, kArmRead, Milliseconds(0));
  pacer.beforeSend(Service::ResourceManager, kArmRead);

  EXPECT_EQ(timer.sleptMs(), 1'000);
}

TEST(Pacer, SlowedStreamSpacesRequestsFurther) {
  testing::SteppingTimer timer;
  PacerOptions options;
  options.keyVaultSecretCreateAndImport = WindowLimit{4};
  LimitPacer pacer(options, timer);
  pacer.onThrottled(Service::KeyVault, kSecretSet, Milliseconds(0));  // pauses 1 s, rate x 0.75

  pacer.beforeSend(Service::KeyVault, kSecretSet);
  EXPECT_EQ(timer.sleptMs(), 1'000);
  pacer.beforeSend(Service::KeyVault, kSecretSet);

  EXPECT_EQ(timer.sleptMs(), 1'000 + 3'624) << "4 per 10 s x 0.92 x 0.75: one every 3.623 s";
}

struct StreamOutcome {
  long long rejected = 0;       // 429s from kvsim's throttle
  double pacedPerSecond = 0;    // the pacer's send rate
};

// Paces `count` secret creates, delays each by a pseudo-random 0 to `maxDelayMs` ms on its
// way, and passes them to kvsim's Key Vault throttle in order of arrival.
StreamOutcome paceIntoKvsim(const PacerOptions& options, int count, int maxDelayMs) {
  testing::SteppingTimer timer;
  LimitPacer pacer(options, timer);
  std::mt19937 random(7);
  std::vector<TimePoint> arrivals;
  for (int index = 0; index < count; ++index) {
    pacer.beforeSend(Service::KeyVault, kSecretSet);
    arrivals.push_back(timer.now() + Milliseconds(random() % static_cast<unsigned>(maxDelayMs + 1)));
  }
  StreamOutcome outcome;
  outcome.pacedPerSecond = (count - 1) / (static_cast<double>(timer.sleptMs()) / 1000);
  std::sort(arrivals.begin(), arrivals.end());

  sim::ManualClock clock(arrivals.front());
  sim::KeyVaultThrottleLimits limits;
  sim::KeyVaultThrottle throttle(limits, clock);
  sim::Request secretSet = sim::Request::fromTarget("PUT", "/secrets/s1?api-version=7.6");
  for (TimePoint arrival : arrivals) {
    clock.advance(std::chrono::duration_cast<Milliseconds>(arrival - clock.now()));
    if (throttle.admit(secretSet, "kv1")) ++outcome.rejected;
  }
  return outcome;
}

TEST(Pacer, PacedStreamFitsKvsimWindow) {
  StreamOutcome outcome = paceIntoKvsim(PacerOptions{}, 3'000, 600);

  EXPECT_EQ(outcome.rejected, 0);
  EXPECT_NEAR(outcome.pacedPerSecond, 27.6, 0.1) << "92% of 30 per second";
}

TEST(Pacer, FullRateStreamDrawsThrottling) {
  PacerOptions options;
  options.windowHeadroom = 0;

  StreamOutcome outcome = paceIntoKvsim(options, 3'000, 600);

  EXPECT_GT(outcome.rejected, 0) << "late arrivals crowd some window past 300";
  EXPECT_NEAR(outcome.pacedPerSecond, 30.0, 0.1);
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

  EXPECT_DOUBLE_EQ(pacer.rateFactor(budgetKey(Service::KeyVault, kSecretGet)), 0.75);
  EXPECT_EQ(transport.requests().size(), 2u);
  EXPECT_EQ(timer.sleptMs(), 3'000) << "the client's retry wait covers the pacer's pause";
}

}  // namespace
}  // namespace kvr::azure
