// The failure cases from the field, each planned as the expected outcomes describe.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "strategies/vault_names.h"
#include "support/cases.h"

namespace kvr {
namespace {

using testing::countCode;
using testing::failurePath;
using testing::findNode;
using testing::messagesFor;
using testing::planFiles;

class FailureCases : public ::testing::Test {
 protected:
  static std::size_t orderOf(const Plan& plan, const std::string& name) {
    const PlanNode* node = findNode(plan, name);
    EXPECT_NE(node, nullptr) << "no node named " << name;
    return node ? node->order : 0;
  }

  static Strategy strategyOf(const Plan& plan, const std::string& name) {
    const PlanNode* node = findNode(plan, name);
    EXPECT_NE(node, nullptr) << "no node named " << name;
    return node ? node->strategy : Strategy::OutOfScope;
  }

  static bool anyMessageContains(const Plan& plan, const std::string& code, const std::string& text) {
    for (const auto& message : messagesFor(plan, code)) {
      if (message.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

TEST_F(FailureCases, B01BackReferenceDroppedInsteadOfCycle) {
  Plan plan = planFiles({failurePath("B01-export-vm-nic-cycle.json")});
  EXPECT_EQ(countCode(plan, "W-EXPORT-BACKREF-DROPPED"), 1u);
  EXPECT_EQ(countCode(plan, "E-DEPENDENCY-CYCLE"), 0u);
  EXPECT_GE(countCode(plan, "W-VERSIONED-REF"), 1u);
  std::size_t vnet = orderOf(plan, "vnet-ledger");
  std::size_t vault = orderOf(plan, "kv-ledger-e2");
  std::size_t nic = orderOf(plan, "nic-ledger01");
  std::size_t vm = orderOf(plan, "vm-ledger01");
  EXPECT_GT(vnet, 0u);
  EXPECT_GT(vault, 0u);
  EXPECT_LT(vnet, nic);
  EXPECT_LT(vault, vm);
  EXPECT_LT(nic, vm);
}

TEST_F(FailureCases, B02SubnetsMergedIntoOneVnetStep) {
  Plan plan = planFiles({failurePath("B02-vnet-inline-and-child-subnets.json")});
  EXPECT_EQ(countCode(plan, "I-SUBNET-DUPLICATE-MERGED"), 2u);
  EXPECT_EQ(countCode(plan, "E-SUBNET-CONFLICT"), 0u);
  const PlanNode* vnet = findNode(plan, "vnet-parcel");
  ASSERT_NE(vnet, nullptr);
  for (const char* subnet : {"snet-app", "snet-pe", "snet-jump"}) {
    const PlanNode* node = findNode(plan, std::string("vnet-parcel/") + subnet);
    ASSERT_NE(node, nullptr) << subnet;
    EXPECT_EQ(node->foldedInto, vnet->key) << subnet;
    EXPECT_EQ(node->order, vnet->order) << subnet;
  }
  EXPECT_LT(vnet->order, orderOf(plan, "kv-parcel-we"));
  EXPECT_LT(orderOf(plan, "kv-parcel-we"), orderOf(plan, "pe-kv-parcel"));
}

TEST_F(FailureCases, B03ForeignTenantPrincipalsAndExternalIds) {
  Plan plan = planFiles({failurePath("B03-hardcoded-tenant-objectids-externalid.json")});
  EXPECT_TRUE(anyMessageContains(plan, "E-ACCESS-POLICY-FOREIGN-TENANT", "66666666-6666-6666-6666-666666666666"));
  EXPECT_TRUE(anyMessageContains(plan, "W-PRINCIPAL-WILL-CHANGE", "55555555-5555-5555-5555-555555555555"));
  EXPECT_GE(countCode(plan, "W-EXTERNAL-REFERENCE"), 1u);
  EXPECT_GE(countCode(plan, "W-HARDCODED-ID"), 1u);
  std::size_t vault = orderOf(plan, "kv-claims-cus");
  std::size_t vm = orderOf(plan, "vm-claims01");
  std::size_t grant = orderOf(plan, "grant-vm-claims01");
  EXPECT_LT(vault, vm);
  EXPECT_LT(vault, grant);
  EXPECT_LT(vm, grant);
}

TEST_F(FailureCases, B04SecretsMoveThroughDataPlane) {
  Plan plan = planFiles({failurePath("B04-export-secret-without-value.json")});
  EXPECT_TRUE(anyMessageContains(plan, "I-SECRET-DATAPLANE-COPY", "telemetry-conn"));
  EXPECT_TRUE(anyMessageContains(plan, "W-SECRET-DISABLED", "legacy-ftp-password"));
  EXPECT_EQ(strategyOf(plan, "fleet-wrap"), Strategy::BackupRestore);
  EXPECT_EQ(countCode(plan, "E-SECRET-VALUE-UNAVAILABLE"), 0u);
  std::size_t vault = orderOf(plan, "kv-fleet-uks");
  EXPECT_LT(vault, orderOf(plan, "fleet-wrap"));
  EXPECT_LT(orderOf(plan, "fleet-wrap"), orderOf(plan, "telemetry-conn"));
}

TEST_F(FailureCases, B04WithoutSourceAccessNamesBothSecrets) {
  PlanOptions options;
  options.noSourceAccess = true;
  Plan plan = planFiles({failurePath("B04-export-secret-without-value.json")}, options);
  ASSERT_EQ(countCode(plan, "E-SECRET-VALUE-UNAVAILABLE"), 1u);
  EXPECT_TRUE(anyMessageContains(plan, "E-SECRET-VALUE-UNAVAILABLE", "legacy-ftp-password"));
  EXPECT_TRUE(anyMessageContains(plan, "E-SECRET-VALUE-UNAVAILABLE", "telemetry-conn"));
}

TEST_F(FailureCases, B05SoftDeletedNameSuggestsAlternative) {
  Plan plan = planFiles({failurePath("B05-soft-deleted-name-and-purge-protection.json")});
  ASSERT_EQ(countCode(plan, "E-NAME-SOFT-DELETED"), 1u);
  std::string message = messagesFor(plan, "E-NAME-SOFT-DELETED").front();
  EXPECT_NE(message.find("2025-05-11"), std::string::npos) << message;
  EXPECT_NE(message.find("purge protection"), std::string::npos) << message;
  EXPECT_NE(message.find("kv-billing-wus3-2"), std::string::npos) << message;
  EXPECT_NE(message.find("rg-billing-trial"), std::string::npos) << message;
  EXPECT_TRUE(plan.hasBlockers());
}

TEST_F(FailureCases, B05KeepingSourceNameIsRefused) {
  PlanOptions options;
  options.targetVaultName = "kv-billing-eus";
  Plan plan = planFiles({failurePath("B05-soft-deleted-name-and-purge-protection.json")}, options);
  ASSERT_EQ(countCode(plan, "E-NAME-IN-USE-BY-SOURCE"), 1u);
  EXPECT_NE(messagesFor(plan, "E-NAME-IN-USE-BY-SOURCE").front().find("90 days"), std::string::npos);
}

TEST_F(FailureCases, B07EndpointAddedBeforeVault) {
  Plan plan = planFiles({failurePath("B07-missing-service-endpoint.json")});
  EXPECT_EQ(countCode(plan, "E-SUBNET-NO-SERVICE-ENDPOINT"), 0u);
  const PlanNode* subnet = findNode(plan, "snet-workers");
  ASSERT_NE(subnet, nullptr);
  EXPECT_EQ(subnet->strategy, Strategy::Reconfigure);
  EXPECT_EQ(subnet->parameters.value("addServiceEndpoint", std::string()), "Microsoft.KeyVault");
  EXPECT_LT(subnet->order, orderOf(plan, "kv-roster-aue"));
}

TEST_F(FailureCases, B07WithoutSubnetChangesIsBlocked) {
  PlanOptions options;
  options.allowSubnetModification = false;
  Plan plan = planFiles({failurePath("B07-missing-service-endpoint.json")}, options);
  EXPECT_EQ(countCode(plan, "E-SUBNET-NO-SERVICE-ENDPOINT"), 1u);
  EXPECT_TRUE(plan.hasBlockers());
}

TEST_F(FailureCases, B09WrongZoneNameIsReported) {
  Plan plan = planFiles({failurePath("B09-wrong-private-dns-zone-name.json")});
  ASSERT_EQ(countCode(plan, "E-PRIVATE-DNS-ZONE-MISMATCH"), 1u);
  EXPECT_TRUE(anyMessageContains(plan, "E-PRIVATE-DNS-ZONE-MISMATCH", "privatelink.vault.azure.net"));
  EXPECT_TRUE(anyMessageContains(plan, "E-PRIVATE-DNS-ZONE-MISMATCH", "privatelink.vaultcore.azure.net"));
}

TEST_F(FailureCases, B11GrantPrecedesDisk) {
  Plan plan = planFiles({failurePath("B11-disk-encryption-set-access.json")});
  EXPECT_EQ(strategyOf(plan, "kv-disks-scus"), Strategy::RedeployWithData);
  EXPECT_EQ(strategyOf(plan, "des-key"), Strategy::BackupRestore);
  EXPECT_EQ(strategyOf(plan, "des-scus"), Strategy::Redeploy);
  EXPECT_TRUE(anyMessageContains(plan, "W-STALE-PRINCIPAL-DROPPED", "77777777-7777-7777-7777-777777777777"));
  std::size_t vault = orderOf(plan, "kv-disks-scus");
  std::size_t key = orderOf(plan, "des-key");
  std::size_t des = orderOf(plan, "des-scus");
  std::size_t grant = orderOf(plan, "grant-des-scus");
  std::size_t disk = orderOf(plan, "disk-data01");
  std::size_t vm = orderOf(plan, "vm-app01");
  EXPECT_LT(vault, key);
  EXPECT_LT(key, des);
  EXPECT_LT(des, grant);
  EXPECT_LT(grant, disk);
  EXPECT_LT(disk, vm);
}

TEST_F(FailureCases, B13PinnedVersionIsRemapped) {
  Plan plan = planFiles({failurePath("B13-appservice-keyvault-references.json")});
  EXPECT_TRUE(anyMessageContains(plan, "W-PINNED-VERSION-REMAPPED", "Payments__ApiKey"));
  EXPECT_EQ(countCode(plan, "E-PINNED-VERSION-NOT-COPIED"), 0u);
  EXPECT_EQ(strategyOf(plan, "app-shop-front"), Strategy::Repoint);
  std::size_t vault = orderOf(plan, "kv-shop-eas");
  std::size_t app = orderOf(plan, "app-shop-front");
  std::size_t grant = orderOf(plan, "grant-id-shop-front");
  EXPECT_LT(vault, grant);
  EXPECT_LT(grant, app);
  EXPECT_LT(orderOf(plan, "payments-api-key"), app);
}

TEST_F(FailureCases, B13LatestOnlyCannotServePinnedVersion) {
  PlanOptions options;
  options.secretVersions = "latest";
  Plan plan = planFiles({failurePath("B13-appservice-keyvault-references.json")}, options);
  EXPECT_TRUE(anyMessageContains(plan, "E-PINNED-VERSION-NOT-COPIED", "Payments__ApiKey"));
}

TEST_F(FailureCases, B14EveryInvalidNameReported) {
  Plan plan = planFiles({failurePath("B14-vault-name-rules.json")});
  EXPECT_EQ(countCode(plan, "E-VAULT-NAME-INVALID"), 4u);
  EXPECT_TRUE(anyMessageContains(plan, "E-VAULT-NAME-INVALID", "InvoiceProcessingPlatformkeyvault"));
  EXPECT_TRUE(anyMessageContains(plan, "E-VAULT-NAME-INVALID", "'ops-kv-'"));
  EXPECT_TRUE(anyMessageContains(plan, "E-VAULT-NAME-INVALID", "9payrollkv"));
  EXPECT_TRUE(anyMessageContains(plan, "E-VAULT-NAME-INVALID", "kv--payroll"));
  EXPECT_FALSE(anyMessageContains(plan, "E-VAULT-NAME-INVALID", "Kv-PAYROLL-Weu"));
}

TEST_F(FailureCases, B14SuggestionsUseTheInputSuffix) {
  Plan plan = planFiles({failurePath("B14-vault-name-rules.json")});
  std::vector<std::string> messages = messagesFor(plan, "E-VAULT-NAME-INVALID");
  ASSERT_FALSE(messages.empty());
  for (const auto& message : messages) {
    if (message.find("would be") == std::string::npos) continue;
    EXPECT_NE(message.find("-swedencentral'"), std::string::npos) << message;
  }
}

TEST_F(FailureCases, B14GeneratorStaysWithinLimit) {
  EXPECT_EQ(proposeVaultName("Kv-PAYROLL-Weu", "westeurope", "swedencentral", "-swedencentral"),
            "kv-payroll-swedencentral");
  for (const char* name : {"InvoiceProcessingPlatformkeyvault", "ops-kv-", "9payrollkv", "kv--payroll"}) {
    std::string proposed = proposeVaultName(name, "westeurope", "swedencentral", "-swedencentral");
    EXPECT_TRUE(vaultNameViolations(proposed).empty()) << name << " -> " << proposed;
  }
}

TEST_F(FailureCases, B16InvalidSubnetFormsAreErrors) {
  Plan plan = planFiles({failurePath("B16-resourceid-subnet-forms.json")});
  EXPECT_GE(countCode(plan, "W-DUPLICATE-NETWORK-RULE"), 1u);
  for (const char* variable : {"badD", "badE", "badF"}) {
    bool named = false;
    for (const auto& d : plan.diagnostics.all()) {
      if (d.code == "E-EXPRESSION-EVALUATION" && d.message.find(variable) != std::string::npos) named = true;
    }
    EXPECT_TRUE(named) << variable;
  }
  EXPECT_GE(countCode(plan, "E-TEMPLATE-INVALID"), 1u);
}

TEST_F(FailureCases, B18DisabledVersionsNeedDecision) {
  Plan plan = planFiles({failurePath("B18-disabled-secrets-and-attributes.json")});
  EXPECT_TRUE(anyMessageContains(plan, "E-SECRET-DISABLED-UNREADABLE", "old-ldap-bind"));
  EXPECT_TRUE(anyMessageContains(plan, "E-CURRENT-VERSION-DISABLED", "badge-api"));
  EXPECT_EQ(strategyOf(plan, "payroll-sftp"), Strategy::CopySecret);
  EXPECT_FALSE(anyMessageContains(plan, "E-SECRET-DISABLED-UNREADABLE", "payroll-sftp"));
}

TEST_F(FailureCases, B20VersionHistoryPolicies) {
  Plan plan = planFiles({failurePath("B20-secret-version-history.json")});
  const PlanNode* partner = findNode(plan, "partner-secret");
  ASSERT_NE(partner, nullptr);
  EXPECT_EQ(partner->parameters.value("versionsToCopy", 0), 3);
  EXPECT_TRUE(anyMessageContains(plan, "W-VERSION-LIMIT", "oauth-refresh-token"));
  EXPECT_TRUE(anyMessageContains(plan, "W-PINNED-VERSION-REMAPPED", "func-token-refresh"));
  EXPECT_EQ(countCode(plan, "W-HISTORY-TRUNCATED"), 0u);
  EXPECT_GE(plan.estimate.dataPlaneSeconds, 612.0 / 30.0);
}

TEST_F(FailureCases, B20ConsumerWithoutIdentityGetsNoGrantStep) {
  Plan plan = planFiles({failurePath("B20-secret-version-history.json")});
  EXPECT_TRUE(anyMessageContains(plan, "W-CONSUMER-WITHOUT-IDENTITY", "func-token-refresh"));
  for (const auto& node : plan.nodes) EXPECT_EQ(node.key.find("#grant/"), std::string::npos) << node.key;
  EXPECT_EQ(strategyOf(plan, "func-token-refresh"), Strategy::Repoint);
}

TEST_F(FailureCases, B20LatestPolicyTruncatesHistory) {
  PlanOptions options;
  options.secretVersions = "latest";
  Plan plan = planFiles({failurePath("B20-secret-version-history.json")}, options);
  EXPECT_TRUE(anyMessageContains(plan, "W-HISTORY-TRUNCATED", "oauth-refresh-token"));
}

}  // namespace
}  // namespace kvr

namespace kvr {
namespace {

TEST(VaultNames, NameFromAParameterWithoutValueSaysSo) {
  Plan plan = testing::planFiles({testing::templatePath("exported-kv-accesspolicies-only.json")},
                                 PlanOptions{.targetRegion = "northeurope"});
  std::vector<std::string> messages = messagesFor(plan, "E-VAULT-NAME-INVALID");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0],
            "the vault name comes from parameter 'vaults_teamscloud_name', which has no value; pass --parameters FILE "
            "with the vault's real name");
}

TEST(SubnetMap, MappedExternalSubnetNeedsNoConfirmation) {
  std::string file = std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "-subnet-map.json");
  std::ofstream(file) << R"({"/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-network-hub/)"
                         R"(providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-shared":)"
                         R"( "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-network-hub-eus2/)"
                         R"(providers/Microsoft.Network/virtualNetworks/vnet-hub-eus2/subnets/snet-shared"})";
  PlanOptions options;
  options.subnetMapFile = file;
  Plan plan = testing::planFiles({testing::failurePath("B03-hardcoded-tenant-objectids-externalid.json")}, options);
  for (const auto& message : testing::messagesFor(plan, "W-EXTERNAL-REFERENCE")) {
    EXPECT_EQ(message.find("snet-shared"), std::string::npos) << message;
  }
  EXPECT_TRUE(plan.options["subnetMap"].contains(
      "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourcegroups/rg-network-hub/providers/"
      "microsoft.network/virtualnetworks/vnet-hub/subnets/snet-shared"));
}

TEST(SubnetMap, InvalidTargetNamesFileAndPointer) {
  std::string file = std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "-bad-subnet-map.json");
  std::ofstream(file) << R"({"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a": 7})";
  PlanOptions options;
  options.subnetMapFile = file;
  try {
    testing::planFiles({testing::failurePath("B03-hardcoded-tenant-objectids-externalid.json")}, options);
    FAIL() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(error.location().file, file);
    EXPECT_EQ(error.location().pointer,
              "/~1subscriptions~1s~1resourceGroups~1rg~1providers~1Microsoft.Network~1virtualNetworks~1v~1subnets~1a");
  }
}

}  // namespace
}  // namespace kvr
