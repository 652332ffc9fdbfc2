#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "discovery/diagnostics.h"
#include "tests/cli/sample_plan.h"
#include "viz/report.h"

namespace kvr::viz {
namespace {

using kvr::testing::samplePlan;

// True when every object in `value`, at any depth, lists its keys in sorted order.
bool keysSortedEverywhere(const Json& value) {
  if (value.is_object()) {
    std::string previous;
    bool first = true;
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!first && it.key() < previous) return false;
      previous = it.key();
      first = false;
      if (!keysSortedEverywhere(it.value())) return false;
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (!keysSortedEverywhere(item)) return false;
    }
  }
  return true;
}

Json parsedPlanJson() { return Json::parse(renderPlanJson(samplePlan())); }

std::string exceptionText(const Json& document) {
  try {
    readPlanJson(document, "plan.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no exception";
}

TEST(PlanJson, HasRequiredTopLevelKeys) {
  Json document = parsedPlanJson();
  for (const char* key : {"kind", "version", "source", "target", "vaults", "nodes", "steps", "edges", "waves",
                          "manualSteps", "warnings", "blockers", "notes", "outOfScope", "estimate", "rulesRun",
                          "inputs", "options"}) {
    EXPECT_TRUE(document.contains(key)) << key;
  }
  EXPECT_EQ(document["kind"], "kvrelocate.plan");
  EXPECT_EQ(document["version"], kPlanVersion);
}

TEST(PlanJson, KeysSortedAtEveryLevel) {
  Json document = parsedPlanJson();
  EXPECT_TRUE(keysSortedEverywhere(document));
}

TEST(PlanJson, EndsWithNewlineAndTwoSpaceIndent) {
  std::string text = renderPlanJson(samplePlan());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.substr(0, 4), "{\n  ");
}

TEST(PlanJson, NodeHasEveryField) {
  Json node = parsedPlanJson()["nodes"][0];
  for (const char* key : {"key", "id", "type", "name", "resourceGroup", "location", "external", "strategy", "reason",
                          "rule", "targetId", "targetName", "targetLocation", "parameters", "manualSteps",
                          "foldedInto", "order", "wave"}) {
    EXPECT_TRUE(node.contains(key)) << key;
  }
}

TEST(PlanJson, StepsCarryResourceAndDependencies) {
  Json steps = parsedPlanJson()["steps"];
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[1]["order"], 2);
  EXPECT_EQ(steps[1]["wave"], 1);
  EXPECT_EQ(steps[1]["resource"]["name"], "kv-app-weu");
  EXPECT_EQ(steps[1]["resource"]["type"], "Microsoft.KeyVault/vaults");
  EXPECT_EQ(steps[1]["strategy"], "redeploy-with-data");
  EXPECT_EQ(steps[1]["dependsOn"], Json::array({1}));
  EXPECT_EQ(steps[3]["manualSteps"], Json::array({"restart app-web after the settings change"}));
}

TEST(PlanJson, WavesListStepOrders) {
  Json waves = parsedPlanJson()["waves"];
  EXPECT_EQ(waves, Json::parse("[[1],[2],[3],[4]]"));
}

TEST(PlanJson, DiagnosticsSplitBySeverity) {
  Json document = parsedPlanJson();
  ASSERT_EQ(document["blockers"].size(), 1u);
  ASSERT_EQ(document["warnings"].size(), 1u);
  ASSERT_EQ(document["notes"].size(), 1u);
  EXPECT_EQ(document["blockers"][0]["code"], "E-VAULT-NAME-TAKEN");
  EXPECT_EQ(document["blockers"][0]["location"]["file"], "vault.json");
  EXPECT_EQ(document["blockers"][0]["location"]["pointer"], "/resources/0");
  EXPECT_TRUE(document["blockers"][0]["location"]["column"].is_null());
  EXPECT_EQ(document["warnings"][0]["location"]["column"], 4);
  EXPECT_EQ(document["notes"][0]["code"], "I-DEPLOYMENT-CONTEXT-ASSUMED");
}

TEST(PlanJson, OutOfScopeListsIdAndType) {
  Json outOfScope = parsedPlanJson()["outOfScope"];
  ASSERT_EQ(outOfScope.size(), 1u);
  EXPECT_EQ(outOfScope[0]["type"], "Microsoft.OperationalInsights/workspaces");
  EXPECT_NE(outOfScope[0]["id"].get<std::string>().find("log-ops"), std::string::npos);
}

TEST(PlanJson, RoundTripIsByteIdentical) {
  std::string first = renderPlanJson(samplePlan());
  Plan reread = readPlanJson(Json::parse(first), "plan.json");
  EXPECT_EQ(renderPlanJson(reread), first);
}

TEST(PlanJson, RoundTripKeepsFields) {
  Plan original = samplePlan();
  Plan reread = readPlanJson(Json::parse(renderPlanJson(original)), "plan.json");
  ASSERT_EQ(reread.nodes.size(), original.nodes.size());
  EXPECT_EQ(reread.nodes[2].strategy, original.nodes[2].strategy);
  EXPECT_EQ(reread.nodes[2].after, original.nodes[2].after);
  EXPECT_EQ(reread.steps.size(), original.steps.size());
  EXPECT_EQ(reread.steps[3].dependsOn, original.steps[3].dependsOn);
  EXPECT_EQ(reread.waveCount, original.waveCount);
  EXPECT_EQ(reread.vaults[0].targetName, "kv-app-neu");
  EXPECT_EQ(reread.diagnostics.all().size(), 3u);
  EXPECT_TRUE(reread.hasBlockers());
  EXPECT_EQ(reread.estimate.totalSeconds, 420);
  EXPECT_EQ(reread.estimate.criticalPath, original.estimate.criticalPath);
}

TEST(PlanJson, ReadRejectsOtherKind) {
  Json document = parsedPlanJson();
  document["kind"] = "kvrelocate.map";
  std::string text = exceptionText(document);
  EXPECT_NE(text.find("plan.json#/kind"), std::string::npos) << text;
}

TEST(PlanJson, ReadRejectsOtherMajorVersion) {
  Json document = parsedPlanJson();
  document["version"] = "2.0";
  std::string text = exceptionText(document);
  EXPECT_NE(text.find("plan.json#/version"), std::string::npos) << text;
  EXPECT_NE(text.find("2.0"), std::string::npos) << text;
}

TEST(PlanJson, ReadAcceptsNewerMinorVersion) {
  Json document = parsedPlanJson();
  document["version"] = "1.7";
  EXPECT_NO_THROW(readPlanJson(document, "plan.json"));
}

TEST(PlanJson, ReadNamesPointerOfMissingMember) {
  Json document = parsedPlanJson();
  document["nodes"][1].erase("strategy");
  std::string text = exceptionText(document);
  EXPECT_NE(text.find("plan.json#/nodes/1/strategy"), std::string::npos) << text;
}

TEST(PlanJson, ReadNamesPointerOfWrongType) {
  Json document = parsedPlanJson();
  document["steps"][2]["dependsOn"][0] = "one";
  std::string text = exceptionText(document);
  EXPECT_NE(text.find("plan.json#/steps/2/dependsOn/0"), std::string::npos) << text;
}

TEST(PlanJson, ReadRejectsUnknownStrategy) {
  Json document = parsedPlanJson();
  document["nodes"][0]["strategy"] = "teleport";
  std::string text = exceptionText(document);
  EXPECT_NE(text.find("plan.json#/nodes/0/strategy"), std::string::npos) << text;
  EXPECT_NE(text.find("teleport"), std::string::npos) << text;
}

TEST(PlanText, ListsStepsInOrder) {
  std::string text = renderPlanText(samplePlan(), false);
  auto steps = text.find("\nSteps\n");
  ASSERT_NE(steps, std::string::npos);
  auto vnet = text.find("vnet-app ", steps);
  auto vault = text.find("kv-app-weu ", steps);
  auto secret = text.find("kv-app-weu/db-password", steps);
  auto webApp = text.find("app-web ", steps);
  ASSERT_NE(vnet, std::string::npos);
  ASSERT_NE(vault, std::string::npos);
  ASSERT_NE(secret, std::string::npos);
  ASSERT_NE(webApp, std::string::npos);
  EXPECT_LT(vnet, vault);
  EXPECT_LT(vault, secret);
  EXPECT_LT(secret, webApp);
}

TEST(PlanText, AlignsTableColumns) {
  std::string text = renderPlanText(samplePlan(), false);
  auto header = text.find("  Order");
  ASSERT_NE(header, std::string::npos);
  std::string headerLine = text.substr(header, text.find('\n', header) - header);
  std::size_t strategyColumn = headerLine.find("Strategy");
  ASSERT_NE(strategyColumn, std::string::npos);
  auto rowStart = text.find("\n  2 ", header);
  ASSERT_NE(rowStart, std::string::npos);
  std::string row = text.substr(rowStart + 1, text.find('\n', rowStart + 1) - rowStart - 1);
  EXPECT_EQ(row.find("redeploy-with-data"), strategyColumn) << headerLine << "\n" << row;
}

TEST(PlanText, ShowsHeaderAndSections) {
  std::string text = renderPlanText(samplePlan(), false);
  EXPECT_NE(text.find("westeurope"), std::string::npos);
  EXPECT_NE(text.find("northeurope"), std::string::npos);
  EXPECT_NE(text.find("kv-app-neu"), std::string::npos);
  EXPECT_NE(text.find("wave 1: step 2"), std::string::npos);
  EXPECT_NE(text.find("1. restart app-web after the settings change"), std::string::npos);
  EXPECT_NE(text.find("[E-VAULT-NAME-TAKEN]"), std::string::npos);
  EXPECT_NE(text.find("[W-SECRET-EXPIRED]"), std::string::npos);
  EXPECT_NE(text.find("[I-DEPLOYMENT-CONTEXT-ASSUMED]"), std::string::npos);
  EXPECT_NE(text.find("log-ops"), std::string::npos);
  EXPECT_NE(text.find("about 7 min"), std::string::npos);
}

TEST(PlanText, ExplainAddsRulesAndPlacement) {
  std::string plain = renderPlanText(samplePlan(), false);
  std::string explained = renderPlanText(samplePlan(), true);
  EXPECT_EQ(plain.find("rule-redeploy-with-data"), std::string::npos);
  EXPECT_NE(explained.find("rule-redeploy-with-data"), std::string::npos);
  EXPECT_NE(explained.find("network-rule-subnet: properties.networkAcls"), std::string::npos);
  EXPECT_NE(explained.find("same-geography-restore"), std::string::npos);
}

TEST(PlanText, HasNoTrailingSpaces) {
  std::string text = renderPlanText(samplePlan(), true);
  EXPECT_EQ(text.find(" \n"), std::string::npos);
}

TEST(PlanMarkdown, EscapesPipesInCells) {
  std::string markdown = renderPlanMarkdown(samplePlan(), false);
  EXPECT_NE(markdown.find("the vault \\| moves with its data"), std::string::npos);
  EXPECT_EQ(markdown.find("the vault | moves"), std::string::npos);
}

TEST(PlanMarkdown, UsesHeadingsAndTables) {
  std::string markdown = renderPlanMarkdown(samplePlan(), true);
  EXPECT_EQ(markdown.rfind("# Relocation plan\n", 0), 0u);
  EXPECT_NE(markdown.find("\n## Steps\n"), std::string::npos);
  EXPECT_NE(markdown.find("| Order | Wave | Strategy | Type | Name | Target | Reason |"), std::string::npos);
  EXPECT_NE(markdown.find("\n## Blockers\n"), std::string::npos);
  EXPECT_NE(markdown.find("\n## Feasibility rules run\n"), std::string::npos);
}

TEST(PlanReports, AreDeterministic) {
  EXPECT_EQ(renderPlanText(samplePlan(), true), renderPlanText(samplePlan(), true));
  EXPECT_EQ(renderPlanMarkdown(samplePlan(), true), renderPlanMarkdown(samplePlan(), true));
  EXPECT_EQ(renderPlanJson(samplePlan()), renderPlanJson(samplePlan()));
}

TEST(HumanDuration, RoundsToReadableUnits) {
  EXPECT_EQ(humanDuration(0.2), "under 1 s");
  EXPECT_EQ(humanDuration(40), "about 40 s");
  EXPECT_EQ(humanDuration(420), "about 7 min");
  EXPECT_EQ(humanDuration(7500), "about 2 h 5 min");
  EXPECT_EQ(humanDuration(-1), "unknown");
}

}  // namespace
}  // namespace kvr::viz
