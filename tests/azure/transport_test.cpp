// The cpprestsdk transport and the Connection against kvsim's real HTTPS listener on
// 127.0.0.1: certificate verification, vault host names mapped to the loopback address,
// and the errors for an untrusted CA, a wrong host name, a refused connection and a timeout.

#include "azure/connection.h"
#include "azure/transport.h"
#include "discovery/json.h"
#include "simulator/https_listener.h"
#include "support/https_simulator.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

namespace kvr::azure {
namespace {

constexpr const char* kSubscription = "00000000-0000-0000-0000-000000000001";

Environment fakeEnvironment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) {
    auto found = values.find(name);
    return found == values.end() ? std::string() : found->second;
  };
}

// Client-secret settings with obviously fake values; kvsim does not check secrets.
Environment clientSecretEnvironment() {
  return fakeEnvironment({{"AZURE_TENANT_ID", "11111111-1111-1111-1111-111111111111"},
                          {"AZURE_CLIENT_ID", "22222222-2222-2222-2222-222222222222"},
                          {"AZURE_CLIENT_SECRET", "fake-secret-for-tests"}});
}

class TransportTest : public ::testing::Test {
 protected:
  std::unique_ptr<Connection> openConnection(Diagnostics& problems) {
    ConnectionOptions options;
    options.cloudFile = kvsim_.cloudFile();
    options.caFile = kvsim_.caFile();
    options.auth = AuthMethod::ClientSecret;
    options.requestTimeout = Milliseconds(20'000);
    ConnectionSeams seams;
    seams.environment = clientSecretEnvironment();
    return Connection::open(options, problems, std::move(seams));
  }

  testing::HttpsSimulator kvsim_;
};

TEST_F(TransportTest, ResourceManagerGetSucceedsOverHttps) {
  Diagnostics problems;
  auto connection = openConnection(problems);
  ASSERT_NE(connection, nullptr) << (problems.all().empty() ? "" : problems.all().front().message);
  std::string group = std::string("/subscriptions/") + kSubscription + "/resourceGroups/rg-transport";
  connection->client().putResource(connection->client().resourceUrl(group, "2021-04-01"), {{"location", "westeurope"}});

  Json fetched = connection->client().get(Service::ResourceManager, connection->client().resourceUrl(group, "2021-04-01"));

  EXPECT_EQ(fetched["name"], "rg-transport");
  EXPECT_EQ(fetched["location"], "westeurope");
  EXPECT_EQ(connection->cloud().resourceManager, kvsim_.baseUrl());
}

TEST_F(TransportTest, KeyVaultCallReachesVaultByHostName) {
  Json estate = readJsonFile(std::string(KVR_SOURCE_DIR) + "/examples/contoso-payments/inventory.json");
  kvsim_.simulator().loadEstate(estate);
  std::string vault = estate["dataPlane"].begin().key();
  Diagnostics problems;
  auto connection = openConnection(problems);
  ASSERT_NE(connection, nullptr);

  std::vector<Json> secrets = connection->client().list(Service::KeyVault, kvsim_.vaultUrl(vault) + "/secrets?api-version=7.6");

  EXPECT_EQ(secrets.size(), estate["dataPlane"][vault]["secrets"].size());
  ASSERT_FALSE(secrets.empty());
  EXPECT_TRUE(secrets.front()["id"].get<std::string>().starts_with(kvsim_.vaultUrl(vault) + "/secrets/"))
      << secrets.front()["id"];
}

TEST_F(TransportTest, UntrustedCaGivesTlsErrorNamingHostAndOption) {
  auto transport = makeHttpsTransport();

  try {
    transport->send(HttpRequest{"GET", kvsim_.baseUrl() + "/_admin/counters", {}, {}});
    FAIL() << "expected a TLS error";
  } catch (const TransportError& error) {
    EXPECT_EQ(error.kind(), TransportError::Kind::Tls);
    std::string message = error.what();
    EXPECT_NE(message.find("TLS verification of 127.0.0.1 failed"), std::string::npos) << message;
    EXPECT_NE(message.find("--ca-file"), std::string::npos) << message;
    EXPECT_NE(message.find("self-signed certificate in certificate chain"), std::string::npos) << message;
  }
}

TEST_F(TransportTest, CertificateForAnotherHostIsRejected) {
  TransportOptions options;
  options.caFile = kvsim_.caFile();
  options.hostAddresses = {{"example.test", "127.0.0.1"}};
  auto transport = makeHttpsTransport(options);

  try {
    transport->send(HttpRequest{"GET", "https://kv1.example.test:" + std::to_string(kvsim_.port()) + "/_admin/counters", {}, {}});
    FAIL() << "expected a TLS error";
  } catch (const TransportError& error) {
    EXPECT_EQ(error.kind(), TransportError::Kind::Tls);
    EXPECT_NE(std::string(error.what()).find("kv1.example.test"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("does not name this host"), std::string::npos) << error.what();
    EXPECT_EQ(std::string(error.what()).find("--ca-file"), std::string::npos) << error.what();
  }
}

TEST_F(TransportTest, TrustedCaAnswersAdminRequest) {
  TransportOptions options;
  options.caFile = kvsim_.caFile();
  auto transport = makeHttpsTransport(options);

  HttpResponse response = transport->send(HttpRequest{"GET", kvsim_.baseUrl() + "/_admin/counters", {}, {}});

  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(Json::parse(response.body).is_object());
  EXPECT_NE(response.header("content-type").find("application/json"), std::string::npos);
}

TEST_F(TransportTest, RequestBodyAndHeadersArriveIntact) {
  TransportOptions options;
  options.caFile = kvsim_.caFile();
  auto transport = makeHttpsTransport(options);
  HttpRequest request{"POST", kvsim_.baseUrl() + "/11111111-1111-1111-1111-111111111111/oauth2/v2.0/token",
                      {{"Content-Type", "application/x-www-form-urlencoded"}},
                      "grant_type=client_credentials&client_id=fake-client&client_secret=fake&scope=https%3A%2F%2Fvault.azure.net%2F.default"};

  HttpResponse response = transport->send(request);

  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Json::parse(response.body)["token_type"], "Bearer");
}

TEST(TransportErrors, RefusedConnectionIsConnectionError) {
  int port = sim::pickFreePort("127.0.0.1");
  auto transport = makeHttpsTransport();

  try {
    transport->send(HttpRequest{"GET", "https://127.0.0.1:" + std::to_string(port) + "/", {}, {}});
    FAIL() << "expected a connection error";
  } catch (const TransportError& error) {
    EXPECT_EQ(error.kind(), TransportError::Kind::Connection);
    EXPECT_NE(std::string(error.what()).find("GET https://127.0.0.1:" + std::to_string(port) + "/"), std::string::npos)
        << error.what();
  }
}

TEST(TransportErrors, SlowAnswerIsTimeout) {
  testing::HttpsSimulator kvsim;
  sim::ListenerOptions options;
  options.port = sim::pickFreePort(options.address);
  options.tls = kvsim.tlsFiles();
  sim::HttpsListener slow(options, [](const sim::Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return sim::Response::empty(200);
  });
  TransportOptions transportOptions;
  transportOptions.caFile = kvsim.caFile();
  transportOptions.requestTimeout = Milliseconds(300);
  auto transport = makeHttpsTransport(transportOptions);

  try {
    transport->send(HttpRequest{"GET", slow.baseUrl() + "/slow", {}, {}});
    FAIL() << "expected a timeout";
  } catch (const TransportError& error) {
    EXPECT_EQ(error.kind(), TransportError::Kind::Timeout);
    EXPECT_NE(std::string(error.what()).find("300 ms"), std::string::npos) << error.what();
  }
  slow.stop();
}

TEST(TransportOptionsCheck, NonLoopbackHostAddressIsRejected) {
  TransportOptions options;
  options.hostAddresses = {{"vault.localhost", "10.0.0.5"}};
  EXPECT_THROW(makeHttpsTransport(options), std::invalid_argument);
}

TEST(TransportOptionsCheck, MissingCaFileIsRejected) {
  TransportOptions options;
  options.caFile = "/nonexistent/kvrelocate-ca.pem";
  try {
    makeHttpsTransport(options);
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/kvrelocate-ca.pem"), std::string::npos);
  }
}

TEST(TransportOptionsCheck, PlainHttpToRemoteHostIsRejected) {
  auto transport = makeHttpsTransport();
  try {
    transport->send(HttpRequest{"GET", "http://management.azure.com/subscriptions", {}, {}});
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("not to management.azure.com"), std::string::npos) << error.what();
  }
}

TEST(MappedAddress, LongestMatchingSuffixWins) {
  std::map<std::string, std::string> addresses = {{"localhost", "127.0.0.1"}, {"vault.localhost", "::1"}};
  EXPECT_EQ(mappedAddress(addresses, "kv1.vault.localhost"), "::1");
  EXPECT_EQ(mappedAddress(addresses, "localhost"), "127.0.0.1");
  EXPECT_EQ(mappedAddress(addresses, "KV1.Vault.LocalHost"), "::1");
  EXPECT_EQ(mappedAddress(addresses, "notlocalhost"), "");
  EXPECT_EQ(mappedAddress(addresses, "management.azure.com"), "");
}

TEST(ConnectionOpen, ReportsEveryProblem) {
  ConnectionOptions options;
  options.cloudName = "MoonCloud";
  options.caFile = "/nonexistent/ca.pem";
  options.auth = AuthMethod::ClientSecret;
  ConnectionSeams seams;
  seams.environment = fakeEnvironment({});
  Diagnostics problems;

  auto connection = Connection::open(options, problems, std::move(seams));

  EXPECT_EQ(connection, nullptr);
  EXPECT_TRUE(problems.has("E-CLOUD"));
  EXPECT_TRUE(problems.has("E-TLS"));
}

TEST(ConnectionOpen, MissingClientSecretSettingsAreNamed) {
  ConnectionOptions options;
  options.auth = AuthMethod::ClientSecret;
  ConnectionSeams seams;
  seams.environment = fakeEnvironment({{"AZURE_TENANT_ID", "t"}});
  Diagnostics problems;

  auto connection = Connection::open(options, problems, std::move(seams));

  EXPECT_EQ(connection, nullptr);
  ASSERT_TRUE(problems.has("E-AUTH"));
  EXPECT_EQ(problems.all().front().message, "--auth client-secret needs AZURE_CLIENT_ID, AZURE_CLIENT_SECRET to be set");
}

}  // namespace
}  // namespace kvr::azure
