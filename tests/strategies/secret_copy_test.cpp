// How the plan sizes a secret copy: the versions the copy writes, which feed the estimate,
// and the relocation options that shape it.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include <unistd.h>

#include "support/cases.h"

namespace kvr {
namespace {

class SecretCopyPlan : public ::testing::Test {
 protected:
  ~SecretCopyPlan() override {
    if (!file_.empty()) std::filesystem::remove(file_);
  }

  // Plans the example inventory after `edit`, written to a file of its own.
  Plan planExample(const std::function<void(Json&)>& edit, PlanOptions options = {}) {
    Json inventory = readJsonFile(testing::examplePath("inventory.json"));
    edit(inventory);
    file_ = (std::filesystem::temp_directory_path() /
             (std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json"))
                .string();
    std::ofstream(file_) << inventory.dump();
    options.targetRegion = "northeurope";
    return testing::planFiles({file_}, options);
  }

  static std::size_t versionsToCopy(const Plan& plan, const std::string& secret) {
    const PlanNode* node = testing::findNode(plan, secret);
    EXPECT_NE(node, nullptr) << secret;
    return node ? node->parameters.value("versionsToCopy", std::size_t{0}) : 0;
  }

  std::string file_;
};

TEST_F(SecretCopyPlan, DisabledOlderVersionIsNotCountedAsAWrite) {
  Plan plan = planExample([](Json&) {});
  // db-connection has three versions; the middle one is disabled in the source.
  EXPECT_EQ(versionsToCopy(plan, "db-connection"), 2u);
  EXPECT_EQ(versionsToCopy(plan, "smtp-password"), 2u);
  EXPECT_EQ(testing::findNode(plan, "db-connection")->parameters.value("versions", 0), 3);
}

TEST_F(SecretCopyPlan, TemporaryEnableCountsEveryVersion) {
  Plan plan = planExample([](Json& inventory) { inventory["relocation"]["options"]["allowTemporaryEnableInSource"] = true; });
  EXPECT_EQ(versionsToCopy(plan, "db-connection"), 3u);
}

TEST_F(SecretCopyPlan, LatestPolicyWritesOneVersion) {
  PlanOptions options;
  options.secretVersions = "latest";
  Plan plan = planExample([](Json&) {}, options);
  EXPECT_EQ(versionsToCopy(plan, "db-connection"), 1u);
}

TEST_F(SecretCopyPlan, ReferencePinnedToADisabledVersionCannotBeRemapped) {
  Plan plan = planExample([](Json& inventory) {
    for (Json& resource : inventory["resources"]) {
      if (resource.value("type", "") != "Microsoft.Web/sites") continue;
      for (auto& [name, value] : resource["config"]["appSettings"].items()) {
        std::string text = value.is_string() ? value.get<std::string>() : "";
        if (text.find("secrets/db-connection") != std::string::npos) {
          value = "@Microsoft.KeyVault(SecretUri=https://kv-payments-weu.vault.azure.net/secrets/db-connection/"
                  "4c7e1b9d3f6a4c08b2e5d8a1f4c7b369)";
        }
      }
    }
  });
  std::vector<std::string> messages = testing::messagesFor(plan, "E-PINNED-VERSION-NOT-COPIED");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("4c7e1b9d3f6a4c08b2e5d8a1f4c7b369"), std::string::npos) << messages[0];
  EXPECT_NE(messages[0].find("disabled in the source"), std::string::npos) << messages[0];
}

TEST_F(SecretCopyPlan, ParallelRequestLimitIsCarriedIntoThePlan) {
  Plan plan = planExample([](Json& inventory) { inventory["relocation"]["options"]["maxParallelDataPlaneRequests"] = 4; });
  EXPECT_EQ(plan.options.value("maxParallelDataPlaneRequests", 0), 4);
  EXPECT_FALSE(planExample([](Json&) {}).options.contains("maxParallelDataPlaneRequests"));
}

TEST_F(SecretCopyPlan, InvalidParallelLimitIsError) {
  for (Json bad : {Json(0), Json(-3), Json("eight"), Json(2.5)}) {
    Plan plan = planExample([&](Json& inventory) { inventory["relocation"]["options"]["maxParallelDataPlaneRequests"] = bad; });
    bool named = false;
    for (const auto& diagnostic : plan.diagnostics.all()) {
      if (diagnostic.code == "E-INVENTORY-INVALID" && diagnostic.location.pointer == "/relocation/options/maxParallelDataPlaneRequests" &&
          diagnostic.location.file == file_) {
        named = true;
      }
    }
    EXPECT_TRUE(named) << bad.dump();
    EXPECT_FALSE(plan.options.contains("maxParallelDataPlaneRequests")) << bad.dump();
  }
}

}  // namespace
}  // namespace kvr
