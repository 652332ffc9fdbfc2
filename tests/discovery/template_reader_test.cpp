// Reading ARM templates: shapes, scopes, loops, nested deployments, ids and errors.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "discovery/estate.h"
#include "discovery/resource_id.h"
#include "support/cases.h"

namespace kvr {
namespace {

class TemplateReader : public ::testing::Test {
 protected:
  // Writes `text` to a file in a fresh temporary folder and loads it as the only input.
  Estate loadText(const std::string& text, const std::string& name = "template.json") {
    // CTest runs tests in parallel processes: the process id keeps their folders apart.
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("kvr-template-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir);
    std::filesystem::path file = dir / name;
    std::ofstream(file, std::ios::binary) << text;
    LoadOptions options;
    options.files = {file.string()};
    options.context.subscriptionId = "11111111-2222-3333-4444-555555555555";
    options.context.resourceGroup = "rg-test";
    options.context.location = "westeurope";
    return loadEstate(options);
  }

  static const Resource* byName(const Estate& estate, const std::string& name) {
    for (const auto& resource : estate.resources) {
      if (resource.name == name) return &resource;
    }
    return nullptr;
  }

  static bool hasReference(const Estate& estate, const std::string& fromName, const std::string& toName, EdgeKind kind) {
    const Resource* from = byName(estate, fromName);
    const Resource* to = byName(estate, toName);
    if (!from || !to) return false;
    for (const auto& reference : estate.references) {
      if (reference.from == from->key && reference.to == to->key && reference.kind == kind) return true;
    }
    return false;
  }

  static inline int counter_ = 0;
};

TEST_F(TemplateReader, CommentsBomAndCrlfAreAccepted) {
  Estate estate = loadText(
      "\xEF\xBB\xBF{\r\n  // exported\r\n  \"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/"
      "deploymentTemplate.json#\",\r\n  /* block */ \"contentVersion\": \"1.0.0.0\",\r\n  \"resources\": [\r\n"
      "    {\"type\": \"Microsoft.KeyVault/vaults\", \"apiVersion\": \"2023-07-01\", \"name\": \"kv-a\", "
      "\"location\": \"westeurope\", \"properties\": {}}\r\n  ]\r\n}\r\n");
  EXPECT_FALSE(estate.diagnostics.hasErrors());
  const Resource* vault = byName(estate, "kv-a");
  ASSERT_NE(vault, nullptr);
  EXPECT_EQ(vault->id,
            "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-test/providers/"
            "Microsoft.KeyVault/vaults/kv-a");
}

TEST_F(TemplateReader, MalformedJsonNamesFileLineAndColumn) {
  Estate estate = loadText("{\n  \"resources\": [\n    {\"type\": }\n  ]\n}\n", "broken.json");
  ASSERT_TRUE(estate.diagnostics.has("E-INPUT-INVALID"));
  const Diagnostic& d = estate.diagnostics.all().front();
  EXPECT_NE(d.location.file.find("broken.json"), std::string::npos);
  EXPECT_NE(d.message.find("line 3"), std::string::npos) << d.message;
}

TEST_F(TemplateReader, CopyLoopExpandsWithCopyIndex) {
  Estate estate = loadText(R"({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"count": {"type": "int", "defaultValue": 3}},
    "resources": [{
      "type": "Microsoft.KeyVault/vaults/secrets", "apiVersion": "2023-07-01",
      "name": "[concat('kv-a/secret-', copyIndex(1))]",
      "copy": {"name": "secretLoop", "count": "[parameters('count')]"},
      "properties": {"contentType": "[format('item {0}', copyIndex())]"}
    }, {
      "type": "Microsoft.Web/sites", "apiVersion": "2023-01-01", "name": "app",
      "dependsOn": ["secretLoop"], "properties": {}
    }]
  })");
  EXPECT_FALSE(estate.diagnostics.hasErrors());
  for (int i = 1; i <= 3; ++i) {
    const Resource* secret = byName(estate, "kv-a/secret-" + std::to_string(i));
    ASSERT_NE(secret, nullptr) << i;
    EXPECT_EQ(secret->body["properties"]["contentType"], "item " + std::to_string(i - 1));
    EXPECT_TRUE(hasReference(estate, "kv-a/secret-" + std::to_string(i), "app", EdgeKind::Declared)) << i;
  }
}

TEST_F(TemplateReader, PropertyCopyBuildsArray) {
  Estate estate = loadText(R"({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [{
      "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet", "location": "westeurope",
      "properties": {"copy": [{"name": "subnets", "count": 2,
        "input": {"name": "[concat('snet-', copyIndex('subnets'))]", "properties": {"addressPrefix": "10.0.0.0/24"}}}]}
    }]
  })");
  EXPECT_NE(byName(estate, "vnet/snet-0"), nullptr);
  EXPECT_NE(byName(estate, "vnet/snet-1"), nullptr);
  EXPECT_TRUE(hasReference(estate, "vnet", "vnet/snet-1", EdgeKind::SubnetInVnet));
}

TEST_F(TemplateReader, NestedChildGetsQualifiedTypeAndName) {
  Estate estate = loadText(R"({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [{
      "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv-a", "location": "westeurope",
      "properties": {},
      "resources": [{"type": "secrets", "apiVersion": "2023-07-01", "name": "db",
                     "dependsOn": ["kv-a"], "properties": {"value": "do-not-keep"}}]
    }]
  })");
  const Resource* secret = byName(estate, "kv-a/db");
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(secret->type, "Microsoft.KeyVault/vaults/secrets");
  EXPECT_FALSE(secret->body["properties"].contains("value"));
  EXPECT_TRUE(secret->body["properties"]["valueInTemplate"].get<bool>());
  EXPECT_TRUE(hasReference(estate, "kv-a", "kv-a/db", EdgeKind::ParentChild));
}

TEST_F(TemplateReader, ExtensionResourceIdUsesScope) {
  Estate estate = loadText(R"({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
      {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv-a", "location": "westeurope", "properties": {}},
      {"type": "Microsoft.Authorization/locks", "apiVersion": "2020-05-01", "name": "no-delete",
       "scope": "Microsoft.KeyVault/vaults/kv-a", "properties": {"level": "CanNotDelete"}}
    ]
  })");
  const Resource* lock = byName(estate, "no-delete");
  ASSERT_NE(lock, nullptr);
  EXPECT_EQ(lock->id,
            "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-test/providers/"
            "Microsoft.KeyVault/vaults/kv-a/providers/Microsoft.Authorization/locks/no-delete");
  EXPECT_TRUE(hasReference(estate, "kv-a", "no-delete", EdgeKind::Scope));
}

TEST_F(TemplateReader, InnerScopeDeploymentSeesItsOwnParameters) {
  Estate estate = loadText(R"({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"name": {"type": "string", "defaultValue": "outer"}},
    "resources": [{
      "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
      "resourceGroup": "rg-other",
      "properties": {
        "mode": "Incremental",
        "expressionEvaluationOptions": {"scope": "inner"},
        "parameters": {"name": {"value": "[concat(parameters('name'), '-inner')]"}},
        "template": {
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "contentVersion": "1.0.0.0",
          "parameters": {"name": {"type": "string"}},
          "resources": [{"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01",
                         "name": "[parameters('name')]", "location": "westeurope", "properties": {}}]
        }
      }
    }]
  })");
  const Resource* vault = byName(estate, "outer-inner");
  ASSERT_NE(vault, nullptr);
  EXPECT_EQ(vault->resourceGroup, "rg-other");
}

TEST_F(TemplateReader, SubscriptionScopeCreatesGroupAndDeploysIntoIt) {
  Estate estate = loadText(R"({
    "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"groupName": {"type": "string", "defaultValue": "rg-vault"}},
    "resources": [
      {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2022-09-01",
       "name": "[parameters('groupName')]", "location": "westeurope"},
      {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "vault",
       "resourceGroup": "[parameters('groupName')]",
       "dependsOn": ["[subscriptionResourceId('Microsoft.Resources/resourceGroups', parameters('groupName'))]"],
       "properties": {"mode": "Incremental", "template": {
         "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
         "contentVersion": "1.0.0.0",
         "resources": [{"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01",
           "name": "[concat('kv-', uniqueString(resourceGroup().id))]", "location": "westeurope", "properties": {}}]}}}
    ]
  })");
  const Resource* group = byName(estate, "rg-vault");
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->id, "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-vault");
  const Resource* vault = nullptr;
  for (const auto& resource : estate.resources) {
    if (resource.type == "Microsoft.KeyVault/vaults") vault = &resource;
  }
  ASSERT_NE(vault, nullptr);
  EXPECT_EQ(vault->resourceGroup, "rg-vault");
  EXPECT_EQ(vault->name.rfind("kv-", 0), 0u);
  EXPECT_EQ(vault->name.size(), 16u);  // "kv-" and uniqueString's 13 characters
  EXPECT_TRUE(hasReference(estate, "rg-vault", vault->name, EdgeKind::Declared));
}

TEST_F(TemplateReader, ExpressionSyntaxErrorHasPointerAndPosition) {
  Estate estate = loadText(R"({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [{"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv-a",
      "location": "westeurope",
      "properties": {"networkAcls": {"virtualNetworkRules": [{
        "id": "[concat(parameters('target_subnet_name'), concat('/subnets/', parameters('target_subnet_name')]"}]}}}]
  })");
  ASSERT_TRUE(estate.diagnostics.has("E-EXPRESSION-SYNTAX"));
  for (const auto& d : estate.diagnostics.all()) {
    if (d.code != "E-EXPRESSION-SYNTAX") continue;
    EXPECT_EQ(d.location.pointer, "/resources/0/properties/networkAcls/virtualNetworkRules/0/id");
    EXPECT_GT(d.location.column, 0);
  }
}

TEST_F(TemplateReader, UnknownParameterIsReportedNotFatal) {
  Estate estate = loadText(R"({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
      {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "[parameters('missing')]", "properties": {}},
      {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv-ok", "location": "westeurope", "properties": {}}
    ]
  })");
  EXPECT_TRUE(estate.diagnostics.has("E-EXPRESSION-EVALUATION"));
  EXPECT_NE(byName(estate, "kv-ok"), nullptr);
}

TEST_F(TemplateReader, SecureParameterValueIsNeverKept) {
  Estate estate = loadText(R"({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"password": {"type": "securestring", "defaultValue": "hunter2-test-only"}},
    "resources": [{"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01", "name": "vm",
      "location": "westeurope", "properties": {"osProfile": {"adminPassword": "[parameters('password')]"}}}]
  })");
  const Resource* vm = byName(estate, "vm");
  ASSERT_NE(vm, nullptr);
  EXPECT_EQ(vm->body.dump().find("hunter2"), std::string::npos);
}

class SharedTemplates : public ::testing::TestWithParam<std::string> {};

TEST_P(SharedTemplates, LoadsAndPlansWithoutCrash) {
  std::string path = testing::templatePath(GetParam());
  Estate estate = testing::loadFiles({path});
  EXPECT_FALSE(estate.diagnostics.has("E-INPUT-INVALID")) << path;
  EXPECT_FALSE(estate.resources.empty()) << path;
  for (const auto& d : estate.diagnostics.all()) {
    if (d.severity == Severity::Error) {
      EXPECT_FALSE(d.location.file.empty() && d.resourceId.empty()) << d.code << ": " << d.message;
    }
  }
  PlanOptions options;
  options.targetRegion = "swedencentral";
  Plan plan = makePlan(estate, options);
  EXPECT_GE(plan.nodes.size(), estate.resources.size()) << path;
  for (const auto& node : plan.nodes) {
    EXPECT_FALSE(node.reason.empty()) << node.key;
    if (node.strategy != Strategy::OutOfScope && node.foldedInto.empty() && node.strategy != Strategy::Reuse &&
        node.strategy != Strategy::Drop) {
      EXPECT_GT(node.order, 0u) << node.key;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SharedTemplates,
    ::testing::Values("docs-deploymentscript-kv-uami-roleassignment-jsonc.json",
                      "docs-subscription-scope-nested-kv-deploymentscript-jsonc.json",
                      "exported-hub-lz-dns-privatelink-vaultcore.json", "exported-hub-lz-net-kv-pe-appgw-secrets.json",
                      "exported-kv-accesspolicies-only.json", "exported-kv-two-accesspolicies-secret.json",
                      "exported-rg-kusto-sql-storage-kv-secret.json",
                      "exported-rg-webapps-sql-redis-frontdoor-kv-secret.json",
                      "exported-umbraco-backend-webapp-kvreferenceidentity.json",
                      "exported-umbraco-frontend-webapp-kvreferenceidentity.json",
                      "exported-umbraco-kv-vnetrules-secrets.json",
                      "exported-umbraco-vnet-subnets-kv-serviceendpoints.json",
                      "gh-params-keyvault-secret-reference-hardcoded-vault-id.json",
                      "gh-win11-lab-kv-key-diskencryptionset-vm.json", "qs-key-vault-create-accesspolicy-secret.json",
                      "qs-key-vault-create-rbac-roleassignment.json", "qs-key-vault-key-create-rbac.json",
                      "qs-key-vault-use-dynamic-id-nested-sqlserver.json", "qs-key-vault-use-dynamic-id-reference.json",
                      "qs-private-endpoint-generic-kv-target.json",
                      "qs-vm-push-certificate-osprofile-secrets-sourcevault.json"),
    [](const ::testing::TestParamInfo<std::string>& info) {
      std::string name;
      for (char c : info.param.substr(0, info.param.size() - 5)) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

}  // namespace
}  // namespace kvr
