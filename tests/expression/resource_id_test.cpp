#include <gtest/gtest.h>

#include <string>

#include "discovery/expression/expression.h"
#include "tests/expression/test_scope.h"

namespace kvr::expr {
namespace {

const std::string kGroupPrefix = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app";

class ResourceIdTest : public ::testing::Test {
 protected:
  Json run(const std::string& text) { return evaluateString(text, scope).json; }

  EvalError evalError(const std::string& text) {
    try {
      (void)evaluateString(text, scope);
    } catch (const EvalError& error) {
      return error;
    }
    ADD_FAILURE() << "evaluation succeeded for " << text;
    return EvalError(0, "");
  }

  testing::TestScope scope;
};

TEST_F(ResourceIdTest, ResourceIdUsesCurrentScope) {
  EXPECT_EQ(run("[resourceId('Microsoft.KeyVault/vaults', 'kv-prod')]"),
            kGroupPrefix + "/providers/Microsoft.KeyVault/vaults/kv-prod");
}

TEST_F(ResourceIdTest, ResourceIdAcceptsResourceGroup) {
  EXPECT_EQ(run("[resourceId('rg-net', 'Microsoft.Network/virtualNetworks', 'vnet1')]"),
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/"
            "Microsoft.Network/virtualNetworks/vnet1");
}

TEST_F(ResourceIdTest, ResourceIdAcceptsSubscriptionAndResourceGroup) {
  EXPECT_EQ(run("[resourceId('11111111-1111-1111-1111-111111111111', 'rg-net', 'Microsoft.Network/virtualNetworks', "
                "'vnet1')]"),
            "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/"
            "Microsoft.Network/virtualNetworks/vnet1");
}

TEST_F(ResourceIdTest, ResourceIdBuildsChildResourceIds) {
  EXPECT_EQ(run("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet1', 'snet-kv')]"),
            kGroupPrefix + "/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/snet-kv");
}

TEST_F(ResourceIdTest, ResourceIdAtSubscriptionScopeOmitsResourceGroup) {
  scope.resourceGroupObject = nullptr;
  EXPECT_EQ(run("[resourceId('Microsoft.Resources/resourceGroups', 'rg-app')]"),
            "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Resources/resourceGroups/rg-app");
}

TEST_F(ResourceIdTest, ResourceIdRejectsSlashInName) {
  const EvalError error = evalError("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet/snet')]");
  EXPECT_EQ(error.position(), 57u);
  EXPECT_STREQ(error.what(),
               "resourceId: the resource name 'vnet/snet' contains '/'; the type "
               "'Microsoft.Network/virtualNetworks/subnets' requires '2' resource name argument(s), one per segment");
}

TEST_F(ResourceIdTest, ResourceIdRejectsLeadingSlashInType) {
  const EvalError error = evalError("[resourceId('/Microsoft.KeyVault/vaults', 'kv')]");
  EXPECT_EQ(error.position(), 12u);
  EXPECT_STREQ(error.what(), "resourceId: the resource type '/Microsoft.KeyVault/vaults' must not start with '/'");
}

TEST_F(ResourceIdTest, ResourceIdRejectsTooFewNames) {
  const EvalError error = evalError("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet1')]");
  EXPECT_EQ(error.position(), 1u);
  EXPECT_STREQ(error.what(),
               "resourceId: the type 'Microsoft.Network/virtualNetworks/subnets' requires '2' resource name "
               "argument(s), but was given 1");
}

TEST_F(ResourceIdTest, ResourceIdRejectsTooManyNames) {
  const EvalError error = evalError("[resourceId('Microsoft.KeyVault/vaults', 'kv', 'extra')]");
  EXPECT_STREQ(error.what(),
               "resourceId: the type 'Microsoft.KeyVault/vaults' requires '1' resource name argument(s), but was "
               "given 2");
}

TEST_F(ResourceIdTest, ResourceIdRejectsTypeWithoutResourceType) {
  const EvalError error = evalError("[resourceId('Microsoft.KeyVault/', 'kv')]");
  EXPECT_STREQ(error.what(),
               "resourceId: the resource type 'Microsoft.KeyVault/' is invalid; expected '{provider "
               "namespace}/{type}[/{child type}...]'");
}

TEST_F(ResourceIdTest, ResourceIdRejectsMissingType) {
  const EvalError error = evalError("[resourceId('vaults', 'kv')]");
  EXPECT_STREQ(error.what(),
               "resourceId: no argument is a resource type; expected a type such as 'Microsoft.KeyVault/vaults'");
}

TEST_F(ResourceIdTest, ResourceIdRejectsTooManyScopeArguments) {
  const EvalError error = evalError("[resourceId('a', 'b', 'c', 'Microsoft.KeyVault/vaults', 'kv')]");
  EXPECT_STREQ(error.what(),
               "resourceId: expects at most 2 scope argument(s) before the resource type, but "
               "'Microsoft.KeyVault/vaults' is argument 4");
}

TEST_F(ResourceIdTest, ResourceIdWithSymbolicNameIsSymbolic) {
  const Value value = evaluateString("[resourceId('Microsoft.KeyVault/vaults', reference('x').name)]", scope);
  EXPECT_TRUE(value.symbolic);
}

TEST_F(ResourceIdTest, SubscriptionResourceIdOmitsResourceGroup) {
  EXPECT_EQ(run("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                "'00482a5a-887f-4fb3-b363-3b7fe8e74483')]"),
            "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/"
            "00482a5a-887f-4fb3-b363-3b7fe8e74483");
  EXPECT_EQ(run("[subscriptionResourceId('22222222-2222-2222-2222-222222222222', 'Microsoft.Resources/resourceGroups', "
                "'rg1')]"),
            "/subscriptions/22222222-2222-2222-2222-222222222222/providers/Microsoft.Resources/resourceGroups/rg1");
}

TEST_F(ResourceIdTest, TenantResourceIdHasNoScope) {
  EXPECT_EQ(run("[tenantResourceId('Microsoft.Authorization/policyDefinitions', 'policy1')]"),
            "/providers/Microsoft.Authorization/policyDefinitions/policy1");
}

TEST_F(ResourceIdTest, ExtensionResourceIdAppendsToBase) {
  EXPECT_EQ(run("[extensionResourceId(resourceId('Microsoft.KeyVault/vaults', 'kv'), "
                "'Microsoft.Authorization/locks', 'no-delete')]"),
            kGroupPrefix + "/providers/Microsoft.KeyVault/vaults/kv/providers/Microsoft.Authorization/locks/no-delete");
}

TEST_F(ResourceIdTest, ManagementGroupResourceIdUsesGivenGroup) {
  EXPECT_EQ(run("[managementGroupResourceId('mg1', 'Microsoft.Authorization/policyDefinitions', 'p1')]"),
            "/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/"
            "policyDefinitions/p1");
}

TEST_F(ResourceIdTest, ManagementGroupResourceIdWithoutGroupWarns) {
  const Value value = evaluateString("[managementGroupResourceId('Microsoft.Authorization/policyDefinitions', 'p1')]", scope);
  EXPECT_TRUE(value.symbolic);
  EXPECT_EQ(scope.warnings.size(), 1u);
}

}  // namespace
}  // namespace kvr::expr
