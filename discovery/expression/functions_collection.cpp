// Array and object functions, and the functions that accept either a string or an array.

#include <algorithm>
#include <string>
#include <vector>

#include "discovery/expression/function_support.h"
#include "discovery/expression/text.h"

namespace kvr::expr {
namespace {

void requireStringOrArray(Call& call, std::size_t index) {
  const Json& value = call.json(index);
  if (!value.is_string() && !value.is_array()) {
    call.failType(index, "a string or an array");
  }
}

Value concatFunction(Call& call) {
  if (call.json(0).is_array()) {
    Json result = Json::array();
    for (std::size_t index = 0; index < call.count(); ++index) {
      const Json& part = call.json(index);
      if (!part.is_array() && !part.is_null()) {
        call.failArgument(index, "cannot concatenate a " + typeName(part) + " with arrays; pass only arrays");
      }
      call.checkLength(result.size() + part.size());
      for (const auto& item : part) {
        result.push_back(item);
      }
    }
    return Value::of(std::move(result));
  }
  std::string result;
  for (std::size_t index = 0; index < call.count(); ++index) {
    const Json& part = call.json(index);
    if (part.is_array() || part.is_object()) {
      call.failArgument(index, "cannot concatenate a " + typeName(part) + " with strings; pass only strings");
    }
    result += toText(part);
    call.checkLength(result.size());
  }
  return Value::of(result);
}

Value containsFunction(Call& call) {
  const Json& container = call.json(0);
  const Json& item = call.json(1);
  if (container.is_object()) {
    return Value::of(item.is_string() && findMember(container, item.get_ref<const std::string&>()) != nullptr);
  }
  if (container.is_array()) {
    return Value::of(std::any_of(container.begin(), container.end(),
                                 [&item](const Json& element) { return deepEquals(element, item); }));
  }
  if (container.is_string()) {
    if (item.is_array() || item.is_object()) {
      call.failType(1, "a string or integer");
    }
    return Value::of(container.get_ref<const std::string&>().find(toText(item)) != std::string::npos);
  }
  call.failType(0, "an array, object or string");
}

Value createArrayFunction(Call& call) {
  Json result = Json::array();
  for (std::size_t index = 0; index < call.count(); ++index) {
    result.push_back(call.json(index));
  }
  return Value::of(std::move(result));
}

Value createObjectFunction(Call& call) {
  if (call.count() % 2 != 0) {
    call.fail("expects pairs of key and value, but was given an odd number of arguments (" +
              std::to_string(call.count()) + ")");
  }
  Json result = Json::object();
  for (std::size_t index = 0; index < call.count(); index += 2) {
    result[call.string(index)] = call.json(index + 1);
  }
  return Value::of(std::move(result));
}

Value emptyFunction(Call& call) {
  const Json& value = call.json(0);
  if (value.is_null()) {
    return Value::of(true);
  }
  if (value.is_string()) {
    return Value::of(value.get_ref<const std::string&>().empty());
  }
  if (value.is_array() || value.is_object()) {
    return Value::of(value.empty());
  }
  call.failType(0, "an array, object or string");
}

// first() and last(): the first or last character of a string, or element of an array;
// null for an empty array or a null value.
Value endElement(Call& call, bool last) {
  const Json& value = call.json(0);
  if (value.is_null()) {
    return Value::of(nullptr);
  }
  if (value.is_array()) {
    return value.empty() ? Value::of(nullptr) : Value::of(last ? value.back() : value.front());
  }
  if (value.is_string()) {
    const std::u16string units = text::toUtf16(value.get_ref<const std::string&>());
    if (units.empty()) {
      return Value::of("");
    }
    return Value::of(text::toUtf8(std::u16string(1, last ? units.back() : units.front())));
  }
  call.failType(0, "an array or string");
}

Value firstFunction(Call& call) { return endElement(call, false); }
Value lastFunction(Call& call) { return endElement(call, true); }

Value lengthFunction(Call& call) {
  const Json& value = call.json(0);
  if (value.is_string()) {
    return Value::of(static_cast<long long>(text::toUtf16(value.get_ref<const std::string&>()).size()));
  }
  if (value.is_array() || value.is_object()) {
    return Value::of(static_cast<long long>(value.size()));
  }
  call.failType(0, "an array, object or string");
}

// skip() and take() clamp the count to the value's length, as ARM does.
std::size_t clampedCount(Call& call, std::size_t length) {
  const long long count = call.integer(1);
  return count <= 0 ? 0 : std::min(static_cast<std::size_t>(count), length);
}

Value sliceFunction(Call& call, bool take) {
  requireStringOrArray(call, 0);
  const Json& value = call.json(0);
  if (value.is_array()) {
    const std::size_t count = clampedCount(call, value.size());
    const auto begin = take ? value.begin() : value.begin() + static_cast<std::ptrdiff_t>(count);
    const auto end = take ? value.begin() + static_cast<std::ptrdiff_t>(count) : value.end();
    return Value::of(Json(std::vector<Json>(begin, end)));
  }
  const std::u16string units = text::toUtf16(value.get_ref<const std::string&>());
  const std::size_t count = clampedCount(call, units.size());
  return Value::of(text::toUtf8(take ? units.substr(0, count) : units.substr(count)));
}

Value skipFunction(Call& call) { return sliceFunction(call, false); }
Value takeFunction(Call& call) { return sliceFunction(call, true); }

bool containsEqual(const Json& array, const Json& item) {
  return std::any_of(array.begin(), array.end(), [&item](const Json& element) { return deepEquals(element, item); });
}

void requireSameKind(Call& call) {
  const bool objects = call.json(0).is_object();
  for (std::size_t index = 0; index < call.count(); ++index) {
    const Json& value = call.json(index);
    if (objects ? !value.is_object() : !value.is_array()) {
      call.failType(index, objects ? "an object, like the first argument" : "an array or object");
    }
  }
}

Value intersectionFunction(Call& call) {
  requireSameKind(call);
  const Json& first = call.json(0);
  if (first.is_object()) {
    Json result = Json::object();
    for (const auto& [key, value] : first.items()) {
      bool everywhere = true;
      for (std::size_t index = 1; index < call.count() && everywhere; ++index) {
        const Json& other = call.json(index);
        const auto found = other.find(key);
        everywhere = found != other.end() && deepEquals(*found, value);
      }
      if (everywhere) {
        result[key] = value;
      }
    }
    return Value::of(std::move(result));
  }
  Json result = Json::array();
  for (const auto& item : first) {
    bool everywhere = !containsEqual(result, item);
    for (std::size_t index = 1; index < call.count() && everywhere; ++index) {
      everywhere = containsEqual(call.json(index), item);
    }
    if (everywhere) {
      result.push_back(item);
    }
  }
  return Value::of(std::move(result));
}

// Merges `source` into `target`: nested objects merge recursively, and any other value,
// arrays included, replaces the one before it.
void mergeInto(Json& target, const Json& source) {
  for (const auto& [key, value] : source.items()) {
    const auto found = target.find(key);
    if (found != target.end() && found->is_object() && value.is_object()) {
      mergeInto(*found, value);
    } else {
      target[key] = value;
    }
  }
}

Value unionFunction(Call& call) {
  requireSameKind(call);
  if (call.json(0).is_object()) {
    Json result = Json::object();
    for (std::size_t index = 0; index < call.count(); ++index) {
      mergeInto(result, call.json(index));
    }
    return Value::of(std::move(result));
  }
  Json result = Json::array();
  for (std::size_t index = 0; index < call.count(); ++index) {
    for (const auto& item : call.json(index)) {
      if (!containsEqual(result, item)) {
        result.push_back(item);
      }
    }
  }
  return Value::of(std::move(result));
}

Value flattenFunction(Call& call) {
  Json result = Json::array();
  for (const auto& item : call.array(0)) {
    if (!item.is_array()) {
      call.failArgument(0, "every element must be an array, got " + typeName(item));
    }
    for (const auto& inner : item) {
      result.push_back(inner);
    }
  }
  return Value::of(std::move(result));
}

// NOTE: ARM documents that items() sorts by key but not the comparison it uses. This sorts
// by byte order, so keys that differ only in case or use non-ASCII letters may come out
// in another order than ARM's.
Value itemsFunction(Call& call) {
  const Json& object = call.object(0);
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) {
    (void)value;
    keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  Json result = Json::array();
  for (const auto& key : keys) {
    result.push_back(Json{{"key", key}, {"value", object.at(key)}});
  }
  return Value::of(std::move(result));
}

// Rewrites single-quoted JSON strings, which ARM's JSON reader accepts, as double-quoted ones.
std::string normalizeQuotes(const std::string& input) {
  std::string output;
  char quote = 0;
  for (std::size_t index = 0; index < input.size(); ++index) {
    const char character = input[index];
    if (quote != 0 && character == '\\' && index + 1 < input.size()) {
      const char escaped = input[++index];
      output += escaped == '\'' ? std::string("'") : std::string{'\\', escaped};
    } else if (quote == 0 && (character == '"' || character == '\'')) {
      quote = character;
      output.push_back('"');
    } else if (quote != 0 && character == quote) {
      quote = 0;
      output.push_back('"');
    } else if (quote == '\'' && character == '"') {
      output += "\\\"";
    } else {
      output.push_back(character);
    }
  }
  return output;
}

Json parseJsonArgument(Call& call, std::size_t index, const std::string& source) {
  try {
    return Json::parse(normalizeQuotes(source), nullptr, true, true);
  } catch (const Json::exception& error) {
    call.failArgument(index, "the value is not valid JSON: " + std::string(error.what()));
  }
}

Value jsonFunction(Call& call) { return Value::of(parseJsonArgument(call, 0, call.string(0))); }

Value base64ToJsonFunction(Call& call) {
  const auto decoded = text::base64Decode(call.string(0));
  if (!decoded) {
    call.failArgument(0, "the value '" + call.string(0) + "' is not valid base64");
  }
  return Value::of(parseJsonArgument(call, 0, *decoded));
}

std::vector<Json> numbersOf(Call& call) {
  std::vector<Json> numbers;
  if (call.count() == 1 && call.json(0).is_array()) {
    numbers.assign(call.json(0).begin(), call.json(0).end());
  } else {
    for (std::size_t index = 0; index < call.count(); ++index) {
      numbers.push_back(call.json(index));
    }
  }
  if (numbers.empty()) {
    call.fail("expects at least one number, but the array is empty");
  }
  for (const auto& number : numbers) {
    if (!number.is_number()) {
      call.fail("expects numbers, got " + typeName(number));
    }
  }
  return numbers;
}

Value extremeFunction(Call& call, bool maximum) {
  const std::vector<Json> numbers = numbersOf(call);
  const auto compare = [](const Json& left, const Json& right) { return left.get<double>() < right.get<double>(); };
  return Value::of(maximum ? *std::max_element(numbers.begin(), numbers.end(), compare)
                           : *std::min_element(numbers.begin(), numbers.end(), compare));
}

Value maxFunction(Call& call) { return extremeFunction(call, true); }
Value minFunction(Call& call) { return extremeFunction(call, false); }

// ARM limits range() to 10000 elements and start + count to 2147483647.
Value rangeFunction(Call& call) {
  const long long start = call.integer(0);
  const long long count = call.integer(1);
  if (count < 0 || count > 10000) {
    call.failArgument(1, "the count " + std::to_string(count) + " must be between 0 and 10000");
  }
  if (start > 2147483647LL - count || start < -2147483648LL) {
    call.fail("the start index " + std::to_string(start) + " plus the count " + std::to_string(count) +
              " must not exceed 2147483647");
  }
  Json result = Json::array();
  for (long long value = start; value < start + count; ++value) {
    result.push_back(value);
  }
  return Value::of(std::move(result));
}

Value arrayFunction(Call& call) {
  const Json& value = call.json(0);
  return Value::of(value.is_array() ? value : Json::array({value}));
}

// coalesce() evaluates arguments in order and stops at the first that is not null, as ARM
// does. A symbolic argument before that one makes the result unknown.
Value coalesceFunction(Call& call) {
  for (std::size_t index = 0; index < call.count(); ++index) {
    const Value& value = call.argument(index);
    if (value.symbolic) {
      return call.symbolic();
    }
    if (!value.json.is_null()) {
      return value;
    }
  }
  return Value::of(nullptr);
}

Value joinFunction(Call& call) {
  const Json& items = call.array(0);
  const std::string& delimiter = call.string(1);
  std::string result;
  for (std::size_t index = 0; index < items.size(); ++index) {
    const Json& item = items[index];
    if (item.is_array() || item.is_object()) {
      call.failArgument(0, "element " + std::to_string(index) + " is a " + typeName(item) + "; join needs strings");
    }
    result += (index == 0 ? "" : delimiter) + toText(item);
    call.checkLength(result.size());
  }
  return Value::of(result);
}

Value nullFunction(Call&) { return Value::of(nullptr); }

}  // namespace

void addCollectionFunctions(FunctionTable& table) {
  table["concat"] = {1, kUnlimited, concatFunction};
  table["contains"] = {2, 2, containsFunction};
  table["createarray"] = {0, kUnlimited, createArrayFunction};
  table["createobject"] = {0, kUnlimited, createObjectFunction};
  table["empty"] = {1, 1, emptyFunction};
  table["first"] = {1, 1, firstFunction};
  table["last"] = {1, 1, lastFunction};
  table["length"] = {1, 1, lengthFunction};
  table["skip"] = {2, 2, skipFunction};
  table["take"] = {2, 2, takeFunction};
  table["intersection"] = {2, kUnlimited, intersectionFunction};
  table["union"] = {2, kUnlimited, unionFunction};
  table["flatten"] = {1, 1, flattenFunction};
  table["items"] = {1, 1, itemsFunction};
  table["json"] = {1, 1, jsonFunction};
  table["base64tojson"] = {1, 1, base64ToJsonFunction};
  table["max"] = {1, kUnlimited, maxFunction};
  table["min"] = {1, kUnlimited, minFunction};
  table["range"] = {2, 2, rangeFunction};
  table["array"] = {1, 1, arrayFunction};
  table["coalesce"] = {1, kUnlimited, coalesceFunction, false};
  table["join"] = {2, 2, joinFunction};
  table["null"] = {0, 0, nullFunction};
}

}  // namespace kvr::expr
