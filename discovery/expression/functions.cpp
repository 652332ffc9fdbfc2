// The function table, value helpers shared by the library, and the logical, comparison
// and numeric functions.

#include <cmath>
#include <limits>
#include <string>

#include "discovery/expression/function_support.h"

namespace kvr::expr {
namespace {

FunctionTable buildTable() {
  FunctionTable table;
  addLogicalFunctions(table);
  addNumericFunctions(table);
  addStringFunctions(table);
  addCollectionFunctions(table);
  addDeploymentFunctions(table);
  addResourceIdFunctions(table);
  return table;
}

// and() and or(): a known deciding argument settles the result even when another
// argument is symbolic; `decisive` is false for and() and true for or().
Value evaluateJunction(Call& call, bool decisive) {
  bool symbolic = false;
  for (std::size_t index = 0; index < call.count(); ++index) {
    if (call.argument(index).symbolic) {
      symbolic = true;
    } else if (call.boolean(index) == decisive) {
      return Value::of(decisive);
    }
  }
  return symbolic ? call.symbolic() : Value::of(!decisive);
}

Value andFunction(Call& call) { return evaluateJunction(call, false); }
Value orFunction(Call& call) { return evaluateJunction(call, true); }
Value notFunction(Call& call) { return Value::of(!call.boolean(0)); }
Value trueFunction(Call&) { return Value::of(true); }
Value falseFunction(Call&) { return Value::of(false); }

// if() evaluates only the branch its condition picks, as ARM does, so an error or a
// reference() in the other branch does not count.
Value ifFunction(Call& call) {
  const Value& condition = call.argument(0);
  if (!condition.symbolic) {
    return call.argument(call.boolean(0) ? 1 : 2);
  }
  for (std::size_t index = 1; index < 3; ++index) {
    try {
      (void)call.argument(index);
    } catch (const EvalError&) {
    }
  }
  return call.symbolic();
}

Value boolFunction(Call& call) {
  const Json& value = call.json(0);
  if (value.is_boolean()) {
    return Value::of(value);
  }
  if (value.is_string()) {
    const std::string lower = toLower(value.get_ref<const std::string&>());
    if (lower == "true" || lower == "false") {
      return Value::of(lower == "true");
    }
    call.failArgument(0, "the string '" + value.get_ref<const std::string&>() +
                             "' is neither 'true' nor 'false'");
  }
  if (const auto integer = asInteger(value)) {
    return Value::of(*integer != 0);
  }
  call.failType(0, "a string, integer or boolean");
}

// Compares two numbers, or two strings by ordinal order; returns <0, 0 or >0.
int compareValues(Call& call) {
  const Json& left = call.json(0);
  const Json& right = call.json(1);
  if (left.is_number() && right.is_number()) {
    if (left.is_number_float() || right.is_number_float()) {
      const double a = left.get<double>();
      const double b = right.get<double>();
      return a < b ? -1 : (a > b ? 1 : 0);
    }
    const long long a = *asInteger(left);
    const long long b = *asInteger(right);
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  if (left.is_string() && right.is_string()) {
    return left.get_ref<const std::string&>().compare(right.get_ref<const std::string&>());
  }
  call.fail("cannot compare a value of type " + typeName(left) + " with one of type " + typeName(right) +
            "; both must be numbers or both strings");
}

Value equalsFunction(Call& call) { return Value::of(deepEquals(call.json(0), call.json(1))); }
Value lessFunction(Call& call) { return Value::of(compareValues(call) < 0); }
Value lessOrEqualsFunction(Call& call) { return Value::of(compareValues(call) <= 0); }
Value greaterFunction(Call& call) { return Value::of(compareValues(call) > 0); }
Value greaterOrEqualsFunction(Call& call) { return Value::of(compareValues(call) >= 0); }

long long checked(Call& call, bool overflow, long long result) {
  if (overflow) {
    call.fail("the result is outside the 64-bit integer range");
  }
  return result;
}

Value addFunction(Call& call) {
  long long result = 0;
  const bool overflow = __builtin_add_overflow(call.integer(0), call.integer(1), &result);
  return Value::of(checked(call, overflow, result));
}

Value subFunction(Call& call) {
  long long result = 0;
  const bool overflow = __builtin_sub_overflow(call.integer(0), call.integer(1), &result);
  return Value::of(checked(call, overflow, result));
}

Value mulFunction(Call& call) {
  long long result = 0;
  const bool overflow = __builtin_mul_overflow(call.integer(0), call.integer(1), &result);
  return Value::of(checked(call, overflow, result));
}

long long divisor(Call& call) {
  const long long value = call.integer(1);
  if (value == 0) {
    call.failArgument(1, "the divisor is zero");
  }
  return value;
}

Value divFunction(Call& call) {
  const long long dividend = call.integer(0);
  const long long by = divisor(call);
  const bool overflow = dividend == std::numeric_limits<long long>::min() && by == -1;
  return Value::of(checked(call, overflow, overflow ? 0 : dividend / by));
}

Value modFunction(Call& call) {
  const long long dividend = call.integer(0);
  const long long by = divisor(call);
  return Value::of(by == -1 ? 0 : dividend % by);
}

Value intFunction(Call& call) {
  const Json& value = call.json(0);
  if (const auto integer = asInteger(value)) {
    return Value::of(*integer);
  }
  if (value.is_number_float()) {
    const double rounded = std::nearbyint(value.get<double>());
    if (!(rounded >= -9.2e18 && rounded <= 9.2e18)) {
      call.failArgument(0, "the number is outside the 64-bit integer range");
    }
    return Value::of(static_cast<long long>(rounded));
  }
  if (value.is_string()) {
    const std::string& digits = value.get_ref<const std::string&>();
    try {
      std::size_t used = 0;
      const long long parsed = std::stoll(digits, &used, 10);
      if (used == digits.size()) {
        return Value::of(parsed);
      }
    } catch (const std::exception&) {
    }
    call.failArgument(0, "the string '" + digits + "' is not an integer");
  }
  call.failType(0, "a string or number");
}

Value floatFunction(Call& call) {
  const Json& value = call.json(0);
  if (value.is_number()) {
    return Value::of(value.get<double>());
  }
  if (value.is_string()) {
    const std::string& digits = value.get_ref<const std::string&>();
    try {
      std::size_t used = 0;
      const double parsed = std::stod(digits, &used);
      if (used == digits.size() && std::isfinite(parsed)) {
        return Value::of(parsed);
      }
    } catch (const std::exception&) {
    }
    call.failArgument(0, "the string '" + digits + "' is not a number");
  }
  call.failType(0, "a string or number");
}

bool objectsEqual(const Json& left, const Json& right) {
  if (left.size() != right.size()) {
    return false;
  }
  for (const auto& [key, value] : left.items()) {
    const auto found = right.find(key);
    if (found == right.end() || !deepEquals(value, *found)) {
      return false;
    }
  }
  return true;
}

bool arraysEqual(const Json& left, const Json& right) {
  if (left.size() != right.size()) {
    return false;
  }
  for (std::size_t index = 0; index < left.size(); ++index) {
    if (!deepEquals(left[index], right[index])) {
      return false;
    }
  }
  return true;
}

}  // namespace

const FunctionSpec* findFunction(const std::string& lowerName) {
  static const FunctionTable table = buildTable();
  const auto found = table.find(lowerName);
  return found == table.end() ? nullptr : &found->second;
}

void addLogicalFunctions(FunctionTable& table) {
  table["and"] = {2, kUnlimited, andFunction, false};
  table["or"] = {2, kUnlimited, orFunction, false};
  table["not"] = {1, 1, notFunction};
  table["if"] = {3, 3, ifFunction, false};
  table["bool"] = {1, 1, boolFunction};
  table["true"] = {0, 0, trueFunction};
  table["false"] = {0, 0, falseFunction};
  table["equals"] = {2, 2, equalsFunction};
  table["less"] = {2, 2, lessFunction};
  table["lessorequals"] = {2, 2, lessOrEqualsFunction};
  table["greater"] = {2, 2, greaterFunction};
  table["greaterorequals"] = {2, 2, greaterOrEqualsFunction};
}

void addNumericFunctions(FunctionTable& table) {
  table["add"] = {2, 2, addFunction};
  table["sub"] = {2, 2, subFunction};
  table["mul"] = {2, 2, mulFunction};
  table["div"] = {2, 2, divFunction};
  table["mod"] = {2, 2, modFunction};
  table["int"] = {1, 1, intFunction};
  table["float"] = {1, 1, floatFunction};
}

std::string typeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "bool";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "int";
    case Json::value_t::number_float:
      return "float";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "binary";
  }
}

std::optional<long long> asInteger(const Json& value) {
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    return value.get<long long>();
  }
  if (value.is_number_unsigned()) {
    const auto unsignedValue = value.get<unsigned long long>();
    if (unsignedValue <= static_cast<unsigned long long>(std::numeric_limits<long long>::max())) {
      return static_cast<long long>(unsignedValue);
    }
  }
  return std::nullopt;
}

bool deepEquals(const Json& left, const Json& right) {
  if (left.is_object() && right.is_object()) {
    return objectsEqual(left, right);
  }
  if (left.is_array() && right.is_array()) {
    return arraysEqual(left, right);
  }
  return left == right;
}

std::string dumpCompact(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string toText(const Json& value) {
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (value.is_null()) {
    return "";
  }
  if (value.is_boolean()) {
    return value.get<bool>() ? "True" : "False";
  }
  return dumpCompact(value);
}

const Json* findMember(const Json& object, std::string_view name) {
  const auto exact = object.find(std::string(name));
  if (exact != object.end()) {
    return &*exact;
  }
  for (auto member = object.begin(); member != object.end(); ++member) {
    if (iequals(member.key(), name)) {
      return &*member;
    }
  }
  return nullptr;
}

}  // namespace kvr::expr
