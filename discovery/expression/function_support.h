#pragma once

// What the function library needs from the evaluator: lazily evaluated arguments, typed
// argument access with errors that name the function and the argument, and the symbolic
// value of the call being evaluated. Private to discovery/expression.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "discovery/expression/ast.h"
#include "discovery/expression/expression.h"

namespace kvr::expr {

// Longest string or array a function may build. A guard against memory exhaustion from a
// hostile template, such as padLeft('x', 2000000000); it matches ARM's 4 MB limit on a
// template's size, which no string computed by a real template approaches.
inline constexpr std::size_t kMaxValueLength = 4 * 1024 * 1024;

class Evaluator {
 public:
  Evaluator(const Expression& expression, Scope& scope);

  Value evaluate(const Node& node);
  // The node's source text in brackets, which is the json of a symbolic result.
  std::string sourceOf(const Node& node) const;
  Value symbolFor(const Node& node) const { return Value::symbol(sourceOf(node)); }
  Scope& scope() { return scope_; }
  void warn(std::size_t position, const std::string& message) { scope_.onWarning(position, message); }

 private:
  Value evaluateCall(const Node& node);
  Value evaluateProperty(const Node& node);
  Value evaluateIndex(const Node& node);
  Value evaluateUnsupported(const Node& node, const std::string& message);

  const Expression& expression_;
  Scope& scope_;
};

class Call {
 public:
  Call(Evaluator& evaluator, const Node& node);

  const std::string& name() const { return node_.text; }
  std::size_t count() const { return node_.children.size(); }
  std::size_t position() const { return node_.begin; }
  std::size_t argumentPosition(std::size_t index) const { return node_.children[index]->begin; }
  Evaluator& evaluator() { return evaluator_; }
  Scope& scope() { return evaluator_.scope(); }

  // Evaluates argument `index` on first use and keeps the result.
  const Value& argument(std::size_t index);
  const Json& json(std::size_t index) { return argument(index).json; }
  bool anySymbolic();

  // Typed access; each raises EvalError naming the function, the argument and its type.
  const std::string& string(std::size_t index);
  long long integer(std::size_t index);
  bool boolean(std::size_t index);
  const Json& array(std::size_t index);
  const Json& object(std::size_t index);

  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void failArgument(std::size_t index, const std::string& message) const;
  [[noreturn]] void failType(std::size_t index, const std::string& expected);
  // Raises EvalError when a built value exceeds kMaxValueLength.
  void checkLength(std::size_t length) const;

  Value symbolic() const { return evaluator_.symbolFor(node_); }
  void warn(const std::string& message) { evaluator_.warn(node_.begin, message); }

 private:
  Evaluator& evaluator_;
  const Node& node_;
  std::vector<std::optional<Value>> values_;
};

using Handler = Value (*)(Call& call);

struct FunctionSpec {
  std::size_t minArguments = 0;
  std::size_t maxArguments = 0;
  Handler handler = nullptr;
  // When true the evaluator evaluates every argument first and returns a symbolic value
  // if any is symbolic; when false the handler evaluates arguments itself, for functions
  // such as if() whose result can be known while an argument is not.
  bool propagatesSymbolic = true;
};

inline constexpr std::size_t kUnlimited = static_cast<std::size_t>(-1);

using FunctionTable = std::unordered_map<std::string, FunctionSpec>;

// Looks up a built-in function by its lower-case name; nullptr when ARM has none or this
// tool does not implement it.
const FunctionSpec* findFunction(const std::string& lowerName);

void addLogicalFunctions(FunctionTable& table);
void addNumericFunctions(FunctionTable& table);
void addStringFunctions(FunctionTable& table);
void addCollectionFunctions(FunctionTable& table);
void addDeploymentFunctions(FunctionTable& table);
void addResourceIdFunctions(FunctionTable& table);

// Runs reference() or a list*() function: reports the resource and returns a symbolic value.
Value evaluateResourceFunction(Call& call);

// Shared value helpers.
std::string typeName(const Json& value);
std::optional<long long> asInteger(const Json& value);
// Structural equality with object members compared regardless of order, as ARM does.
bool deepEquals(const Json& left, const Json& right);
// Converts a value to text as ARM's string() does: objects and arrays as compact JSON,
// booleans as "True" and "False", null as an empty string.
std::string toText(const Json& value);
// Serializes JSON without throwing on invalid UTF-8.
std::string dumpCompact(const Json& value);
// Finds an object member by exact name, then ignoring ASCII case, as ARM property access does.
const Json* findMember(const Json& object, std::string_view name);

}  // namespace kvr::expr
