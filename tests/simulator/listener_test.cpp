// End-to-end: the real listener on 127.0.0.1 with a generated CA, called over HTTPS by
// cpprestsdk's client. Every listener stops when its test ends.

// cpprestsdk defines a macro U() that breaks GoogleTest's templates unless turned off.
#define _TURN_OFF_PLATFORM_STRING

#include "simulator/https_listener.h"
#include "simulator/simulator.h"
#include "simulator/tls_material.h"

#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace kvr::sim {
namespace {

namespace fs = std::filesystem;
using web::http::client::http_client;
using web::http::client::http_client_config;

class ListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stateDir_ = fs::temp_directory_path() / ("kvsim-test-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(stateDir_);
  }
  void TearDown() override { fs::remove_all(stateDir_); }

  static http_client_config clientConfig(const std::optional<fs::path>& trustedCa) {
    http_client_config config;
    config.set_timeout(std::chrono::seconds(10));
    if (trustedCa) {
      std::string caFile = trustedCa->string();
      config.set_ssl_context_callback([caFile](boost::asio::ssl::context& context) { context.load_verify_file(caFile); });
    }
    return config;
  }

  fs::path stateDir_;
};

TEST_F(ListenerTest, TlsFilesAreCreatedWithPrivateKeyModes) {
  TlsFiles files = ensureTlsFiles(stateDir_, "vault.localhost");
  struct stat info {};
  ASSERT_EQ(::stat(files.caKey.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(files.serverKey.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_TRUE(fs::exists(files.caCertificate));

  std::string firstCa;
  {
    std::ifstream stream(files.caCertificate);
    firstCa.assign(std::istreambuf_iterator<char>(stream), {});
  }
  ensureTlsFiles(stateDir_, "vault.localhost");
  std::ifstream stream(files.caCertificate);
  std::string secondCa(std::istreambuf_iterator<char>(stream), {});
  EXPECT_EQ(firstCa, secondCa) << "a second start must keep the CA that clients already trust";
}

TEST_F(ListenerTest, HttpsRequestSucceedsWithTrustedCa) {
  TlsFiles files = ensureTlsFiles(stateDir_, "vault.localhost");
  Simulator simulator(SimulatorConfig{});
  ListenerOptions options;
  options.tls = files;
  HttpsListener listener(options, [&simulator](const Request& request) { return simulator.handle(request); });
  EXPECT_GT(listener.port(), 0);
  EXPECT_EQ(listener.baseUrl(), "https://127.0.0.1:" + std::to_string(listener.port()));

  http_client client(listener.baseUrl(), clientConfig(files.caCertificate));
  web::http::http_response response = client.request(web::http::methods::GET, "/_admin/counters").get();
  EXPECT_EQ(response.status_code(), 200);
  web::http::http_response unauthenticated =
      client.request(web::http::methods::GET, "/subscriptions/s1/resourcegroups?api-version=2021-04-01").get();
  EXPECT_EQ(unauthenticated.status_code(), 401);
  listener.stop();
}

TEST_F(ListenerTest, HttpsRequestFailsWithoutTrustedCa) {
  TlsFiles files = ensureTlsFiles(stateDir_, "vault.localhost");
  Simulator simulator(SimulatorConfig{});
  ListenerOptions options;
  options.tls = files;
  HttpsListener listener(options, [&simulator](const Request& request) { return simulator.handle(request); });

  http_client client(listener.baseUrl(), clientConfig(std::nullopt));
  EXPECT_THROW(client.request(web::http::methods::GET, "/_admin/counters").get(), web::http::http_exception);
}

TEST_F(ListenerTest, DroppedConnectionFailsTheClient) {
  ListenerOptions options;  // plain HTTP on 127.0.0.1
  HttpsListener listener(options, [](const Request& request) {
    Response response = Response::json(200, {{"served", true}});
    response.dropConnection = request.path == "/drop";
    return response;
  });
  http_client client(listener.baseUrl(), clientConfig(std::nullopt));
  // The status line arrives, then the connection closes before the promised body.
  web::http::http_response dropped = client.request(web::http::methods::GET, "/drop").get();
  EXPECT_THROW(dropped.extract_string().get(), web::http::http_exception);

  web::http::http_response next = client.request(web::http::methods::GET, "/after").get();
  EXPECT_EQ(next.status_code(), 200) << "the listener keeps serving after a dropped connection";
  EXPECT_EQ(next.extract_string().get(), "{\"served\":true}");
}

TEST_F(ListenerTest, DelayedResponseArrivesAfterDelay) {
  ListenerOptions options;
  HttpsListener listener(options, [](const Request&) {
    Response response = Response::json(200, {{"served", true}});
    response.delay = std::chrono::milliseconds(300);
    return response;
  });
  http_client client(listener.baseUrl(), clientConfig(std::nullopt));
  auto started = std::chrono::steady_clock::now();
  web::http::http_response response = client.request(web::http::methods::GET, "/slow").get();
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(response.status_code(), 200);
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
}

TEST_F(ListenerTest, NonLoopbackAddressIsRejected) {
  ListenerOptions options;
  options.address = "0.0.0.0";
  EXPECT_THROW(HttpsListener(options, [](const Request&) { return Response::empty(200); }), std::invalid_argument);
}

}  // namespace
}  // namespace kvr::sim
