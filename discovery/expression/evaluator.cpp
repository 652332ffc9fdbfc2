// Tree-walking evaluator: literals, property and index access, and function dispatch.

#include <algorithm>
#include <string>

#include "discovery/expression/function_support.h"

namespace kvr::expr {
namespace {

bool isLambdaHelper(const std::string& lowerName) {
  return lowerName == "lambda" || lowerName == "lambdavariables";
}

bool takesLambda(const std::string& lowerName) {
  static const char* const names[] = {"filter", "map", "reduce", "sort", "toobject", "groupby", "mapvalues"};
  return std::find(std::begin(names), std::end(names), lowerName) != std::end(names);
}

std::string argumentCountMessage(const std::string& name, const FunctionSpec& spec, std::size_t given) {
  std::string expected;
  if (spec.minArguments == spec.maxArguments) {
    expected = std::to_string(spec.minArguments);
  } else if (spec.maxArguments == kUnlimited) {
    expected = "at least " + std::to_string(spec.minArguments);
  } else {
    expected = std::to_string(spec.minArguments) + " to " + std::to_string(spec.maxArguments);
  }
  return "function '" + name + "' expects " + expected + " argument(s) but was given " +
         std::to_string(given);
}

std::string availableMembers(const Json& object) {
  std::string list;
  for (const auto& [key, value] : object.items()) {
    (void)value;
    list += (list.empty() ? "'" : ", '") + key + "'";
  }
  return list.empty() ? "none" : list;
}

Value memberOf(const Json& object, const std::string& name, std::size_t position) {
  const Json* member = findMember(object, name);
  if (member == nullptr) {
    throw EvalError(position, "property '" + name + "' does not exist; the available properties are " +
                                  availableMembers(object));
  }
  return Value::of(*member);
}

}  // namespace

Evaluator::Evaluator(const Expression& expression, Scope& scope)
    : expression_(expression), scope_(scope) {}

std::string Evaluator::sourceOf(const Node& node) const {
  const std::size_t base = expression_.root().begin;
  const std::string& text = expression_.text();
  if (node.begin < base || node.end < node.begin || node.end - base > text.size()) {
    return "[" + text + "]";
  }
  return "[" + text.substr(node.begin - base, node.end - node.begin) + "]";
}

Value Evaluator::evaluate(const Node& node) {
  switch (node.kind) {
    case Node::Kind::StringLiteral:
      return Value::of(node.text);
    case Node::Kind::IntegerLiteral:
      return Value::of(node.integer);
    case Node::Kind::BooleanLiteral:
      return Value::of(node.boolean);
    case Node::Kind::NullLiteral:
      return Value::of(nullptr);
    case Node::Kind::Call:
      return evaluateCall(node);
    case Node::Kind::Property:
      return evaluateProperty(node);
    case Node::Kind::Index:
      return evaluateIndex(node);
  }
  return Value::of(nullptr);
}

Value Evaluator::evaluateCall(const Node& node) {
  const std::string lowerName = toLower(node.text);
  if (isLambdaHelper(lowerName)) {
    return symbolFor(node);
  }
  if (takesLambda(lowerName)) {
    return evaluateUnsupported(node, "function '" + node.text +
                                         "' applies a lambda, which this tool does not evaluate; "
                                         "its result is treated as unknown until deployment");
  }
  if (lowerName.rfind("list", 0) == 0) {
    Call call(*this, node);
    if (call.count() < 1 || call.count() > 3) {
      throw EvalError(node.begin, argumentCountMessage(node.text, FunctionSpec{1, 3}, call.count()));
    }
    return evaluateResourceFunction(call);
  }

  const FunctionSpec* spec = findFunction(lowerName);
  if (spec == nullptr) {
    return evaluateUnsupported(node, "function '" + node.text +
                                         "' is not supported; its result is treated as unknown "
                                         "until deployment");
  }
  const std::size_t count = node.children.size();
  if (count < spec->minArguments || count > spec->maxArguments) {
    throw EvalError(node.begin, argumentCountMessage(node.text, *spec, count));
  }
  Call call(*this, node);
  if (spec->propagatesSymbolic && call.anySymbolic()) {
    return symbolFor(node);
  }
  return spec->handler(call);
}

// Evaluates the arguments anyway, so that reference() calls inside still reach
// Scope::onResourceReference. Their errors are dropped, because the unsupported function
// may never evaluate them in ARM.
Value Evaluator::evaluateUnsupported(const Node& node, const std::string& message) {
  for (const auto& child : node.children) {
    try {
      (void)evaluate(*child);
    } catch (const EvalError&) {
    }
  }
  warn(node.begin, message);
  return symbolFor(node);
}

Value Evaluator::evaluateProperty(const Node& node) {
  const Value target = evaluate(*node.children.front());
  if (target.symbolic) {
    return symbolFor(node);
  }
  if (!target.json.is_object()) {
    throw EvalError(node.operatorPosition, "cannot read property '" + node.text + "' of a value of type " +
                                               typeName(target.json) + "; only objects have properties");
  }
  return memberOf(target.json, node.text, node.operatorPosition);
}

Value Evaluator::evaluateIndex(const Node& node) {
  const Value target = evaluate(*node.children[0]);
  const Value index = evaluate(*node.children[1]);
  if (target.symbolic || index.symbolic) {
    return symbolFor(node);
  }
  if (target.json.is_object()) {
    if (!index.json.is_string()) {
      throw EvalError(node.operatorPosition, "an object index must be a string, got " + typeName(index.json));
    }
    return memberOf(target.json, index.json.get_ref<const std::string&>(), node.operatorPosition);
  }
  if (!target.json.is_array()) {
    throw EvalError(node.operatorPosition, "cannot index a value of type " + typeName(target.json) +
                                               "; only arrays and objects can be indexed");
  }
  const auto position = asInteger(index.json);
  if (!position) {
    throw EvalError(node.operatorPosition, "an array index must be an integer, got " + typeName(index.json));
  }
  const auto size = static_cast<long long>(target.json.size());
  if (*position < 0 || *position >= size) {
    throw EvalError(node.operatorPosition, "index " + std::to_string(*position) +
                                               " is out of range for an array of " + std::to_string(size) +
                                               " element(s)");
  }
  return Value::of(target.json[static_cast<std::size_t>(*position)]);
}

Call::Call(Evaluator& evaluator, const Node& node)
    : evaluator_(evaluator), node_(node), values_(node.children.size()) {}

const Value& Call::argument(std::size_t index) {
  if (!values_[index]) {
    values_[index] = evaluator_.evaluate(*node_.children[index]);
  }
  return *values_[index];
}

bool Call::anySymbolic() {
  bool symbolic = false;
  for (std::size_t index = 0; index < count(); ++index) {
    symbolic = argument(index).symbolic || symbolic;
  }
  return symbolic;
}

void Call::fail(const std::string& message) const {
  throw EvalError(node_.begin, node_.text + ": " + message);
}

void Call::failArgument(std::size_t index, const std::string& message) const {
  throw EvalError(argumentPosition(index), node_.text + ": " + message);
}

void Call::failType(std::size_t index, const std::string& expected) {
  failArgument(index, "argument " + std::to_string(index + 1) + " must be " + expected + ", got " +
                          typeName(json(index)));
}

void Call::checkLength(std::size_t length) const {
  if (length > kMaxValueLength) {
    fail("the result would have " + std::to_string(length) + " elements or characters, more than the " +
         std::to_string(kMaxValueLength) + " this tool allows");
  }
}

const std::string& Call::string(std::size_t index) {
  const Json& value = json(index);
  if (!value.is_string()) {
    failType(index, "a string");
  }
  return value.get_ref<const std::string&>();
}

long long Call::integer(std::size_t index) {
  const auto value = asInteger(json(index));
  if (!value) {
    failType(index, "an integer");
  }
  return *value;
}

bool Call::boolean(std::size_t index) {
  const Json& value = json(index);
  if (!value.is_boolean()) {
    failType(index, "a boolean");
  }
  return value.get<bool>();
}

const Json& Call::array(std::size_t index) {
  const Json& value = json(index);
  if (!value.is_array()) {
    failType(index, "an array");
  }
  return value;
}

const Json& Call::object(std::size_t index) {
  const Json& value = json(index);
  if (!value.is_object()) {
    failType(index, "an object");
  }
  return value;
}

Value evaluate(const Expression& expression, Scope& scope) {
  Evaluator evaluator(expression, scope);
  return evaluator.evaluate(expression.root());
}

Value evaluateString(std::string_view text, Scope& scope) {
  if (isExpression(text)) {
    return evaluate(parse(text), scope);
  }
  return Value::of(unescapeLiteral(text));
}

}  // namespace kvr::expr
