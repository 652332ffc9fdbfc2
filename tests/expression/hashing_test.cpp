// Known outputs of ARM's uniqueString() and guid(). Each vector names its public source.

#include <gtest/gtest.h>

#include <string>

#include "discovery/expression/expression.h"
#include "tests/expression/test_scope.h"

namespace kvr::expr {
namespace {

class HashingTest : public ::testing::Test {
 protected:
  testing::TestScope scope;
};

// Source: the help of the AzExpression PowerShell module (GitHub SimonWahlin/AzExpression,
// docs/en-US/New-AzUniqueString.md), which calls Microsoft's Azure.Deployments.Expression.
TEST_F(HashingTest, UniqueStringMatchesAzExpressionExample) {
  EXPECT_EQ(uniqueString({"test", "value"}), "bhxq2thzm5dym");
}

// Source: the self-test of e2e/infra/uniquestring.sh in GitHub philsphicas/aztunnel, whose
// values its author states were checked against Bicep's uniqueString() output.
TEST_F(HashingTest, UniqueStringMatchesPublishedBicepOutputs) {
  EXPECT_EQ(uniqueString({"test"}), "rbgf3xv4ufgzg");
  EXPECT_EQ(uniqueString({"hello", "world"}), "a7wkljktk6wne");
  EXPECT_EQ(uniqueString({"abc"}), "cgtzqvhu4i23s");
  EXPECT_EQ(uniqueString({"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg"}), "bmg7c6xu4tw46");
  EXPECT_EQ(uniqueString({"foo", "bar", "baz"}), "xzi4ioaxtmth4");
}

TEST_F(HashingTest, UniqueStringHasThirteenBase32Characters) {
  const std::string value = uniqueString({""});
  EXPECT_EQ(value.size(), 13u);
  EXPECT_EQ(value.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567"), std::string::npos);
}

TEST_F(HashingTest, UniqueStringFunctionJoinsArguments) {
  EXPECT_EQ(evaluateString("[uniqueString('test', 'value')]", scope).json, "bhxq2thzm5dym");
  EXPECT_EQ(evaluateString("[uniqueString('test-value')]", scope).json, "bhxq2thzm5dym");
}

// Source: the help of the AzExpression PowerShell module (GitHub SimonWahlin/AzExpression,
// docs/en-US/New-AzGuid.md), which calls Microsoft's Azure.Deployments.Expression.
TEST_F(HashingTest, GuidMatchesAzExpressionExample) {
  EXPECT_EQ(guid({"test", "value"}), "95b33d6a-06a0-5961-9b94-a0f6c648352b");
}

TEST_F(HashingTest, GuidFunctionJoinsArguments) {
  EXPECT_EQ(evaluateString("[guid('test', 'value')]", scope).json, "95b33d6a-06a0-5961-9b94-a0f6c648352b");
}

TEST_F(HashingTest, GuidIsVersionFive) {
  const std::string value = guid({"abc"});
  ASSERT_EQ(value.size(), 36u);
  EXPECT_EQ(value[14], '5');
  EXPECT_NE(std::string("89ab").find(value[19]), std::string::npos);
}

TEST_F(HashingTest, UniqueStringRejectsNonStringArgument) {
  EXPECT_THROW((void)evaluateString("[uniqueString(1)]", scope), EvalError);
}

}  // namespace
}  // namespace kvr::expr
