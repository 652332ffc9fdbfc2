#pragma once

// The ARM template expression language: "[concat(parameters('a'), '-x')]" and friends.
// parse() turns the text between the outer brackets into a syntax tree; evaluate() runs
// it against a Scope that supplies parameters, variables, copy indexes and the
// deployment's subscription and resource group.

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "discovery/json.h"

namespace kvr::expr {

// A value produced by evaluation. `symbolic` marks a value that cannot be known before
// deployment (reference(), list*(), utcNow(), newGuid(), or anything computed from one);
// its `json` then holds the expression text, for example "[reference('x').principalId]".
struct Value {
  Json json;
  bool symbolic = false;

  static Value of(Json json) { return Value{std::move(json), false}; }
  static Value symbol(std::string text) { return Value{Json(std::move(text)), true}; }
};

struct Node;  // syntax tree node, defined in parser.cpp's private header

class Expression {
 public:
  Expression();
  explicit Expression(std::shared_ptr<const Node> root, std::string text);
  const Node& root() const { return *root_; }
  const std::string& text() const { return text_; }  // the source text without outer brackets

 private:
  std::shared_ptr<const Node> root_;
  std::string text_;
};

// A syntax error. `position` is the 0-based character offset in the full string value,
// counting the leading '['.
class ParseError : public std::runtime_error {
 public:
  ParseError(std::size_t position, std::string message)
      : std::runtime_error(message), position_(position) {}
  std::size_t position() const { return position_; }

 private:
  std::size_t position_;
};

// An evaluation error: an unknown parameter, a wrong argument count, an index out of
// range, a resourceId() whose names do not match its type. `position` as in ParseError.
class EvalError : public std::runtime_error {
 public:
  EvalError(std::size_t position, std::string message)
      : std::runtime_error(message), position_(position) {}
  std::size_t position() const { return position_; }

 private:
  std::size_t position_;
};

// True when a JSON string is an expression: it starts with '[' and ends with ']', and
// does not start with "[[" (ARM's escape for a literal leading bracket).
bool isExpression(std::string_view text);

// Removes the escape from a literal string that starts with "[[".
std::string unescapeLiteral(std::string_view text);

// Parses a full string value such as "[concat('a', 'b')]". Throws ParseError.
Expression parse(std::string_view text);

// What an expression can see. The template reader implements one per deployment scope
// (outer, inner, and per copy-loop iteration).
class Scope {
 public:
  virtual ~Scope() = default;

  // Each returns nullopt when the name is not defined; the evaluator then raises EvalError.
  virtual std::optional<Value> parameter(const std::string& name) = 0;
  virtual std::optional<Value> variable(const std::string& name) = 0;
  // copyIndex() or copyIndex('loop'): the current iteration, before any offset is added.
  virtual std::optional<long long> copyIndex(const std::optional<std::string>& loopName) = 0;

  // The deployment's context objects as ARM returns them from resourceGroup(),
  // subscription(), tenant(), deployment() and environment().
  virtual Json resourceGroup() = 0;
  virtual Json subscription() = 0;
  virtual Json tenant() = 0;
  virtual Json deployment() = 0;
  virtual Json environment() = 0;

  // Called when reference() or a list*() function names a resource, with the id or
  // name as written after evaluation, so the caller can record a dependency.
  virtual void onResourceReference(const std::string& idOrName, const std::string& function) {
    (void)idOrName;
    (void)function;
  }
  // Called for an unsupported function; evaluation continues with a symbolic value.
  virtual void onWarning(std::size_t position, const std::string& message) {
    (void)position;
    (void)message;
  }
};

// The names an expression passes to parameters() and variables() as string literals, in
// order of first appearance and without repeats. `computedNames` is true when a call's
// name is itself computed, for example parameters(concat('a', 'b')), so the lists may be
// incomplete. The template reader uses this to order variable evaluation.
struct ReferencedNames {
  std::vector<std::string> parameters;
  std::vector<std::string> variables;
  bool computedNames = false;
};
ReferencedNames referencedNames(const Expression& expression);

// Evaluates a parsed expression. Throws EvalError on a definite error.
Value evaluate(const Expression& expression, Scope& scope);

// Evaluates a JSON string value: expressions are parsed and evaluated, "[[" literals are
// unescaped, other strings are returned as they are.
Value evaluateString(std::string_view text, Scope& scope);

// ARM's uniqueString(): a 13-character base-32 string of a 64-bit MurmurHash of the
// arguments joined with '-'.
std::string uniqueString(const std::vector<std::string>& parts);

// ARM's guid(): a name-based UUID (version 5, SHA-1) in ARM's namespace over the
// arguments joined with '-'.
std::string guid(const std::vector<std::string>& parts);

}  // namespace kvr::expr
