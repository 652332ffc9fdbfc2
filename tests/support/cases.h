#pragma once

// Paths to the shared case files and small helpers to plan them.

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "discovery/estate.h"
#include "strategies/planner.h"

namespace kvr::testing {

inline std::string casesDir() {
  const char* fromEnvironment = std::getenv("KVR_CASES_DIR");
  return fromEnvironment ? fromEnvironment : KVR_CASES_DIR;
}

inline std::string templatePath(const std::string& name) { return casesDir() + "/templates/" + name; }
inline std::string failurePath(const std::string& name) { return casesDir() + "/failures/" + name; }
inline std::string examplePath(const std::string& name) {
  return std::string(KVR_SOURCE_DIR) + "/examples/contoso-payments/" + name;
}

inline Estate loadFiles(const std::vector<std::string>& files) {
  LoadOptions options;
  options.files = files;
  return loadEstate(options);
}

inline Plan planFiles(const std::vector<std::string>& files, PlanOptions options = {}) {
  Estate estate = loadFiles(files);
  return makePlan(estate, options);
}

// The node named exactly `nameSuffix`, else the first whose name ends with "/" + it.
inline const PlanNode* findNode(const Plan& plan, const std::string& nameSuffix) {
  for (const auto& node : plan.nodes) {
    if (node.name == nameSuffix) return &node;
  }
  for (const auto& node : plan.nodes) {
    if (node.name.size() >= nameSuffix.size() &&
        node.name.compare(node.name.size() - nameSuffix.size(), nameSuffix.size(), nameSuffix) == 0 &&
        (node.name.size() == nameSuffix.size() || node.name[node.name.size() - nameSuffix.size() - 1] == '/')) {
      return &node;
    }
  }
  return nullptr;
}

inline std::size_t countCode(const Plan& plan, const std::string& code) { return plan.diagnostics.count(code); }

inline std::vector<std::string> messagesFor(const Plan& plan, const std::string& code) {
  std::vector<std::string> out;
  for (const auto& d : plan.diagnostics.all()) {
    if (d.code == code) out.push_back(d.message);
  }
  return out;
}

}  // namespace kvr::testing
