#include "simulator/arm_path.h"
#include "simulator/config.h"
#include "simulator/http_message.h"
#include "simulator/vault_address.h"

#include <gtest/gtest.h>

namespace kvr::sim {
namespace {

TEST(RequestTest, TargetSplitsPathAndDecodedQuery) {
  Request request = Request::fromTarget("GET", "/a%20b/c?api-version=2024-11-01&%24skiptoken=5&x=y+z");
  EXPECT_EQ(request.path, "/a b/c");
  EXPECT_EQ(request.queryValue("api-version"), "2024-11-01");
  EXPECT_EQ(request.queryValue("$skiptoken"), "5");
  EXPECT_EQ(request.queryValue("x"), "y z");
  EXPECT_FALSE(request.hasQuery("missing"));
}

TEST(RequestTest, HeadersMatchWithoutCase) {
  Request request;
  request.withHeader("X-Identity-Header", "value");
  EXPECT_EQ(request.header("x-identity-header"), "value");
  EXPECT_EQ(request.header("X-IDENTITY-HEADER"), "value");
}

TEST(ArmPathTest, ParsesChildResource) {
  auto path = parseArmPath("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a");
  ASSERT_TRUE(path);
  EXPECT_EQ(path->fullType(), "Microsoft.Network/virtualNetworks/subnets");
  EXPECT_FALSE(path->isCollection());
  EXPECT_EQ(path->parentId(), "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v");
}

TEST(ArmPathTest, ParsesExtensionResourceScope) {
  auto path = parseArmPath(
      "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/providers/Microsoft.Authorization/roleAssignments/r1");
  ASSERT_TRUE(path);
  EXPECT_EQ(path->fullType(), "Microsoft.Authorization/roleAssignments");
  EXPECT_TRUE(path->scopeIsResource());
  EXPECT_EQ(path->scope, "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv");
}

TEST(ArmPathTest, RecognisesCollections) {
  auto path = parseArmPath("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults");
  ASSERT_TRUE(path);
  EXPECT_TRUE(path->isCollection());
  EXPECT_EQ(path->parentId(), "");
}

TEST(VaultAddressTest, HostNamesTheVault) {
  EXPECT_EQ(vaultNameFromHost("KV1.vault.localhost:8443", "vault.localhost"), "kv1");
  EXPECT_FALSE(vaultNameFromHost("127.0.0.1:8443", "vault.localhost"));
  EXPECT_FALSE(vaultNameFromHost("a.b.vault.localhost", "vault.localhost"));
  EXPECT_EQ(vaultUriFor("KV1", "https://127.0.0.1:8443", "vault.localhost"), "https://kv1.vault.localhost:8443/");
}

TEST(ConfigTest, OnlyLoopbackAddressesAreAccepted) {
  EXPECT_NO_THROW(requireLoopbackAddress("127.0.0.1"));
  EXPECT_NO_THROW(requireLoopbackAddress("::1"));
  EXPECT_THROW(requireLoopbackAddress("0.0.0.0"), std::invalid_argument);
  EXPECT_THROW(requireLoopbackAddress("10.0.0.5"), std::invalid_argument);
  EXPECT_THROW(requireLoopbackAddress("localhost"), std::invalid_argument);
}

}  // namespace
}  // namespace kvr::sim
