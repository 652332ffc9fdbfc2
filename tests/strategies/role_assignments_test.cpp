// Role assignments of a relocated vault: the role definition they keep, the id the plan
// shows for the copy, and the finding for a role that cannot be resolved.

#include <gtest/gtest.h>

#include "discovery/json.h"
#include "discovery/resource_id.h"
#include "strategies/role_assignments.h"
#include "support/cases.h"

namespace kvr {
namespace {

using planning::builtInRoleDefinitionGuid;
using planning::derivedRoleAssignmentId;
using planning::isRoleDefinitionId;
using planning::resolveRoleDefinitionId;
using testing::countCode;
using testing::failurePath;
using testing::loadFiles;
using testing::messagesFor;

const std::string kGroups = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/";
const std::string kSourceAssignment = kGroups +
                                      "rg-shop-eas/providers/Microsoft.KeyVault/vaults/kv-shop-eas/providers/"
                                      "Microsoft.Authorization/roleAssignments/99999999-9999-9999-9999-999999999913";
const std::string kTargetVault = kGroups + "rg-shop-sea/providers/Microsoft.KeyVault/vaults/kv-shop-sea";
const std::string kSecretsUserDefinition =
    "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/"
    "4633458b-17de-408a-b874-0445c86b69e6";

const PlanNode* nodeWithId(const Plan& plan, const std::string& id) {
  for (const PlanNode& node : plan.nodes) {
    if (iequals(node.id, id)) return &node;
  }
  return nullptr;
}

Resource& resourceWithId(Estate& estate, const std::string& id) {
  for (Resource& resource : estate.resources) {
    if (iequals(resource.id, id)) return resource;
  }
  throw std::runtime_error("the estate has no resource " + id);
}

TEST(RoleDefinitions, BuiltInNamesResolveCaseInsensitively) {
  EXPECT_EQ(builtInRoleDefinitionGuid("Key Vault Secrets User"), "4633458b-17de-408a-b874-0445c86b69e6");
  EXPECT_EQ(builtInRoleDefinitionGuid("key vault crypto service encryption user"), "e147488a-f6f5-4113-8e2d-b22465e65bf6");
  EXPECT_EQ(builtInRoleDefinitionGuid("Key Vault Administrator"), "00482a5a-887f-4fb3-b363-3b7fe8e74483");
  EXPECT_EQ(builtInRoleDefinitionGuid("Shop Secret Readers"), "");
  EXPECT_EQ(builtInRoleDefinitionGuid(""), "");
}

TEST(RoleDefinitions, IdFormIsChecked) {
  EXPECT_TRUE(isRoleDefinitionId(kSecretsUserDefinition));
  EXPECT_TRUE(isRoleDefinitionId("/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"));
  EXPECT_FALSE(isRoleDefinitionId(""));
  EXPECT_FALSE(isRoleDefinitionId("Key Vault Secrets User"));
  EXPECT_FALSE(isRoleDefinitionId("/providers/Microsoft.Authorization/roleDefinitions/4633458b"));
  EXPECT_FALSE(isRoleDefinitionId("/subscriptions//providers/Microsoft.Authorization/roleDefinitions/"
                                  "4633458b-17de-408a-b874-0445c86b69e6"));
  EXPECT_FALSE(isRoleDefinitionId("/resourceGroups/rg/providers/Microsoft.Authorization/roleDefinitions/"
                                  "4633458b-17de-408a-b874-0445c86b69e6"));
}

TEST(RoleDefinitions, OwnIdWinsOverName) {
  std::string custom = "/subscriptions/11111111-0000-0000-0000-000000000000/providers/Microsoft.Authorization/"
                       "roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7";
  Json properties = {{"roleDefinitionId", custom}, {"roleDefinitionName", "Key Vault Secrets User"}};
  EXPECT_EQ(resolveRoleDefinitionId(properties, "00000000-0000-0000-0000-000000000000"), custom);
}

TEST(RoleDefinitions, NameResolvesUnderTargetSubscription) {
  Json properties = {{"roleDefinitionId", ""}, {"roleDefinitionName", "Key Vault Secrets User"}};
  EXPECT_EQ(resolveRoleDefinitionId(properties, "00000000-0000-0000-0000-000000000000"), kSecretsUserDefinition);
  Json unknown = {{"roleDefinitionName", "Shop Secret Readers"}};
  EXPECT_EQ(resolveRoleDefinitionId(unknown, "00000000-0000-0000-0000-000000000000"), "");
  Json wrongType = {{"roleDefinitionId", 7}, {"roleDefinitionName", 7}};
  EXPECT_EQ(resolveRoleDefinitionId(wrongType, "00000000-0000-0000-0000-000000000000"), "");
}

TEST(RoleAssignmentPlan, B13TargetIsDerivedAssignment) {
  Plan plan = testing::planFiles({failurePath("B13-appservice-keyvault-references.json")});
  const PlanNode* node = nodeWithId(plan, kSourceAssignment);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->strategy, Strategy::Reconfigure);
  // ARM's guid() of the lower-case new vault id, principal and role definition id.
  EXPECT_EQ(node->targetId, kTargetVault + "/providers/Microsoft.Authorization/roleAssignments/" +
                                "d770f0f6-0a5c-5fdd-8877-505d01a57441");
  EXPECT_EQ(node->targetId, derivedRoleAssignmentId(kTargetVault, "aaaaaaaa-0000-0000-0000-000000000001", kSecretsUserDefinition));
  EXPECT_EQ(node->targetName, leafName(node->targetId));
  EXPECT_NE(node->targetName, "99999999-9999-9999-9999-999999999913");
  EXPECT_EQ(node->parameters.value("roleDefinitionId", ""), kSecretsUserDefinition);
  EXPECT_EQ(countCode(plan, "E-ROLE-ASSIGNMENT-ROLE-UNKNOWN"), 0u);
}

TEST(RoleAssignmentPlan, ReplacedPrincipalGetsApplyTimeTarget) {
  Estate estate = loadFiles({failurePath("B13-appservice-keyvault-references.json")});
  estate.relocation.options["knownPrincipals"] = {
      {"aaaaaaaa-0000-0000-0000-000000000001", {{"ownerResource", "id-shop-front"}, {"recreatedInTarget", true}}}};
  Plan plan = makePlan(estate, {});
  const PlanNode* node = nodeWithId(plan, kSourceAssignment);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->targetId, "");
  EXPECT_EQ(node->targetName, "");
  std::string target = node->parameters.value("target", "");
  EXPECT_NE(target.find("derived at apply time"), std::string::npos) << target;
}

TEST(RoleAssignmentPlan, UnknownRoleNameIsError) {
  Estate estate = loadFiles({failurePath("B13-appservice-keyvault-references.json")});
  resourceWithId(estate, kSourceAssignment).body["properties"]["roleDefinitionName"] = "Shop Secret Readers";
  Plan plan = makePlan(estate, {});
  ASSERT_EQ(countCode(plan, "E-ROLE-ASSIGNMENT-ROLE-UNKNOWN"), 1u);
  std::string message = messagesFor(plan, "E-ROLE-ASSIGNMENT-ROLE-UNKNOWN").front();
  EXPECT_NE(message.find("'Shop Secret Readers'"), std::string::npos) << message;
  EXPECT_NE(message.find("add \"roleDefinitionId\""), std::string::npos) << message;
  bool named = false;
  for (const auto& diagnostic : plan.diagnostics.all()) {
    if (diagnostic.code == "E-ROLE-ASSIGNMENT-ROLE-UNKNOWN") named = iequals(diagnostic.resourceId, kSourceAssignment);
  }
  EXPECT_TRUE(named);
  EXPECT_TRUE(plan.hasBlockers());
}

TEST(RoleAssignmentPlan, MalformedIdWithBuiltInNameIsResolved) {
  Estate estate = loadFiles({failurePath("B13-appservice-keyvault-references.json")});
  resourceWithId(estate, kSourceAssignment).body["properties"]["roleDefinitionId"] = "Key Vault Secrets User";
  Plan plan = makePlan(estate, {});
  EXPECT_EQ(countCode(plan, "E-ROLE-ASSIGNMENT-ROLE-UNKNOWN"), 0u);
  const PlanNode* node = nodeWithId(plan, kSourceAssignment);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->parameters.value("roleDefinitionId", ""), kSecretsUserDefinition);
}

}  // namespace
}  // namespace kvr
