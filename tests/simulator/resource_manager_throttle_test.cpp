#include "simulator_fixture.h"

namespace kvr::sim::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class ResourceManagerThrottleTest : public SimulatorTest {
 protected:
  Response readGroup() { return arm("GET", groupId("rg1") + "?api-version=2021-04-01"); }

  json counters() { return bodyOf(simulator_.handle(Request::fromTarget("GET", "/_admin/counters"))); }
};

TEST_F(ResourceManagerThrottleTest, HeadersShowRemainingReadsAndWrites) {
  createGroup("rg1");  // one write
  Response read = readGroup();
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.header("x-ms-ratelimit-remaining-subscription-reads"), "249");
  EXPECT_EQ(read.header("x-ms-ratelimit-remaining-subscription-writes"), "");

  Response write = arm("PUT", groupId("rg2") + "?api-version=2021-04-01", {{"location", "westeurope"}});
  EXPECT_EQ(write.status, 201);
  EXPECT_EQ(write.header("x-ms-ratelimit-remaining-subscription-writes"), "198");

  Response deleted = arm("DELETE", groupId("rg2") + "?api-version=2021-04-01");
  EXPECT_EQ(deleted.status, 202);
  EXPECT_EQ(deleted.header("x-ms-ratelimit-remaining-subscription-deletes"), "199");
}

TEST_F(ResourceManagerThrottleTest, EmptyReadBucketAnswers429) {
  createGroup("rg1");
  for (int index = 0; index < 250; ++index) ASSERT_EQ(readGroup().status, 200) << "read " << index;

  Response rejected = readGroup();
  EXPECT_EQ(rejected.status, 429);
  EXPECT_EQ(errorCode(rejected), "SubscriptionRequestsThrottled");
  EXPECT_EQ(errorOf(rejected)["message"],
            "Number of read requests for principal 'kvsim-test-client' in subscription '" + std::string(kSubscription) +
                "' exceeded the limit of 250 (refilled at 25 per second); retry after 1 seconds.");
  EXPECT_EQ(rejected.header("Retry-After"), "1");
  EXPECT_EQ(rejected.header("x-ms-ratelimit-remaining-subscription-reads"), "0");

  // Writes have their own bucket.
  Response write = arm("PUT", groupId("rg2") + "?api-version=2021-04-01", {{"location", "westeurope"}});
  EXPECT_EQ(write.status, 201);
}

TEST_F(ResourceManagerThrottleTest, BucketRefillsAtConfiguredRate) {
  createGroup("rg1");
  for (int index = 0; index < 250; ++index) ASSERT_EQ(readGroup().status, 200);
  ASSERT_EQ(readGroup().status, 429);

  clock_->advance(milliseconds(40));  // 25 per second: one token every 40 ms
  Response refilled = readGroup();
  EXPECT_EQ(refilled.status, 200);
  EXPECT_EQ(refilled.header("x-ms-ratelimit-remaining-subscription-reads"), "0");
  EXPECT_EQ(readGroup().status, 429);

  clock_->advance(milliseconds(20'000));
  EXPECT_EQ(readGroup().header("x-ms-ratelimit-remaining-subscription-reads"), "249") << "the bucket never holds more than 250";
}

TEST_F(ResourceManagerThrottleTest, PrincipalsHaveSeparateBuckets) {
  createGroup("rg1");
  for (int index = 0; index < 250; ++index) ASSERT_EQ(readGroup().status, 200);
  ASSERT_EQ(readGroup().status, 429);

  armToken_ = simulator_.issueToken("https://management.azure.com/.default", "second-client");
  Response other = readGroup();
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.header("x-ms-ratelimit-remaining-subscription-reads"), "249");
}

TEST_F(ResourceManagerThrottleTest, SubscriptionsHaveSeparateBuckets) {
  createGroup("rg1");
  for (int index = 0; index < 250; ++index) ASSERT_EQ(readGroup().status, 200);
  Response other = arm("GET", groupId("rg1", kOtherSubscription) + "?api-version=2021-04-01");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.header("x-ms-ratelimit-remaining-subscription-reads"), "249");
}

TEST_F(ResourceManagerThrottleTest, CountersShowBuckets) {
  createGroup("rg1");
  for (int index = 0; index < 251; ++index) readGroup();
  json values = counters();
  std::string prefix = "resourceManagerThrottle.subscription." + std::string(kSubscription) + ".principal.kvsim-test-client.reads.";
  EXPECT_EQ(values[prefix + "accepted"], 250);
  EXPECT_EQ(values[prefix + "rejected"], 1);
  EXPECT_EQ(values[prefix + "remaining"], 0);
  EXPECT_EQ(values[prefix + "capacity"], 250);
}

class ResourceManagerThrottleSettingsTest : public SimulatorTest {
 protected:
  static SimulatorConfig smallBuckets(bool perPrincipal) {
    SimulatorConfig config = makeConfig();
    config.resourceManagerThrottle.reads = {3, 0.5};
    config.resourceManagerThrottle.perPrincipal = perPrincipal;
    return config;
  }
};

TEST_F(ResourceManagerThrottleSettingsTest, SubscriptionBucketIsSharedWithoutPerPrincipal) {
  Simulator simulator(smallBuckets(false), clock_);
  std::string first = simulator.issueToken("https://management.azure.com/.default", "first");
  std::string second = simulator.issueToken("https://management.azure.com/.default", "second");
  auto read = [&](const std::string& token) {
    Request request = Request::fromTarget("GET", "/subscriptions/" + std::string(kSubscription) + "?api-version=2021-04-01");
    request.withHeader("Authorization", "Bearer " + token);
    return simulator.handle(request);
  };
  EXPECT_EQ(read(first).status, 200);
  EXPECT_EQ(read(second).status, 200);
  EXPECT_EQ(read(first).header("x-ms-ratelimit-remaining-subscription-reads"), "0");
  Response rejected = read(second);
  EXPECT_EQ(rejected.status, 429);
  EXPECT_EQ(rejected.header("Retry-After"), "2");  // one token at 0.5 per second
  EXPECT_EQ(errorOf(rejected)["message"],
            "Number of read requests for subscription '" + std::string(kSubscription) +
                "' exceeded the limit of 3 (refilled at 0.5 per second); retry after 2 seconds.");
}

}  // namespace
}  // namespace kvr::sim::testing
