#include "simulator_fixture.h"

#include <fstream>

namespace kvr::sim::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kGraphPath = "/providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01";
constexpr const char* kExampleSubscription = "6f1c2a4e-3b7d-4c8e-9a1f-2d5e8b0c7a93";

class ResourceGraphTest : public SimulatorTest {
 protected:
  Response graph(const json& body, const std::string& target = kGraphPath) {
    Request request = Request::fromTarget("POST", target);
    request.withHeader("Host", "127.0.0.1:8443").withHeader("Authorization", "Bearer " + armToken_);
    request.withBody(body.dump()).withHeader("Content-Type", "application/json");
    return simulator_.handle(request);
  }

  void loadExample() {
    std::ifstream stream(std::string(KVR_SOURCE_DIR) + "/examples/contoso-payments/inventory.json");
    simulator_.loadEstate(json::parse(stream));
  }

  void createGroups(int count) {
    for (int index = 0; index < count; ++index) createGroup("rg" + std::to_string(100 + index));
  }

  static std::vector<std::string> ids(const json& data) {
    std::vector<std::string> result;
    for (const json& row : data) result.push_back(row["id"]);
    return result;
  }
};

TEST_F(ResourceGraphTest, VaultUriSearchFindsReferencingResources) {
  loadExample();
  Response response =
      graph({{"subscriptions", {kExampleSubscription}},
             {"query", "Resources | where properties contains 'kv-payments-weu.vault.azure.net' | project id, type, properties"}});
  ASSERT_EQ(response.status, 200) << response.body;
  json body = bodyOf(response);
  std::string group = std::string("/subscriptions/") + kExampleSubscription + "/resourceGroups/rg-payments-weu/providers/";
  // The vault's own vaultUri points at kvsim, and Resource Graph does not show App Service
  // settings, so the vault and the web app are not among the matches.
  EXPECT_EQ(ids(body["data"]), (std::vector<std::string>{group + "Microsoft.Compute/diskEncryptionSets/des-payments-weu",
                                                         group + "Microsoft.Network/privateEndpoints/pe-kv-payments-weu",
                                                         group + "Microsoft.Storage/storageAccounts/stpaymentsweu01"}));
  EXPECT_EQ(body["totalRecords"], 3);
  EXPECT_EQ(body["count"], 3);
  EXPECT_EQ(body["resultTruncated"], "false");
  EXPECT_EQ(body["facets"], json::array());
  EXPECT_FALSE(body.contains("$skipToken"));
  EXPECT_EQ(body["data"][0]["type"], "microsoft.compute/diskencryptionsets");
  EXPECT_EQ(body["data"][0].size(), 3u) << "project keeps only id, type and properties";
}

TEST_F(ResourceGraphTest, VaultIdSearchMatchesCaseInsensitively) {
  loadExample();
  std::string vault = std::string("/SUBSCRIPTIONS/") + kExampleSubscription + "/resourcegroups/RG-PAYMENTS-WEU/providers/microsoft.keyvault/vaults/kv-payments-weu";
  Response response = graph({{"query", "Resources | where type !~ 'microsoft.keyvault/vaults' and properties contains '" + vault +
                                           "' | project name | order by name asc"}});
  ASSERT_EQ(response.status, 200) << response.body;
  json body = bodyOf(response);
  json names = json::array();
  for (const json& row : body["data"]) names.push_back(row["name"]);
  EXPECT_EQ(names, (json{"des-payments-weu", "pe-kv-payments-weu"}));
}

TEST_F(ResourceGraphTest, RowsHaveResourceGraphColumns) {
  createGroup("Rg-Mixed");
  ASSERT_EQ(createVault("kv-columns", "Rg-Mixed").status, 201);
  Response response = graph({{"query", "Resources | where name == 'kv-columns'"}});
  ASSERT_EQ(response.status, 200) << response.body;
  json row = bodyOf(response)["data"][0];
  EXPECT_EQ(row["id"], vaultId("kv-columns", "Rg-Mixed"));
  EXPECT_EQ(row["type"], "microsoft.keyvault/vaults");
  EXPECT_EQ(row["resourceGroup"], "rg-mixed");
  EXPECT_EQ(row["subscriptionId"], kSubscription);
  EXPECT_EQ(row["location"], "westeurope");
  EXPECT_EQ(row["tenantId"], "11111111-1111-1111-1111-111111111111");
  EXPECT_EQ(row["kind"], "");
  EXPECT_TRUE(row["sku"].is_null());
  EXPECT_EQ(row["properties"]["sku"]["name"], "standard");
}

TEST_F(ResourceGraphTest, ResourceContainersListGroupsAndSubscriptions) {
  createGroup("rg1");
  createGroup("rg2", kOtherSubscription);
  Response response = graph({{"query", "ResourceContainers | project id, type | order by id asc"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(bodyOf(response)["data"],
            (json{{{"id", "/subscriptions/" + std::string(kSubscription)}, {"type", "microsoft.resources/subscriptions"}},
                  {{"id", groupId("rg1")}, {"type", "microsoft.resources/subscriptions/resourcegroups"}},
                  {{"id", "/subscriptions/" + std::string(kOtherSubscription)}, {"type", "microsoft.resources/subscriptions"}},
                  {{"id", groupId("rg2", kOtherSubscription)}, {"type", "microsoft.resources/subscriptions/resourcegroups"}}}));
}

TEST_F(ResourceGraphTest, SubscriptionsLimitRows) {
  createGroup("rg1");
  createGroup("rg2", kOtherSubscription);
  Response response = graph({{"subscriptions", {kOtherSubscription}}, {"query", "ResourceContainers | project id"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(ids(bodyOf(response)["data"]),
            (std::vector<std::string>{"/subscriptions/" + std::string(kOtherSubscription), groupId("rg2", kOtherSubscription)}));
}

TEST_F(ResourceGraphTest, TopPagesWithSkipToken) {
  createGroups(5);
  json request = {{"query", "ResourceContainers | where type endswith 'resourcegroups' | project id | order by id asc"},
                  {"options", {{"$top", 2}}}};
  std::vector<std::string> seen;
  std::vector<std::size_t> pageSizes;
  for (int page = 0; page < 5; ++page) {
    Response response = graph(request);
    ASSERT_EQ(response.status, 200) << response.body;
    json body = bodyOf(response);
    EXPECT_EQ(body["totalRecords"], 5);
    pageSizes.push_back(body["data"].size());
    for (const std::string& id : ids(body["data"])) seen.push_back(id);
    if (!body.contains("$skipToken")) break;
    request["options"]["$skipToken"] = body["$skipToken"];
  }
  EXPECT_EQ(pageSizes, (std::vector<std::size_t>{2, 2, 1}));
  EXPECT_EQ(seen, (std::vector<std::string>{groupId("rg100"), groupId("rg101"), groupId("rg102"), groupId("rg103"), groupId("rg104")}));
}

TEST_F(ResourceGraphTest, SkipStartsLater) {
  createGroups(3);
  Response response = graph({{"query", "ResourceContainers | where type endswith 'resourcegroups' | project id | order by id asc"},
                             {"options", {{"$skip", 2}}}});
  ASSERT_EQ(response.status, 200) << response.body;
  json body = bodyOf(response);
  EXPECT_EQ(ids(body["data"]), (std::vector<std::string>{groupId("rg102")}));
  EXPECT_EQ(body["count"], 1);
  EXPECT_EQ(body["totalRecords"], 3);
}

TEST_F(ResourceGraphTest, TableFormatListsColumns) {
  createGroup("rg1");
  Response response = graph({{"query", "ResourceContainers | where name == 'rg1' | project name, location"},
                             {"options", {{"resultFormat", "table"}}}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(bodyOf(response)["data"],
            (json{{"columns", {{{"name", "name"}, {"type", "string"}}, {{"name", "location"}, {"type", "string"}}}},
                  {"rows", json::array({json::array({"rg1", "westeurope"})})}}));
}

TEST_F(ResourceGraphTest, CountQueryReturnsCount) {
  createGroups(3);
  Response response = graph({{"query", "ResourceContainers | where type endswith 'resourcegroups' | count"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(bodyOf(response)["data"], (json{{{"Count", 3}}}));
}

TEST_F(ResourceGraphTest, SyntaxErrorAnswersInvalidQuery) {
  Response response = graph({{"query", "Resources\n| where name = 'x'"}});
  ASSERT_EQ(response.status, 400);
  json error = errorOf(response);
  EXPECT_EQ(error["code"], "BadRequest");
  EXPECT_EQ(error["message"], "The query is invalid: Query is invalid at position 23: '=' assigns a name; compare with '==' or '=~'");
  ASSERT_EQ(error["details"].size(), 2u);
  EXPECT_EQ(error["details"][0]["code"], "InvalidQuery");
  EXPECT_EQ(error["details"][1],
            (json{{"code", "ParserFailure"},
                  {"message", "Query is invalid at position 23: '=' assigns a name; compare with '==' or '=~'"},
                  {"line", 2},
                  {"characterPositionInLine", 13},
                  {"token", "="}}));
}

TEST_F(ResourceGraphTest, UnknownTableIsRejected) {
  Response response = graph({{"query", "SecurityResources | limit 1"}});
  ASSERT_EQ(response.status, 400);
  json detail = errorOf(response)["details"][1];
  EXPECT_EQ(detail["code"], "UnknownTable");
  EXPECT_EQ(detail["token"], "SecurityResources");
}

TEST_F(ResourceGraphTest, InvalidBodyListsEveryProblem) {
  Response response = graph({{"subscriptions", "not-a-list"}, {"options", {{"$top", 5000}, {"resultFormat", "csv"}, {"$skipToken", "bogus"}}}});
  ASSERT_EQ(response.status, 400);
  json error = errorOf(response);
  EXPECT_EQ(error["code"], "BadRequest");
  EXPECT_EQ(error["message"],
            "The request body is invalid: /query must be a non-empty string; /subscriptions must be an array of subscription ids; "
            "/options/$top must be a whole number from 1 to 1000; /options/$skipToken is not a token from an earlier response; "
            "/options/resultFormat must be \"objectArray\" or \"table\"");
  EXPECT_EQ(error["details"].size(), 5u);
}

TEST_F(ResourceGraphTest, ApiVersionIsRequired) {
  Response missing = graph({{"query", "Resources"}}, "/providers/Microsoft.ResourceGraph/resources");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(errorCode(missing), "MissingApiVersionParameter");
  Response invalid = graph({{"query", "Resources"}}, "/providers/Microsoft.ResourceGraph/resources?api-version=latest");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(errorCode(invalid), "InvalidApiVersionParameter");
}

TEST_F(ResourceGraphTest, TokenIsRequired) {
  Request request = Request::fromTarget("POST", kGraphPath);
  request.withBody(json{{"query", "Resources"}}.dump());
  Response response = simulator_.handle(request);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(errorCode(response), "AuthenticationFailed");
}

TEST_F(ResourceGraphTest, QuotaAllows15QueriesPer5Seconds) {
  for (int index = 0; index < 15; ++index) {
    Response response = graph({{"query", "Resources | limit 1"}});
    ASSERT_EQ(response.status, 200) << "query " << index;
    EXPECT_EQ(response.header("x-ms-user-quota-remaining"), std::to_string(14 - index));
  }
  clock_->advance(milliseconds(1200));
  Response rejected = graph({{"query", "Resources | limit 1"}});
  EXPECT_EQ(rejected.status, 429);
  EXPECT_EQ(errorCode(rejected), "RateLimiting");
  EXPECT_EQ(rejected.header("Retry-After"), "4");
  EXPECT_EQ(rejected.header("x-ms-user-quota-remaining"), "0");
  EXPECT_EQ(rejected.header("x-ms-user-quota-resets-after"), "00:00:04");

  clock_->advance(milliseconds(3800));
  Response afterReset = graph({{"query", "Resources | limit 1"}});
  EXPECT_EQ(afterReset.status, 200);
  EXPECT_EQ(afterReset.header("x-ms-user-quota-remaining"), "14");
  EXPECT_EQ(afterReset.header("x-ms-user-quota-resets-after"), "00:00:05");

  json counters = bodyOf(simulator_.handle(Request::fromTarget("GET", "/_admin/counters")));
  EXPECT_EQ(counters["resourceGraph.queries"], 16);
  EXPECT_EQ(counters["resourceGraph.throttled"], 1);
}

TEST_F(ResourceGraphTest, QuotaIsPerUser) {
  for (int index = 0; index < 15; ++index) ASSERT_EQ(graph({{"query", "Resources | limit 1"}}).status, 200);
  armToken_ = simulator_.issueToken("https://management.azure.com/.default", "other-client");
  Response otherUser = graph({{"query", "Resources | limit 1"}});
  EXPECT_EQ(otherUser.status, 200);
  EXPECT_EQ(otherUser.header("x-ms-user-quota-remaining"), "14");
}

}  // namespace
}  // namespace kvr::sim::testing
