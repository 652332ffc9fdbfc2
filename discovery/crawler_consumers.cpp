// Consumers of the vault, found through Resource Graph. They are the resources whose
// properties name the vault, its URI or its objects, the identities that the vault grants
// access to, and App Service apps whose settings contain Key Vault references. The
// resources that depend on a disk encryption set, or that a consumer names, come along.
// Resource Graph's `contains` only narrows the search, so every row is checked here before
// it is recorded.

#include <spdlog/spdlog.h>

#include "discovery/crawler_session.h"
#include "discovery/reference_catalog.h"
#include "discovery/resource_id.h"

namespace kvr::crawl {

namespace {

// Calls `visit(path, text)` for every string under `node`, with dotted paths.
template <typename Visit>
void walkStrings(const Json& node, const std::string& path, Visit&& visit) {
  if (node.is_string()) {
    visit(path, node.get<std::string>());
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) walkStrings(node[i], path + "[" + std::to_string(i) + "]", visit);
  } else if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) walkStrings(*it, path + "." + it.key(), visit);
  }
}

std::string hostOf(std::string_view url) {
  constexpr std::string_view scheme = "https://";
  if (!istartsWith(url, scheme)) return {};
  std::string_view rest = url.substr(scheme.size());
  rest = rest.substr(0, rest.find_first_of(":/"));
  return toLower(rest);
}

std::string joinOr(const std::vector<std::string>& clauses) {
  std::string text;
  for (const auto& clause : clauses) text += (text.empty() ? "" : " or ") + clause;
  return text;
}

std::string listLiteral(const std::vector<std::string>& terms) {
  std::string text = "(";
  for (const auto& term : terms) text += (text.size() > 1 ? ", " : "") + kqlString(term);
  return text + ")";
}

std::string whereQuery(const std::string& condition) {
  return "resources | where " + condition + " | order by id asc";
}

bool isKeyVaultReference(const std::string& text) { return parseKeyVaultReference(text).has_value(); }

}  // namespace

std::string kqlString(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

Json asResourceManagerResource(const Json& row) {
  Json resource = Json::object();
  for (const char* member : {"id", "name", "type", "location", "kind", "sku", "identity", "tags", "managedBy", "zones",
                             "plan", "extendedLocation", "properties"}) {
    auto it = row.find(member);
    if (it == row.end() || it->is_null()) continue;
    if (it->is_string() && it->get<std::string>().empty() && std::string_view(member) != "location") continue;
    resource[member] = *it;
  }
  return resource;
}

bool CrawlSession::mentionsVault(const std::string& text) const {
  if (looksLikeResourceId(text)) {
    std::string key = normalizeId(text);
    return key == vaultKey_ || key.rfind(vaultKey_ + "/", 0) == 0;
  }
  if (auto reference = parseKeyVaultReference(text)) return reference->vaultName == vaultName_;
  std::string host = hostOf(text);
  if (host.empty()) return false;
  if (vaultHosts_.count(host)) return true;
  auto named = vaultNameFromUri(text);
  return named && *named == vaultName_;
}

std::vector<Json> CrawlSession::queryInBatches(
    const std::vector<std::string>& terms, const std::function<std::string(const std::vector<std::string>&)>& makeQuery,
    const std::string& purpose) {
  std::vector<Json> rows;
  std::size_t batchSize = std::max<std::size_t>(1, options_.termsPerQuery);
  for (std::size_t start = 0; start < terms.size(); start += batchSize) {
    std::vector<std::string> batch(terms.begin() + static_cast<long>(start),
                                   terms.begin() + static_cast<long>(std::min(terms.size(), start + batchSize)));
    auto page = query(makeQuery(batch), purpose);
    if (page) rows.insert(rows.end(), page->begin(), page->end());
  }
  return rows;
}

std::vector<std::string> CrawlSession::recordMentioningRows(const std::vector<Json>& rows) {
  std::vector<std::string> found;
  for (const auto& row : rows) {
    std::string id = row.value("id", std::string());
    std::string key = normalizeId(id);
    if (id.empty() || recorded(id) || key == vaultKey_ || key.rfind(vaultKey_ + "/", 0) == 0) continue;
    Json paths = Json::array();
    walkStrings(row.value("properties", Json::object()), "properties", [&](const std::string& path, const std::string& text) {
      if (mentionsVault(text)) paths.push_back(path);
    });
    if (paths.empty()) continue;
    record(asResourceManagerResource(row));
    consumers_.insert(key);
    consumerEvidence_[id] = paths;
    found.push_back(id);
  }
  return found;
}

// The object at row[key], or an empty object when it is missing or null: Resource Graph
// answers null for a column the resource does not have.
static const Json& objectAt(const Json& row, const char* key) {
  static const Json kEmpty = Json::object();
  auto found = row.find(key);
  return found != row.end() && found->is_object() ? *found : kEmpty;
}

// The string at row[outer][inner], or "" when either is missing or null.
static std::string stringAt(const Json& row, const char* outer, const char* inner) {
  auto object = row.find(outer);
  if (object == row.end() || !object->is_object()) return "";
  auto value = object->find(inner);
  return value != object->end() && value->is_string() ? value->get<std::string>() : "";
}

void CrawlSession::crawlConsumers() {
  // The vault name is in its id, its URI and every object URI; `contains` ignores case.
  auto rows = query(whereQuery("tostring(properties) contains " + kqlString(vaultName_)), "resources that name " + vaultName_);
  if (!rows) return;
  auto found = recordMentioningRows(*rows);
  spdlog::info("discover: {} resource(s) name the vault in their properties", found.size());
}

// Resolves the principals that the access policies and role assignments name to the
// resources that own them, and records those and the resources that carry them.
void CrawlSession::crawlIdentities() {
  if (principals_.empty()) return;
  std::vector<std::string> principals(principals_.begin(), principals_.end());
  auto rows = queryInBatches(
      principals,
      [](const std::vector<std::string>& batch) {
        return whereQuery("tostring(identity.principalId) in~ " + listLiteral(batch) +
                          " or tostring(properties.principalId) in~ " + listLiteral(batch));
      },
      "owners of the principals granted access");
  Json resolved = Json::object();
  std::vector<std::string> userAssigned;
  for (const auto& row : rows) {
    std::string id = row.value("id", std::string());
    if (id.empty()) continue;
    std::string principal = stringAt(row, "identity", "principalId");
    std::string path = "identity.principalId";
    if (principal.empty() || !principals_.count(toLower(principal))) {
      principal = stringAt(row, "properties", "principalId");
      path = "properties.principalId";
    }
    if (!principals_.count(toLower(principal))) continue;
    resolved[toLower(principal)] = id;
    if (iequals(row.value("type", std::string()), "Microsoft.ManagedIdentity/userAssignedIdentities")) {
      userAssigned.push_back(id);
    }
    if (recorded(id)) continue;
    record(asResourceManagerResource(row));
    consumers_.insert(normalizeId(id));
    consumerEvidence_[id] = Json::array({path});
  }
  contents_.discovery["principals"] = resolved;

  // Resources that carry a user-assigned identity act with the vault access it was granted.
  auto carriers = queryInBatches(
      userAssigned,
      [](const std::vector<std::string>& batch) {
        std::vector<std::string> clauses;
        for (const auto& id : batch) clauses.push_back("tostring(identity.userAssignedIdentities) contains " + kqlString(id));
        return whereQuery(joinOr(clauses));
      },
      "resources that carry the identities granted access");
  for (const auto& row : carriers) {
    std::string id = row.value("id", std::string());
    if (id.empty() || recorded(id)) continue;
    const Json identities = objectAt(objectAt(row, "identity"), "userAssignedIdentities");
    Json paths = Json::array();
    for (auto it = identities.begin(); it != identities.end(); ++it) {
      for (const auto& granted : userAssigned) {
        if (iequals(normalizeId(it.key()), normalizeId(granted))) paths.push_back("identity.userAssignedIdentities");
      }
    }
    if (paths.empty()) continue;
    record(asResourceManagerResource(row));
    consumers_.insert(normalizeId(id));
    consumerEvidence_[id] = paths;
  }
}

// App Service apps and function apps whose settings reference the vault. Only settings
// that hold a Key Vault reference are kept; the others may be secrets and are never
// written or logged.
// NOTE: deployment slots (Microsoft.Web/sites/slots) have settings of their own, which this
// does not read, so a reference that only a slot holds is missed.
void CrawlSession::crawlWebApps() {
  auto sites = query(whereQuery("type =~ 'microsoft.web/sites'"), "App Service apps");
  if (!sites) return;
  for (const auto& row : *sites) {
    std::string id = row.value("id", std::string());
    if (id.empty()) continue;
    Json config = Json::object();
    Json paths = Json::array();
    for (const char* section : {"appSettings", "connectionStrings"}) {
      std::string path = id + "/config/" + toLower(section) + "/list";
      auto settings = guarded(id + "/config/" + toLower(section), [&] {
        return client_.post(azure::Service::ResourceManager, armUrl(path, kWebApiVersion), Json::object(),
                            azure::RequestOptions{.idempotent = true});
      });
      if (!settings) continue;
      Json references = Json::object();
      const Json properties = settings->value("properties", Json::object());
      for (auto it = properties.begin(); it != properties.end(); ++it) {
        bool connectionString = std::string_view(section) == "connectionStrings";
        std::string value = connectionString ? it->value("value", std::string())
                                             : (it->is_string() ? it->get<std::string>() : std::string());
        if (!isKeyVaultReference(value)) continue;
        references[it.key()] = *it;
        if (mentionsVault(value)) {
          paths.push_back("config." + std::string(section) + "." + it.key() + (connectionString ? ".value" : ""));
        }
      }
      if (!references.empty()) config[section] = references;
    }
    if (paths.empty()) continue;
    std::string key = normalizeId(id);
    Json resource = recorded(id) ? contents_.resources[key] : asResourceManagerResource(row);
    resource["config"] = config;
    record(resource);
    consumers_.insert(key);
    Json& evidence = consumerEvidence_[id];
    if (!evidence.is_array()) evidence = Json::array();
    for (const auto& path : paths) evidence.push_back(path);
  }
}

// Resources that name a disk encryption set (a disk, a VM) depend on the vault's key
// through it, and so do the VMs that name those disks.
void CrawlSession::crawlDependents() {
  std::vector<std::string> frontier;
  for (const auto& key : consumers_) {
    const Json& resource = contents_.resources[key];
    for (const auto& type : options_.dependentSourceTypes) {
      if (iequals(resource.value("type", std::string()), type)) frontier.push_back(resource.value("id", key));
    }
  }
  Json dependents = Json::object();
  for (int depth = 0; depth < options_.dependentDepth && !frontier.empty(); ++depth) {
    auto rows = queryInBatches(
        frontier,
        [](const std::vector<std::string>& batch) {
          std::vector<std::string> clauses;
          for (const auto& id : batch) clauses.push_back("tostring(properties) contains " + kqlString(id));
          return whereQuery(joinOr(clauses));
        },
        "dependents of resources that use the vault's keys");
    std::vector<std::string> next;
    for (const auto& row : rows) {
      std::string id = row.value("id", std::string());
      if (id.empty() || recorded(id)) continue;
      Json paths = Json::array();
      walkStrings(row.value("properties", Json::object()), "properties", [&](const std::string& path, const std::string& text) {
        if (!looksLikeResourceId(text)) return;
        for (const auto& needed : frontier) {
          if (normalizeId(text) == normalizeId(needed)) paths.push_back(path);
        }
      });
      if (paths.empty()) continue;
      record(asResourceManagerResource(row));
      dependents[id] = paths;
      next.push_back(id);
    }
    frontier = next;
  }
  contents_.discovery["dependents"] = dependents;
}

// The resources that consumers and dependents name by id (a VM's network interface, an
// app's App Service plan), one hop, within the searched subscriptions.
void CrawlSession::crawlForwardReferences() {
  std::set<std::string> named;
  std::set<std::string> scopes;
  for (const auto& scope : scopes_) scopes.insert(toLower(scope));
  auto consider = [&](const std::string& text) {
    if (!looksLikeResourceId(text) || recorded(text)) return;
    auto parsed = parseResourceId(text);
    if (!parsed || !parsed->scope.empty() || parsed->resourceGroup.empty() || typeDepth(parsed->type) != 1) return;
    if (!scopes.count(toLower(parsed->subscription))) return;
    named.insert(normalizeId(text));
  };
  std::vector<std::string> holders(consumers_.begin(), consumers_.end());
  for (auto it = contents_.discovery["dependents"].begin(); it != contents_.discovery["dependents"].end(); ++it) {
    holders.push_back(normalizeId(it.key()));
  }
  for (const auto& key : holders) {
    const Json& resource = contents_.resources[key];
    walkStrings(resource.value("properties", Json::object()), "properties",
                [&](const std::string&, const std::string& text) { consider(text); });
    const Json identities = objectAt(objectAt(resource, "identity"), "userAssignedIdentities");
    for (auto it = identities.begin(); it != identities.end(); ++it) consider(it.key());
  }
  std::vector<std::string> ids(named.begin(), named.end());
  auto rows = queryInBatches(
      ids, [](const std::vector<std::string>& batch) { return whereQuery("id in~ " + listLiteral(batch)); },
      "resources that consumers name");
  for (const auto& row : rows) {
    if (!recorded(row.value("id", std::string()))) record(asResourceManagerResource(row));
  }
}

}  // namespace kvr::crawl
