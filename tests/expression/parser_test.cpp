#include <gtest/gtest.h>

#include <string>

#include "discovery/expression/expression.h"

namespace kvr::expr {
namespace {

class ParserTest : public ::testing::Test {
 protected:
  // Parses text that must fail and returns the error.
  static ParseError parseError(const std::string& text) {
    try {
      (void)parse(text);
    } catch (const ParseError& error) {
      return error;
    }
    ADD_FAILURE() << "parse succeeded for " << text;
    return ParseError(0, "");
  }

  static Json evaluateConstant(const std::string& text) {
    struct EmptyScope : Scope {
      std::optional<Value> parameter(const std::string&) override { return std::nullopt; }
      std::optional<Value> variable(const std::string&) override { return std::nullopt; }
      std::optional<long long> copyIndex(const std::optional<std::string>&) override { return std::nullopt; }
      Json resourceGroup() override { return nullptr; }
      Json subscription() override { return nullptr; }
      Json tenant() override { return nullptr; }
      Json deployment() override { return nullptr; }
      Json environment() override { return nullptr; }
    } scope;
    return evaluate(parse(text), scope).json;
  }
};

TEST_F(ParserTest, KeepsInnerTextWithoutBrackets) {
  EXPECT_EQ(parse("[concat('a', 'b')]").text(), "concat('a', 'b')");
}

TEST_F(ParserTest, ToleratesSurroundingWhitespace) {
  EXPECT_EQ(parse("  [  concat('a', 'b')  ]  ").text(), "concat('a', 'b')");
  EXPECT_EQ(evaluateConstant("[ concat( 'a' , 'b' ) ]"), "ab");
}

TEST_F(ParserTest, UnescapesDoubledQuotes) { EXPECT_EQ(evaluateConstant("['it''s']"), "it's"); }

TEST_F(ParserTest, ParsesNegativeIntegers) { EXPECT_EQ(evaluateConstant("[add(-5, 3)]"), -2); }

TEST_F(ParserTest, AcceptsLiteralAndFunctionBooleans) {
  EXPECT_EQ(evaluateConstant("[true]"), true);
  EXPECT_EQ(evaluateConstant("[false()]"), false);
  EXPECT_EQ(evaluateConstant("[TRUE()]"), true);
  EXPECT_TRUE(evaluateConstant("[null]").is_null());
  EXPECT_TRUE(evaluateConstant("[null()]").is_null());
}

TEST_F(ParserTest, FunctionNamesIgnoreCase) { EXPECT_EQ(evaluateConstant("[CONCAT('a', ToUpper('b'))]"), "aB"); }

TEST_F(ParserTest, ChainsPropertyAndIndexAccess) {
  EXPECT_EQ(evaluateConstant("[json('{\"a\": [{\"b\": 7}]}').a[0].b]"), 7);
  EXPECT_EQ(evaluateConstant("[createObject('k', 'v')['k']]"), "v");
}

TEST_F(ParserTest, RecognizesExpressionsAndEscapes) {
  EXPECT_TRUE(isExpression("[variables('a')]"));
  EXPECT_FALSE(isExpression("[[variables('a')]"));
  EXPECT_FALSE(isExpression("plain"));
  EXPECT_FALSE(isExpression("[x"));
  EXPECT_EQ(unescapeLiteral("[[variables('a')]"), "[variables('a')]");
}

TEST_F(ParserTest, RejectsEscapedLiteral) {
  const ParseError error = parseError("[[concat('a')]");
  EXPECT_EQ(error.position(), 1u);
  EXPECT_STREQ(error.what(), "'[[' starts an escaped literal string, not an expression");
}

TEST_F(ParserTest, ReportsUnclosedCall) {
  const ParseError error = parseError("[concat('a', 'b']");
  EXPECT_EQ(error.position(), 16u);
  EXPECT_STREQ(error.what(), "expected ')' to close the call to concat opened at character 7, found the end of the expression");
}

TEST_F(ParserTest, ReportsUnclosedNestedCall) {
  const ParseError error = parseError("[toLower(concat('a' 'b'))]");
  EXPECT_EQ(error.position(), 20u);
  EXPECT_STREQ(error.what(), "expected ')' to close the call to concat opened at character 15, found '''");
}

TEST_F(ParserTest, ReportsUnterminatedString) {
  const ParseError error = parseError("[concat('abc)]");
  EXPECT_EQ(error.position(), 8u);
  EXPECT_STREQ(error.what(), "unterminated string literal: the quote at character 8 is never closed");
}

TEST_F(ParserTest, ReportsUnexpectedClosingBracket) {
  const ParseError error = parseError("[concat('a', ])]");
  EXPECT_EQ(error.position(), 13u);
  EXPECT_STREQ(error.what(), "unexpected ']': expected an argument to concat");
}

TEST_F(ParserTest, ReportsEmptyIndex) {
  const ParseError error = parseError("[variables('a')[]]");
  EXPECT_EQ(error.position(), 16u);
  EXPECT_STREQ(error.what(), "unexpected ']': expected an index expression after '['");
}

TEST_F(ParserTest, ReportsMissingClosingBracket) {
  const ParseError error = parseError("[concat('a')");
  EXPECT_EQ(error.position(), 12u);
  EXPECT_STREQ(error.what(), "expected ']' at the end of the expression");
}

TEST_F(ParserTest, ReportsEmptyExpression) {
  const ParseError error = parseError("[ ]");
  EXPECT_EQ(error.position(), 2u);
  EXPECT_STREQ(error.what(), "expected an expression between '[' and ']'");
}

TEST_F(ParserTest, ReportsTrailingText) {
  const ParseError error = parseError("[concat('a') 'b']");
  EXPECT_EQ(error.position(), 13u);
  EXPECT_STREQ(error.what(), "unexpected ''' after the end of the expression");
}

TEST_F(ParserTest, ReportsBareName) {
  const ParseError error = parseError("[parameters]");
  EXPECT_EQ(error.position(), 11u);
  EXPECT_STREQ(error.what(), "expected '(' after the function name 'parameters', found the end of the expression");
}

TEST_F(ParserTest, ReportsMissingPropertyName) {
  const ParseError error = parseError("[resourceGroup().]");
  EXPECT_EQ(error.position(), 17u);
  EXPECT_STREQ(error.what(), "expected a property name after '.' at character 16, found the end of the expression");
}

TEST_F(ParserTest, ReportsLoneMinus) {
  const ParseError error = parseError("[add(-, 1)]");
  EXPECT_EQ(error.position(), 6u);
  EXPECT_STREQ(error.what(), "expected a digit after '-', found ','");
}

TEST_F(ParserTest, ReportsIntegerOverflow) {
  const ParseError error = parseError("[add(99999999999999999999, 1)]");
  EXPECT_EQ(error.position(), 5u);
  EXPECT_STREQ(error.what(), "integer literal 99999999999999999999 is outside the 64-bit integer range");
}

TEST_F(ParserTest, BoundsNestingDepth) {
  std::string deep = "[";
  for (int level = 0; level < 150; ++level) {
    deep += "string(";
  }
  deep += "1";
  deep += std::string(150, ')') + "]";
  const ParseError error = parseError(deep);
  EXPECT_STREQ(error.what(), "the expression nests deeper than 100 levels");
  EXPECT_EQ(error.position(), 1u + 100u * 7u);
}

TEST_F(ParserTest, BoundsPropertyChainDepth) {
  std::string chain = "[resourceGroup()";
  for (int level = 0; level < 150; ++level) {
    chain += ".a";
  }
  chain += "]";
  const ParseError error = parseError(chain);
  EXPECT_STREQ(error.what(), "the expression nests deeper than 100 levels");
}

TEST_F(ParserTest, AcceptsNestingAtTheLimit) {
  std::string deep = "[";
  for (int level = 0; level < 99; ++level) {
    deep += "string(";
  }
  deep += "1" + std::string(99, ')') + "]";
  EXPECT_EQ(evaluateConstant(deep), "1");
}

TEST_F(ParserTest, CollectsReferencedNames) {
  const auto names = referencedNames(parse(
      "[concat(parameters('vaultName'), variables('suffix'), parameters('VaultName'), parameters(variables('x')))]"));
  ASSERT_EQ(names.parameters.size(), 1u);
  EXPECT_EQ(names.parameters[0], "vaultName");
  ASSERT_EQ(names.variables.size(), 2u);
  EXPECT_EQ(names.variables[0], "suffix");
  EXPECT_EQ(names.variables[1], "x");
  EXPECT_TRUE(names.computedNames);
}

}  // namespace
}  // namespace kvr::expr
