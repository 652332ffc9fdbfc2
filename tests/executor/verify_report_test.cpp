// The verify table as a terminal shows it, and the plan warnings it repeats for attention.

#include <gtest/gtest.h>

#include <sstream>

#include "executor/verify.h"

namespace kvr::executor {
namespace {

const std::string kSubscription = "/subscriptions/6f1c2a4e-3b7d-4c8e-9a1f-2d5e8b0c7a93";
const std::string kNet = kSubscription + "/resourceGroups/rg-net-weu/providers/Microsoft.Network";
const std::string kApp = kSubscription + "/resourceGroups/rg-app-weu/providers/Microsoft.Web/sites/app-pay";
const std::string kSecret = kSubscription + "/resourceGroups/rg-app-weu/providers/Microsoft.KeyVault/vaults/kv-app/secrets/db";

VerifyReport sampleReport() {
  VerifyReport report;
  report.checks = {{kApp, "no reference to kv-app", true, ""},
                   {kSecret, "exists", true, ""},
                   {kSecret, "version 0a3f6c9e2b5d4e71a8c0f3b6d9e2a514 value", false,
                    "the target's value differs from the source's; copy the version again with apply --resume, or "
                    "compare the two versions by hand before the source vault is deleted"},
                   {kNet + "/virtualNetworks/vnet-pay/subnets/snet-app", "exists", true, ""}};
  return report;
}

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(VerifyTable, GroupsChecksByResourceGroupAndResource) {
  std::ostringstream out;
  printVerifyTable(sampleReport(), out);
  std::string text = out.str();
  EXPECT_NE(text.find("Subscription 6f1c2a4e-3b7d-4c8e-9a1f-2d5e8b0c7a93\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nResource group rg-app-weu\n  sites/app-pay\n    ok      no reference to kv-app\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  vaults/kv-app/secrets/db\n    ok      exists\n    DIFF    version"), std::string::npos) << text;
  EXPECT_NE(text.find("\nResource group rg-net-weu\n  virtualNetworks/vnet-pay/subnets/snet-app\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("/subscriptions/"), std::string::npos) << "no full id in the table: " << text;
}

TEST(VerifyTable, KeepsLinesWithinTerminalWidth) {
  std::ostringstream out;
  printVerifyTable(sampleReport(), out);
  for (const std::string& line : linesOf(out.str())) EXPECT_LE(line.size(), 110u) << line;
  std::string joined;
  for (const std::string& line : linesOf(out.str())) {
    if (!line.empty()) joined += line.substr(line.find_first_not_of(' ')) + " ";
  }
  EXPECT_NE(joined.find("or compare the two versions by hand before the source vault is deleted"), std::string::npos)
      << "the wrapped detail is whole: " << out.str();
}

TEST(VerifyTable, SummaryCountsChecksAndDifferences) {
  std::ostringstream out;
  printVerifyTable(sampleReport(), out);
  EXPECT_EQ(linesOf(out.str()).back(), "4 checks, 1 difference(s)");
}

Plan planWithConsumerWarning() {
  Plan plan;
  PlanNode app;
  app.key = toLower(kApp);
  app.id = kApp;
  app.type = "Microsoft.Web/sites";
  app.name = "app-pay";
  app.strategy = Strategy::Repoint;
  PlanNode secret;
  secret.key = toLower(kSecret);
  secret.id = kSecret;
  secret.type = "Microsoft.KeyVault/vaults/secrets";
  secret.name = "kv-app/db";
  secret.strategy = Strategy::CopySecret;
  plan.nodes = {app, secret};
  plan.diagnostics.warning("W-CONSUMER-LOSES-NETWORK-ACCESS",
                           "app-pay stays in its source subnet snet-app, but the new vault allows only the target "
                           "subnet and denies other traffic",
                           toLower(kApp));
  plan.diagnostics.warning("W-SECRET-VERSION-UNREADABLE", "older versions of secret 'db' are disabled", kSecret);
  plan.diagnostics.info("I-NOTE", "a note about the app", kApp);
  return plan;
}

TEST(VerifyAttention, CarriesPlanWarningsAboutRepointedConsumers) {
  std::vector<VerifyAttention> attention = consumerWarnings(planWithConsumerWarning());
  ASSERT_EQ(attention.size(), 1u) << "only the warning about the re-pointed consumer";
  EXPECT_EQ(attention[0].code, "W-CONSUMER-LOSES-NETWORK-ACCESS");
  EXPECT_EQ(attention[0].resource, toLower(kApp));
}

TEST(VerifyAttention, ShownInTableWithoutCountingAsDifference) {
  VerifyReport report = sampleReport();
  report.checks.erase(report.checks.begin() + 2);
  report.attention = consumerWarnings(planWithConsumerWarning());
  std::ostringstream out;
  printVerifyTable(report, out);
  std::string text = out.str();
  EXPECT_TRUE(report.passed()) << "attention does not fail verify";
  EXPECT_NE(text.find("\nAttention: plan warnings about re-pointed consumers, not checked by verify\n"
                      "  ATTENTION  app-pay (sites in rg-app-weu): [W-CONSUMER-LOSES-NETWORK-ACCESS] app-pay stays in"),
            std::string::npos)
      << text;
  EXPECT_EQ(linesOf(text).back(), "3 checks, 0 difference(s), 1 attention item(s) not checked");
}

}  // namespace
}  // namespace kvr::executor
