// The SQLite journal and the source write guard.

#include "executor/journal.h"
#include "executor/source_guard.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace kvr::executor {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  JournalTest() : path_((std::filesystem::temp_directory_path() / ("kvr-journal-" + std::to_string(::getpid()) + ".db")).string()) {
    remove();
  }
  ~JournalTest() override { remove(); }
  void remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  std::string path_;
};

TEST_F(JournalTest, EntriesSurviveReopening) {
  {
    SqliteJournal journal(path_);
    journal.intend("step-a", "v1", {{"hash", "ab12"}});
    journal.complete("step-a", "v1", {{"targetId", "t1"}});
    journal.intend("step-a", "v2", {{"hash", "cd34"}});
  }
  SqliteJournal reopened(path_);
  std::vector<JournalEntry> entries = reopened.entries("step-a");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].item, "v1");
  EXPECT_EQ(entries[0].state, EntryState::Completed);
  EXPECT_EQ(entries[0].detail["targetId"], "t1");
  EXPECT_EQ(entries[1].state, EntryState::Intended);
  EXPECT_FALSE(reopened.entry("step-b", "").has_value());
}

TEST_F(JournalTest, RunStateIsRestoredFromTheJournal) {
  {
    SqliteJournal journal(path_);
    RunState state;
    bindRunState(state, journal);
    state.mapResource("/SUBSCRIPTIONS/S/a", "/subscriptions/s/b");
    state.setVaultUri("/subscriptions/s/v", "https://v.vault.azure.net");
  }
  SqliteJournal reopened(path_);
  RunState state;
  bindRunState(state, reopened);
  EXPECT_EQ(state.targetResource("/subscriptions/s/a"), "/subscriptions/s/b");
  EXPECT_EQ(state.vaultUri("/subscriptions/s/v"), "https://v.vault.azure.net/");
}

TEST_F(JournalTest, RunRecordAndStepStatuses) {
  SqliteJournal journal(":memory:");
  EXPECT_FALSE(journal.run().has_value());
  journal.beginRun({"hash1", "1.0", "s/rg/westeurope", "s/rg2/northeurope", "2025-01-01T00:00:00Z", "", ""});
  journal.setStepStatus("a", StepStatus::Failed, "boom");
  journal.finishRun("failed", "2025-01-01T00:01:00Z");
  EXPECT_EQ(journal.run()->status, "failed");
  EXPECT_EQ(journal.run()->planHash, "hash1");
  EXPECT_EQ(journal.steps().at("a").status, StepStatus::Failed);
  EXPECT_EQ(journal.steps().at("a").message, "boom");
  EXPECT_THROW(journal.beginRun({"hash2", "1.0", "", "", "", "", ""}), JournalError);
}

TEST_F(JournalTest, FileThatIsNotAJournalIsRejected) {
  { std::ofstream(path_) << "not a database, just text that is long enough to have a header............"; }
  EXPECT_THROW(SqliteJournal journal(path_), JournalError);
}

Plan guardPlan() {
  Plan plan;
  plan.vaults.push_back({"/subscriptions/s/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/kv1", "kv1",
                         "/subscriptions/s/resourceGroups/rg2/providers/Microsoft.KeyVault/vaults/kv2", "kv2", ""});
  PlanNode vault;
  vault.key = toLower(plan.vaults[0].sourceId);
  vault.id = plan.vaults[0].sourceId;
  vault.targetId = plan.vaults[0].targetId;
  vault.strategy = Strategy::RedeployWithData;
  PlanNode app;
  app.id = "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Web/sites/app1";
  app.key = toLower(app.id);
  app.targetId = app.id;
  app.strategy = Strategy::Repoint;
  plan.nodes = {vault, app};
  return plan;
}

TEST(SourceWriteGuardTest, RefusesWritesToTheSource) {
  SourceWriteGuard guard(guardPlan());
  const std::string arm = "https://management.azure.com";
  EXPECT_THROW(guard.check("PUT", arm + "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/kv1?api-version=1"),
               SourceWriteRefused);
  EXPECT_THROW(guard.check("PUT", arm + "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/KV1/accessPolicies/add"),
               SourceWriteRefused);
  EXPECT_THROW(guard.check("DELETE", arm + "/subscriptions/s/resourceGroups/rg9/providers/Microsoft.Network/virtualNetworks/v"),
               SourceWriteRefused);
  EXPECT_NO_THROW(guard.check("GET", arm + "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/kv1"));
}

TEST(SourceWriteGuardTest, AllowsTargetsAndRepointedConsumers) {
  SourceWriteGuard guard(guardPlan());
  const std::string arm = "https://management.azure.com";
  EXPECT_NO_THROW(guard.check("PUT", arm + "/subscriptions/s/resourceGroups/rg2/providers/Microsoft.KeyVault/vaults/kv2?api-version=1"));
  EXPECT_NO_THROW(guard.check("PUT", arm + "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Web/sites/app1/config/appsettings"));
  EXPECT_THROW(guard.check("PUT", arm + "/subscriptions/s/resourceGroups/rg2"), SourceWriteRefused);
  guard.addTargetResourceGroup("/subscriptions/s/resourceGroups/rg2");
  EXPECT_NO_THROW(guard.check("PUT", arm + "/subscriptions/s/resourceGroups/rg2?api-version=2021-04-01"));
}

TEST(SourceWriteGuardTest, SourceVaultDataPlaneIsOnlyRead) {
  SourceWriteGuard guard(guardPlan());
  guard.addSourceVaultUri("https://kv1.vault.azure.net/");
  guard.addTargetVaultUri("https://kv2.vault.azure.net/");
  EXPECT_NO_THROW(guard.check("POST", "https://kv1.vault.azure.net/secrets/s1/backup?api-version=7.6"));
  EXPECT_THROW(guard.check("PUT", "https://kv1.vault.azure.net/secrets/s1?api-version=7.6"), SourceWriteRefused);
  EXPECT_THROW(guard.check("PATCH", "https://kv1.vault.azure.net/secrets/s1/v1?api-version=7.6"), SourceWriteRefused);
  EXPECT_NO_THROW(guard.check("PUT", "https://kv2.vault.azure.net/secrets/s1?api-version=7.6"));
  EXPECT_THROW(guard.check("PUT", "https://kv3.vault.azure.net/secrets/s1?api-version=7.6"), SourceWriteRefused);

  SourceWriteGuard allowing(guardPlan(), {true});
  allowing.addSourceVaultUri("https://kv1.vault.azure.net/");
  EXPECT_NO_THROW(allowing.check("PATCH", "https://kv1.vault.azure.net/secrets/s1/v1?api-version=7.6"));
}

}  // namespace
}  // namespace kvr::executor
