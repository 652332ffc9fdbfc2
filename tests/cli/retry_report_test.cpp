// verify's retry reporting: a line per retry wait, and a host that failed a whole request's
// attempts is not contacted again, so later requests to it fail without waits.

#include "cli/retry_report.h"

#include <gtest/gtest.h>

#include <sstream>

#include "azure/client.h"
#include "support/scripted_transport.h"

namespace kvr::cli {
namespace {

constexpr const char* kVaultUrl = "https://kv-app-neu.vault.localhost:8443/secrets/db?api-version=7.6";
constexpr const char* kArmUrl = "https://127.0.0.1:8443/subscriptions/s1/resourceGroups/rg?api-version=2021-04-01";

class FixedCredential : public azure::TokenCredential {
 public:
  azure::AccessToken getToken(const std::string&) override {
    return {"fake-test-token", azure::TimePoint(std::chrono::hours(1'000'000))};
  }
  std::string describe() const override { return "fixed"; }
};

// Advances its time by each sleep and records the sleeps.
class RecordingTimer : public azure::Timer {
 public:
  azure::TimePoint now() const override { return azure::TimePoint(std::chrono::hours(1)) + slept_; }
  void sleepFor(azure::Milliseconds duration) override {
    slept_ += duration;
    sleeps.push_back(duration);
  }
  std::vector<azure::Milliseconds> sleeps;

 private:
  azure::Milliseconds slept_{0};
};

class RetryReporterTest : public ::testing::Test {
 protected:
  azure::AzureClient makeClient(RetryReporter& reporter) {
    azure::ClientOptions options;
    options.cloud.resourceManager = "https://127.0.0.1:8443";
    options.retry.maxAttempts = 3;
    options.retry.initialDelay = azure::Milliseconds(1'000);
    options.jitterSeed = 7;
    return azure::AzureClient(reporter.transport(), credential_, options, reporter.timer());
  }

  testing::ScriptedTransport transport_;
  RecordingTimer timer_;
  FixedCredential credential_;
  std::ostringstream out_;
};

TEST_F(RetryReporterTest, PrintsHostAttemptAndWaitForEachRetry) {
  transport_.fail(azure::TransportError::Kind::Connection, "connection refused").respond(200, "{}");
  RetryReporter reporter(transport_, timer_, out_, {3});
  azure::AzureClient client = makeClient(reporter);

  EXPECT_EQ(client.send(azure::Service::ResourceManager, "GET", kArmUrl).status, 200);

  ASSERT_EQ(timer_.sleeps.size(), 1u);
  char seconds[16];
  std::snprintf(seconds, sizeof seconds, "%.1f s", static_cast<double>(timer_.sleeps[0].count()) / 1000.0);
  EXPECT_EQ(out_.str(), std::string("kvrelocate: warning: 127.0.0.1:8443 did not answer (connection refused); attempt 1 "
                                    "of 3 failed, retrying in ") +
                            seconds + "\n");
  EXPECT_TRUE(reporter.unreachableHosts().empty());
}

TEST_F(RetryReporterTest, ReportsRetriedErrorStatus) {
  transport_.respond(503, "").respond(200, "{}");
  RetryReporter reporter(transport_, timer_, out_, {3});
  azure::AzureClient client = makeClient(reporter);

  client.send(azure::Service::ResourceManager, "GET", kArmUrl);

  EXPECT_NE(out_.str().find("kvrelocate: warning: 127.0.0.1:8443 answered 503; attempt 1 of 3 failed, retrying in "),
            std::string::npos)
      << out_.str();
}

TEST_F(RetryReporterTest, GivesUpOnHostAfterAllAttempts) {
  for (int attempt = 0; attempt < 3; ++attempt) transport_.fail(azure::TransportError::Kind::Connection, "refused");
  RetryReporter reporter(transport_, timer_, out_, {3});
  azure::AzureClient client = makeClient(reporter);

  EXPECT_THROW(client.send(azure::Service::KeyVault, "GET", kVaultUrl), azure::TransportError);
  EXPECT_EQ(timer_.sleeps.size(), 2u) << "two waits between three attempts";
  EXPECT_EQ(reporter.unreachableHosts(), std::vector<std::string>{"kv-app-neu.vault.localhost:8443"});
  EXPECT_NE(out_.str().find("kvrelocate: error: kv-app-neu.vault.localhost:8443 did not answer (refused) in 3 attempts; "
                            "verify does not contact it again"),
            std::string::npos)
      << out_.str();
}

TEST_F(RetryReporterTest, LaterRequestsToUnreachableHostFailWithoutWaiting) {
  for (int attempt = 0; attempt < 3; ++attempt) transport_.fail(azure::TransportError::Kind::Connection, "refused");
  RetryReporter reporter(transport_, timer_, out_, {3});
  azure::AzureClient client = makeClient(reporter);
  EXPECT_THROW(client.send(azure::Service::KeyVault, "GET", kVaultUrl), azure::TransportError);
  std::size_t sent = transport_.requests().size();
  std::size_t waits = timer_.sleeps.size();
  std::string printed = out_.str();

  EXPECT_THROW(client.send(azure::Service::KeyVault, "GET", kVaultUrl), azure::TransportError);

  EXPECT_EQ(transport_.requests().size(), sent) << "the host is not contacted again";
  EXPECT_EQ(timer_.sleeps.size(), waits) << "no wait for a host given up on";
  EXPECT_EQ(out_.str(), printed) << "nothing more is printed";
}

TEST_F(RetryReporterTest, OtherHostsAreStillContacted) {
  for (int attempt = 0; attempt < 3; ++attempt) transport_.fail(azure::TransportError::Kind::Connection, "refused");
  transport_.respond(200, "{}");
  RetryReporter reporter(transport_, timer_, out_, {3});
  azure::AzureClient client = makeClient(reporter);
  EXPECT_THROW(client.send(azure::Service::KeyVault, "GET", kVaultUrl), azure::TransportError);

  EXPECT_EQ(client.send(azure::Service::ResourceManager, "GET", kArmUrl).status, 200);
}

}  // namespace
}  // namespace kvr::cli
