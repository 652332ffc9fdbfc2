#include <gtest/gtest.h>

#include <string>

#include "discovery/expression/expression.h"
#include "tests/expression/test_scope.h"

namespace kvr::expr {
namespace {

class EvaluatorTest : public ::testing::Test {
 protected:
  Value run(const std::string& text) { return evaluateString(text, scope); }

  EvalError evalError(const std::string& text) {
    try {
      (void)run(text);
    } catch (const EvalError& error) {
      return error;
    }
    ADD_FAILURE() << "evaluation succeeded for " << text;
    return EvalError(0, "");
  }

  testing::TestScope scope;
};

TEST_F(EvaluatorTest, ReturnsPlainStringsUnchanged) {
  const Value value = run("just text");
  EXPECT_EQ(value.json, "just text");
  EXPECT_FALSE(value.symbolic);
}

TEST_F(EvaluatorTest, UnescapesLiteralBrackets) { EXPECT_EQ(run("[[concat('a')]").json, "[concat('a')]"); }

TEST_F(EvaluatorTest, ReadsParametersAndVariables) {
  scope.parameters["vaultName"] = Value::of("kv-prod");
  scope.variables["suffix"] = Value::of("-01");
  EXPECT_EQ(run("[concat(parameters('VAULTNAME'), variables('suffix'))]").json, "kv-prod-01");
}

TEST_F(EvaluatorTest, RejectsUnknownParameter) {
  const EvalError error = evalError("[parameters('missing')]");
  EXPECT_EQ(error.position(), 12u);
  EXPECT_STREQ(error.what(), "parameters: parameter 'missing' is not defined in the template");
}

TEST_F(EvaluatorTest, RejectsUnknownVariable) {
  const EvalError error = evalError("[concat('a', variables('nope'))]");
  EXPECT_EQ(error.position(), 23u);
  EXPECT_STREQ(error.what(), "variables: variable 'nope' is not defined in the template");
}

TEST_F(EvaluatorTest, RejectsWrongArgumentCount) {
  const EvalError error = evalError("[substring('abc', 1, 1, 1)]");
  EXPECT_EQ(error.position(), 1u);
  EXPECT_STREQ(error.what(), "function 'substring' expects 1 to 3 argument(s) but was given 4");
}

TEST_F(EvaluatorTest, RejectsIndexOutOfRange) {
  const EvalError error = evalError("[split('a/b','/')[5]]");
  EXPECT_EQ(error.position(), 17u);
  EXPECT_STREQ(error.what(), "index 5 is out of range for an array of 2 element(s)");
}

TEST_F(EvaluatorTest, RejectsMissingProperty) {
  const EvalError error = evalError("[resourceGroup().nam]");
  EXPECT_EQ(error.position(), 16u);
  EXPECT_STREQ(error.what(), "property 'nam' does not exist; the available properties are 'id', 'name', 'location'");
}

TEST_F(EvaluatorTest, ReadsPropertiesIgnoringCase) { EXPECT_EQ(run("[resourceGroup().NAME]").json, "rg-app"); }

TEST_F(EvaluatorTest, ReferenceIsSymbolic) {
  const Value value = run("[reference('kv-prod').vaultUri]");
  EXPECT_TRUE(value.symbolic);
  EXPECT_EQ(value.json, "[reference('kv-prod').vaultUri]");
}

TEST_F(EvaluatorTest, ReferenceReportsEvaluatedId) {
  (void)run("[reference(resourceId('Microsoft.KeyVault/vaults', 'kv-prod'), '2022-07-01').properties]");
  ASSERT_EQ(scope.references.size(), 1u);
  EXPECT_EQ(scope.references[0].first,
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/"
            "Microsoft.KeyVault/vaults/kv-prod");
  EXPECT_EQ(scope.references[0].second, "reference");
}

TEST_F(EvaluatorTest, ListFunctionsAreSymbolicAndReported) {
  const Value value = run("[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'st1'), '2023-01-01').keys[0].value]");
  EXPECT_TRUE(value.symbolic);
  ASSERT_EQ(scope.references.size(), 1u);
  EXPECT_EQ(scope.references[0].second, "listKeys");
  (void)run("[listAccountSas('st2', '2023-01-01', createObject('signedExpiry', '2030-01-01'))]");
  ASSERT_EQ(scope.references.size(), 2u);
  EXPECT_EQ(scope.references[1].first, "st2");
  EXPECT_EQ(scope.references[1].second, "listAccountSas");
}

TEST_F(EvaluatorTest, SymbolicArgumentMakesCallSymbolic) {
  const Value value = run("[concat('https://', reference('kv').vaultUri, '/secrets')]");
  EXPECT_TRUE(value.symbolic);
  EXPECT_EQ(value.json, "[concat('https://', reference('kv').vaultUri, '/secrets')]");
}

TEST_F(EvaluatorTest, SymbolicParameterPropagates) {
  scope.parameters["seed"] = Value::symbol("[newGuid()]");
  const Value value = run("[toLower(parameters('seed'))]");
  EXPECT_TRUE(value.symbolic);
  EXPECT_EQ(value.json, "[toLower(parameters('seed'))]");
}

TEST_F(EvaluatorTest, UtcNowAndNewGuidAreSymbolic) {
  EXPECT_TRUE(run("[utcNow('u')]").symbolic);
  EXPECT_TRUE(run("[newGuid()]").symbolic);
  EXPECT_TRUE(run("[uniqueString(utcNow())]").symbolic);
}

TEST_F(EvaluatorTest, IfPicksKnownBranch) {
  const Value value = run("[if(true, 'known', reference('x').id)]");
  EXPECT_FALSE(value.symbolic);
  EXPECT_EQ(value.json, "known");
  EXPECT_TRUE(scope.references.empty());
}

TEST_F(EvaluatorTest, IfReturnsSymbolicBranch) {
  const Value value = run("[if(equals(1, 2), 'known', reference('x').id)]");
  EXPECT_TRUE(value.symbolic);
  EXPECT_EQ(value.json, "[reference('x').id]");
}

TEST_F(EvaluatorTest, IfIgnoresErrorInUntakenBranch) {
  EXPECT_EQ(run("[if(false, parameters('missing'), 'fallback')]").json, "fallback");
}

TEST_F(EvaluatorTest, IfWithSymbolicConditionIsSymbolic) {
  const Value value = run("[if(reference('x').enabled, 'a', 'b')]");
  EXPECT_TRUE(value.symbolic);
}

TEST_F(EvaluatorTest, AndOrDecideDespiteSymbolic) {
  EXPECT_EQ(run("[and(false, reference('x').enabled)]").json, false);
  EXPECT_EQ(run("[or(reference('x').enabled, true)]").json, true);
  EXPECT_TRUE(run("[and(true, reference('x').enabled)]").symbolic);
}

TEST_F(EvaluatorTest, CoalesceStopsAtFirstKnownValue) {
  EXPECT_EQ(run("[coalesce(null(), 'b', reference('x').id)]").json, "b");
  EXPECT_TRUE(run("[coalesce(null(), reference('x').id, 'c')]").symbolic);
}

TEST_F(EvaluatorTest, UnsupportedFunctionWarnsAndIsSymbolic) {
  const Value value = run("[concat('zones-', string(pickZones('Microsoft.Compute', 'virtualMachines', 'westus2')))]");
  EXPECT_TRUE(value.symbolic);
  ASSERT_EQ(scope.warnings.size(), 1u);
  EXPECT_EQ(scope.warnings[0].first, 25u);
  EXPECT_EQ(scope.warnings[0].second,
            "function 'pickZones' is not supported; its result is treated as unknown until deployment");
}

TEST_F(EvaluatorTest, ProvidersWarnsAndIsSymbolic) {
  const Value value = run("[providers('Microsoft.KeyVault', 'vaults').apiVersions[0]]");
  EXPECT_TRUE(value.symbolic);
  EXPECT_EQ(scope.warnings.size(), 1u);
}

TEST_F(EvaluatorTest, LambdaFunctionWarnsAndIsSymbolic) {
  const Value value = run("[filter(createArray(1, 2, 3), lambda('n', greater(lambdaVariables('n'), 1)))]");
  EXPECT_TRUE(value.symbolic);
  ASSERT_EQ(scope.warnings.size(), 1u);
  EXPECT_EQ(scope.warnings[0].first, 1u);
}

TEST_F(EvaluatorTest, UnsupportedFunctionStillReportsReferences) {
  (void)run("[dateTimeAdd(reference('kv').createdAt, 'P1D')]");
  ASSERT_EQ(scope.references.size(), 1u);
  EXPECT_EQ(scope.references[0].first, "kv");
}

TEST_F(EvaluatorTest, UserDefinedFunctionWarns) {
  EXPECT_TRUE(run("[contoso.uniqueName('kv')]").symbolic);
  ASSERT_EQ(scope.warnings.size(), 1u);
  EXPECT_NE(scope.warnings[0].second.find("contoso.uniqueName"), std::string::npos);
}

TEST_F(EvaluatorTest, CopyIndexAddsOffset) {
  scope.currentIndex = 2;
  scope.loops["vaults"] = 5;
  EXPECT_EQ(run("[copyIndex()]").json, 2);
  EXPECT_EQ(run("[copyIndex(1)]").json, 3);
  EXPECT_EQ(run("[copyIndex('vaults')]").json, 5);
  EXPECT_EQ(run("[copyIndex('vaults', 10)]").json, 15);
}

TEST_F(EvaluatorTest, CopyIndexOutsideLoopFails) {
  const EvalError error = evalError("[copyIndex()]");
  EXPECT_STREQ(error.what(), "copyIndex: copyIndex() is used outside a copy loop");
  const EvalError named = evalError("[copyIndex('other')]");
  EXPECT_STREQ(named.what(), "copyIndex: copy loop 'other' is not defined around this expression");
}

TEST_F(EvaluatorTest, ExposesDeploymentContext) {
  EXPECT_EQ(run("[subscription().subscriptionId]").json, testing::kSubscriptionId);
  EXPECT_EQ(run("[tenant().tenantId]").json, "00000000-0000-0000-0000-00000000000a");
  EXPECT_EQ(run("[deployment().name]").json, "kv-deployment");
  EXPECT_EQ(run("[environment().suffixes.keyvaultDns]").json, ".vault.azure.net");
  EXPECT_EQ(run("[resourceGroup().location]").json, "westeurope");
}

TEST_F(EvaluatorTest, DefaultExpressionIsNull) {
  EXPECT_TRUE(evaluate(Expression(), scope).json.is_null());
}

}  // namespace
}  // namespace kvr::expr
