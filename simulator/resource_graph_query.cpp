#include "simulator/resource_graph_query.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace kvr::sim {

namespace {

using nlohmann::json;

// ---- Tokens ---------------------------------------------------------------------------

enum class TokenKind { Identifier, String, Number, Symbol, End };

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;  // identifiers and symbols as written; strings without quotes
  std::size_t position = 0;
};

std::string lowerText(std::string_view text) {
  std::string result(text);
  for (char& character : result) character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
  return result;
}

bool isIdentifierStart(char character) { return std::isalpha(static_cast<unsigned char>(character)) || character == '_'; }
bool isIdentifierPart(char character) { return std::isalnum(static_cast<unsigned char>(character)) || character == '_'; }

[[noreturn]] void failParse(const std::string& message, std::size_t position, const std::string& token) {
  throw QueryError("ParserFailure", "Query is invalid at position " + std::to_string(position) + ": " + message, position, token);
}

class Tokenizer {
 public:
  explicit Tokenizer(const std::string& text) : text_(text) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    while (true) {
      skipSpace();
      if (offset_ >= text_.size()) break;
      tokens.push_back(next());
    }
    tokens.push_back({TokenKind::End, "", text_.size()});
    return tokens;
  }

 private:
  void skipSpace() {
    while (offset_ < text_.size()) {
      if (std::isspace(static_cast<unsigned char>(text_[offset_]))) {
        ++offset_;
      } else if (text_.compare(offset_, 2, "//") == 0) {
        while (offset_ < text_.size() && text_[offset_] != '\n') ++offset_;
      } else {
        break;
      }
    }
  }

  bool startsWith(std::string_view prefix) const { return text_.compare(offset_, prefix.size(), prefix) == 0; }

  std::string readWord() {
    std::size_t start = offset_;
    while (offset_ < text_.size() && isIdentifierPart(text_[offset_])) ++offset_;
    return text_.substr(start, offset_ - start);
  }

  Token next() {
    std::size_t start = offset_;
    char character = text_[offset_];
    if (isIdentifierStart(character)) return word(start, "");
    if (character == '!' && offset_ + 1 < text_.size() && isIdentifierStart(text_[offset_ + 1])) {
      ++offset_;
      return word(start, "!");
    }
    if (character == '\'' || character == '"') return quoted(start, false);
    if (character == '@' && offset_ + 1 < text_.size() && (text_[offset_ + 1] == '\'' || text_[offset_ + 1] == '"')) {
      ++offset_;
      return quoted(start, true);
    }
    if (std::isdigit(static_cast<unsigned char>(character))) return number(start);
    for (std::string_view symbol : {"==", "!=", "=~", "!~", "<=", ">="}) {
      if (startsWith(symbol)) {
        offset_ += symbol.size();
        return {TokenKind::Symbol, std::string(symbol), start};
      }
    }
    if (std::string_view("|,()[].=<>").find(character) != std::string_view::npos) {
      ++offset_;
      return {TokenKind::Symbol, std::string(1, character), start};
    }
    failParse("unexpected character '" + std::string(1, character) + "'", start, std::string(1, character));
  }

  // An identifier or word operator; `in~`, `!in~` and `mv-expand` are single tokens.
  Token word(std::size_t start, const std::string& prefix) {
    std::string text = prefix + readWord();
    std::string lowered = lowerText(text);
    if ((lowered == "in" || lowered == "!in") && offset_ < text_.size() && text_[offset_] == '~') {
      ++offset_;
      text += "~";
    } else if (lowered == "mv" && startsWith("-expand")) {
      offset_ += 7;
      text = "mv-expand";
    }
    return {TokenKind::Identifier, text, start};
  }

  Token quoted(std::size_t start, bool verbatim) {
    char quote = text_[offset_++];
    std::string value;
    while (offset_ < text_.size() && text_[offset_] != quote) {
      char character = text_[offset_++];
      if (character == '\\' && !verbatim && offset_ < text_.size()) {
        char escaped = text_[offset_++];
        if (escaped == 'n') value += '\n';
        else if (escaped == 't') value += '\t';
        else value += escaped;
      } else {
        value += character;
      }
    }
    if (offset_ >= text_.size()) failParse("the string that starts here has no closing quote", start, text_.substr(start, 20));
    ++offset_;
    return {TokenKind::String, value, start};
  }

  Token number(std::size_t start) {
    while (offset_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[offset_]))) ++offset_;
    if (offset_ + 1 < text_.size() && text_[offset_] == '.' && std::isdigit(static_cast<unsigned char>(text_[offset_ + 1]))) {
      ++offset_;
      while (offset_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[offset_]))) ++offset_;
    }
    return {TokenKind::Number, text_.substr(start, offset_ - start), start};
  }

  const std::string& text_;
  std::size_t offset_ = 0;
};

}  // namespace

// ---- Syntax tree ----------------------------------------------------------------------

struct Expression {
  enum class Kind { Literal, Column, Member, Index, Call, Binary, InList };
  Kind kind = Kind::Literal;
  json literal;          // Literal
  std::string name;      // Column and Member names, Call function, Binary and InList operator (lower case)
  std::vector<std::shared_ptr<const Expression>> operands;
  std::size_t position = 0;
};
using ExpressionPointer = std::shared_ptr<const Expression>;

struct NamedExpression {
  std::string name;
  ExpressionPointer value;
};

struct SortKey {
  ExpressionPointer value;
  bool descending = true;  // KQL sorts in descending order unless the key is marked asc
  bool nullsFirst = false;
};

struct QueryOperator {
  enum class Kind { Where, Project, Extend, Order, Top, Limit, MvExpand, Count };
  Kind kind = Kind::Where;
  std::size_t position = 0;
  ExpressionPointer predicate;          // where
  std::vector<NamedExpression> items;   // project, extend, mv-expand
  std::vector<SortKey> keys;            // order, top
  long long count = 0;                  // top, limit
};

struct ParsedQuery {
  std::string table = "Resources";
  std::size_t tablePosition = 0;
  std::vector<QueryOperator> operators;
};

namespace {

struct FunctionArity {
  std::size_t minimum;
  std::size_t maximum;
};

const std::map<std::string, FunctionArity>& functions() {
  static const std::map<std::string, FunctionArity> table = {
      {"tolower", {1, 1}}, {"toupper", {1, 1}},   {"tostring", {1, 1}}, {"tolong", {1, 1}},
      {"toint", {1, 1}},   {"todouble", {1, 1}},  {"strlen", {1, 1}},   {"strcat", {1, 64}},
      {"isempty", {1, 1}}, {"isnotempty", {1, 1}}, {"isnull", {1, 1}},  {"isnotnull", {1, 1}},
      {"not", {1, 1}}};
  return table;
}

const std::set<std::string>& comparisonOperators() {
  static const std::set<std::string> names = {"==", "!=", "=~", "!~", "<", "<=", ">", ">=",
                                              "contains", "!contains", "contains_cs", "!contains_cs",
                                              "has", "!has", "has_cs", "!has_cs",
                                              "startswith", "!startswith", "endswith", "!endswith"};
  return names;
}

bool isInOperator(const std::string& lowered) { return lowered == "in" || lowered == "in~" || lowered == "!in" || lowered == "!in~"; }

// A recursive-descent parser over the token list; every failure names the token's position.
class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  ParsedQuery parse() {
    ParsedQuery query;
    const Token& first = peek();
    bool startsWithOperator = first.kind == TokenKind::Identifier && isOperatorName(lowerText(first.text));
    if (first.kind == TokenKind::End) failParse("the query is empty; start it with a table such as Resources", 0, "");
    if (!startsWithOperator) {
      if (first.kind != TokenKind::Identifier) failParse("expected a table name such as Resources", first.position, first.text);
      query.table = first.text;
      query.tablePosition = first.position;
      advance();
      if (peek().kind == TokenKind::End) return query;
      expectSymbol("|");
    }
    while (true) {
      query.operators.push_back(parseOperator());
      if (peek().kind == TokenKind::End) return query;
      expectSymbol("|");
    }
  }

 private:
  static bool isOperatorName(const std::string& lowered) {
    static const std::set<std::string> names = {"where", "project", "extend", "order", "sort", "top", "limit", "take", "mv-expand", "count"};
    return names.count(lowered) > 0;
  }

  const Token& peek(std::size_t ahead = 0) const { return tokens_[std::min(index_ + ahead, tokens_.size() - 1)]; }
  const Token& previous() const { return tokens_[index_ == 0 ? 0 : index_ - 1]; }
  const Token& advance() {
    const Token& token = tokens_[index_];
    if (index_ + 1 < tokens_.size()) ++index_;
    return token;
  }
  bool atSymbol(std::string_view symbol) const { return peek().kind == TokenKind::Symbol && peek().text == symbol; }
  bool atWord(std::string_view word) const { return peek().kind == TokenKind::Identifier && lowerText(peek().text) == word; }

  static std::string describe(const Token& token) { return token.kind == TokenKind::End ? "the end of the query" : "'" + token.text + "'"; }

  void expectSymbol(std::string_view symbol) {
    if (!atSymbol(symbol)) failParse("expected '" + std::string(symbol) + "' but found " + describe(peek()), peek().position, peek().text);
    advance();
  }
  void expectWord(std::string_view word) {
    if (!atWord(word)) failParse("expected '" + std::string(word) + "' but found " + describe(peek()), peek().position, peek().text);
    advance();
  }
  std::string expectIdentifier(const std::string& what) {
    if (peek().kind != TokenKind::Identifier) failParse("expected " + what + " but found " + describe(peek()), peek().position, peek().text);
    return advance().text;
  }
  long long expectCount(const std::string& what) {
    if (peek().kind != TokenKind::Number || peek().text.find('.') != std::string::npos) {
      failParse("expected a whole number for " + what + " but found " + describe(peek()), peek().position, peek().text);
    }
    return std::stoll(advance().text);
  }

  QueryOperator parseOperator() {
    QueryOperator result;
    result.position = peek().position;
    std::string name = lowerText(expectIdentifier("an operator such as where or project"));
    if (name == "where") {
      result.kind = QueryOperator::Kind::Where;
      result.predicate = parseExpression();
    } else if (name == "project" || name == "extend") {
      result.kind = name == "project" ? QueryOperator::Kind::Project : QueryOperator::Kind::Extend;
      result.items = parseNamedList();
    } else if (name == "order" || name == "sort") {
      result.kind = QueryOperator::Kind::Order;
      expectWord("by");
      result.keys = parseSortKeys();
    } else if (name == "top") {
      result.kind = QueryOperator::Kind::Top;
      result.count = expectCount("top");
      expectWord("by");
      result.keys = parseSortKeys();
    } else if (name == "limit" || name == "take") {
      result.kind = QueryOperator::Kind::Limit;
      result.count = expectCount(name);
    } else if (name == "mv-expand") {
      result.kind = QueryOperator::Kind::MvExpand;
      result.items = parseNamedList();
      if (atWord("limit")) {
        advance();
        result.count = expectCount("mv-expand limit");
      }
    } else if (name == "count") {
      result.kind = QueryOperator::Kind::Count;
    } else {
      failParse("'" + previous().text + "' is not an operator kvsim supports (where, project, extend, order by, top, limit, take, "
                "mv-expand, count)", result.position, previous().text);
    }
    return result;
  }

  std::vector<NamedExpression> parseNamedList() {
    std::vector<NamedExpression> items;
    do {
      if (!items.empty()) advance();  // the comma
      NamedExpression item;
      if (peek().kind == TokenKind::Identifier && peek(1).kind == TokenKind::Symbol && peek(1).text == "=") {
        item.name = advance().text;
        advance();
      }
      item.value = parseExpression();
      if (item.name.empty()) item.name = defaultColumnName(*item.value, items.size());
      items.push_back(std::move(item));
    } while (atSymbol(","));
    return items;
  }

  // KQL names an unnamed column after its path (properties.vaultUri is properties_vaultUri).
  // NOTE: for other expressions Azure derives names such as Column1; kvsim numbers them
  // by their place in the list, which may differ.
  static std::string defaultColumnName(const Expression& expression, std::size_t index) {
    if (expression.kind == Expression::Kind::Column) return expression.name;
    if (expression.kind == Expression::Kind::Member) {
      std::string base = defaultColumnName(*expression.operands[0], index);
      if (base.rfind("Column", 0) != 0) return base + "_" + expression.name;
    }
    return "Column" + std::to_string(index + 1);
  }

  std::vector<SortKey> parseSortKeys() {
    std::vector<SortKey> keys;
    do {
      if (!keys.empty()) advance();
      SortKey key;
      key.value = parseExpression();
      if (atWord("asc") || atWord("desc")) key.descending = lowerText(advance().text) == "desc";
      key.nullsFirst = !key.descending;
      if (atWord("nulls")) {
        advance();
        if (!atWord("first") && !atWord("last")) failParse("expected 'first' or 'last' after 'nulls'", peek().position, peek().text);
        key.nullsFirst = lowerText(advance().text) == "first";
      }
      keys.push_back(std::move(key));
    } while (atSymbol(","));
    return keys;
  }

  ExpressionPointer makeNode(Expression::Kind kind, std::string name, std::vector<ExpressionPointer> operands, std::size_t position) {
    auto node = std::make_shared<Expression>();
    node->kind = kind;
    node->name = std::move(name);
    node->operands = std::move(operands);
    node->position = position;
    return node;
  }

  ExpressionPointer parseExpression() { return parseOr(); }

  ExpressionPointer parseOr() {
    ExpressionPointer left = parseAnd();
    while (atWord("or")) {
      std::size_t position = advance().position;
      left = makeNode(Expression::Kind::Binary, "or", {left, parseAnd()}, position);
    }
    return left;
  }

  ExpressionPointer parseAnd() {
    ExpressionPointer left = parseComparison();
    while (atWord("and")) {
      std::size_t position = advance().position;
      left = makeNode(Expression::Kind::Binary, "and", {left, parseComparison()}, position);
    }
    return left;
  }

  ExpressionPointer parseComparison() {
    ExpressionPointer left = parsePostfix();
    const Token& token = peek();
    std::string lowered = lowerText(token.text);
    if ((token.kind == TokenKind::Symbol || token.kind == TokenKind::Identifier) && comparisonOperators().count(lowered)) {
      advance();
      return makeNode(Expression::Kind::Binary, lowered, {left, parsePostfix()}, token.position);
    }
    if (token.kind == TokenKind::Symbol && token.text == "=") {
      failParse("'=' assigns a name; compare with '==' or '=~'", token.position, token.text);
    }
    if (token.kind == TokenKind::Identifier && isInOperator(lowered)) {
      advance();
      expectSymbol("(");
      std::vector<ExpressionPointer> operands = {left};
      if (!atSymbol(")")) {
        operands.push_back(parsePostfix());
        while (atSymbol(",")) {
          advance();
          operands.push_back(parsePostfix());
        }
      }
      expectSymbol(")");
      return makeNode(Expression::Kind::InList, lowered, std::move(operands), token.position);
    }
    return left;
  }

  ExpressionPointer parsePostfix() {
    ExpressionPointer value = parsePrimary();
    while (atSymbol(".") || atSymbol("[")) {
      std::size_t position = peek().position;
      if (advance().text == ".") {
        std::string member = expectIdentifier("a property name after '.'");
        value = makeNode(Expression::Kind::Member, member, {value}, position);
      } else {
        ExpressionPointer index = parseExpression();
        expectSymbol("]");
        value = makeNode(Expression::Kind::Index, "", {value, index}, position);
      }
    }
    return value;
  }

  ExpressionPointer parsePrimary() {
    const Token& token = peek();
    if (token.kind == TokenKind::String || token.kind == TokenKind::Number) {
      advance();
      auto node = std::make_shared<Expression>();
      node->position = token.position;
      if (token.kind == TokenKind::String) node->literal = token.text;
      else if (token.text.find('.') != std::string::npos) node->literal = std::stod(token.text);
      else node->literal = std::stoll(token.text);
      return node;
    }
    if (atSymbol("(")) {
      advance();
      ExpressionPointer inner = parseExpression();
      expectSymbol(")");
      return inner;
    }
    if (token.kind != TokenKind::Identifier) failParse("expected a value but found " + describe(token), token.position, token.text);

    advance();
    std::string lowered = lowerText(token.text);
    if (lowered == "true" || lowered == "false" || lowered == "null") {
      auto node = std::make_shared<Expression>();
      node->position = token.position;
      node->literal = lowered == "null" ? json(nullptr) : json(lowered == "true");
      return node;
    }
    if (!atSymbol("(")) return makeNode(Expression::Kind::Column, token.text, {}, token.position);
    return parseCall(token, lowered);
  }

  ExpressionPointer parseCall(const Token& token, const std::string& lowered) {
    auto function = functions().find(lowered);
    if (function == functions().end()) {
      throw QueryError("UnknownFunction", "Query is invalid at position " + std::to_string(token.position) + ": the function '" +
                                              token.text + "' is not supported by kvsim",
                       token.position, token.text);
    }
    expectSymbol("(");
    std::vector<ExpressionPointer> arguments;
    if (!atSymbol(")")) {
      arguments.push_back(parseExpression());
      while (atSymbol(",")) {
        advance();
        arguments.push_back(parseExpression());
      }
    }
    expectSymbol(")");
    if (arguments.size() < function->second.minimum || arguments.size() > function->second.maximum) {
      failParse("the function '" + token.text + "' takes " + std::to_string(function->second.minimum) +
                    (function->second.maximum == function->second.minimum ? "" : " or more") + " argument(s), not " +
                    std::to_string(arguments.size()),
                token.position, token.text);
    }
    return makeNode(Expression::Kind::Call, lowered, std::move(arguments), token.position);
  }

  std::vector<Token> tokens_;
  std::size_t index_ = 0;
};

// ---- Evaluation -----------------------------------------------------------------------

bool isTrue(const json& value) { return value.is_boolean() && value.get<bool>(); }

// True when `needle` occurs in `haystack` as whole terms: KQL's `has` matches the runs of
// letters and digits that its index splits text into. NOTE: Azure's term index has rules
// for short terms and some punctuation that this boundary check does not reproduce.
bool hasTerm(const std::string& haystack, const std::string& needle) {
  if (needle.empty()) return true;
  auto isTermCharacter = [](char character) { return std::isalnum(static_cast<unsigned char>(character)) != 0; };
  bool checkStart = isTermCharacter(needle.front());
  bool checkEnd = isTermCharacter(needle.back());
  for (std::size_t found = haystack.find(needle); found != std::string::npos; found = haystack.find(needle, found + 1)) {
    bool startOk = !checkStart || found == 0 || !isTermCharacter(haystack[found - 1]);
    std::size_t end = found + needle.size();
    bool endOk = !checkEnd || end == haystack.size() || !isTermCharacter(haystack[end]);
    if (startOk && endOk) return true;
  }
  return false;
}

bool valuesEqual(const json& left, const json& right, bool ignoreCase) {
  if (left.is_null() || right.is_null()) return left.is_null() && right.is_null();
  if (left.is_number() && right.is_number()) return left.get<double>() == right.get<double>();
  std::string leftText = queryText(left);
  std::string rightText = queryText(right);
  return ignoreCase ? lowerText(leftText) == lowerText(rightText) : leftText == rightText;
}

// Orders two values for sorting and for < and >: numbers by value, anything else by text.
int compareValues(const json& left, const json& right) {
  if (left.is_number() && right.is_number()) {
    double a = left.get<double>();
    double b = right.get<double>();
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  return queryText(left).compare(queryText(right)) < 0 ? -1 : (queryText(left) == queryText(right) ? 0 : 1);
}

json toNumber(const json& value, bool whole) {
  if (value.is_number()) return whole ? json(static_cast<long long>(value.get<double>())) : json(value.get<double>());
  if (value.is_boolean()) return whole ? json(value.get<bool>() ? 1 : 0) : json(value.get<bool>() ? 1.0 : 0.0);
  if (!value.is_string()) return nullptr;
  try {
    std::size_t used = 0;
    const std::string& text = value.get_ref<const std::string&>();
    double number = std::stod(text, &used);
    if (used != text.size()) return nullptr;
    return whole ? json(static_cast<long long>(number)) : json(number);
  } catch (const std::exception&) {
    return nullptr;
  }
}

json evaluate(const Expression& expression, const json& row);

json evaluateCall(const Expression& expression, const json& row) {
  const std::string& name = expression.name;
  if (name == "strcat") {
    std::string text;
    for (const ExpressionPointer& argument : expression.operands) text += queryText(evaluate(*argument, row));
    return text;
  }
  json argument = evaluate(*expression.operands[0], row);
  if (name == "tolower") return lowerText(queryText(argument));
  if (name == "toupper") {
    std::string text = queryText(argument);
    for (char& character : text) character = static_cast<char>(std::toupper(static_cast<unsigned char>(character)));
    return text;
  }
  if (name == "tostring") return queryText(argument);
  if (name == "tolong" || name == "toint") return toNumber(argument, true);
  if (name == "todouble") return toNumber(argument, false);
  if (name == "strlen") return static_cast<long long>(queryText(argument).size());
  if (name == "isempty") return argument.is_null() || (argument.is_string() && argument.get_ref<const std::string&>().empty());
  if (name == "isnotempty") return !(argument.is_null() || (argument.is_string() && argument.get_ref<const std::string&>().empty()));
  if (name == "isnull") return argument.is_null();
  if (name == "isnotnull") return !argument.is_null();
  if (name == "not") return !isTrue(argument);
  return nullptr;  // the parser admits only the names above
}

json evaluateBinary(const Expression& expression, const json& row) {
  const std::string& op = expression.name;
  if (op == "and") return isTrue(evaluate(*expression.operands[0], row)) && isTrue(evaluate(*expression.operands[1], row));
  if (op == "or") return isTrue(evaluate(*expression.operands[0], row)) || isTrue(evaluate(*expression.operands[1], row));

  json left = evaluate(*expression.operands[0], row);
  json right = evaluate(*expression.operands[1], row);
  if (op == "==") return valuesEqual(left, right, false);
  if (op == "!=") return !valuesEqual(left, right, false);
  if (op == "=~") return valuesEqual(left, right, true);
  if (op == "!~") return !valuesEqual(left, right, true);
  if (op == "<" || op == "<=" || op == ">" || op == ">=") {
    if (left.is_null() || right.is_null()) return false;
    int order = compareValues(left, right);
    if (op == "<") return order < 0;
    if (op == "<=") return order <= 0;
    if (op == ">") return order > 0;
    return order >= 0;
  }

  bool negated = op[0] == '!';
  std::string base = negated ? op.substr(1) : op;
  bool caseSensitive = base.size() > 3 && base.compare(base.size() - 3, 3, "_cs") == 0;
  if (caseSensitive) base.resize(base.size() - 3);
  std::string haystack = queryText(left);
  std::string needle = queryText(right);
  if (!caseSensitive) {
    haystack = lowerText(haystack);
    needle = lowerText(needle);
  }
  bool matched = false;
  if (base == "contains") matched = haystack.find(needle) != std::string::npos;
  else if (base == "has") matched = hasTerm(haystack, needle);
  else if (base == "startswith") matched = haystack.rfind(needle, 0) == 0;
  else if (base == "endswith") matched = haystack.size() >= needle.size() && haystack.compare(haystack.size() - needle.size(), needle.size(), needle) == 0;
  return negated != matched;
}

json evaluate(const Expression& expression, const json& row) {
  switch (expression.kind) {
    case Expression::Kind::Literal:
      return expression.literal;
    case Expression::Kind::Column: {
      auto found = row.find(expression.name);
      return found == row.end() ? json(nullptr) : *found;
    }
    case Expression::Kind::Member: {
      json base = evaluate(*expression.operands[0], row);
      if (!base.is_object()) return nullptr;
      auto found = base.find(expression.name);
      return found == base.end() ? json(nullptr) : *found;
    }
    case Expression::Kind::Index: {
      json base = evaluate(*expression.operands[0], row);
      json index = evaluate(*expression.operands[1], row);
      if (base.is_array() && index.is_number_integer()) {
        long long position = index.get<long long>();
        if (position < 0) position += static_cast<long long>(base.size());
        return position >= 0 && position < static_cast<long long>(base.size()) ? base[position] : json(nullptr);
      }
      if (base.is_object() && index.is_string()) return base.value(index.get<std::string>(), json(nullptr));
      return nullptr;
    }
    case Expression::Kind::Call:
      return evaluateCall(expression, row);
    case Expression::Kind::Binary:
      return evaluateBinary(expression, row);
    case Expression::Kind::InList: {
      json value = evaluate(*expression.operands[0], row);
      bool ignoreCase = expression.name.back() == '~';
      bool found = false;
      for (std::size_t index = 1; index < expression.operands.size() && !found; ++index) {
        found = valuesEqual(value, evaluate(*expression.operands[index], row), ignoreCase);
      }
      return expression.name[0] == '!' ? !found : found;
    }
  }
  return nullptr;
}

// Checks that every column the expression reads exists, before any row is evaluated, so
// a misspelt column fails even on an empty table, as in Azure.
void checkColumns(const Expression& expression, const std::vector<std::string>& columns) {
  if (expression.kind == Expression::Kind::Column && std::find(columns.begin(), columns.end(), expression.name) == columns.end()) {
    throw QueryError("FailedToResolveScalarExpression",
                     "Query is invalid at position " + std::to_string(expression.position) + ": no column named '" + expression.name +
                         "' exists here; columns are " + [&] {
                           std::string list;
                           for (const std::string& column : columns) list += (list.empty() ? "" : ", ") + column;
                           return list;
                         }(),
                     expression.position, expression.name);
  }
  for (const ExpressionPointer& operand : expression.operands) checkColumns(*operand, columns);
}

void addColumn(std::vector<std::string>& columns, const std::string& name) {
  if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.push_back(name);
}

void sortRows(std::vector<json>& rows, const std::vector<SortKey>& keys) {
  std::stable_sort(rows.begin(), rows.end(), [&keys](const json& left, const json& right) {
    for (const SortKey& key : keys) {
      json a = evaluate(*key.value, left);
      json b = evaluate(*key.value, right);
      if (a.is_null() != b.is_null()) return a.is_null() == key.nullsFirst;
      if (a.is_null()) continue;
      int order = compareValues(a, b);
      if (order != 0) return key.descending ? order > 0 : order < 0;
    }
    return false;
  });
}

// One row per element of an array (or per member of an object, as a one-member object).
// NOTE: kvsim drops rows whose value is an empty array or null; Azure may keep them.
void expandRows(std::vector<json>& rows, const NamedExpression& item, long long limit) {
  std::vector<json> expanded;
  for (const json& row : rows) {
    json value = evaluate(*item.value, row);
    std::vector<json> elements;
    if (value.is_array()) {
      elements = value.get<std::vector<json>>();
    } else if (value.is_object()) {
      for (const auto& [key, member] : value.items()) elements.push_back(json{{key, member}});
    } else if (!value.is_null()) {
      elements.push_back(value);
    }
    if (limit > 0 && static_cast<long long>(elements.size()) > limit) elements.resize(static_cast<std::size_t>(limit));
    for (json& element : elements) {
      json copy = row;
      copy[item.name] = std::move(element);
      expanded.push_back(std::move(copy));
    }
  }
  rows = std::move(expanded);
}

void applyOperator(const QueryOperator& step, std::vector<std::string>& columns, std::vector<json>& rows) {
  switch (step.kind) {
    case QueryOperator::Kind::Where: {
      checkColumns(*step.predicate, columns);
      std::vector<json> kept;
      for (json& row : rows) {
        if (isTrue(evaluate(*step.predicate, row))) kept.push_back(std::move(row));
      }
      rows = std::move(kept);
      break;
    }
    case QueryOperator::Kind::Project:
    case QueryOperator::Kind::Extend: {
      for (const NamedExpression& item : step.items) checkColumns(*item.value, columns);
      bool project = step.kind == QueryOperator::Kind::Project;
      for (json& row : rows) {
        json result = project ? json::object() : row;
        for (const NamedExpression& item : step.items) result[item.name] = evaluate(*item.value, row);
        row = std::move(result);
      }
      if (project) columns.clear();
      for (const NamedExpression& item : step.items) addColumn(columns, item.name);
      break;
    }
    case QueryOperator::Kind::Order:
    case QueryOperator::Kind::Top:
      for (const SortKey& key : step.keys) checkColumns(*key.value, columns);
      sortRows(rows, step.keys);
      if (step.kind == QueryOperator::Kind::Top && static_cast<long long>(rows.size()) > step.count) rows.resize(static_cast<std::size_t>(step.count));
      break;
    case QueryOperator::Kind::Limit:
      if (static_cast<long long>(rows.size()) > step.count) rows.resize(static_cast<std::size_t>(step.count));
      break;
    case QueryOperator::Kind::MvExpand:
      for (const NamedExpression& item : step.items) {
        checkColumns(*item.value, columns);
        expandRows(rows, item, step.count);
        addColumn(columns, item.name);
      }
      break;
    case QueryOperator::Kind::Count: {
      json count = {{"Count", static_cast<long long>(rows.size())}};
      rows = {count};
      columns = {"Count"};
      break;
    }
  }
}

}  // namespace

std::string queryText(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

ResourceGraphQuery::ResourceGraphQuery(const std::string& text)
    : parsed_(std::make_unique<ParsedQuery>(Parser(Tokenizer(text).run()).parse())) {}

ResourceGraphQuery::~ResourceGraphQuery() = default;
ResourceGraphQuery::ResourceGraphQuery(ResourceGraphQuery&&) noexcept = default;
ResourceGraphQuery& ResourceGraphQuery::operator=(ResourceGraphQuery&&) noexcept = default;

const std::string& ResourceGraphQuery::tableName() const { return parsed_->table; }
std::size_t ResourceGraphQuery::tablePosition() const { return parsed_->tablePosition; }

QueryResult ResourceGraphQuery::run(const QueryTable& table) const {
  QueryResult result;
  result.columns = table.columns;
  result.rows = table.rows;
  for (const QueryOperator& step : parsed_->operators) applyOperator(step, result.columns, result.rows);

  // Rows carry exactly the result's columns, absent values as null.
  for (json& row : result.rows) {
    json ordered = json::object();
    for (const std::string& column : result.columns) ordered[column] = row.value(column, json(nullptr));
    row = std::move(ordered);
  }
  return result;
}

}  // namespace kvr::sim
