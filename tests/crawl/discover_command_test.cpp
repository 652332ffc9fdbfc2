// The discover command writes an inventory file that plan reads back.

#include <filesystem>
#include <fstream>

#include "cli/discover.h"
#include "cli/exit_codes.h"
#include "crawl_fixture.h"

namespace kvr::testing {
namespace {

constexpr const char* kVaultId =
    "/subscriptions/6f1c2a4e-3b7d-4c8e-9a1f-2d5e8b0c7a93/resourceGroups/rg-payments-weu/providers/"
    "Microsoft.KeyVault/vaults/kv-payments-weu";

class DiscoverCommand : public CrawlTest {
 protected:
  DiscoverCommand() {
    seed(readJsonFile(examplePath("inventory.json")));
    output_ = std::filesystem::temp_directory_path() / "kvr-discover-command-test.json";
    std::filesystem::remove(output_);
  }
  ~DiscoverCommand() override { std::filesystem::remove(output_); }

  int run(const std::string& vaultId) {
    azure::AzureClient client(transport_, credential_, clientOptions(), timer_);
    cli::DiscoverArguments arguments;
    arguments.vaultId = vaultId;
    arguments.outputFile = output_.string();
    return cli::runDiscover(arguments, client);
  }

  std::filesystem::path output_;
};

TEST_F(DiscoverCommand, WrittenInventoryPlans) {
  ASSERT_EQ(run(kVaultId), cli::kExitSuccess);
  std::ifstream in(output_);
  std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  expectNoSecretsIn(written, "the written inventory");
  expectNoSecretsIn(logText(), "the log");

  Plan plan = planFiles({output_.string()}, PlanOptions{.targetRegion = "northeurope"});
  EXPECT_FALSE(plan.hasBlockers());
  ASSERT_NE(findNode(plan, "kv-payments-weu"), nullptr);
  EXPECT_EQ(strategyName(findNode(plan, "kv-payments-weu")->strategy), std::string("redeploy-with-data"));
  EXPECT_EQ(Json::parse(written)["asOf"].get<std::string>().size(), 20u);
}

TEST_F(DiscoverCommand, MissingVaultIsInvalidInput) {
  EXPECT_EQ(run(std::string(kVaultId) + "x"), cli::kExitInvalidInput);
  EXPECT_FALSE(std::filesystem::exists(output_));
}

}  // namespace
}  // namespace kvr::testing
