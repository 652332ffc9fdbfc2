// Expected values for the string functions are the example outputs on Microsoft Learn's
// "String functions for ARM templates" page. The other cases follow the behaviour the
// array, object, comparison, logical and numeric pages describe.

#include <gtest/gtest.h>

#include <string>

#include "discovery/expression/expression.h"
#include "tests/expression/test_scope.h"

namespace kvr::expr {
namespace {

class FunctionsTest : public ::testing::Test {
 protected:
  Json run(const std::string& text) {
    const Value value = evaluateString(text, scope);
    EXPECT_FALSE(value.symbolic) << text;
    return value.json;
  }

  std::string evalErrorMessage(const std::string& text) {
    try {
      (void)evaluateString(text, scope);
    } catch (const EvalError& error) {
      return error.what();
    }
    ADD_FAILURE() << "evaluation succeeded for " << text;
    return "";
  }

  testing::TestScope scope;
};

TEST_F(FunctionsTest, Base64RoundTrips) {
  EXPECT_EQ(run("[base64('one, two, three')]"), "b25lLCB0d28sIHRocmVl");
  EXPECT_EQ(run("[base64ToString('b25lLCB0d28sIHRocmVl')]"), "one, two, three");
  EXPECT_EQ(run("[base64ToJson(base64('{''one'': ''a'', ''two'': ''b''}')).two]"), "b");
}

TEST_F(FunctionsTest, Base64ToStringRejectsInvalidInput) {
  EXPECT_EQ(evalErrorMessage("[base64ToString('abc')]"), "base64ToString: the value 'abc' is not valid base64");
}

TEST_F(FunctionsTest, DataUriRoundTrips) {
  EXPECT_EQ(run("[dataUri('Hello')]"), "data:text/plain;charset=utf8;base64,SGVsbG8=");
  EXPECT_EQ(run("[dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')]"), "Hello, World!");
}

TEST_F(FunctionsTest, ConcatJoinsStrings) {
  EXPECT_EQ(run("[concat('prefix', '-', 'abc')]"), "prefix-abc");
  EXPECT_EQ(run("[concat('vm', 3)]"), "vm3");
}

TEST_F(FunctionsTest, ConcatJoinsArrays) {
  EXPECT_EQ(run("[concat(createArray('1-1', '1-2', '1-3'), createArray('2-1', '2-2', '2-3'))]"),
            Json({"1-1", "1-2", "1-3", "2-1", "2-2", "2-3"}));
}

TEST_F(FunctionsTest, ConcatRejectsMixedArguments) {
  EXPECT_EQ(evalErrorMessage("[concat(createArray(1), 'a')]"),
            "concat: cannot concatenate a string with arrays; pass only arrays");
}

TEST_F(FunctionsTest, ContainsFollowsArmCaseRules) {
  EXPECT_EQ(run("[contains('OneTwoThree', 'e')]"), true);
  EXPECT_EQ(run("[contains('OneTwoThree', 'z')]"), false);
  EXPECT_EQ(run("[contains('OneTwoThree', 'two')]"), false);
  EXPECT_EQ(run("[contains(json('{\"one\": \"a\", \"two\": \"b\"}'), 'Two')]"), true);
  EXPECT_EQ(run("[contains(createArray('one', 'two', 'three'), 'two')]"), true);
  EXPECT_EQ(run("[contains(createArray('one', 'two', 'three'), 'Two')]"), false);
}

TEST_F(FunctionsTest, EmptyChecksEveryKind) {
  EXPECT_EQ(run("[empty(createArray())]"), true);
  EXPECT_EQ(run("[empty(createObject())]"), true);
  EXPECT_EQ(run("[empty('')]"), true);
  EXPECT_EQ(run("[empty('x')]"), false);
  EXPECT_EQ(run("[empty(null())]"), true);
}

TEST_F(FunctionsTest, StartsAndEndsWithIgnoreCase) {
  EXPECT_EQ(run("[startsWith('abcdef', 'ab')]"), true);
  EXPECT_EQ(run("[startsWith('abcdef', 'A')]"), true);
  EXPECT_EQ(run("[startsWith('abcdef', 'e')]"), false);
  EXPECT_EQ(run("[endsWith('abcdef', 'ef')]"), true);
  EXPECT_EQ(run("[endsWith('abcdef', 'F')]"), true);
  EXPECT_EQ(run("[endsWith('abcdef', 'e')]"), false);
}

TEST_F(FunctionsTest, FirstAndLast) {
  EXPECT_EQ(run("[first(createArray('one', 'two', 'three'))]"), "one");
  EXPECT_EQ(run("[first('One Two Three')]"), "O");
  EXPECT_EQ(run("[last(createArray('one', 'two', 'three'))]"), "three");
  EXPECT_EQ(run("[last('One Two Three')]"), "e");
}

TEST_F(FunctionsTest, FormatFollowsDotNetCompositeFormatting) {
  EXPECT_EQ(run("[format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)]"),
            "Hello, User. Formatted number: 8,175,133");
  EXPECT_EQ(run("[format('{0:D5}-{1}', 42, 'x')]"), "00042-x");
  EXPECT_EQ(run("[format('[{0,4}|{0,-4}]', 7)]"), "[   7|7   ]");
  EXPECT_EQ(run("[format('{{{0}}}', 'a')]"), "{a}");
  EXPECT_EQ(run("[format('{0:X}', 255)]"), "FF");
}

TEST_F(FunctionsTest, FormatRejectsMissingArgument) {
  EXPECT_EQ(evalErrorMessage("[format('{0}-{1}', 'a')]"),
            "format: the format string is invalid at character 4: the item refers to argument {1} but only 1 "
            "value(s) follow the format string");
}

TEST_F(FunctionsTest, IndexOfIgnoresCase) {
  EXPECT_EQ(run("[indexOf('test', 't')]"), 0);
  EXPECT_EQ(run("[lastIndexOf('test', 't')]"), 3);
  EXPECT_EQ(run("[indexOf('abcdef', 'CD')]"), 2);
  EXPECT_EQ(run("[lastIndexOf('abcdef', 'AB')]"), 0);
  EXPECT_EQ(run("[indexOf('abcdef', 'z')]"), -1);
}

TEST_F(FunctionsTest, LengthCountsElementsAndCharacters) {
  EXPECT_EQ(run("[length(createArray('a', 'b', 'c'))]"), 3);
  EXPECT_EQ(run("[length('One Two Three')]"), 13);
  EXPECT_EQ(run("[length(json('{\"a\": 1, \"b\": 2, \"c\": 3, \"d\": 4}'))]"), 4);
  // .NET strings count UTF-16 code units: U+1F511 (a key emoji) counts as 2.
  EXPECT_EQ(run("[length('k\xF0\x9F\x94\x91')]"), 3);
}

TEST_F(FunctionsTest, PadLeftPadsToTotalLength) {
  EXPECT_EQ(run("[padLeft('123', 10, '0')]"), "0000000123");
  EXPECT_EQ(run("[padLeft(7, 3, '0')]"), "007");
  EXPECT_EQ(run("[padLeft('abcdef', 3)]"), "abcdef");
}

TEST_F(FunctionsTest, ReplaceReplacesEveryInstance) {
  EXPECT_EQ(run("[replace('123-123-1234', '-', '')]"), "1231231234");
  EXPECT_EQ(run("[replace('123-123-1234', '1234', 'xxxx')]"), "123-123-xxxx");
}

TEST_F(FunctionsTest, SkipAndTake) {
  EXPECT_EQ(run("[skip(createArray('one', 'two', 'three'), 2)]"), Json({"three"}));
  EXPECT_EQ(run("[skip('one two three', 4)]"), "two three");
  EXPECT_EQ(run("[take(createArray('one', 'two', 'three'), 2)]"), Json({"one", "two"}));
  EXPECT_EQ(run("[take('on two', 2)]"), "on");
  EXPECT_EQ(run("[take('abc', -1)]"), "");
  EXPECT_EQ(run("[skip('abc', 10)]"), "");
}

TEST_F(FunctionsTest, SplitOnOneOrSeveralDelimiters) {
  EXPECT_EQ(run("[split('one,two,three', ',')]"), Json({"one", "two", "three"}));
  EXPECT_EQ(run("[split('one;two,three', createArray(',', ';'))]"), Json({"one", "two", "three"}));
  EXPECT_EQ(run("[split('a//b', '/')]"), Json({"a", "", "b"}));
}

TEST_F(FunctionsTest, StringSerializesCompactly) {
  EXPECT_EQ(run("[string(json('{\"valueA\": 10, \"valueB\": \"Example Text\"}'))]"),
            "{\"valueA\":10,\"valueB\":\"Example Text\"}");
  EXPECT_EQ(run("[string(createArray('a', 'b', 'c'))]"), "[\"a\",\"b\",\"c\"]");
  EXPECT_EQ(run("[string(5)]"), "5");
}

TEST_F(FunctionsTest, SubstringExtractsAndValidates) {
  EXPECT_EQ(run("[substring('one two three', 4, 3)]"), "two");
  EXPECT_EQ(run("[substring('one two three', 8)]"), "three");
  EXPECT_EQ(evalErrorMessage("[substring('1234567890', 0, 11)]"),
            "substring: the start index 0 and length 11 must refer to a location within the string, whose length "
            "is 10");
}

TEST_F(FunctionsTest, ChangesCaseAndTrims) {
  EXPECT_EQ(run("[toLower('One Two Three')]"), "one two three");
  EXPECT_EQ(run("[toUpper('One Two Three')]"), "ONE TWO THREE");
  EXPECT_EQ(run("[trim('    one two three   ')]"), "one two three");
}

TEST_F(FunctionsTest, UriResolvesAsDocumented) {
  EXPECT_EQ(run("[uri('http://contoso.org/firstpath', 'myscript.sh')]"), "http://contoso.org/myscript.sh");
  EXPECT_EQ(run("[uri('http://contoso.org/firstpath/', 'myscript.sh')]"), "http://contoso.org/firstpath/myscript.sh");
  EXPECT_EQ(run("[uri('http://contoso.org/firstpath/azuredeploy.json', 'myscript.sh')]"),
            "http://contoso.org/firstpath/myscript.sh");
  EXPECT_EQ(run("[uri('http://contoso.org/firstpath/azuredeploy.json/', 'myscript.sh')]"),
            "http://contoso.org/firstpath/azuredeploy.json/myscript.sh");
  EXPECT_EQ(run("[uri('http://contoso.com/resources/', 'nested/azuredeploy.json')]"),
            "http://contoso.com/resources/nested/azuredeploy.json");
}

TEST_F(FunctionsTest, UriComponentRoundTrips) {
  EXPECT_EQ(run("[uriComponent('http://contoso.com/resources/nested/azuredeploy.json')]"),
            "http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json");
  EXPECT_EQ(run("[uriComponentToString('http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json')]"),
            "http://contoso.com/resources/nested/azuredeploy.json");
}

TEST_F(FunctionsTest, JoinJoinsStrings) {
  EXPECT_EQ(run("[join(createArray('one', 'two', 'three'), ',')]"), "one,two,three");
}

TEST_F(FunctionsTest, ArrayWrapsValues) {
  EXPECT_EQ(run("[array(1)]"), Json({1}));
  EXPECT_EQ(run("[array('efgh')]"), Json({"efgh"}));
  EXPECT_EQ(run("[array(createArray(1, 2))]"), Json({1, 2}));
}

TEST_F(FunctionsTest, CoalesceSkipsNulls) {
  EXPECT_EQ(run("[coalesce(null(), null(), 1, 2)]"), 1);
  EXPECT_TRUE(run("[coalesce(null(), null())]").is_null());
}

TEST_F(FunctionsTest, CreateObjectPairsKeysAndValues) {
  EXPECT_EQ(run("[createObject('intProp', 1, 'stringProp', 'abc', 'boolProp', true())]"),
            Json({{"intProp", 1}, {"stringProp", "abc"}, {"boolProp", true}}));
  EXPECT_EQ(evalErrorMessage("[createObject('a', 1, 'b')]"),
            "createObject: expects pairs of key and value, but was given an odd number of arguments (3)");
}

TEST_F(FunctionsTest, IntersectionKeepsCommonItems) {
  EXPECT_EQ(run("[intersection(createArray('one', 'two', 'three'), createArray('two', 'three'))]"),
            Json({"two", "three"}));
  EXPECT_EQ(run("[intersection(json('{\"one\": \"a\", \"two\": \"b\", \"three\": \"c\"}'), "
                "json('{\"one\": \"a\", \"two\": \"z\", \"three\": \"c\"}'))]"),
            Json({{"one", "a"}, {"three", "c"}}));
}

TEST_F(FunctionsTest, UnionMergesArraysAndObjects) {
  EXPECT_EQ(run("[union(createArray('one', 'two', 'three'), createArray('three', 'four'))]"),
            Json({"one", "two", "three", "four"}));
  EXPECT_EQ(run("[union(json('{\"one\": \"a\", \"two\": \"b\", \"three\": \"c1\"}'), "
                "json('{\"three\": \"c2\", \"four\": \"d\", \"five\": \"e\"}'))]"),
            Json({{"one", "a"}, {"two", "b"}, {"three", "c2"}, {"four", "d"}, {"five", "e"}}));
}

TEST_F(FunctionsTest, ItemsSortsByKey) {
  EXPECT_EQ(run("[items(json('{\"item002\": 2, \"item001\": 1}'))[0].key]"), "item001");
  EXPECT_EQ(run("[items(json('{\"item002\": 2, \"item001\": 1}'))[1].value]"), 2);
}

TEST_F(FunctionsTest, JsonParsesValues) {
  EXPECT_EQ(run("[json('{\"a\": \"b\"}').a]"), "b");
  EXPECT_EQ(run("[json('{''a'': ''b''}').a]"), "b");
  EXPECT_TRUE(run("[json('null')]").is_null());
  EXPECT_EQ(run("[json('[1, 2]')[1]]"), 2);
}

TEST_F(FunctionsTest, MinMaxAndRange) {
  EXPECT_EQ(run("[max(createArray(0, 3, 2, 5, 4))]"), 5);
  EXPECT_EQ(run("[max(0, 3, 2, 5, 4)]"), 5);
  EXPECT_EQ(run("[min(createArray(0, 3, 2, 5, 4))]"), 0);
  EXPECT_EQ(run("[range(1, 3)]"), Json({1, 2, 3}));
  EXPECT_EQ(evalErrorMessage("[range(0, 10001)]"), "range: the count 10001 must be between 0 and 10000");
}

TEST_F(FunctionsTest, FlattenJoinsNestedArrays) {
  EXPECT_EQ(run("[flatten(createArray(createArray('one', 'two'), createArray('three'), createArray('four', 'five')))]"),
            Json({"one", "two", "three", "four", "five"}));
}

TEST_F(FunctionsTest, LogicalFunctions) {
  EXPECT_EQ(run("[and(true(), true())]"), true);
  EXPECT_EQ(run("[and(true(), false())]"), false);
  EXPECT_EQ(run("[or(false(), true())]"), true);
  EXPECT_EQ(run("[not(true())]"), false);
  EXPECT_EQ(run("[if(equals('a', 'a'), 'yes', 'no')]"), "yes");
  EXPECT_EQ(run("[bool('true')]"), true);
  EXPECT_EQ(run("[bool(0)]"), false);
}

TEST_F(FunctionsTest, NotRejectsNonBoolean) {
  EXPECT_EQ(evalErrorMessage("[not('yes')]"), "not: argument 1 must be a boolean, got string");
}

TEST_F(FunctionsTest, ComparisonFunctions) {
  EXPECT_EQ(run("[equals(1, 1)]"), true);
  EXPECT_EQ(run("[equals('a', 'A')]"), false);
  EXPECT_EQ(run("[equals(createArray('a', 'b'), createArray('a', 'b'))]"), true);
  EXPECT_EQ(run("[equals(json('{\"a\": 1, \"b\": 2}'), json('{\"b\": 2, \"a\": 1}'))]"), true);
  EXPECT_EQ(run("[less(1, 10)]"), true);
  EXPECT_EQ(run("[less('A', 'a')]"), true);
  EXPECT_EQ(run("[lessOrEquals(10, 10)]"), true);
  EXPECT_EQ(run("[greater(10, 1)]"), true);
  EXPECT_EQ(run("[greater('A', 'a')]"), false);
  EXPECT_EQ(run("[greaterOrEquals('A', 'a')]"), false);
}

TEST_F(FunctionsTest, NumericFunctions) {
  EXPECT_EQ(run("[add(5, 3)]"), 8);
  EXPECT_EQ(run("[sub(7, 3)]"), 4);
  EXPECT_EQ(run("[mul(5, 3)]"), 15);
  EXPECT_EQ(run("[div(8, 3)]"), 2);
  EXPECT_EQ(run("[mod(7, 3)]"), 1);
  EXPECT_EQ(run("[int('4')]"), 4);
  EXPECT_EQ(run("[float('2.5')]"), 2.5);
}

TEST_F(FunctionsTest, DivisionByZeroFails) {
  EXPECT_EQ(evalErrorMessage("[div(1, 0)]"), "div: the divisor is zero");
}

TEST_F(FunctionsTest, AdditionOverflowFails) {
  EXPECT_EQ(evalErrorMessage("[add(9223372036854775807, 1)]"), "add: the result is outside the 64-bit integer range");
}

}  // namespace
}  // namespace kvr::expr
