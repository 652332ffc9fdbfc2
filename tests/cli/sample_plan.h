#pragma once

// A small hand-built plan for the report tests: a VNet with a subnet, a vault, its
// secret, a web app that is re-pointed, an out-of-scope workspace, and one diagnostic of
// each severity.

#include <algorithm>
#include <cctype>
#include <string>

#include "strategies/plan.h"

namespace kvr::testing {

inline const std::string kSubscription = "11111111-2222-3333-4444-555555555555";

inline std::string sampleId(const std::string& group, const std::string& typeAndName) {
  return "/subscriptions/" + kSubscription + "/resourceGroups/" + group + "/providers/" + typeAndName;
}

inline PlanNode sampleNode(const std::string& group, const std::string& type, const std::string& name,
                           const std::string& idPath, Strategy strategy, const std::string& reason) {
  PlanNode node;
  node.id = sampleId(group, idPath);
  node.key = node.id;
  for (char& c : node.key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  node.type = type;
  node.name = name;
  node.resourceGroup = group;
  node.location = "westeurope";
  node.strategy = strategy;
  node.reason = reason;
  node.rule = "rule-" + std::string(strategyName(strategy));
  return node;
}

inline Plan samplePlan() {
  Plan plan;
  plan.source = {kSubscription, "rg-app-weu", "westeurope", "Europe"};
  plan.target = {kSubscription, "rg-app-neu", "northeurope", "Europe"};
  plan.vaults.push_back({sampleId("rg-app-weu", "Microsoft.KeyVault/vaults/kv-app-weu"), "kv-app-weu",
                         sampleId("rg-app-neu", "Microsoft.KeyVault/vaults/kv-app-neu"), "kv-app-neu",
                         "region suffix weu replaced by neu"});

  PlanNode vnet = sampleNode("rg-net", "Microsoft.Network/virtualNetworks", "vnet-app",
                             "Microsoft.Network/virtualNetworks/vnet-app", Strategy::Redeploy, "network of the vault");
  PlanNode subnet = sampleNode("rg-net", "Microsoft.Network/virtualNetworks/subnets", "vnet-app/snet-pe",
                               "Microsoft.Network/virtualNetworks/vnet-app/subnets/snet-pe", Strategy::Redeploy,
                               "created with its network");
  subnet.foldedInto = vnet.key;
  PlanNode vault = sampleNode("rg-app-weu", "Microsoft.KeyVault/vaults", "kv-app-weu", "Microsoft.KeyVault/vaults/kv-app-weu",
                              Strategy::RedeployWithData, "the vault | moves with its data");
  vault.targetName = "kv-app-neu";
  vault.targetLocation = "northeurope";
  vault.parameters = Json{{"softDelete", true}, {"networkAcls", {{"defaultAction", "Deny"}, {"bypass", "AzureServices"}}}};
  vault.after = {vnet.key + " (network-rule-subnet: properties.networkAcls.virtualNetworkRules[0].id)"};
  PlanNode secret = sampleNode("rg-app-weu", "Microsoft.KeyVault/vaults/secrets", "kv-app-weu/db-password",
                               "Microsoft.KeyVault/vaults/kv-app-weu/secrets/db-password", Strategy::CopySecret,
                               "secrets are copied value by value");
  secret.parameters = Json{{"versions", "all"}};
  PlanNode webApp = sampleNode("rg-app-weu", "Microsoft.Web/sites", "app-web", "Microsoft.Web/sites/app-web",
                               Strategy::Repoint, "uses the vault URI in an app setting");
  webApp.manualSteps = {"restart app-web after the settings change"};
  PlanNode workspace = sampleNode("rg-ops", "Microsoft.OperationalInsights/workspaces", "log-ops",
                                  "Microsoft.OperationalInsights/workspaces/log-ops", Strategy::OutOfScope,
                                  "not tied to the vault");
  workspace.external = true;

  plan.nodes = {vnet, subnet, vault, secret, webApp, workspace};
  std::sort(plan.nodes.begin(), plan.nodes.end(), [](const PlanNode& a, const PlanNode& b) { return a.key < b.key; });

  // Order: network, vault, secret, web app.
  plan.steps = {{1, 0, vnet.key, {}}, {2, 1, vault.key, {1}}, {3, 2, secret.key, {2}}, {4, 3, webApp.key, {3}}};
  for (auto& node : plan.nodes) {
    for (const auto& step : plan.steps) {
      if (step.node == node.key) {
        node.order = step.order;
        node.wave = step.wave;
      }
    }
  }
  plan.waveCount = 4;
  plan.edges = {{vnet.key, vault.key, "network-rule-subnet", "properties.networkAcls.virtualNetworkRules[0].id"},
                {vnet.key, subnet.key, "subnet-in-vnet", "properties.subnets[0]"},
                {vault.key, secret.key, "parent-child", "name"},
                {secret.key, webApp.key, "secret-reference", "config.appsettings.DB_PASSWORD"}};
  plan.manualSteps = {"restart app-web after the settings change"};
  plan.diagnostics.error("E-VAULT-NAME-TAKEN", "the name kv-app-neu is taken", vault.id, {"vault.json", "/resources/0", -1});
  plan.diagnostics.warning("W-SECRET-EXPIRED", "the secret has expired", secret.id, {"vault.json", "/resources/1/properties", 4});
  plan.diagnostics.info("I-DEPLOYMENT-CONTEXT-ASSUMED", "resource group assumed", {}, {"net.json", "", -1});
  plan.rulesRun = {"vault-name-available", "same-geography-restore"};
  plan.inputs = {"vault.json", "net.json"};
  plan.options = Json{{"targetRegion", "northeurope"}, {"allowSubnetModification", true}, {"secretVersions", "all"}};
  plan.estimate.criticalPathSeconds = 300;
  plan.estimate.dataPlaneSeconds = 420;
  plan.estimate.totalSeconds = 420;
  plan.estimate.criticalPath = {vnet.key, vault.key, secret.key, webApp.key};
  return plan;
}

}  // namespace kvr::testing
