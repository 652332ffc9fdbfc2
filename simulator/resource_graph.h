#pragma once

// Azure Resource Graph: POST /providers/Microsoft.ResourceGraph/resources runs a KQL
// query (resource_graph_query.h) over the resources that the ResourceManager holds
// (table Resources) and their resource groups and subscriptions (ResourceContainers),
// with paging and a per-user query quota. Not thread-safe: the Simulator serialises calls.

#include "simulator/clock.h"
#include "simulator/config.h"
#include "simulator/http_message.h"
#include "simulator/resource_graph_query.h"
#include "simulator/resource_manager.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace kvr::sim {

// The Resources and ResourceContainers tables as Resource Graph shows them: types in lower
// case, resource groups in lower case, and the same columns for both tables.
QueryTable resourceGraphTable(const std::string& lowerTableName, const nlohmann::json& resources, const std::string& tenantId);

class ResourceGraph {
 public:
  ResourceGraph(const ResourceGraphSettings& settings, const Clock& clock, const std::string& tenantId)
      : settings_(settings), clock_(clock), tenantId_(tenantId) {}

  // True for the query endpoint's path, matched without regard to case.
  static bool isQueryPath(const std::string& path);

  // Runs the query in `request` for `user` (the principal, for the quota) over the
  // ResourceManager's current state.
  Response handle(const Request& request, const std::string& user, const ResourceManager& resources);

  // Flat counters "resourceGraph.<queries|throttled|invalid>".
  std::map<std::string, long long> counters() const { return counters_; }
  void clear();

 private:
  struct QuotaWindow {
    TimePoint start;
    int used = 0;
  };

  // Counts the request against the user's quota; returns the quota headers to send and
  // whether the request may run.
  bool takeQuota(const std::string& user, std::vector<std::pair<std::string, std::string>>& headers);
  Response runQuery(const nlohmann::json& body, const ResourceManager& resources);

  const ResourceGraphSettings& settings_;
  const Clock& clock_;
  const std::string& tenantId_;
  std::map<std::string, QuotaWindow> quota_;  // by user
  std::map<std::string, long long> counters_;
};

}  // namespace kvr::sim
