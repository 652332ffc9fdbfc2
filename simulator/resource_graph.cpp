#include "simulator/resource_graph.h"

#include "simulator/arm_path.h"
#include "simulator/random_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace kvr::sim {

namespace {

using nlohmann::json;

const std::vector<std::string> kColumns = {"id",       "name",          "type",      "tenantId", "kind",       "location",
                                           "resourceGroup", "subscriptionId", "managedBy", "sku",   "plan",       "properties",
                                           "tags",     "identity",      "zones",     "extendedLocation"};

constexpr int kMaxPageSize = 1000;

// The error shape Resource Graph uses: a general code with the specific problems as details.
// NOTE: Azure's top-level message asks for a timestamp and correlation id; kvsim's
// message describes the problem instead.
Response graphError(int status, const std::string& code, const std::string& message, json details) {
  return Response::json(status, {{"error", {{"code", code}, {"message", message}, {"details", std::move(details)}}}});
}

Response invalidQuery(const std::string& query, const QueryError& error) {
  // Lines count from 1 and characters within a line from 0.
  std::size_t position = std::min(error.position(), query.size());
  std::size_t line = 1 + static_cast<std::size_t>(std::count(query.begin(), query.begin() + static_cast<std::ptrdiff_t>(position), '\n'));
  std::size_t lineStart = query.rfind('\n', position == 0 ? 0 : position - 1);
  std::size_t column = lineStart == std::string::npos || position == 0 ? position : position - lineStart - 1;
  json detail = {{"code", error.code()}, {"message", error.what()}, {"line", line}, {"characterPositionInLine", column},
                 {"token", error.token()}};
  return graphError(400, "BadRequest", "The query is invalid: " + std::string(error.what()),
                    json::array({{{"code", "InvalidQuery"}, {"message", "Query is invalid. Fix the error in the next detail and retry."}},
                                 detail}));
}

Response badRequest(const std::vector<std::string>& problems) {
  json details = json::array();
  std::string message;
  for (const std::string& problem : problems) {
    details.push_back({{"code", "InvalidRequestContent"}, {"message", problem}});
    message += (message.empty() ? "" : "; ") + problem;
  }
  return graphError(400, "BadRequest", "The request body is invalid: " + message, details);
}

json valueOr(const json& resource, const char* member, json fallback) {
  auto found = resource.find(member);
  return found == resource.end() || found->is_null() ? fallback : *found;
}

json resourceRow(const json& resource, const std::string& tenantId) {
  std::string id = resource.value("id", "");
  std::optional<ArmPath> path = parseArmPath(id);
  json row = {{"id", id},
              {"name", resource.value("name", "")},
              {"type", toLower(resource.value("type", ""))},
              {"tenantId", tenantId},
              {"kind", valueOr(resource, "kind", "")},
              {"location", valueOr(resource, "location", "")},
              {"resourceGroup", path ? toLower(path->resourceGroup) : ""},
              {"subscriptionId", path ? path->subscription : ""},
              {"managedBy", valueOr(resource, "managedBy", "")},
              {"sku", valueOr(resource, "sku", nullptr)},
              {"plan", valueOr(resource, "plan", nullptr)},
              {"properties", valueOr(resource, "properties", json::object())},
              {"tags", valueOr(resource, "tags", json::object())},
              {"identity", valueOr(resource, "identity", nullptr)},
              {"zones", valueOr(resource, "zones", nullptr)},
              {"extendedLocation", valueOr(resource, "extendedLocation", nullptr)}};
  return row;
}

json subscriptionRow(const std::string& subscription, const std::string& tenantId) {
  json row = resourceRow({{"id", "/subscriptions/" + subscription}, {"name", "kvsim subscription " + subscription},
                          {"type", "Microsoft.Resources/subscriptions"}, {"properties", {{"state", "Enabled"}}}},
                         tenantId);
  row["subscriptionId"] = subscription;
  return row;
}

// Resources that Azure lists in other tables (authorizationresources and the like).
bool isOtherTableType(const std::string& lowerType) {
  return lowerType.rfind("microsoft.authorization/", 0) == 0 || lowerType == "microsoft.insights/diagnosticsettings";
}

std::string encodeSkipToken(std::size_t offset) { return base64UrlEncode("kvsim-offset:" + std::to_string(offset)); }

std::optional<std::size_t> decodeSkipToken(const std::string& token) {
  std::string text;
  const std::string prefix = "kvsim-offset:";
  if (!base64UrlDecode(token, text) || text.rfind(prefix, 0) != 0) return std::nullopt;
  std::string digits = text.substr(prefix.size());
  if (digits.empty() || digits.size() > 12 || !std::all_of(digits.begin(), digits.end(), [](char digit) { return digit >= '0' && digit <= '9'; })) return std::nullopt;
  return static_cast<std::size_t>(std::stoull(digits));
}

struct QueryOptions {
  std::size_t top = 0;  // 0: the configured page size
  std::size_t skip = 0;
  std::optional<std::size_t> skipTokenOffset;
  bool table = false;
  std::set<std::string> subscriptions;  // lower case; empty: all
};

QueryOptions readOptions(const json& body, std::vector<std::string>& problems) {
  QueryOptions options;
  if (body.contains("subscriptions")) {
    const json& list = body["subscriptions"];
    if (!list.is_array() || !std::all_of(list.begin(), list.end(), [](const json& item) { return item.is_string(); })) {
      problems.push_back("/subscriptions must be an array of subscription ids");
    } else {
      for (const json& item : list) options.subscriptions.insert(toLower(item.get<std::string>()));
    }
  }
  if (!body.contains("options")) return options;
  const json& given = body["options"];
  if (!given.is_object()) {
    problems.push_back("/options must be an object");
    return options;
  }
  auto readCount = [&](const char* member, std::size_t& target, long long minimum, long long maximum) {
    if (!given.contains(member)) return;
    const json& value = given[member];
    if (!value.is_number_integer() || value.get<long long>() < minimum || value.get<long long>() > maximum) {
      problems.push_back("/options/" + std::string(member) + " must be a whole number from " + std::to_string(minimum) + " to " +
                         std::to_string(maximum));
      return;
    }
    target = static_cast<std::size_t>(value.get<long long>());
  };
  readCount("$top", options.top, 1, kMaxPageSize);
  readCount("$skip", options.skip, 0, 1'000'000'000);
  if (given.contains("$skipToken")) {
    options.skipTokenOffset = given["$skipToken"].is_string() ? decodeSkipToken(given["$skipToken"].get<std::string>()) : std::nullopt;
    if (!options.skipTokenOffset) problems.push_back("/options/$skipToken is not a token from an earlier response");
  }
  if (given.contains("resultFormat")) {
    std::string format = given["resultFormat"].is_string() ? given["resultFormat"].get<std::string>() : "";
    if (format != "objectArray" && format != "table") problems.push_back("/options/resultFormat must be \"objectArray\" or \"table\"");
    options.table = format == "table";
  }
  return options;
}

std::string columnType(const std::vector<json>& rows, const std::string& column) {
  for (const json& row : rows) {
    const json& value = row[column];
    if (value.is_null()) continue;
    if (value.is_string()) return "string";
    if (value.is_number_integer()) return "integer";
    if (value.is_number()) return "number";
    if (value.is_boolean()) return "boolean";
    return "object";
  }
  return "string";
}

// Resource Graph's "table" result format: column names and types, and rows as arrays.
// NOTE: the type names for columns follow the documented examples; Azure may name
// further types that kvsim never produces.
json tableData(const QueryResult& result, const std::vector<json>& page) {
  json columns = json::array();
  for (const std::string& column : result.columns) columns.push_back({{"name", column}, {"type", columnType(page, column)}});
  json rows = json::array();
  for (const json& row : page) {
    json values = json::array();
    for (const std::string& column : result.columns) values.push_back(row[column]);
    rows.push_back(std::move(values));
  }
  return {{"columns", columns}, {"rows", rows}};
}

std::string hoursMinutesSeconds(long long seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%02lld:%02lld:%02lld", seconds / 3600, (seconds / 60) % 60, seconds % 60);
  return text;
}

}  // namespace

QueryTable resourceGraphTable(const std::string& lowerTableName, const json& resources, const std::string& tenantId) {
  QueryTable table;
  table.columns = kColumns;
  bool containers = lowerTableName == "resourcecontainers";
  std::set<std::string> subscriptions;
  for (const json& resource : resources) {
    std::string type = toLower(resource.value("type", ""));
    std::optional<ArmPath> path = parseArmPath(resource.value("id", ""));
    if (path) subscriptions.insert(path->subscription);
    bool group = type == "microsoft.resources/resourcegroups";
    if (group != containers || isOtherTableType(type)) continue;
    json row = resourceRow(resource, tenantId);
    if (group) row["type"] = "microsoft.resources/subscriptions/resourcegroups";
    table.rows.push_back(std::move(row));
  }
  if (containers) {
    for (const std::string& subscription : subscriptions) table.rows.push_back(subscriptionRow(subscription, tenantId));
  }
  std::stable_sort(table.rows.begin(), table.rows.end(),
                   [](const json& a, const json& b) { return idKey(a["id"].get<std::string>()) < idKey(b["id"].get<std::string>()); });
  return table;
}

bool ResourceGraph::isQueryPath(const std::string& path) {
  return equalsIgnoreCase(path, "/providers/Microsoft.ResourceGraph/resources");
}

void ResourceGraph::clear() {
  quota_.clear();
  counters_.clear();
}

bool ResourceGraph::takeQuota(const std::string& user, std::vector<std::pair<std::string, std::string>>& headers) {
  if (settings_.quotaRequests <= 0) return true;
  TimePoint now = clock_.now();
  auto window = std::chrono::seconds(settings_.quotaWindowSeconds);
  QuotaWindow& quota = quota_[user];
  if (quota.used == 0 || now >= quota.start + window) quota = {now, 0};

  bool allowed = quota.used < settings_.quotaRequests;
  if (allowed) ++quota.used;
  long long resetsAfter = std::chrono::ceil<std::chrono::seconds>(quota.start + window - now).count();
  headers.emplace_back("x-ms-user-quota-remaining", std::to_string(settings_.quotaRequests - quota.used));
  headers.emplace_back("x-ms-user-quota-resets-after", hoursMinutesSeconds(resetsAfter));
  if (!allowed) headers.emplace_back("Retry-After", std::to_string(std::max(1LL, resetsAfter)));
  return allowed;
}

Response ResourceGraph::handle(const Request& request, const std::string& user, const ResourceManager& resources) {
  if (request.method != "POST") return armError(405, "MethodNotAllowed", "Resource Graph queries use POST");
  if (auto invalid = checkApiVersion(request)) return *invalid;

  std::vector<std::pair<std::string, std::string>> quotaHeaders;
  bool allowed = takeQuota(user, quotaHeaders);
  Response response;
  if (allowed) {
    response = runQuery(json::parse(request.body.empty() ? "null" : request.body, nullptr, false), resources);
    ++counters_[response.status == 200 ? "resourceGraph.queries" : "resourceGraph.invalid"];
  } else {
    // NOTE: the error code and message of Resource Graph's 429 are not documented; kvsim
    // uses RateLimiting.
    response = graphError(429, "RateLimiting",
                          "Resource Graph allows " + std::to_string(settings_.quotaRequests) + " queries per " +
                              std::to_string(settings_.quotaWindowSeconds) + " seconds per user; retry after the quota resets.",
                          json::array({{{"code", "RateLimiting"}, {"message", "The user's query quota is used up."}}}));
    ++counters_["resourceGraph.throttled"];
  }
  for (auto& [name, value] : quotaHeaders) response.withHeader(name, value);
  return response;
}

Response ResourceGraph::runQuery(const json& body, const ResourceManager& resources) {
  if (!body.is_object()) return badRequest({"the body must be a JSON object with a \"query\" string"});
  std::vector<std::string> problems;
  if (!body.contains("query") || !body["query"].is_string() || body["query"].get<std::string>().empty()) {
    problems.push_back("/query must be a non-empty string");
  }
  QueryOptions options = readOptions(body, problems);
  if (!problems.empty()) return badRequest(problems);

  std::string text = body["query"].get<std::string>();
  QueryResult result;
  try {
    ResourceGraphQuery query(text);
    std::string table = toLower(query.tableName());
    if (table != "resources" && table != "resourcecontainers") {
      throw QueryError("UnknownTable", "Query is invalid at position " + std::to_string(query.tablePosition()) + ": the table '" +
                                           query.tableName() + "' is not served by kvsim; use Resources or ResourceContainers",
                       query.tablePosition(), query.tableName());
    }
    QueryTable rows = resourceGraphTable(table, resources.snapshotResources(), tenantId_);
    if (!options.subscriptions.empty()) {
      std::erase_if(rows.rows, [&](const json& row) { return !options.subscriptions.count(toLower(row["subscriptionId"].get<std::string>())); });
    }
    result = query.run(rows);
  } catch (const QueryError& error) {
    return invalidQuery(text, error);
  }

  // A skip token carries the absolute offset of the next page, so it replaces $skip.
  std::size_t total = result.rows.size();
  std::size_t start = std::min(total, options.skipTokenOffset.value_or(options.skip));
  std::size_t pageSize = options.top != 0 ? options.top : static_cast<std::size_t>(std::clamp(settings_.pageSize, 1, kMaxPageSize));
  std::size_t end = std::min(total, start + pageSize);
  std::vector<json> page(result.rows.begin() + static_cast<std::ptrdiff_t>(start), result.rows.begin() + static_cast<std::ptrdiff_t>(end));

  json answer = {{"totalRecords", total}, {"count", page.size()}, {"facets", json::array()}, {"resultTruncated", "false"}};
  answer["data"] = options.table ? tableData(result, page) : json(page);
  if (end < total) answer["$skipToken"] = encodeSkipToken(end);
  return Response::json(200, answer);
}

}  // namespace kvr::sim
