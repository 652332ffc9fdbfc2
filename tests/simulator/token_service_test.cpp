#include "simulator_fixture.h"

namespace kvr::sim::testing {
namespace {

using nlohmann::json;

Request tokenRequest(const std::string& form) {
  Request request = Request::fromTarget("POST", "/tenant1/oauth2/v2.0/token");
  request.withHeader("Content-Type", "application/x-www-form-urlencoded").withBody(form);
  return request;
}

class TokenTest : public SimulatorTest {};

TEST_F(TokenTest, ClientCredentialsReturnBearerToken) {
  Response response = simulator_.handle(tokenRequest(
      "grant_type=client_credentials&client_id=app&client_secret=s3cret&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"));
  ASSERT_EQ(response.status, 200);
  json body = bodyOf(response);
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["expires_in"], 3600);
  EXPECT_GE(body["access_token"].get<std::string>().size(), 40u);
}

TEST_F(TokenTest, IssuedTokenOpensResourceManager) {
  Response token = simulator_.handle(tokenRequest(
      "grant_type=client_credentials&client_id=app&client_secret=s&scope=https://management.azure.com/.default"));
  Request request = Request::fromTarget("GET", std::string("/subscriptions/") + kSubscription + "/resourcegroups?api-version=2021-04-01");
  request.withHeader("Authorization", "Bearer " + bodyOf(token)["access_token"].get<std::string>());
  EXPECT_EQ(simulator_.handle(request).status, 200);
}

TEST_F(TokenTest, OpenIdConfigurationNamesKvsimTokenEndpoint) {
  Response response = simulator_.handle(Request::fromTarget("GET", "/tenant1/v2.0/.well-known/openid-configuration"));
  ASSERT_EQ(response.status, 200);
  json body = bodyOf(response);
  EXPECT_EQ(body["token_endpoint"], std::string(kBaseUrl) + "/tenant1/oauth2/v2.0/token");
  EXPECT_EQ(body["issuer"], std::string(kBaseUrl) + "/tenant1/v2.0");
  EXPECT_EQ(body["authorization_endpoint"], std::string(kBaseUrl) + "/tenant1/oauth2/v2.0/authorize");
  EXPECT_EQ(body["jwks_uri"], std::string(kBaseUrl) + "/tenant1/discovery/v2.0/keys");
}

TEST_F(TokenTest, UnsupportedGrantIsRejected) {
  Response response = simulator_.handle(tokenRequest("grant_type=password&client_id=app&scope=x/.default"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(bodyOf(response)["error"], "unsupported_grant_type");
}

TEST_F(TokenTest, MissingSecretIsInvalidClient) {
  Response response = simulator_.handle(tokenRequest("grant_type=client_credentials&client_id=app&scope=x/.default"));
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(bodyOf(response)["error"], "invalid_client");
}

TEST_F(TokenTest, ScopeWithoutDefaultIsInvalidScope) {
  Response response = simulator_.handle(tokenRequest("grant_type=client_credentials&client_id=a&client_secret=b&scope=https://vault.azure.net"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(bodyOf(response)["error"], "invalid_scope");
}

TEST_F(TokenTest, AppServiceIdentityNeedsHeader) {
  Request request = Request::fromTarget("GET", "/msi/token?resource=https://vault.azure.net&api-version=2019-08-01");
  EXPECT_EQ(simulator_.handle(request).status, 401);
  request.withHeader("X-IDENTITY-HEADER", "kvsim-identity-header");
  Response response = simulator_.handle(request);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(bodyOf(response)["resource"], "https://vault.azure.net");
  EXPECT_EQ(bodyOf(response)["token_type"], "Bearer");
}

TEST_F(TokenTest, InstanceMetadataIdentityNeedsMetadataHeader) {
  Request request = Request::fromTarget("GET", "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/");
  EXPECT_EQ(simulator_.handle(request).status, 400);
  request.withHeader("Metadata", "true");
  EXPECT_EQ(simulator_.handle(request).status, 200);
}

TEST_F(TokenTest, MissingAuthorizationIsAuthenticationFailed) {
  Request request = Request::fromTarget("GET", std::string("/subscriptions/") + kSubscription + "/resourcegroups?api-version=2021-04-01");
  Response response = simulator_.handle(request);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(errorCode(response), "AuthenticationFailed");
  EXPECT_NE(response.header("WWW-Authenticate").find("authorization_uri="), std::string::npos);
}

TEST_F(TokenTest, UnknownTokenIsInvalidAuthenticationToken) {
  Request request = Request::fromTarget("GET", std::string("/subscriptions/") + kSubscription + "/resourcegroups?api-version=2021-04-01");
  request.withHeader("Authorization", "Bearer not-a-token");
  Response response = simulator_.handle(request);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(errorCode(response), "InvalidAuthenticationToken");
}

TEST_F(TokenTest, ExpiredTokenIsExpiredAuthenticationToken) {
  clock_->advance(std::chrono::hours(2));
  Response response = arm("GET", std::string("/subscriptions/") + kSubscription + "/resourcegroups?api-version=2021-04-01");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(errorCode(response), "ExpiredAuthenticationToken");
}

TEST_F(TokenTest, VaultTokenIsWrongAudienceForResourceManager) {
  Request request = Request::fromTarget("GET", std::string("/subscriptions/") + kSubscription + "/resourcegroups?api-version=2021-04-01");
  request.withHeader("Authorization", "Bearer " + vaultToken_);
  Response response = simulator_.handle(request);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(errorCode(response), "InvalidAuthenticationTokenAudience");
}

TEST(AudienceTest, NormalisesScopesAndSlashes) {
  EXPECT_EQ(normalizeAudience("https://vault.azure.net/.default"), "https://vault.azure.net");
  EXPECT_EQ(normalizeAudience("https://management.azure.com/"), "https://management.azure.com");
}

}  // namespace
}  // namespace kvr::sim::testing
