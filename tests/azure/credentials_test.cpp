// Every credential source against kvsim's token endpoints in process (or a scripted
// transport for failures), the automatic chain, and token refresh before expiry.

#include "azure/client.h"
#include "azure/credentials.h"
#include "support/log_capture.h"
#include "support/scripted_transport.h"
#include "support/simulator_transport.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace kvr::azure {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBase = "https://127.0.0.1:8443";
constexpr const char* kTenant = "11111111-1111-1111-1111-111111111111";
constexpr const char* kClient = "22222222-2222-2222-2222-222222222222";
constexpr const char* kSecret = "fake-client-secret-value";
constexpr const char* kArmScope = "https://management.azure.com/.default";
constexpr const char* kVaultScope = "https://vault.azure.net/.default";

class CredentialTest : public ::testing::Test {
 protected:
  CredentialTest()
      : clock_(std::make_shared<sim::ManualClock>()),
        simulator_(sim::SimulatorConfig{}, clock_),
        transport_(simulator_),
        timer_(clock_.get()),
        scratch_(fs::temp_directory_path() /
                 ("kvr-credentials-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    simulator_.setBaseUrl(kBase);
    transport_.onSend([this](const HttpRequest& request) { urls_.push_back(request.url); });
    fs::remove_all(scratch_);
    fs::create_directories(scratch_);
  }
  ~CredentialTest() override { fs::remove_all(scratch_); }

  Environment environment() {
    return [this](const std::string& name) {
      auto found = variables_.find(name);
      return found == variables_.end() ? std::string() : found->second;
    };
  }
  CredentialOptions options(AuthMethod method) {
    CredentialOptions result;
    result.method = method;
    result.authority = kBase;
    return result;
  }
  std::unique_ptr<TokenCredential> make(AuthMethod method) {
    return makeCredential(options(method), transport_, timer_, environment());
  }
  // A fake `az` that records its arguments and prints `output`, exiting with `exitCode`.
  void installFakeAzureCli(const std::string& output, int exitCode = 0, const std::string& error = "") {
    fs::path bin = scratch_ / "bin";
    fs::create_directories(bin);
    fs::path script = bin / "az";
    std::ofstream(script) << "#!/bin/sh\n"
                          << "printf '%s\\n' \"$@\" > '" << (scratch_ / "az-arguments").string() << "'\n"
                          << "cat <<'JSON'\n" << output << "\nJSON\n"
                          << "cat >&2 <<'TEXT'\n" << error << "\nTEXT\n"
                          << "exit " << exitCode << "\n";
    fs::permissions(script, fs::perms::owner_all);
    variables_["PATH"] = bin.string() + ":/usr/bin:/bin";
  }
  std::string fileText(const fs::path& path) {
    std::ifstream stream(path);
    return std::string((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  }

  std::shared_ptr<sim::ManualClock> clock_;
  sim::Simulator simulator_;
  testing::SimulatorTransport transport_;
  testing::SteppingTimer timer_;
  fs::path scratch_;
  std::map<std::string, std::string> variables_ = {{"PATH", "/nonexistent"}};
  std::vector<std::string> urls_;
};

TEST_F(CredentialTest, ClientSecretTokenWorksForResourceManager) {
  variables_.insert({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient}, {"AZURE_CLIENT_SECRET", kSecret}});
  auto credential = make(AuthMethod::ClientSecret);
  ClientOptions clientOptions;
  clientOptions.cloud.resourceManager = kBase;
  AzureClient client(transport_, *credential, clientOptions, timer_);

  HttpResponse response = client.send(Service::ResourceManager, "GET",
                                      std::string(kBase) + "/subscriptions/" + kTenant + "/resourcegroups?api-version=2021-04-01");

  EXPECT_EQ(response.status, 200) << response.body;
  ASSERT_FALSE(urls_.empty());
  EXPECT_EQ(urls_.front(), std::string(kBase) + "/" + kTenant + "/oauth2/v2.0/token");
  EXPECT_EQ(credential->describe(), "client secret");
}

TEST_F(CredentialTest, ClientSecretErrorNamesSourceWithoutSecret) {
  variables_.insert({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient}, {"AZURE_CLIENT_SECRET", kSecret}});
  testing::ScriptedTransport scripted;
  scripted.respond(401, R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})");
  auto credential = makeCredential(options(AuthMethod::ClientSecret), scripted, timer_, environment());

  try {
    credential->getToken(kArmScope);
    FAIL() << "expected CredentialError";
  } catch (const CredentialError& error) {
    std::string message = error.what();
    EXPECT_EQ(message, std::string("client secret: ") + kBase + "/" + kTenant +
                           "/oauth2/v2.0/token answered 401 invalid_client: AADSTS7000215: Invalid client secret provided.");
    EXPECT_EQ(message.find(kSecret), std::string::npos);
  }
  ASSERT_EQ(scripted.requests().size(), 1u);
  EXPECT_NE(scripted.requests()[0].body.find(std::string("client_secret=") + kSecret), std::string::npos);
}

TEST_F(CredentialTest, WorkloadIdentityReadsTokenFileEachTime) {
  fs::path tokenFile = scratch_ / "federated-token";
  std::ofstream(tokenFile) << "first-fake-assertion\n";
  variables_.insert({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient},
                     {"AZURE_FEDERATED_TOKEN_FILE", tokenFile.string()}});
  testing::ScriptedTransport scripted;
  scripted.respond(200, R"({"access_token":"fake-a","expires_in":3600})");
  scripted.respond(200, R"({"access_token":"fake-b","expires_in":3600})");
  auto credential = makeCredential(options(AuthMethod::WorkloadIdentity), scripted, timer_, environment());

  EXPECT_EQ(credential->getToken(kArmScope).token, "fake-a");
  std::ofstream(tokenFile) << "second-fake-assertion\n";
  EXPECT_EQ(credential->getToken(kVaultScope).token, "fake-b");

  ASSERT_EQ(scripted.requests().size(), 2u);
  EXPECT_NE(scripted.requests()[0].body.find("client_assertion=first-fake-assertion"), std::string::npos);
  EXPECT_NE(scripted.requests()[1].body.find("client_assertion=second-fake-assertion"), std::string::npos);
  EXPECT_NE(scripted.requests()[1].body.find("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"),
            std::string::npos);
}

TEST_F(CredentialTest, WorkloadIdentityAgainstSimulatorGivesToken) {
  fs::path tokenFile = scratch_ / "federated-token";
  std::ofstream(tokenFile) << "fake-assertion";
  variables_.insert({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient},
                     {"AZURE_FEDERATED_TOKEN_FILE", tokenFile.string()}});

  AccessToken token = make(AuthMethod::WorkloadIdentity)->getToken(kArmScope);

  EXPECT_FALSE(token.token.empty());
  EXPECT_EQ(token.expiresOn, timer_.now() + std::chrono::seconds(3600));
}

TEST_F(CredentialTest, MissingFederatedTokenFileIsNamed) {
  variables_.insert({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient},
                     {"AZURE_FEDERATED_TOKEN_FILE", (scratch_ / "absent").string()}});
  auto credential = make(AuthMethod::WorkloadIdentity);
  try {
    credential->getToken(kArmScope);
    FAIL() << "expected CredentialError";
  } catch (const CredentialError& error) {
    EXPECT_EQ(std::string(error.what()),
              "workload identity: cannot read AZURE_FEDERATED_TOKEN_FILE " + (scratch_ / "absent").string());
  }
}

TEST_F(CredentialTest, AppServiceManagedIdentityGivesToken) {
  variables_.insert({{"IDENTITY_ENDPOINT", std::string(kBase) + "/msi/token"}, {"IDENTITY_HEADER", "kvsim-identity-header"}});
  auto credential = make(AuthMethod::ManagedIdentity);

  AccessToken token = credential->getToken(kVaultScope);

  EXPECT_FALSE(token.token.empty());
  EXPECT_EQ(credential->describe(), "managed identity (App Service)");
  ASSERT_EQ(urls_.size(), 1u);
  EXPECT_EQ(urls_[0], std::string(kBase) + "/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net");
}

TEST_F(CredentialTest, AppServiceWrongHeaderNamesSourceAndStatus) {
  variables_.insert({{"IDENTITY_ENDPOINT", std::string(kBase) + "/msi/token"}, {"IDENTITY_HEADER", "wrong-fake-header"}});
  try {
    make(AuthMethod::ManagedIdentity)->getToken(kArmScope);
    FAIL() << "expected CredentialError";
  } catch (const CredentialError& error) {
    std::string message = error.what();
    EXPECT_TRUE(message.starts_with("managed identity (App Service): " + std::string(kBase) + "/msi/token?api-version=2019-08-01 answered 401"))
        << message;
    EXPECT_EQ(message.find("wrong-fake-header"), std::string::npos) << message;
  }
}

TEST_F(CredentialTest, ImdsOverrideIsUsedInsteadOfDefault) {
  variables_[kImdsEndpointVariable] = std::string(kBase) + "/metadata/identity/oauth2/token";
  auto credential = make(AuthMethod::ManagedIdentity);

  AccessToken token = credential->getToken(kArmScope);

  EXPECT_FALSE(token.token.empty());
  ASSERT_EQ(urls_.size(), 1u);
  EXPECT_TRUE(urls_[0].starts_with(std::string(kBase) + "/metadata/identity/oauth2/token?")) << urls_[0];
  for (const std::string& url : urls_) EXPECT_EQ(url.find("169.254.169.254"), std::string::npos) << url;
}

TEST_F(CredentialTest, AutoSkipsImdsWithoutOverride) {
  testing::ScriptedTransport scripted;
  try {
    makeCredential(options(AuthMethod::Auto), scripted, timer_, environment());
    FAIL() << "expected CredentialError";
  } catch (const CredentialError& error) {
    EXPECT_NE(std::string(error.what()).find("no credentials found"), std::string::npos);
  }
  EXPECT_TRUE(scripted.requests().empty());
}

TEST_F(CredentialTest, AzureCliTokenComesFromStandardOutput) {
  installFakeAzureCli(R"({"accessToken":"fake-cli-token","expires_on":1750003600,"tokenType":"Bearer"})");
  auto credential = make(AuthMethod::AzureCli);

  AccessToken token = credential->getToken(kVaultScope);

  EXPECT_EQ(token.token, "fake-cli-token");
  EXPECT_EQ(token.expiresOn, TimePoint(std::chrono::seconds(1750003600)));
  EXPECT_EQ(fileText(scratch_ / "az-arguments"), "account\nget-access-token\n--resource\nhttps://vault.azure.net\n--output\njson\n");
}

TEST_F(CredentialTest, AzureCliFailureSaysToSignIn) {
  installFakeAzureCli("", 1, "ERROR: Please run 'az login' to setup account.");
  try {
    make(AuthMethod::AzureCli)->getToken(kArmScope);
    FAIL() << "expected CredentialError";
  } catch (const CredentialError& error) {
    EXPECT_EQ(std::string(error.what()),
              "Azure CLI: az account get-access-token failed with exit code 1: ERROR: Please run 'az login' to setup "
              "account.; run az login first");
  }
}

TEST_F(CredentialTest, AzureCliMissingFromPathIsNamed) {
  EXPECT_THROW(make(AuthMethod::AzureCli), CredentialError);
}

TEST_F(CredentialTest, AccessTokensAreChosenByAudience) {
  variables_[kAccessTokenVariable] = "fake-arm-token";
  variables_[kKeyVaultAccessTokenVariable] = "fake-vault-token";
  auto credential = make(AuthMethod::AccessToken);

  EXPECT_EQ(credential->getToken(kArmScope).token, "fake-arm-token");
  EXPECT_EQ(credential->getToken(kVaultScope).token, "fake-vault-token");
  EXPECT_EQ(credential->getToken("https://vault.azure.net/.default").expiresOn, timer_.now() + std::chrono::minutes(60));
}

TEST_F(CredentialTest, AccessTokenExpiryComesFromJwt) {
  // {"alg":"none"} . {"exp":1750000900} . (no signature)
  variables_[kAccessTokenVariable] = "eyJhbGciOiJub25lIn0.eyJleHAiOjE3NTAwMDA5MDB9.";
  EXPECT_EQ(make(AuthMethod::AccessToken)->getToken(kArmScope).expiresOn, TimePoint(std::chrono::seconds(1750000900)));
}

TEST_F(CredentialTest, MissingKeyVaultAccessTokenIsNamed) {
  variables_[kAccessTokenVariable] = "fake-arm-token";
  try {
    make(AuthMethod::AccessToken)->getToken(kVaultScope);
    FAIL() << "expected CredentialError";
  } catch (const CredentialError& error) {
    EXPECT_NE(std::string(error.what()).find("KVRELOCATE_KEYVAULT_ACCESS_TOKEN is not set"), std::string::npos);
  }
}

TEST_F(CredentialTest, AutoLogsSourceButNeverToken) {
  variables_.insert({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient}, {"AZURE_CLIENT_SECRET", kSecret}});
  installFakeAzureCli(R"({"accessToken":"fake-cli-token","expires_on":1750003600})");
  testing::LogCapture logs;
  auto credential = make(AuthMethod::Auto);

  AccessToken token = credential->getToken(kArmScope);

  EXPECT_EQ(credential->describe(), "client secret");
  EXPECT_NE(logs.text().find("[info] authenticating with client secret"), std::string::npos) << logs.text();
  EXPECT_EQ(logs.text().find(token.token), std::string::npos);
  EXPECT_EQ(logs.text().find(kSecret), std::string::npos);
}

TEST_F(CredentialTest, AutoFallsThroughToNextSource) {
  variables_.insert({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient}, {"AZURE_CLIENT_SECRET", kSecret}});
  installFakeAzureCli(R"({"accessToken":"fake-cli-token","expires_on":1750003600})");
  testing::ScriptedTransport scripted;
  scripted.respond(401, R"({"error":"invalid_client"})");
  auto credential = makeCredential(options(AuthMethod::Auto), scripted, timer_, environment());

  EXPECT_EQ(credential->getToken(kArmScope).token, "fake-cli-token");
  EXPECT_EQ(credential->describe(), "Azure CLI");
  EXPECT_EQ(credential->getToken(kVaultScope).token, "fake-cli-token") << "the chosen source is kept";
  EXPECT_EQ(scripted.requests().size(), 1u);
}

TEST_F(CredentialTest, ClientRefreshesTokenFiveMinutesBeforeExpiry) {
  variables_.insert({{"AZURE_TENANT_ID", kTenant}, {"AZURE_CLIENT_ID", kClient}, {"AZURE_CLIENT_SECRET", kSecret}});
  auto credential = make(AuthMethod::ClientSecret);
  ClientOptions clientOptions;
  clientOptions.cloud.resourceManager = kBase;
  AzureClient client(transport_, *credential, clientOptions, timer_);
  std::string url = std::string(kBase) + "/subscriptions/" + kTenant + "/resourcegroups?api-version=2021-04-01";
  auto tokenRequests = [this] {
    return std::count_if(urls_.begin(), urls_.end(), [](const std::string& url) { return url.ends_with("/oauth2/v2.0/token"); });
  };

  EXPECT_EQ(client.send(Service::ResourceManager, "GET", url).status, 200);
  timer_.sleepFor(std::chrono::minutes(54));
  EXPECT_EQ(client.send(Service::ResourceManager, "GET", url).status, 200);
  EXPECT_EQ(tokenRequests(), 1) << "the token is still more than 5 minutes from expiry";
  timer_.sleepFor(std::chrono::minutes(2));
  EXPECT_EQ(client.send(Service::ResourceManager, "GET", url).status, 200);
  EXPECT_EQ(tokenRequests(), 2) << "the token expires in 4 minutes, so the client asks again";
}

TEST(AuthMethodNames, ParseAndPrintRoundTrip) {
  for (const char* name : {"auto", "client-secret", "workload-identity", "managed-identity", "azure-cli", "access-token"}) {
    auto method = parseAuthMethod(name);
    ASSERT_TRUE(method.has_value()) << name;
    EXPECT_STREQ(authMethodName(*method), name);
  }
  EXPECT_FALSE(parseAuthMethod("password").has_value());
}

}  // namespace
}  // namespace kvr::azure
