#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "discovery/diagnostics.h"
#include "support/cases.h"
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

TEST(PlanText, RoleAssignmentTargetIsTheDerivedName) {
  Plan plan = kvr::testing::planFiles({kvr::testing::failurePath("B13-appservice-keyvault-references.json")});
  std::string text = renderPlanText(plan, false);
  EXPECT_NE(text.find("Target: d770f0f6-0a5c-5fdd-8877-505d01a57441 in rg-shop-sea"), std::string::npos) << text;
  EXPECT_EQ(text.find("Target: 99999999-9999-9999-9999-999999999913"), std::string::npos) << text;
}

TEST(PlanText, ReplacedPrincipalRoleAssignmentSaysApplyTime) {
  Estate estate = kvr::testing::loadFiles({kvr::testing::failurePath("B13-appservice-keyvault-references.json")});
  estate.relocation.options["knownPrincipals"] = {
      {"aaaaaaaa-0000-0000-0000-000000000001", {{"ownerResource", "id-shop-front"}, {"recreatedInTarget", true}}}};
  std::string text = renderPlanText(makePlan(estate, {}), false);
  EXPECT_NE(text.find("Target: name derived at apply time"), std::string::npos) << text;
  EXPECT_EQ(text.find("Target: 99999999-9999-9999-9999-999999999913"), std::string::npos) << text;
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

// The text with each line break and the indent after it turned into one space, as it
// reads before wrapping.
std::string withoutLineBreaks(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') {
      out += text[i];
      continue;
    }
    out += ' ';
    while (i + 1 < text.size() && text[i + 1] == ' ') ++i;
  }
  return out;
}

TEST(PlanText, ExplainAddsRulesAndPlacement) {
  std::string plain = renderPlanText(samplePlan(), false);
  std::string explained = renderPlanText(samplePlan(), true);
  EXPECT_EQ(plain.find("rule-redeploy-with-data"), std::string::npos);
  EXPECT_NE(explained.find("rule-redeploy-with-data"), std::string::npos);
  EXPECT_NE(withoutLineBreaks(explained).find("network-rule-subnet: properties.networkAcls"), std::string::npos);
  EXPECT_NE(explained.find("same-geography-restore"), std::string::npos);
}

// samplePlan() with an external disk at step 5 and a numbered manual step of the planner.
Plan planWithExternalDisk() {
  Plan plan = samplePlan();
  PlanNode disk = kvr::testing::sampleNode(
      "rg-app-weu", "Microsoft.Compute/disks", "vm-batch01_OsDisk_1_3f9c2a7e5b1d4e08a6c4f2b9d7e1a053",
      "Microsoft.Compute/disks/vm-batch01_OsDisk_1_3f9c2a7e5b1d4e08a6c4f2b9d7e1a053", Strategy::External,
      "it must stay in the same region as the vault it uses, so it is relocated by its own procedure and the plan "
      "waits for its new id");
  disk.order = 5;
  disk.wave = 4;
  plan.nodes.push_back(disk);
  std::sort(plan.nodes.begin(), plan.nodes.end(), [](const PlanNode& a, const PlanNode& b) { return a.key < b.key; });
  plan.steps.push_back({5, 4, disk.key, {2}});
  plan.manualSteps.push_back("step 3: compare the disabled versions by hand");
  plan.diagnostics.warning("W-CONSUMER-LOSES-NETWORK-ACCESS",
                           "app-web stays in its source subnet snet-app, but the new vault allows only the target subnet "
                           "and denies other traffic; add a network rule for the source subnet to the new vault, or move "
                           "app-web into the target network before re-pointing it",
                           kvr::testing::sampleId("rg-app-weu", "Microsoft.Web/sites/app-web"));
  return plan;
}

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

TEST(PlanText, ManualStepsListExternalSteps) {
  std::string text = withoutLineBreaks(renderPlanText(planWithExternalDisk(), false));
  std::string section = text.substr(text.find("Manual steps"), text.find("Blockers") - text.find("Manual steps"));
  EXPECT_NE(section.find("1. restart app-web after the settings change"), std::string::npos) << section;
  EXPECT_NE(section.find("2. step 3: compare the disabled versions by hand"), std::string::npos) << section;
  EXPECT_NE(section.find("3. step 5: Relocate vm-batch01_OsDisk_1_3f9c2a7e5b1d4e08a6c4f2b9d7e1a053 (disks) to "
                         "northeurope by its own procedure. apply stops at this step until its new id is passed with "
                         "--map SOURCE_ID=NEW_ID."),
            std::string::npos)
      << section;
  EXPECT_EQ(section.find("None."), std::string::npos) << section;
}

TEST(PlanMarkdown, ManualStepsListExternalSteps) {
  std::string markdown = renderPlanMarkdown(planWithExternalDisk(), false);
  EXPECT_NE(markdown.find("3. step 5: Relocate vm-batch01_OsDisk_1_3f9c2a7e5b1d4e08a6c4f2b9d7e1a053 (disks) to "
                          "northeurope by its own procedure."),
            std::string::npos)
      << markdown;
}

TEST(PlanText, LinesFitTerminalWidth) {
  for (bool explain : {false, true}) {
    for (const std::string& line : linesOf(renderPlanText(planWithExternalDisk(), explain))) {
      EXPECT_LE(line.size(), 100u) << line;
    }
  }
}

TEST(PlanText, NamesResourcesWithoutFullIds) {
  std::string text = renderPlanText(planWithExternalDisk(), false);
  EXPECT_EQ(text.find("/subscriptions/"), std::string::npos) << text;
  EXPECT_NE(text.find("[W-CONSUMER-LOSES-NETWORK-ACCESS]"), std::string::npos);
  EXPECT_NE(withoutLineBreaks(text).find("(app-web (sites))"), std::string::npos) << text;
}

TEST(PlanText, StepReasonFollowsItsRow) {
  std::string text = renderPlanText(samplePlan(), false);
  std::size_t row = text.find("vnet-app (virtualNetworks in rg-net)\n");
  ASSERT_NE(row, std::string::npos) << text;
  std::size_t reason = text.find("\n", row) + 1;
  EXPECT_EQ(text.substr(reason, text.find('\n', reason) - reason).find_first_not_of(' '),
            text.substr(text.rfind('\n', row) + 1).find("vnet-app"))
      << "the reason line starts under the resource:\n"
      << text;
  EXPECT_NE(text.find("Reason: network of the vault\n", reason), std::string::npos) << text;
}

TEST(PlanMarkdown, KeepsFullIdsOfOutOfScopeResources) {
  std::string markdown = renderPlanMarkdown(samplePlan(), false);
  EXPECT_NE(markdown.find(kvr::testing::sampleId("rg-ops", "Microsoft.OperationalInsights/workspaces/log-ops")),
            std::string::npos);
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
  EXPECT_NE(markdown.find("| Order | Wave | Strategy | Resource | Target | Reason |"), std::string::npos);
  EXPECT_NE(markdown.find("\n## Blockers\n"), std::string::npos);
  EXPECT_NE(markdown.find("\n## Feasibility rules run\n"), std::string::npos);
}

// samplePlan() with a reused private DNS zone, a dropped certificate-managed secret and an
// added access grant that ends the longest chain.
Plan planWithKeptDroppedAndGrant() {
  Plan plan = samplePlan();
  PlanNode zone = kvr::testing::sampleNode("rg-net", "Microsoft.Network/privateDnsZones", "privatelink.vaultcore.azure.net",
                                           "Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net",
                                           Strategy::Reuse, "private DNS zones are global");
  PlanNode managed = kvr::testing::sampleNode("rg-app-weu", "Microsoft.KeyVault/vaults/secrets", "kv-app-weu/app-tls",
                                              "Microsoft.KeyVault/vaults/kv-app-weu/secrets/app-tls", Strategy::Drop,
                                              "managed by its certificate");
  std::string vaultKey;
  for (const auto& node : plan.nodes) {
    if (node.name == "kv-app-weu") vaultKey = node.key;
  }
  PlanNode grant;
  grant.key = vaultKey + "#grant/" + kvr::testing::sampleId("rg-app-weu", "Microsoft.Web/sites/app-web");
  grant.type = "Microsoft.KeyVault/vaults/accessPolicies";
  grant.name = "kv-app-weu/grant-app-web";
  grant.targetName = "kv-app-neu";
  grant.strategy = Strategy::Reconfigure;
  grant.reason = "grants the new identity of app-web";
  grant.order = 5;
  grant.wave = 4;
  plan.nodes.push_back(zone);
  plan.nodes.push_back(managed);
  plan.nodes.push_back(grant);
  std::sort(plan.nodes.begin(), plan.nodes.end(), [](const PlanNode& a, const PlanNode& b) { return a.key < b.key; });
  plan.steps.push_back({5, 4, grant.key, {4}});
  plan.estimate.criticalPath.push_back(grant.key);
  return plan;
}

// The lines of the section under `heading`, each ending in a line break, up to the next
// blank line.
std::string sectionOf(const std::string& report, const std::string& heading) {
  std::size_t start = report.find("\n" + heading + "\n");
  if (start == std::string::npos) return "";
  std::size_t end = report.find("\n\n", start + 1);
  return report.substr(start + 1, end == std::string::npos ? std::string::npos : end - start);
}

TEST(PlanText, ListsKeptAndDroppedResources) {
  std::string section = sectionOf(renderPlanText(planWithKeptDroppedAndGrant(), false), "Kept or dropped");
  ASSERT_FALSE(section.empty());
  std::size_t zone = section.find("  reuse     privatelink.vaultcore.azure.net (privateDnsZones in rg-net)\n");
  std::size_t secret = section.find("  drop      kv-app-weu/app-tls (vaults/secrets)\n");
  ASSERT_NE(zone, std::string::npos) << section;
  ASSERT_NE(secret, std::string::npos) << section;
  EXPECT_NE(section.find("Reason: private DNS zones are global\n", zone), std::string::npos) << section;
  EXPECT_NE(section.find("Reason: managed by its certificate", secret), std::string::npos) << section;
  // Rows follow the plan's node order, which is sorted by key.
  EXPECT_LT(secret, zone) << section;
}

TEST(PlanText, KeptOrDroppedSaysNoneWhenEmpty) {
  std::string section = sectionOf(renderPlanText(samplePlan(), false), "Kept or dropped");
  EXPECT_EQ(section, "Kept or dropped\n---------------\n  None.\n");
}

TEST(PlanMarkdown, ListsKeptAndDroppedResources) {
  std::string markdown = renderPlanMarkdown(planWithKeptDroppedAndGrant(), false);
  std::size_t section = markdown.find("\n## Kept or dropped\n");
  ASSERT_NE(section, std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| Strategy | Resource | Reason |", section), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| reuse | privatelink.vaultcore.azure.net (privateDnsZones in rg-net) | private DNS zones are "
                          "global |",
                          section),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("| drop | kv-app-weu/app-tls (vaults/secrets) | managed by its certificate |", section),
            std::string::npos)
      << markdown;
}

TEST(PlanText, LongestChainUsesStepLabels) {
  std::string text = withoutLineBreaks(renderPlanText(planWithKeptDroppedAndGrant(), false));
  std::size_t chain = text.find("Longest chain: ");
  ASSERT_NE(chain, std::string::npos) << text;
  EXPECT_NE(text.find("vnet-app (virtualNetworks in rg-net) -> kv-app-weu (vaults)", chain), std::string::npos) << text;
  EXPECT_NE(text.find("-> access for app-web on kv-app-neu", chain), std::string::npos) << text;
  EXPECT_EQ(text.find("grant-app-web"), std::string::npos) << text;
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
