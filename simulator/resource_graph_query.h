#pragma once

// A subset of the Kusto Query Language (KQL) as Azure Resource Graph accepts it, run over
// tables of JSON rows. Supported:
//   table:      Resources, ResourceContainers (or none: a query that starts with an
//               operator reads Resources)
//   operators:  where, project (with renames), extend, order by / sort by, top N by,
//               limit / take, mv-expand, count
//   predicates: == != =~ !~ < <= > >= in in~ !in !in~ contains !contains has !has
//               startswith !startswith endswith !endswith, and, or, not(), parentheses
//   values:     columns, dotted paths and [index] or ['key'] on them, string, number,
//               true/false/null literals, and the functions tolower, toupper, tostring,
//               tolong, toint, todouble, strlen, strcat, isempty, isnotempty, isnull,
//               isnotnull
// Matching rules follow KQL: `==` and `in` are case-sensitive, `=~`, `in~`, `contains`,
// `has` and `startswith` are not, and a dynamic value (object or array) is compared by
// its compact JSON text.

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace kvr::sim {

// A query that does not parse or refers to something that does not exist. `position` is
// the 0-based character offset in the query text; `token` is the text found there.
class QueryError : public std::runtime_error {
 public:
  QueryError(std::string code, const std::string& message, std::size_t position, std::string token)
      : std::runtime_error(message), code_(std::move(code)), position_(position), token_(std::move(token)) {}

  // ParserFailure for syntax, FailedToResolveScalarExpression or UnknownTable for names.
  const std::string& code() const { return code_; }
  std::size_t position() const { return position_; }
  const std::string& token() const { return token_; }

 private:
  std::string code_;
  std::size_t position_;
  std::string token_;
};

// One table the query may read: its column names and rows (JSON objects).
struct QueryTable {
  std::vector<std::string> columns;
  std::vector<nlohmann::json> rows;
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<nlohmann::json> rows;  // objects with one member per column
};

struct ParsedQuery;  // the syntax tree, private to resource_graph_query.cpp

class ResourceGraphQuery {
 public:
  // Parses `text`; throws QueryError naming the position of the first problem.
  explicit ResourceGraphQuery(const std::string& text);
  ~ResourceGraphQuery();
  ResourceGraphQuery(ResourceGraphQuery&&) noexcept;
  ResourceGraphQuery& operator=(ResourceGraphQuery&&) noexcept;

  // The table the query reads, as spelled in the query or "Resources" by default.
  const std::string& tableName() const;
  // The 0-based offset of the table name in the query text.
  std::size_t tablePosition() const;

  // Runs the query over `table`. Throws QueryError for a column that does not exist.
  QueryResult run(const QueryTable& table) const;

 private:
  std::unique_ptr<ParsedQuery> parsed_;
};

// The text KQL's tostring() gives: strings unchanged, null as "", anything else as
// compact JSON.
std::string queryText(const nlohmann::json& value);

}  // namespace kvr::sim
