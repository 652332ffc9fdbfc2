// The Azure client's retries, paging guard, Key Vault challenge, error messages and log
// lines, against a scripted transport and a stepping timer.

#include "azure/client.h"
#include "support/log_capture.h"
#include "support/scripted_transport.h"
#include "support/simulator_transport.h"

#include <gtest/gtest.h>

#include <ctime>

namespace kvr::azure {
namespace {

constexpr const char* kToken = "fake-bearer-token-value";
constexpr const char* kArmUrl = "https://127.0.0.1:8443/subscriptions/s1/resourceGroups/rg?api-version=2021-04-01";
constexpr const char* kVaultUrl = "https://kv1.vault.localhost:8443/secrets?api-version=7.6";

// Records the scopes it is asked for and returns a fixed token.
class RecordingCredential : public TokenCredential {
 public:
  explicit RecordingCredential(TimePoint expiresOn) : expiresOn_(expiresOn) {}
  AccessToken getToken(const std::string& scope) override {
    scopes.push_back(scope);
    return {kToken, expiresOn_};
  }
  std::string describe() const override { return "recording"; }
  std::vector<std::string> scopes;

 private:
  TimePoint expiresOn_;
};

class ClientRetryTest : public ::testing::Test {
 protected:
  ClientRetryTest() : credential_(timer_.now() + std::chrono::hours(1)) {}

  AzureClient makeClient() {
    ClientOptions options;
    options.cloud.resourceManager = "https://127.0.0.1:8443";
    options.jitterSeed = 42;
    return AzureClient(transport_, credential_, options, timer_);
  }

  testing::SteppingTimer timer_;
  testing::ScriptedTransport transport_;
  RecordingCredential credential_;
};

TEST_F(ClientRetryTest, RetryAfterSecondsIsHonoured) {
  transport_.respond(503, "", {{"Retry-After", "7"}}).respond(200, "{}");
  AzureClient client = makeClient();

  EXPECT_EQ(client.send(Service::ResourceManager, "GET", kArmUrl).status, 200);

  EXPECT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(timer_.sleptMs(), 7'000);
  EXPECT_EQ(client.stats().retries, 1);
}

TEST_F(ClientRetryTest, BackoffWithoutRetryAfterGrowsWithJitter) {
  transport_.respond(500).respond(502).respond(200, "{}");
  AzureClient client = makeClient();

  EXPECT_EQ(client.send(Service::ResourceManager, "GET", kArmUrl).status, 200);

  EXPECT_EQ(transport_.requests().size(), 3u);
  // 500 ms then 1000 ms, each within +-20%.
  EXPECT_GE(timer_.sleptMs(), 1'200);
  EXPECT_LE(timer_.sleptMs(), 1'800);
}

TEST_F(ClientRetryTest, RetryAfterHttpDateIsHonoured) {
  std::time_t when = Clock::to_time_t(timer_.now() + std::chrono::seconds(30));
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&when));
  transport_.respond(429, "", {{"Retry-After", date}}).respond(200, "{}");
  AzureClient client = makeClient();

  EXPECT_EQ(client.send(Service::ResourceManager, "GET", kArmUrl).status, 200);

  EXPECT_EQ(timer_.sleptMs(), 30'000);
}

TEST_F(ClientRetryTest, PostIsNotRetriedAfterServerError) {
  transport_.respond(500, R"({"error":{"code":"InternalError","message":"try later"}})");
  AzureClient client = makeClient();

  EXPECT_THROW(client.post(Service::KeyVault, "https://kv1.vault.localhost:8443/keys/k1/create", Json::object()), ApiError);

  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_EQ(timer_.sleptMs(), 0);
}

TEST_F(ClientRetryTest, PostIsRetriedAfterThrottling) {
  transport_.respond(429, "", {{"Retry-After", "2"}}).respond(200, R"({"key":{}})");
  AzureClient client = makeClient();

  Json created = client.post(Service::KeyVault, "https://kv1.vault.localhost:8443/keys/k1/create", Json::object());

  EXPECT_TRUE(created.contains("key"));
  EXPECT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(client.stats().throttled, 1);
}

TEST_F(ClientRetryTest, DroppedConnectionIsRetriedForGet) {
  transport_.fail(TransportError::Kind::Connection).respond(200, "{}");
  AzureClient client = makeClient();

  EXPECT_EQ(client.send(Service::ResourceManager, "GET", kArmUrl).status, 200);

  EXPECT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(client.stats().transportErrors, 1);
}

TEST_F(ClientRetryTest, DroppedConnectionIsNotRetriedForPost) {
  transport_.fail(TransportError::Kind::Connection);
  AzureClient client = makeClient();

  EXPECT_THROW(client.post(Service::KeyVault, "https://kv1.vault.localhost:8443/keys/k1/create", Json::object()),
               TransportError);

  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(ClientRetryTest, TlsFailureIsNotRetried) {
  transport_.fail(TransportError::Kind::Tls, "TLS verification of 127.0.0.1 failed");
  AzureClient client = makeClient();

  EXPECT_THROW(client.get(Service::ResourceManager, kArmUrl), TransportError);

  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(ClientRetryTest, RetriesStopAtMaxAttempts) {
  for (int index = 0; index < 8; ++index) transport_.respond(503, "", {{"Retry-After", "1"}});
  AzureClient client = makeClient();

  EXPECT_EQ(client.send(Service::ResourceManager, "GET", kArmUrl).status, 503);

  EXPECT_EQ(transport_.requests().size(), 8u);
  EXPECT_EQ(transport_.remaining(), 0u);
}

TEST_F(ClientRetryTest, PagingLoopIsRejected) {
  std::string second = "https://127.0.0.1:8443/subscriptions/s1/resources?api-version=2021-04-01&$skiptoken=2";
  transport_.respond(200, Json{{"value", {1}}, {"nextLink", second}}.dump());
  transport_.respond(200, Json{{"value", {2}}, {"nextLink", second}}.dump());
  AzureClient client = makeClient();

  try {
    client.list(Service::ResourceManager, "https://127.0.0.1:8443/subscriptions/s1/resources?api-version=2021-04-01");
    FAIL() << "expected ApiError";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.code(), "PagingLoop");
  }
  EXPECT_EQ(transport_.requests().size(), 2u);
}

TEST_F(ClientRetryTest, ChallengeForConfiguredAudienceIsAnswered) {
  transport_.respond(401, "", {{"WWW-Authenticate", R"(Bearer authorization="https://127.0.0.1:8443/t1", resource="https://vault.azure.net")"}});
  transport_.respond(200, R"({"value":[]})");
  AzureClient client = makeClient();

  EXPECT_EQ(client.send(Service::KeyVault, "GET", kVaultUrl).status, 200);

  EXPECT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(credential_.scopes.back(), "https://vault.azure.net/.default");
}

TEST_F(ClientRetryTest, ChallengeForOtherAudienceIsNotAdopted) {
  transport_.respond(401, "", {{"WWW-Authenticate", R"(Bearer authorization="https://127.0.0.1:8443/t1", resource="https://attacker.example")"}});
  AzureClient client = makeClient();

  EXPECT_EQ(client.send(Service::KeyVault, "GET", kVaultUrl).status, 401);

  EXPECT_EQ(transport_.requests().size(), 1u);
  for (const std::string& scope : credential_.scopes) EXPECT_EQ(scope.find("attacker"), std::string::npos) << scope;
}

TEST_F(ClientRetryTest, ApiErrorMessageShape) {
  transport_.respond(404, R"({"error":{"code":"ResourceGroupNotFound","message":"Resource group 'rg' could not be found."}})",
                     {{"x-ms-request-id", "req-0001"}});
  AzureClient client = makeClient();

  try {
    client.get(Service::ResourceManager, std::string(kArmUrl) + "&sig=fake-signature");
    FAIL() << "expected ApiError";
  } catch (const ApiError& error) {
    EXPECT_EQ(std::string(error.what()),
              "GET https://127.0.0.1:8443/subscriptions/s1/resourceGroups/rg?api-version=2021-04-01: 404 "
              "ResourceGroupNotFound: Resource group 'rg' could not be found. (request id req-0001)");
    EXPECT_EQ(error.status(), 404);
    EXPECT_EQ(error.requestId(), "req-0001");
  }
}

TEST_F(ClientRetryTest, DebugLogOmitsSecrets) {
  transport_.respond(503, "", {{"Retry-After", "1"}});
  transport_.respond(200, "{}", {{"x-ms-request-id", "req-0002"}});
  testing::LogCapture logs;
  AzureClient client = makeClient();

  client.send(Service::ResourceManager, "GET", std::string(kArmUrl) + "&sig=fake-signature");

  std::string text = logs.text();
  EXPECT_NE(text.find("[debug] GET https://127.0.0.1:8443/subscriptions/s1/resourceGroups/rg?api-version=2021-04-01 200 0 "
                      "ms request-id req-0002"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("answered 503; retry 1 in 1000 ms"), std::string::npos) << text;
  EXPECT_EQ(text.find("fake-signature"), std::string::npos) << text;
  EXPECT_EQ(text.find(kToken), std::string::npos) << text;
  EXPECT_EQ(transport_.requests().back().header("Authorization"), std::string("Bearer ") + kToken);
}

}  // namespace
}  // namespace kvr::azure
