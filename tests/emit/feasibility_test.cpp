// Input problems that stop a target template: malformed and over-long expressions, and
// target ids that would overwrite the source; and the rules --explain lists.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "support/cases.h"
#include "viz/report.h"

namespace kvr {
namespace {

namespace fs = std::filesystem;

// The malformed rule of the manual relocation procedure: two calls are never closed.
constexpr const char* kMalformedRule =
    "[concat(parameters('target_subnet_name'), concat('/subnets/', parameters('target_subnet_name')]";

std::string vaultTemplate(const std::string& ruleId) {
  Json document = Json::parse(R"({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {
      "target_subnet_name": { "defaultValue": "snet-app", "type": "String" }
    },
    "resources": [
      {
        "type": "Microsoft.KeyVault/vaults",
        "apiVersion": "2023-07-01",
        "name": "kv-orders-weu",
        "location": "westeurope",
        "properties": {
          "sku": { "family": "A", "name": "standard" },
          "tenantId": "11111111-1111-1111-1111-111111111111",
          "networkAcls": {
            "bypass": "AzureServices",
            "defaultAction": "Deny",
            "virtualNetworkRules": [ { "id": "", "ignoreMissingVnetServiceEndpoint": false } ]
          }
        }
      }
    ]
  })");
  document["resources"][0]["properties"]["networkAcls"]["virtualNetworkRules"][0]["id"] = ruleId;
  return document.dump(2);
}

class Feasibility : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    directory_ = (fs::temp_directory_path() /
                  ("kvr-feasibility-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
                     .string();
    fs::create_directories(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = directory_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::string directory_;
};

TEST_F(Feasibility, MalformedRuleNamesFilePointerAndPosition) {
  std::string file = write("malformed.json", vaultTemplate(kMalformedRule));
  Estate estate = testing::loadFiles({file});
  std::vector<Diagnostic> syntax;
  for (const auto& diagnostic : estate.diagnostics.all()) {
    if (diagnostic.code == "E-EXPRESSION-SYNTAX") syntax.push_back(diagnostic);
  }
  ASSERT_EQ(syntax.size(), 1u);
  EXPECT_EQ(syntax[0].severity, Severity::Error);
  EXPECT_EQ(syntax[0].location.file, file);
  EXPECT_EQ(syntax[0].location.pointer, "/resources/0/properties/networkAcls/virtualNetworkRules/0/id");
  // The expression ends at its closing bracket (offset 94, shown 1-based as character 95)
  // with two calls still open.
  EXPECT_EQ(std::string(kMalformedRule).size(), 95u);
  EXPECT_EQ(syntax[0].location.column, 94);
  EXPECT_EQ(syntax[0].location.str(), file + "#/resources/0/properties/networkAcls/virtualNetworkRules/0/id at character 95");
}

TEST_F(Feasibility, MalformedRuleExitsWithInvalidInput) {
  cli::PlanArguments arguments;
  arguments.input.files = {write("malformed.json", vaultTemplate(kMalformedRule))};
  arguments.input.targetRegion = "northeurope";
  arguments.outputFile = directory_ + "/plan.txt";
  arguments.emitTemplateDirectory = directory_ + "/target";
  EXPECT_EQ(cli::runPlan(arguments, {}), cli::kExitInvalidInput);
  EXPECT_FALSE(fs::exists(directory_ + "/target/template.json"));
  std::ifstream report(arguments.outputFile);
  std::string text((std::istreambuf_iterator<char>(report)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("E-TEMPLATE-NOT-WRITTEN"), std::string::npos);
}

TEST_F(Feasibility, ValidRuleWritesTemplate) {
  cli::PlanArguments arguments;
  arguments.input.files = {write("valid.json",
                                 vaultTemplate("[concat('/subscriptions/00000000-0000-0000-0000-000000000000/"
                                               "resourceGroups/rg-net-weu/providers/Microsoft.Network/"
                                               "virtualNetworks/vnet-weu/subnets/', parameters('target_subnet_name'))]"))};
  arguments.input.targetRegion = "northeurope";
  arguments.outputFile = directory_ + "/plan.txt";
  arguments.emitTemplateDirectory = directory_ + "/target";
  EXPECT_EQ(cli::runPlan(arguments, {}), cli::kExitSuccess);
  EXPECT_TRUE(fs::exists(directory_ + "/target/template.json"));
  EXPECT_TRUE(fs::exists(directory_ + "/target/parameters.json"));
}

TEST_F(Feasibility, LongExpressionRejectedWithPointer) {
  std::string longName = "[concat('kv-', '" + std::string(24600, 'a') + "')]";
  Json document = Json::parse(vaultTemplate("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
                                            "rg-net-weu/providers/Microsoft.Network/virtualNetworks/vnet-weu/"
                                            "subnets/snet-app"));
  document["resources"][0]["tags"] = Json{{"note", longName}};
  std::string file = write("long.json", document.dump(2));
  PlanOptions options;
  options.targetRegion = "northeurope";
  Plan plan = testing::planFiles({file}, options);
  std::vector<Diagnostic> found;
  for (const auto& diagnostic : plan.diagnostics.all()) {
    if (diagnostic.code == "E-EXPRESSION-TOO-LONG") found.push_back(diagnostic);
  }
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].location.file, file);
  EXPECT_EQ(found[0].location.pointer, "/resources/0/tags/note");
  EXPECT_NE(found[0].message.find("24576"), std::string::npos);
}

TEST_F(Feasibility, ExpressionAtLimitAccepted) {
  std::string frame = "[concat('', '')]";
  std::string atLimit = "[concat('" + std::string(24576 - frame.size(), 'a') + "', '')]";
  ASSERT_EQ(atLimit.size(), 24576u);
  Json document = Json::parse(vaultTemplate("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
                                            "rg-net-weu/providers/Microsoft.Network/virtualNetworks/vnet-weu/"
                                            "subnets/snet-app"));
  document["resources"][0]["tags"] = Json{{"note", atLimit}};
  PlanOptions options;
  options.targetRegion = "northeurope";
  Plan plan = testing::planFiles({write("limit.json", document.dump(2))}, options);
  EXPECT_EQ(testing::countCode(plan, "E-EXPRESSION-TOO-LONG"), 0u);
}

TEST_F(Feasibility, TargetIdEqualToSourceBlocks) {
  // The source group named as the target, with names that carry no region part the
  // planner recognises: the VNet's target id is its source id.
  PlanOptions options;
  options.targetRegion = "northeurope";
  options.targetResourceGroup = "rg-unknown";  // the group assumed for this file alone
  Plan plan = testing::planFiles({testing::templatePath("exported-hub-lz-net-kv-pe-appgw-secrets.json")}, options);
  auto messages = testing::messagesFor(plan, "E-TARGET-ID-IS-SOURCE");
  ASSERT_FALSE(messages.empty());
  bool namesVnet = false;
  for (const auto& message : messages) namesVnet = namesVnet || message.find("'vnet-hub-lz-pro-spc1-con-01'") != std::string::npos;
  EXPECT_TRUE(namesVnet);
  // Subnets share their network's cause and are not reported again.
  for (const auto& message : messages) EXPECT_EQ(message.find("/snet-"), std::string::npos) << message;

  options.targetResourceGroup = "rg-hub-lz-pro-neu-con-net-01";
  Plan moved = testing::planFiles({testing::templatePath("exported-hub-lz-net-kv-pe-appgw-secrets.json")}, options);
  EXPECT_EQ(testing::countCode(moved, "E-TARGET-ID-IS-SOURCE"), 0u);
}

TEST_F(Feasibility, ExplainListsRulesRun) {
  PlanOptions options;
  options.targetRegion = "northeurope";
  Plan plan = testing::planFiles({testing::examplePath("network.json"), testing::examplePath("keyvault.json")}, options);
  std::string text = viz::renderPlanText(plan, /*explain=*/true);
  for (const char* rule : {"vault-name-rules", "target-name-availability", "geography", "version-limits", "hsm-keys",
                           "certificate-reissue", "private-endpoint-limit", "expression-length", "target-ids-differ"}) {
    EXPECT_NE(text.find(rule), std::string::npos) << rule;
  }
  EXPECT_EQ(viz::renderPlanText(plan, /*explain=*/false).find("expression-length"), std::string::npos);
}

TEST_F(Feasibility, CrossGeographyPlanSaysWhy) {
  PlanOptions options;
  options.targetRegion = "eastus";
  Plan plan = testing::planFiles({testing::examplePath("network.json"), testing::examplePath("keyvault.json")}, options);
  auto notes = testing::messagesFor(plan, "I-CROSS-GEOGRAPHY");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("regenerated"), std::string::npos);
  EXPECT_NE(notes[0].find("PFX"), std::string::npos);
  const PlanNode* key = testing::findNode(plan, "kv-payments-weu/disk-cmk");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->strategy, Strategy::RegenerateKey);

  options.targetRegion = "northeurope";
  Plan sameGeography = testing::planFiles({testing::examplePath("network.json"), testing::examplePath("keyvault.json")},
                                          options);
  const PlanNode* restored = testing::findNode(sameGeography, "kv-payments-weu/disk-cmk");
  ASSERT_NE(restored, nullptr);
  EXPECT_EQ(restored->strategy, Strategy::BackupRestore);
  EXPECT_NE(restored->reason.find("same geography"), std::string::npos) << restored->reason;
}

}  // namespace
}  // namespace kvr
