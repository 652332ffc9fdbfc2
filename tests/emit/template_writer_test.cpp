// The target-template writer, run on the exported templates and the bundled example:
// what it edits, what it leaves alone, and that the result reads back cleanly.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

#include "discovery/expression/expression.h"
#include "discovery/resource_id.h"
#include "strategies/template_check.h"
#include "strategies/template_writer.h"
#include "support/cases.h"

namespace kvr {
namespace {

namespace fs = std::filesystem;

std::string uniqueDirectory(const std::string& label) {
  static std::atomic<int> counter{0};
  fs::path path = fs::temp_directory_path() /
                  ("kvr-emit-" + label + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(path);
  return path.string();
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeText(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// One case: the input files, the plan options, and what the run produced.
struct EmitCase {
  std::string label;
  std::vector<std::string> files;
  std::string targetResourceGroup;
};

void PrintTo(const EmitCase& emitCase, std::ostream* out) { *out << emitCase.label; }

struct EmitRun {
  Estate estate;
  Plan plan;
  TemplateEmission emission;
  std::string directory;
};

EmitRun emit(const std::vector<std::string>& files, const std::string& label, PlanOptions options = {}) {
  if (options.targetRegion.empty()) options.targetRegion = "northeurope";
  EmitRun run{testing::loadFiles(files), {}, {}, uniqueDirectory(label)};
  run.plan = makePlan(run.estate, options);
  run.emission = emitTargetTemplates(run.estate, run.plan, {run.directory, ""});
  return run;
}

std::vector<const Json*> resourcesOfType(const Json& document, const std::string& type) {
  std::vector<const Json*> out;
  if (!document.contains("resources")) return out;
  for (const auto& resource : document.at("resources")) {
    if (iequals(resource.value("type", std::string()), type)) out.push_back(&resource);
  }
  return out;
}

// Every member name anywhere in a JSON document.
void collectMembers(const Json& node, std::multiset<std::string>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      out.insert(it.key());
      collectMembers(*it, out);
    }
  } else if (node.is_array()) {
    for (const auto& child : node) collectMembers(child, out);
  }
}

std::string parameterDefault(const Json& document, const std::string& name) {
  const Json parameters = document.value("parameters", Json::object());
  for (auto it = parameters.begin(); it != parameters.end(); ++it) {
    if (iequals(it.key(), name)) return it->value("defaultValue", std::string());
  }
  return {};
}

std::string nameParameter(const Json& resource) {
  std::string name = resource.value("name", std::string());
  auto open = name.find("parameters('");
  if (open == std::string::npos) return {};
  auto close = name.find("')", open);
  return name.substr(open + 12, close - open - 12);
}

Estate reload(const WrittenTemplate& written) {
  LoadOptions options;
  options.files = {written.templateFile};
  options.parametersFile = written.parametersFile;
  options.context = written.expected.context;
  return loadEstate(options);
}

class TargetTemplates : public ::testing::TestWithParam<EmitCase> {
 protected:
  void SetUp() override {
    std::vector<std::string> files;
    for (const auto& file : GetParam().files) files.push_back(file);
    PlanOptions options;
    options.targetResourceGroup = GetParam().targetResourceGroup;
    run_ = emit(files, GetParam().label, options);
    ASSERT_FALSE(run_.emission.written.empty()) << "no target template written";
    for (const auto& written : run_.emission.written) documents_.push_back(readJsonFile(written.templateFile));
  }

  void TearDown() override { fs::remove_all(run_.directory); }

  // The written template that creates the vault, and its resource.
  std::pair<const Json*, const Json*> vault() const {
    for (const auto& document : documents_) {
      auto vaults = resourcesOfType(document, "Microsoft.KeyVault/vaults");
      if (!vaults.empty()) return {&document, vaults.front()};
    }
    return {nullptr, nullptr};
  }

  EmitRun run_;
  std::vector<Json> documents_;
};

TEST_P(TargetTemplates, SelfCheckPasses) {
  for (const auto& diagnostic : run_.emission.diagnostics.all()) {
    EXPECT_NE(diagnostic.severity, Severity::Error) << diagnostic.code << ": " << diagnostic.message;
  }
}

TEST_P(TargetTemplates, ReadBackWithoutWarningsAndAtTargetIds) {
  for (const auto& written : run_.emission.written) {
    Estate estate = reload(written);
    for (const auto& diagnostic : estate.diagnostics.all()) {
      EXPECT_EQ(diagnostic.severity, Severity::Info)
          << written.templateFile << ": " << diagnostic.code << " " << diagnostic.message;
    }
    EXPECT_FALSE(written.expected.resources.empty()) << written.templateFile;
    for (const auto& expected : written.expected.resources) {
      const Resource* found = estate.find(normalizeId(expected.id));
      ASSERT_NE(found, nullptr) << expected.id;
      if (!expected.location.empty()) EXPECT_EQ(found->location, expected.location) << expected.id;
    }
    EXPECT_TRUE(verifyTargetTemplate(written.templateFile, written.parametersFile, written.expected).all().empty());
  }
}

TEST_P(TargetTemplates, PassesStructuralCheck) {
  for (std::size_t i = 0; i < documents_.size(); ++i) {
    Diagnostics findings = checkTemplateStructure(documents_[i], run_.emission.written[i].templateFile);
    EXPECT_TRUE(findings.all().empty()) << findings.all().front().message;
  }
}

TEST_P(TargetTemplates, VaultHasTargetNameAndLocation) {
  auto [document, resource] = vault();
  ASSERT_NE(resource, nullptr);
  ASSERT_EQ(run_.plan.vaults.size(), 1u);
  EXPECT_EQ((*resource)["location"], run_.plan.target.location);
  std::string parameter = nameParameter(*resource);
  ASSERT_FALSE(parameter.empty()) << resource->value("name", std::string());
  EXPECT_EQ(parameterDefault(*document, parameter), run_.plan.vaults.front().targetName);
  const Json properties = resource->value("properties", Json::object());
  EXPECT_FALSE(properties.contains("privateEndpointConnections"));
  EXPECT_FALSE(properties.contains("vaultUri"));
}

TEST_P(TargetTemplates, VaultSettingsCarriedOver) {
  auto [document, resource] = vault();
  ASSERT_NE(resource, nullptr);
  const Resource* source = nullptr;
  for (const auto& candidate : run_.estate.resources) {
    if (iequals(candidate.type, "Microsoft.KeyVault/vaults") && !candidate.external) source = &candidate;
  }
  ASSERT_NE(source, nullptr);
  const Json sourceProperties = readJsonFile(source->origin.file).at(Json::json_pointer(source->origin.pointer))["properties"];
  const Json targetProperties = (*resource)["properties"];
  for (const char* member : {"enableSoftDelete", "enablePurgeProtection", "softDeleteRetentionInDays",
                             "enableRbacAuthorization", "sku", "tenantId"}) {
    EXPECT_EQ(sourceProperties.contains(member), targetProperties.contains(member)) << member;
    if (sourceProperties.contains(member)) EXPECT_EQ(sourceProperties[member], targetProperties[member]) << member;
  }
  const Json sourceAcls = sourceProperties.value("networkAcls", Json::object());
  const Json targetAcls = targetProperties.value("networkAcls", Json::object());
  for (const char* member : {"bypass", "defaultAction", "ipRules"}) {
    EXPECT_EQ(sourceAcls.value(member, Json()), targetAcls.value(member, Json())) << member;
  }
}

TEST_P(TargetTemplates, NoDataPlaneOrConnectionResources) {
  for (const auto& document : documents_) {
    for (const char* type : {"Microsoft.KeyVault/vaults/secrets", "Microsoft.KeyVault/vaults/keys",
                             "Microsoft.KeyVault/vaults/privateEndpointConnections"}) {
      EXPECT_TRUE(resourcesOfType(document, type).empty()) << type;
    }
  }
}

TEST_P(TargetTemplates, ReadOnlyMembersRemoved) {
  for (const auto& document : documents_) {
    std::multiset<std::string> members;
    collectMembers(document.value("resources", Json::array()), members);
    for (const char* member : {"provisioningState", "vaultUri", "systemData", "etag", "resourceGuid",
                               "customDnsConfigs", "keyUri", "keyUriWithVersion", "privateEndpointConnections"}) {
      EXPECT_EQ(members.count(member), 0u) << member;
    }
    for (const auto* nic : resourcesOfType(document, "Microsoft.Network/networkInterfaces")) {
      EXPECT_FALSE((*nic)["properties"].contains("virtualMachine"));
    }
    for (const auto* endpoint : resourcesOfType(document, "Microsoft.Network/privateEndpoints")) {
      EXPECT_FALSE((*endpoint)["properties"].contains("networkInterfaces"));
    }
  }
}

TEST_P(TargetTemplates, NetworkRulesUseTargetParameters) {
  auto [document, resource] = vault();
  ASSERT_NE(resource, nullptr);
  const Json rules = (*resource)["properties"].value("networkAcls", Json::object()).value("virtualNetworkRules", Json::array());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    std::string suffix = i == 0 ? std::string() : "_" + std::to_string(i + 1);
    EXPECT_EQ(rules[i]["id"], "[concat(parameters('target_vnet_externalid" + suffix +
                                  "'), '/subnets/', parameters('target_subnet_name" + suffix + "'))]");
    EXPECT_EQ(rules[i]["ignoreMissingVnetServiceEndpoint"], false);
    EXPECT_NO_THROW(expr::parse(rules[i]["id"].get<std::string>()));
    EXPECT_FALSE(parameterDefault(*document, "target_vnet_externalid" + suffix).empty());
    EXPECT_FALSE(parameterDefault(*document, "target_subnet_name" + suffix).empty());
  }
}

TEST_P(TargetTemplates, RuleSubnetsCarryKeyVaultEndpoint) {
  std::map<std::string, bool> subnets;  // target subnet key -> has the endpoint
  std::vector<std::string> ruleSubnets;
  for (const auto& written : run_.emission.written) {
    Estate estate = reload(written);
    for (const auto& resource : estate.resources) {
      if (iequals(resource.type, "Microsoft.Network/virtualNetworks/subnets") && !resource.external) {
        bool has = false;
        for (const auto& endpoint : resource.body["properties"].value("serviceEndpoints", Json::array())) {
          has = has || endpoint.value("service", std::string()) == "Microsoft.KeyVault";
        }
        subnets[resource.key] = has;
      }
    }
    for (const auto& [vaultId, ids] : written.expected.networkRuleSubnets) {
      for (const auto& id : ids) ruleSubnets.push_back(normalizeId(id));
    }
  }
  for (const auto& subnet : ruleSubnets) {
    auto found = subnets.find(subnet);
    if (found != subnets.end()) EXPECT_TRUE(found->second) << subnet;
  }
}

TEST_P(TargetTemplates, DataPlaneNoteInReport) {
  bool sourceHasObjects = false;
  for (const auto& resource : run_.estate.resources) sourceHasObjects = sourceHasObjects || resource.dataPlane;
  EXPECT_EQ(run_.emission.diagnostics.has("I-DATAPLANE-NOT-IN-TEMPLATE"), sourceHasObjects);
}

TEST_P(TargetTemplates, WritingIsDeterministic) {
  std::vector<std::string> first;
  for (const auto& written : run_.emission.written) {
    first.push_back(readText(written.templateFile) + readText(written.parametersFile));
  }
  PlanOptions options;
  options.targetRegion = "northeurope";
  options.targetResourceGroup = GetParam().targetResourceGroup;
  EmitRun again = emit(GetParam().files, GetParam().label + "-again", options);
  ASSERT_EQ(again.emission.written.size(), first.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    std::string text = readText(again.emission.written[i].templateFile);
    EXPECT_EQ(text + readText(again.emission.written[i].parametersFile), first[i]);
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(text.rfind("{\n  \"", 0), 0u) << "not written with a 2-space indent";
  }
  fs::remove_all(again.directory);
}

std::vector<EmitCase> exportedCases() {
  using testing::examplePath;
  using testing::templatePath;
  return {
      {"accesspolicies", {templatePath("exported-kv-accesspolicies-only.json")}, ""},
      {"two-policies", {templatePath("exported-kv-two-accesspolicies-secret.json")}, ""},
      {"kusto", {templatePath("exported-rg-kusto-sql-storage-kv-secret.json")}, ""},
      {"webapps", {templatePath("exported-rg-webapps-sql-redis-frontdoor-kv-secret.json")}, ""},
      {"hub",
       {templatePath("exported-hub-lz-net-kv-pe-appgw-secrets.json"),
        templatePath("exported-hub-lz-dns-privatelink-vaultcore.json")},
       "rg-hub-lz-pro-neu-con-net-01"},
      {"umbraco",
       {templatePath("exported-umbraco-kv-vnetrules-secrets.json"),
        templatePath("exported-umbraco-vnet-subnets-kv-serviceendpoints.json"),
        templatePath("exported-umbraco-frontend-webapp-kvreferenceidentity.json"),
        templatePath("exported-umbraco-backend-webapp-kvreferenceidentity.json")},
       ""},
      {"contoso", {examplePath("network.json"), examplePath("keyvault.json")}, ""},
  };
}

INSTANTIATE_TEST_SUITE_P(ExportedTemplates, TargetTemplates, ::testing::ValuesIn(exportedCases()),
                         [](const auto& info) { return info.param.label == "two-policies" ? std::string("TwoPolicies")
                                                                                          : info.param.label; });

// --- single behaviours -----------------------------------------------------------------

class TemplateWriter : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const auto& directory : directories_) fs::remove_all(directory);
  }

  std::string inputFile(const std::string& name, const std::string& text) {
    std::string directory = uniqueDirectory("input");
    directories_.push_back(directory);
    std::string path = directory + "/" + name;
    writeText(path, text);
    return path;
  }

  EmitRun emitFiles(const std::vector<std::string>& files, PlanOptions options = {}) {
    EmitRun run = emit(files, "single", std::move(options));
    directories_.push_back(run.directory);
    return run;
  }

  std::vector<std::string> directories_;
};

constexpr const char* kVaultWithVnetTemplate = R"({
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "vaults_kv_orders_weu_name": { "defaultValue": "kv-orders-weu", "type": "String" },
    "virtualNetworks_vnet_orders_weu_name": { "defaultValue": "vnet-orders-weu", "type": "String" },
    "adminPassword": { "defaultValue": "example-secure-default-7f3a", "type": "SecureString" }
  },
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2023-09-01",
      "name": "[parameters('virtualNetworks_vnet_orders_weu_name')]",
      "location": "westeurope",
      "properties": {
        "addressSpace": { "addressPrefixes": [ "10.8.0.0/16" ] },
        "subnets": [
          { "name": "snet-app", "properties": { "addressPrefix": "10.8.1.0/24", "provisioningState": "Succeeded" } },
          { "name": "snet-db", "properties": { "addressPrefix": "10.8.2.0/24" } }
        ]
      }
    },
    {
      "type": "Microsoft.Network/virtualNetworks/subnets",
      "apiVersion": "2023-09-01",
      "name": "[concat(parameters('virtualNetworks_vnet_orders_weu_name'), '/snet-app')]",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualNetworks', parameters('virtualNetworks_vnet_orders_weu_name'))]" ],
      "properties": { "addressPrefix": "10.8.1.0/24", "provisioningState": "Succeeded" }
    },
    {
      "type": "Microsoft.KeyVault/vaults",
      "apiVersion": "2023-07-01",
      "name": "[parameters('vaults_kv_orders_weu_name')]",
      "location": "westeurope",
      "dependsOn": [ "[resourceId('Microsoft.Network/virtualNetworks', parameters('virtualNetworks_vnet_orders_weu_name'))]" ],
      "tags": { "owner": "[parameters('adminPassword')]" },
      "properties": {
        "sku": { "family": "A", "name": "standard" },
        "tenantId": "11111111-1111-1111-1111-111111111111",
        "enableSoftDelete": true,
        "enablePurgeProtection": true,
        "networkAcls": {
          "bypass": "AzureServices",
          "defaultAction": "Deny",
          "ipRules": [],
          "virtualNetworkRules": [
            { "id": "[concat(resourceId('Microsoft.Network/virtualNetworks', parameters('virtualNetworks_vnet_orders_weu_name')), '/subnets/snet-app')]", "ignoreMissingVnetServiceEndpoint": true },
            { "id": "[concat(resourceId('Microsoft.Network/virtualNetworks', parameters('virtualNetworks_vnet_orders_weu_name')), '/subnets/snet-db')]", "ignoreMissingVnetServiceEndpoint": false }
          ]
        }
      }
    },
    {
      "type": "Microsoft.KeyVault/vaults/secrets",
      "apiVersion": "2023-07-01",
      "name": "[concat(parameters('vaults_kv_orders_weu_name'), '/db-password')]",
      "dependsOn": [ "[resourceId('Microsoft.KeyVault/vaults', parameters('vaults_kv_orders_weu_name'))]" ],
      "properties": { "value": "[parameters('adminPassword')]" }
    }
  ]
})";

TEST_F(TemplateWriter, ServiceEndpointAddedInlineAndChild) {
  EmitRun run = emitFiles({inputFile("orders.json", kVaultWithVnetTemplate)});
  ASSERT_EQ(run.emission.written.size(), 1u);
  Json document = readJsonFile(run.emission.written.front().templateFile);
  auto hasEndpoint = [](const Json& properties) {
    for (const auto& endpoint : properties.value("serviceEndpoints", Json::array())) {
      if (endpoint.value("service", std::string()) == "Microsoft.KeyVault") return true;
    }
    return false;
  };
  const Json& vnet = *resourcesOfType(document, "Microsoft.Network/virtualNetworks").front();
  for (const auto& subnet : vnet["properties"]["subnets"]) {
    EXPECT_TRUE(hasEndpoint(subnet["properties"])) << subnet["name"];
  }
  const Json& child = *resourcesOfType(document, "Microsoft.Network/virtualNetworks/subnets").front();
  EXPECT_TRUE(hasEndpoint(child["properties"]));
  EXPECT_FALSE(run.emission.diagnostics.hasErrors());
}

TEST_F(TemplateWriter, TwoRulesGetNumberedParameters) {
  EmitRun run = emitFiles({inputFile("orders.json", kVaultWithVnetTemplate)});
  ASSERT_EQ(run.emission.written.size(), 1u);
  Json document = readJsonFile(run.emission.written.front().templateFile);
  Json parameters = readJsonFile(run.emission.written.front().parametersFile)["parameters"];
  const Json& rules = (*resourcesOfType(document, "Microsoft.KeyVault/vaults").front())["properties"]["networkAcls"]["virtualNetworkRules"];
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[1]["id"], "[concat(parameters('target_vnet_externalid_2'), '/subnets/', parameters('target_subnet_name_2'))]");
  EXPECT_EQ(rules[0]["ignoreMissingVnetServiceEndpoint"], false);
  EXPECT_EQ(parameters["target_subnet_name"]["value"], "snet-app");
  EXPECT_EQ(parameters["target_subnet_name_2"]["value"], "snet-db");
  std::string vnet = parameters["target_vnet_externalid"]["value"].get<std::string>();
  EXPECT_NE(vnet.find("/virtualNetworks/vnet-orders-neu"), std::string::npos) << vnet;
  const auto& expected = run.emission.written.front().expected.networkRuleSubnets;
  ASSERT_EQ(expected.size(), 1u);
  EXPECT_EQ(expected.begin()->second.at(1), vnet + "/subnets/snet-db");
}

TEST_F(TemplateWriter, SecureDefaultNeverWritten) {
  EmitRun run = emitFiles({inputFile("orders.json", kVaultWithVnetTemplate)});
  ASSERT_EQ(run.emission.written.size(), 1u);
  const auto& written = run.emission.written.front();
  for (const auto& path : {written.templateFile, written.parametersFile}) {
    EXPECT_EQ(readText(path).find("example-secure-default-7f3a"), std::string::npos) << path;
  }
  Json document = readJsonFile(written.templateFile);
  EXPECT_FALSE(document["parameters"]["adminPassword"].contains("defaultValue"));
  EXPECT_TRUE(resourcesOfType(document, "Microsoft.KeyVault/vaults/secrets").empty());
}

TEST_F(TemplateWriter, SecretValuesOfCasesNeverWritten) {
  // The exported templates with secure parameters: none of their defaults reaches a file.
  for (const char* name : {"exported-rg-webapps-sql-redis-frontdoor-kv-secret.json",
                           "exported-rg-kusto-sql-storage-kv-secret.json",
                           "exported-hub-lz-net-kv-pe-appgw-secrets.json"}) {
    std::string path = testing::templatePath(name);
    Json source = readJsonFile(path);
    std::vector<std::string> secureDefaults;
    const Json parameters = source.value("parameters", Json::object());
    for (auto it = parameters.begin(); it != parameters.end(); ++it) {
      std::string type = toLower(it->value("type", std::string()));
      if ((type == "securestring" || type == "secureobject") && it->contains("defaultValue")) {
        secureDefaults.push_back((*it)["defaultValue"].dump());
      }
    }
    PlanOptions options;
    options.targetResourceGroup = "rg-target-neu";
    EmitRun run = emitFiles({path}, options);
    for (const auto& written : run.emission.written) {
      for (const auto& file : {written.templateFile, written.parametersFile}) {
        std::string text = readText(file);
        for (const auto& value : secureDefaults) {
          if (value == "\"\"") continue;  // an empty default carries nothing
          EXPECT_EQ(text.find(value), std::string::npos) << name << " leaks a secure default into " << file;
        }
      }
    }
  }
}

TEST_F(TemplateWriter, ChangingPrincipalLeftOutOfAccessPolicies) {
  EmitRun run = emitFiles({testing::examplePath("network.json"), testing::examplePath("keyvault.json")});
  bool found = false;
  for (const auto& written : run.emission.written) {
    Json document = readJsonFile(written.templateFile);
    for (const auto* vault : resourcesOfType(document, "Microsoft.KeyVault/vaults")) {
      found = true;
      const Json policies = (*vault)["properties"]["accessPolicies"];
      EXPECT_EQ(policies.size(), 2u);
      for (const auto& policy : policies) EXPECT_NE(policy["objectId"], "5f0d3b86-9a2c-4e71-b4d8-6c2a9e1f7b53");
    }
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(run.emission.diagnostics.has("I-ACCESS-POLICY-DEFERRED"));
}

TEST_F(TemplateWriter, ResourceNeedingRestoredKeyDeferred) {
  EmitRun run = emitFiles({testing::examplePath("network.json"), testing::examplePath("keyvault.json")});
  for (const auto& written : run.emission.written) {
    Json document = readJsonFile(written.templateFile);
    EXPECT_TRUE(resourcesOfType(document, "Microsoft.Compute/diskEncryptionSets").empty());
    EXPECT_TRUE(resourcesOfType(document, "Microsoft.Web/sites").empty());
  }
  EXPECT_TRUE(run.emission.diagnostics.has("I-TEMPLATE-RESOURCE-DEFERRED"));
}

TEST_F(TemplateWriter, ExternalIdsPointAtTargets) {
  EmitRun run = emitFiles({testing::examplePath("network.json"), testing::examplePath("keyvault.json")});
  const PlanNode* vnet = testing::findNode(run.plan, "vnet-payments-weu");
  ASSERT_NE(vnet, nullptr);
  bool checked = false;
  for (const auto& written : run.emission.written) {
    Json document = readJsonFile(written.templateFile);
    std::string value = parameterDefault(document, "virtualNetworks_vnet_payments_weu_externalid");
    if (value.empty()) continue;
    EXPECT_EQ(value, vnet->targetId);
    checked = true;
  }
  EXPECT_TRUE(checked);
}

TEST_F(TemplateWriter, SeveralTemplatesGoToSubfolders) {
  EmitRun run = emitFiles({testing::examplePath("network.json"), testing::examplePath("keyvault.json")});
  ASSERT_EQ(run.emission.written.size(), 2u);
  EXPECT_EQ(run.emission.written[0].templateFile, run.directory + "/network/template.json");
  EXPECT_EQ(run.emission.written[1].templateFile, run.directory + "/keyvault/template.json");
}

TEST(TemplateStructure, MissingMembersReportedWithPointers) {
  Json document = Json::parse(R"({"contentVersion": "1.0.0.0", "resources": [{"type": "Microsoft.KeyVault/vaults", "name": "kv"}]})");
  Diagnostics findings = checkTemplateStructure(document, "t.json");
  ASSERT_EQ(findings.all().size(), 2u);
  std::set<std::string> messages;
  for (const auto& finding : findings.all()) {
    EXPECT_EQ(finding.code, "E-TARGET-TEMPLATE-STRUCTURE");
    EXPECT_EQ(finding.location.file, "t.json");
    messages.insert(finding.location.pointer + " " + finding.message);
  }
  EXPECT_TRUE(messages.count(" required member \"$schema\" is missing"));
  EXPECT_TRUE(messages.count("/resources/0 required member \"apiVersion\" is missing"));
}

}  // namespace
}  // namespace kvr
