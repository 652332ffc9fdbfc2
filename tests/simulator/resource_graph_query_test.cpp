#include "simulator/resource_graph_query.h"

#include <gtest/gtest.h>

namespace kvr::sim {
namespace {

using nlohmann::json;

QueryTable sampleTable() {
  QueryTable table;
  table.columns = {"id", "name", "type", "location", "properties", "tags"};
  table.rows = {
      {{"id", "/r/kv1"}, {"name", "kv-one"}, {"type", "microsoft.keyvault/vaults"}, {"location", "westeurope"},
       {"properties", {{"vaultUri", "https://kv-one.vault.azure.net/"}, {"sku", {{"name", "standard"}}}}}, {"tags", {{"env", "prod"}}}},
      {{"id", "/r/app1"}, {"name", "App-Payments"}, {"type", "microsoft.web/sites"}, {"location", "northeurope"},
       {"properties", {{"siteConfig", {{"appSettings", json::array({{{"name", "KV"}, {"value", "@Microsoft.KeyVault(SecretUri=https://KV-ONE.vault.azure.net/secrets/db)"}}})}}}}},
       {"tags", json::object()}},
      {{"id", "/r/vnet1"}, {"name", "vnet1"}, {"type", "microsoft.network/virtualnetworks"}, {"location", "westeurope"},
       {"properties", {{"subnets", json::array({{{"name", "snet-a"}}, {{"name", "snet-b"}}})}}}, {"tags", {{"env", "test"}}}},
  };
  return table;
}

std::vector<std::string> idsOf(const QueryResult& result) {
  std::vector<std::string> ids;
  for (const json& row : result.rows) ids.push_back(row.value("id", ""));
  return ids;
}

QueryResult run(const std::string& text) { return ResourceGraphQuery(text).run(sampleTable()); }

QueryError parseError(const std::string& text) {
  try {
    ResourceGraphQuery query(text);
    query.run(sampleTable());
  } catch (const QueryError& error) {
    return error;
  }
  ADD_FAILURE() << "query parsed and ran: " << text;
  return QueryError("", "", 0, "");
}

TEST(ResourceGraphQueryTest, WhereOperatorsSelectRows) {
  struct Case {
    std::string where;
    std::vector<std::string> ids;
  };
  std::vector<Case> cases = {
      {"name == 'kv-one'", {"/r/kv1"}},
      {"name == 'KV-ONE'", {}},
      {"name =~ 'KV-ONE'", {"/r/kv1"}},
      {"name != 'kv-one'", {"/r/app1", "/r/vnet1"}},
      {"name !~ 'app-payments'", {"/r/kv1", "/r/vnet1"}},
      {"location in ('westeurope', 'eastus')", {"/r/kv1", "/r/vnet1"}},
      {"location in ('WestEurope')", {}},
      {"location in~ ('WestEurope')", {"/r/kv1", "/r/vnet1"}},
      {"location !in ('westeurope')", {"/r/app1"}},
      {"name contains 'PAY'", {"/r/app1"}},
      {"name !contains 'pay'", {"/r/kv1", "/r/vnet1"}},
      {"name startswith 'kv'", {"/r/kv1"}},
      {"name endswith 'ments'", {"/r/app1"}},
      {"name has 'payments'", {"/r/app1"}},
      {"name has 'pay'", {}},
      {"type == 'microsoft.keyvault/vaults' or location == 'northeurope'", {"/r/kv1", "/r/app1"}},
      {"location == 'westeurope' and tags.env == 'test'", {"/r/vnet1"}},
      {"not(location == 'westeurope')", {"/r/app1"}},
      {"(name == 'kv-one' or name == 'vnet1') and not(tags.env == 'prod')", {"/r/vnet1"}},
      {"properties.sku.name == 'standard'", {"/r/kv1"}},
      {"tostring(properties.sku.name) =~ 'STANDARD'", {"/r/kv1"}},
      {"tolower(name) == 'app-payments'", {"/r/app1"}},
      {"properties.subnets[1].name == 'snet-b'", {"/r/vnet1"}},
      {"tags['env'] == 'prod'", {"/r/kv1"}},
      {"isempty(tags.env)", {"/r/app1"}},
      {"isnotempty(tags.env)", {"/r/kv1", "/r/vnet1"}},
      {"strlen(name) > 5", {"/r/kv1", "/r/app1"}},
  };
  for (const Case& test : cases) {
    EXPECT_EQ(idsOf(run("Resources | where " + test.where)), test.ids) << test.where;
  }
}

TEST(ResourceGraphQueryTest, ContainsSearchesObjectJsonText) {
  QueryResult result = run("Resources | where properties contains 'kv-one.vault.azure.net' | project id");
  EXPECT_EQ(idsOf(result), (std::vector<std::string>{"/r/kv1", "/r/app1"}));
}

TEST(ResourceGraphQueryTest, ProjectRenamesAndNamesPaths) {
  QueryResult result = run("Resources | where name == 'kv-one' | project id, vault = name, properties.vaultUri, tolower(location)");
  EXPECT_EQ(result.columns, (std::vector<std::string>{"id", "vault", "properties_vaultUri", "Column4"}));
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0], (json{{"id", "/r/kv1"}, {"vault", "kv-one"}, {"properties_vaultUri", "https://kv-one.vault.azure.net/"},
                                  {"Column4", "westeurope"}}));
}

TEST(ResourceGraphQueryTest, ExtendAddsColumns) {
  QueryResult result = run("Resources | extend uri = tostring(properties.vaultUri), region = strcat(location, '-x') | where isnotempty(uri) | project id, uri, region");
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0], (json{{"id", "/r/kv1"}, {"uri", "https://kv-one.vault.azure.net/"}, {"region", "westeurope-x"}}));
}

TEST(ResourceGraphQueryTest, OrderByDefaultsToDescending) {
  EXPECT_EQ(idsOf(run("Resources | order by name")), (std::vector<std::string>{"/r/vnet1", "/r/kv1", "/r/app1"}));
  EXPECT_EQ(idsOf(run("Resources | sort by name asc")), (std::vector<std::string>{"/r/app1", "/r/kv1", "/r/vnet1"}));
  EXPECT_EQ(idsOf(run("Resources | order by location asc, name desc")), (std::vector<std::string>{"/r/app1", "/r/vnet1", "/r/kv1"}));
}

TEST(ResourceGraphQueryTest, TopLimitAndTakeCutRows) {
  EXPECT_EQ(idsOf(run("Resources | top 2 by name asc")), (std::vector<std::string>{"/r/app1", "/r/kv1"}));
  EXPECT_EQ(idsOf(run("Resources | limit 1")), (std::vector<std::string>{"/r/kv1"}));
  EXPECT_EQ(idsOf(run("Resources | take 2")), (std::vector<std::string>{"/r/kv1", "/r/app1"}));
}

TEST(ResourceGraphQueryTest, MvExpandMakesRowPerElement) {
  QueryResult result = run("Resources | mv-expand subnet = properties.subnets | project id, subnetName = subnet.name");
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0], (json{{"id", "/r/vnet1"}, {"subnetName", "snet-a"}}));
  EXPECT_EQ(result.rows[1], (json{{"id", "/r/vnet1"}, {"subnetName", "snet-b"}}));
}

TEST(ResourceGraphQueryTest, CountReturnsOneRow) {
  QueryResult result = run("Resources | where location == 'westeurope' | count");
  EXPECT_EQ(result.columns, (std::vector<std::string>{"Count"}));
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0]["Count"], 2);
}

TEST(ResourceGraphQueryTest, QueryWithoutTableReadsResources) {
  ResourceGraphQuery query("where name == 'vnet1'");
  EXPECT_EQ(query.tableName(), "Resources");
  EXPECT_EQ(idsOf(query.run(sampleTable())), (std::vector<std::string>{"/r/vnet1"}));
}

TEST(ResourceGraphQueryTest, SyntaxErrorsNamePosition) {
  struct Case {
    std::string text;
    std::size_t position;
    std::string token;
    std::string message;
  };
  std::vector<Case> cases = {
      {"Resources | whre name == 'x'", 12, "whre",
       "Query is invalid at position 12: 'whre' is not an operator kvsim supports (where, project, extend, order by, top, limit, "
       "take, mv-expand, count)"},
      {"Resources | where name == 'x", 26, "'x", "Query is invalid at position 26: the string that starts here has no closing quote"},
      {"Resources | where name = 'x'", 23, "=", "Query is invalid at position 23: '=' assigns a name; compare with '==' or '=~'"},
      {"Resources | order name", 18, "name", "Query is invalid at position 18: expected 'by' but found 'name'"},
      {"Resources | where (name == 'x'", 30, "", "Query is invalid at position 30: expected ')' but found the end of the query"},
      {"Resources |", 11, "", "Query is invalid at position 11: expected an operator such as where or project but found the end of the query"},
      {"Resources | take x", 17, "x", "Query is invalid at position 17: expected a whole number for take but found 'x'"},
      {"Resources | where name == 'a' $", 30, "$", "Query is invalid at position 30: unexpected character '$'"},
  };
  for (const Case& test : cases) {
    QueryError error = parseError(test.text);
    EXPECT_EQ(error.code(), "ParserFailure") << test.text;
    EXPECT_EQ(error.position(), test.position) << test.text;
    EXPECT_EQ(error.token(), test.token) << test.text;
    EXPECT_EQ(std::string(error.what()), test.message) << test.text;
  }
}

TEST(ResourceGraphQueryTest, UnknownFunctionIsRejected) {
  QueryError error = parseError("Resources | where bogus(name)");
  EXPECT_EQ(error.code(), "UnknownFunction");
  EXPECT_EQ(error.position(), 18u);
}

TEST(ResourceGraphQueryTest, UnknownColumnIsRejectedOnEmptyTable) {
  ResourceGraphQuery query("Resources | project id | where name == 'x'");
  QueryTable empty = sampleTable();
  empty.rows.clear();
  try {
    query.run(empty);
    FAIL() << "a column removed by project must not resolve";
  } catch (const QueryError& error) {
    EXPECT_EQ(error.code(), "FailedToResolveScalarExpression");
    EXPECT_EQ(error.position(), 31u);
    EXPECT_EQ(std::string(error.what()), "Query is invalid at position 31: no column named 'name' exists here; columns are id");
  }
}

TEST(ResourceGraphQueryTest, QueryTextOfValues) {
  EXPECT_EQ(queryText(json("a")), "a");
  EXPECT_EQ(queryText(json(nullptr)), "");
  EXPECT_EQ(queryText(json(3)), "3");
  EXPECT_EQ(queryText(json{{"b", 1}}), "{\"b\":1}");
}

}  // namespace
}  // namespace kvr::sim
