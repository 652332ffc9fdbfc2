#include <gtest/gtest.h>

#include <sstream>

#include "executor/events.h"

namespace kvr::executor {
namespace {

const std::string kGroup = "/subscriptions/s1/resourceGroups/rg-app-weu";
const std::string kNsg = "/subscriptions/s1/resourceGroups/rg-net-weu/providers/Microsoft.Network/networkSecurityGroups/nsg-App";
const std::string kVault = kGroup + "/providers/Microsoft.KeyVault/vaults/kv-app-weu";

PlanNode node(const std::string& id, const std::string& type, const std::string& name, Strategy strategy) {
  PlanNode out;
  out.key = toLower(id);
  out.id = id;
  out.type = type;
  out.name = name;
  out.strategy = strategy;
  return out;
}

Plan samplePlan() {
  Plan plan;
  plan.source.resourceGroup = "rg-app-weu";
  plan.nodes.push_back(node(kNsg, "Microsoft.Network/networkSecurityGroups", "nsg-App", Strategy::Redeploy));
  PlanNode vault = node(kVault, "Microsoft.KeyVault/vaults", "kv-app-weu", Strategy::RedeployWithData);
  vault.targetName = "kv-app-neu";
  plan.nodes.push_back(vault);
  plan.nodes.push_back(node(kVault + "/secrets/db", "Microsoft.KeyVault/vaults/secrets", "kv-app-weu/db", Strategy::CopySecret));
  plan.nodes.push_back(node(kVault + "/keys/cmk", "Microsoft.KeyVault/vaults/keys", "kv-app-weu/cmk", Strategy::BackupRestore));
  PlanNode grant;
  grant.key = toLower(kVault) + "#grant/" + toLower(kGroup) + "/providers/microsoft.compute/diskencryptionsets/des-app";
  grant.type = "Microsoft.KeyVault/vaults/accessPolicies";
  grant.name = "kv-app-weu/grant-des-App";
  grant.targetName = "kv-app-neu";
  grant.strategy = Strategy::Reconfigure;
  plan.nodes.push_back(grant);
  std::sort(plan.nodes.begin(), plan.nodes.end(), [](const PlanNode& a, const PlanNode& b) { return a.key < b.key; });
  return plan;
}

TEST(TextEvents, NamesStepByResourceNameAndType) {
  Plan plan = samplePlan();
  std::ostringstream out;
  auto events = makeTextEvents(out, false, &plan);
  events->stepFinished(toLower(kNsg), StepStatus::Completed, "");
  EXPECT_EQ(out.str(), "completed: nsg-App (networkSecurityGroups in rg-net-weu)\n");
}

TEST(TextEvents, RenamedResourceShowsItsNewName) {
  Plan plan = samplePlan();
  std::ostringstream out;
  auto events = makeTextEvents(out, false, &plan);
  events->stepFinished(toLower(kVault), StepStatus::Completed, "");
  EXPECT_EQ(out.str(), "completed: kv-app-weu -> kv-app-neu (vaults)\n");
}

TEST(TextEvents, NamesGrantStepByGranteeAndVault) {
  Plan plan = samplePlan();
  std::ostringstream out;
  auto events = makeTextEvents(out, false, &plan);
  const PlanNode* grant = nullptr;
  for (const auto& candidate : plan.nodes) {
    if (candidate.key.find("#grant/") != std::string::npos) grant = &candidate;
  }
  ASSERT_NE(grant, nullptr);
  events->stepFinished(grant->key, StepStatus::Completed, "");
  EXPECT_EQ(out.str(), "completed: access for des-App on kv-app-neu\n");
}

TEST(TextEvents, WaitingStepLeavesMessageToSummary) {
  Plan plan = samplePlan();
  std::ostringstream out;
  auto events = makeTextEvents(out, false, &plan);
  events->stepFinished(toLower(kNsg), StepStatus::WaitingForOperator, "move it to northeurope");
  EXPECT_EQ(out.str(), "waiting for the operator: nsg-App (networkSecurityGroups in rg-net-weu)\n");
}

TEST(TextEvents, WaveWithoutObjectsShowsNoRate) {
  Plan plan = samplePlan();
  std::ostringstream out;
  auto events = makeTextEvents(out, false, &plan);
  events->waveStarted(1, 1);
  events->stepFinished(toLower(kNsg), StepStatus::Completed, "");
  WaveCounts counts;
  counts.wave = 1;
  counts.steps = 1;
  counts.done = 1;
  counts.seconds = 0.02;
  events->waveFinished(counts);
  EXPECT_EQ(out.str(), "completed: nsg-App (networkSecurityGroups in rg-net-weu)\nwave 1: 1/1 done\n");
}

TEST(TextEvents, WaveThatCopiedObjectsShowsObjectRate) {
  Plan plan = samplePlan();
  std::ostringstream out;
  auto events = makeTextEvents(out, false, &plan);
  events->waveStarted(2, 3);
  events->stepFinished(toLower(kVault + "/secrets/db"), StepStatus::Completed, "");
  events->stepFinished(toLower(kVault + "/keys/cmk"), StepStatus::Completed, "");
  events->stepFinished(toLower(kNsg), StepStatus::Failed, "conflict");
  WaveCounts counts;
  counts.wave = 2;
  counts.steps = 3;
  counts.done = 2;
  counts.failed = 1;
  counts.seconds = 0.5;
  events->waveFinished(counts);
  std::string text = out.str();
  EXPECT_NE(text.find("completed: kv-app-weu/db (vaults/secrets)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("failed: nsg-App (networkSecurityGroups in rg-net-weu): conflict\n"), std::string::npos) << text;
  EXPECT_NE(text.find("wave 2: 2/3 done, 1 failed; 2 Key Vault objects in 0.5 s (4.0 per second)\n"), std::string::npos)
      << text;
}

TEST(TextEvents, SummaryIsOneLine) {
  std::ostringstream out;
  auto events = makeTextEvents(out, false);
  ApplySummary summary;
  summary.status = "stopped";
  summary.done = 19;
  summary.waiting = 2;
  summary.requests = 80;
  summary.parallelism = 4;
  summary.operatorActions = {"move the disk"};
  summary.resumeCommand = "kvrelocate apply plan.json --journal j --resume";
  events->runFinished(summary);
  EXPECT_EQ(out.str(),
            "apply stopped: 19 steps done, 0 done earlier, 0 failed, 0 skipped, 2 waiting; 80 requests, 0 retries (0 "
            "throttled), up to 4 steps at once\n");
}

TEST(TextEvents, WithoutPlanNamesStepsByKey) {
  std::ostringstream out;
  auto events = makeTextEvents(out, false);
  events->stepFinished("some-key", StepStatus::Completed, "");
  EXPECT_EQ(out.str(), "completed: some-key\n");
}

}  // namespace
}  // namespace kvr::executor
