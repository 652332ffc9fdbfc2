// Recursive-descent parser for ARM template expressions.
//
//   expression := primary postfix*
//   primary    := string | integer | name [ '(' [ expression { ',' expression } ] ')' ]
//   postfix    := '.' propertyName | '[' expression ']'
//
// A bare name is allowed only for the literals true, false and null. A dotted name
// followed by '(' is a user-defined function call such as contoso.uniqueName('x').

#include <cctype>
#include <charconv>
#include <limits>
#include <set>
#include <string>

#include "discovery/expression/ast.h"
#include "discovery/expression/expression.h"

namespace kvr::expr {
namespace {

bool isSpace(char character) {
  return character == ' ' || character == '\t' || character == '\n' || character == '\r' ||
         character == '\f' || character == '\v';
}

bool isNameStart(char character) {
  return std::isalpha(static_cast<unsigned char>(character)) != 0 || character == '_';
}

bool isNameCharacter(char character) {
  return std::isalnum(static_cast<unsigned char>(character)) != 0 || character == '_';
}

bool isPropertyCharacter(char character) {
  return isNameCharacter(character) || character == '$';
}

// Describes the character at a position for an error message.
std::string describe(std::string_view text, std::size_t position, std::size_t limit) {
  if (position >= limit) {
    return "the end of the expression";
  }
  return "'" + std::string(1, text[position]) + "'";
}

class Parser {
 public:
  // Parses text[begin, limit), the part between the outer brackets.
  Parser(std::string_view text, std::size_t begin, std::size_t limit)
      : text_(text), position_(begin), limit_(limit) {}

  std::shared_ptr<const Node> parseWhole() {
    skipSpace();
    if (atEnd()) {
      throw ParseError(position_, "expected an expression between '[' and ']'");
    }
    auto root = parseExpression(1);
    skipSpace();
    if (!atEnd()) {
      throw ParseError(position_, "unexpected " + describe(text_, position_, limit_) +
                                      " after the end of the expression");
    }
    return root;
  }

 private:
  bool atEnd() const { return position_ >= limit_; }
  char current() const { return text_[position_]; }

  void skipSpace() {
    while (!atEnd() && isSpace(current())) {
      ++position_;
    }
  }

  void checkDepth(std::size_t depth) const {
    if (depth > kMaxNestingDepth) {
      throw ParseError(position_, "the expression nests deeper than " +
                                      std::to_string(kMaxNestingDepth) + " levels");
    }
  }

  std::shared_ptr<const Node> parseExpression(std::size_t depth) {
    checkDepth(depth);
    auto node = parsePrimary(depth);
    for (;;) {
      skipSpace();
      if (atEnd() || (current() != '.' && current() != '[')) {
        return node;
      }
      ++depth;
      checkDepth(depth);
      node = current() == '.' ? parseProperty(std::move(node)) : parseIndex(std::move(node), depth);
    }
  }

  std::shared_ptr<const Node> parseProperty(std::shared_ptr<const Node> target) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::Property;
    node->begin = target->begin;
    node->operatorPosition = position_;
    ++position_;
    skipSpace();
    const std::size_t nameBegin = position_;
    while (!atEnd() && isPropertyCharacter(current())) {
      ++position_;
    }
    if (position_ == nameBegin) {
      throw ParseError(position_, "expected a property name after '.' at character " +
                                      std::to_string(node->operatorPosition) + ", found " +
                                      describe(text_, position_, limit_));
    }
    node->text = std::string(text_.substr(nameBegin, position_ - nameBegin));
    node->end = position_;
    node->children.push_back(std::move(target));
    return node;
  }

  std::shared_ptr<const Node> parseIndex(std::shared_ptr<const Node> target, std::size_t depth) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::Index;
    node->begin = target->begin;
    node->operatorPosition = position_;
    ++position_;
    skipSpace();
    if (!atEnd() && current() == ']') {
      throw ParseError(position_, "unexpected ']': expected an index expression after '['");
    }
    auto index = parseArgument(depth);
    skipSpace();
    if (atEnd() || current() != ']') {
      throw ParseError(position_, "expected ']' to close the index opened at character " +
                                      std::to_string(node->operatorPosition) + ", found " +
                                      describe(text_, position_, limit_));
    }
    ++position_;
    node->end = position_;
    node->children.push_back(std::move(target));
    node->children.push_back(std::move(index));
    return node;
  }

  // Parses an argument or index expression, which must not be empty.
  std::shared_ptr<const Node> parseArgument(std::size_t depth) {
    skipSpace();
    if (atEnd()) {
      throw ParseError(position_, "expected an expression, found the end of the expression");
    }
    return parseExpression(depth + 1);
  }

  std::shared_ptr<const Node> parsePrimary(std::size_t depth) {
    skipSpace();
    if (atEnd()) {
      throw ParseError(position_, "expected an expression, found the end of the expression");
    }
    const char character = current();
    if (character == '\'') {
      return parseString();
    }
    if (character == '-' || std::isdigit(static_cast<unsigned char>(character)) != 0) {
      return parseInteger();
    }
    if (isNameStart(character)) {
      return parseName(depth);
    }
    throw ParseError(position_, "unexpected " + describe(text_, position_, limit_) +
                                    " where an expression was expected");
  }

  std::shared_ptr<const Node> parseString() {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::StringLiteral;
    node->begin = position_;
    ++position_;
    for (;;) {
      if (atEnd()) {
        throw ParseError(node->begin, "unterminated string literal: the quote at character " +
                                          std::to_string(node->begin) + " is never closed");
      }
      const char character = current();
      ++position_;
      if (character != '\'') {
        node->text.push_back(character);
        continue;
      }
      if (!atEnd() && current() == '\'') {
        node->text.push_back('\'');
        ++position_;
        continue;
      }
      break;
    }
    node->end = position_;
    return node;
  }

  std::shared_ptr<const Node> parseInteger() {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::IntegerLiteral;
    node->begin = position_;
    if (current() == '-') {
      ++position_;
    }
    const std::size_t digitsBegin = position_;
    while (!atEnd() && std::isdigit(static_cast<unsigned char>(current())) != 0) {
      ++position_;
    }
    if (position_ == digitsBegin) {
      throw ParseError(position_, "expected a digit after '-', found " +
                                      describe(text_, position_, limit_));
    }
    const std::string_view digits = text_.substr(node->begin, position_ - node->begin);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), node->integer);
    if (error != std::errc() || end != digits.data() + digits.size()) {
      throw ParseError(node->begin, "integer literal " + std::string(digits) +
                                        " is outside the 64-bit integer range");
    }
    node->end = position_;
    return node;
  }

  std::string readName() {
    const std::size_t nameBegin = position_;
    while (!atEnd() && isNameCharacter(current())) {
      ++position_;
    }
    return std::string(text_.substr(nameBegin, position_ - nameBegin));
  }

  // True when text at the current position is ".name(" so that the dotted name is a
  // user-defined function; the position is left unchanged.
  bool atUserFunctionSuffix() const {
    std::size_t scan = position_;
    if (scan >= limit_ || text_[scan] != '.') {
      return false;
    }
    ++scan;
    if (scan >= limit_ || !isNameStart(text_[scan])) {
      return false;
    }
    while (scan < limit_ && isNameCharacter(text_[scan])) {
      ++scan;
    }
    while (scan < limit_ && isSpace(text_[scan])) {
      ++scan;
    }
    return scan < limit_ && text_[scan] == '(';
  }

  std::shared_ptr<const Node> parseName(std::size_t depth) {
    const std::size_t nameBegin = position_;
    std::string name = readName();
    if (atUserFunctionSuffix()) {
      ++position_;
      name += "." + readName();
    }
    const std::size_t nameEnd = position_;
    skipSpace();
    if (!atEnd() && current() == '(') {
      return parseCall(std::move(name), nameBegin, depth);
    }
    return parseLiteralName(name, nameBegin, nameEnd);
  }

  std::shared_ptr<const Node> parseLiteralName(const std::string& name, std::size_t nameBegin,
                                               std::size_t nameEnd) {
    auto node = std::make_shared<Node>();
    node->begin = nameBegin;
    node->end = nameEnd;
    const std::string lower = toLower(name);
    if (lower == "true" || lower == "false") {
      node->kind = Node::Kind::BooleanLiteral;
      node->boolean = lower == "true";
      return node;
    }
    if (lower == "null") {
      node->kind = Node::Kind::NullLiteral;
      return node;
    }
    throw ParseError(position_, "expected '(' after the function name '" + name + "', found " +
                                    describe(text_, position_, limit_));
  }

  std::shared_ptr<const Node> parseCall(std::string name, std::size_t nameBegin, std::size_t depth) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::Call;
    node->begin = nameBegin;
    node->operatorPosition = position_;
    node->text = std::move(name);
    ++position_;
    skipSpace();
    if (!atEnd() && current() == ')') {
      ++position_;
      node->end = position_;
      return node;
    }
    for (;;) {
      skipSpace();
      if (!atEnd() && (current() == ',' || current() == ')' || current() == ']')) {
        throw ParseError(position_, "unexpected " + describe(text_, position_, limit_) +
                                        ": expected an argument to " + node->text);
      }
      node->children.push_back(parseArgument(depth));
      skipSpace();
      if (!atEnd() && current() == ',') {
        ++position_;
        continue;
      }
      if (!atEnd() && current() == ')') {
        ++position_;
        node->end = position_;
        return node;
      }
      throw ParseError(position_, "expected ')' to close the call to " + node->text +
                                      " opened at character " +
                                      std::to_string(node->operatorPosition) + ", found " +
                                      describe(text_, position_, limit_));
    }
  }

  std::string_view text_;
  std::size_t position_;
  std::size_t limit_;
};

std::size_t firstNonSpace(std::string_view text) {
  std::size_t position = 0;
  while (position < text.size() && isSpace(text[position])) {
    ++position;
  }
  return position;
}

std::size_t endWithoutTrailingSpace(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0 && isSpace(text[end - 1])) {
    --end;
  }
  return end;
}

void collectNames(const Node& node, ReferencedNames& names, std::set<std::string>& seenParameters,
                  std::set<std::string>& seenVariables) {
  if (node.kind == Node::Kind::Call) {
    const std::string lower = toLower(node.text);
    const bool isParameters = lower == "parameters";
    if (isParameters || lower == "variables") {
      const bool literal = !node.children.empty() &&
                           node.children.front()->kind == Node::Kind::StringLiteral;
      if (!literal) {
        names.computedNames = true;
      } else {
        const std::string& name = node.children.front()->text;
        auto& seen = isParameters ? seenParameters : seenVariables;
        auto& list = isParameters ? names.parameters : names.variables;
        if (seen.insert(toLower(name)).second) {
          list.push_back(name);
        }
      }
    }
  }
  for (const auto& child : node.children) {
    collectNames(*child, names, seenParameters, seenVariables);
  }
}

}  // namespace

Expression::Expression() : root_(std::make_shared<Node>()) {}

Expression::Expression(std::shared_ptr<const Node> root, std::string text)
    : root_(std::move(root)), text_(std::move(text)) {}

bool isExpression(std::string_view text) {
  return text.size() >= 2 && text.front() == '[' && text.back() == ']' && text[1] != '[';
}

std::string unescapeLiteral(std::string_view text) {
  if (text.size() >= 2 && text[0] == '[' && text[1] == '[') {
    return std::string(text.substr(1));
  }
  return std::string(text);
}

Expression parse(std::string_view text) {
  const std::size_t open = firstNonSpace(text);
  if (open >= text.size() || text[open] != '[') {
    throw ParseError(open, "expected '[' at the start of an expression, found " +
                               describe(text, open, text.size()));
  }
  if (open + 1 < text.size() && text[open + 1] == '[') {
    throw ParseError(open + 1, "'[[' starts an escaped literal string, not an expression");
  }
  const std::size_t end = endWithoutTrailingSpace(text);
  if (end <= open + 1 || text[end - 1] != ']') {
    throw ParseError(end, "expected ']' at the end of the expression");
  }
  const std::size_t close = end - 1;
  Parser parser(text, open + 1, close);
  auto root = parser.parseWhole();
  std::string inner(text.substr(root->begin, root->end - root->begin));
  return Expression(std::move(root), std::move(inner));
}

ReferencedNames referencedNames(const Expression& expression) {
  ReferencedNames names;
  std::set<std::string> seenParameters;
  std::set<std::string> seenVariables;
  collectNames(expression.root(), names, seenParameters, seenVariables);
  return names;
}

}  // namespace kvr::expr
