#pragma once

// The syntax tree that parse() builds and evaluate() walks. Private to discovery/expression.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace kvr::expr {

// Deepest nesting of calls, property accesses and index accesses that parse() accepts.
// It bounds the recursion of the parser, the evaluator and the tree's destructor, so that
// a hostile template cannot overflow the stack; real templates stay far below it.
inline constexpr std::size_t kMaxNestingDepth = 100;

struct Node {
  enum class Kind { StringLiteral, IntegerLiteral, BooleanLiteral, NullLiteral, Call, Property, Index };

  Kind kind = Kind::NullLiteral;
  // Offsets in the full string value, counting the leading '['; `end` is one past the last
  // character of the node's source text.
  std::size_t begin = 0;
  std::size_t end = 0;
  // Offset of the '(' of a call, the '.' of a property access or the '[' of an index access.
  std::size_t operatorPosition = 0;
  // String literal value, function name as written, or property name.
  std::string text;
  long long integer = 0;
  bool boolean = false;
  // Call: the arguments. Property: the target. Index: the target, then the index.
  std::vector<std::shared_ptr<const Node>> children;
};

}  // namespace kvr::expr
