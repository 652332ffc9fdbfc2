#pragma once

// The relocation plan: a strategy and reason for every resource, the ordered steps and
// the waves that may run in parallel, manual steps, warnings and blockers. `plan` writes
// it as JSON ("kind": "kvrelocate.plan"); `apply` reads it back.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "discovery/diagnostics.h"
#include "discovery/json.h"
#include "discovery/model.h"

namespace kvr {

inline constexpr const char* kPlanKind = "kvrelocate.plan";
inline constexpr const char* kPlanVersion = "1.0";

enum class Strategy {
  Redeploy,
  RedeployWithData,
  CopySecret,
  BackupRestore,
  ExportImportPfx,
  ReissueCertificate,
  RegenerateKey,
  Reconfigure,
  Repoint,
  Reuse,
  External,
  Drop,
  OutOfScope,
};

const char* strategyName(Strategy strategy);
std::optional<Strategy> parseStrategy(const std::string& name);

// One node of the plan: a resource of the estate, or a step the plan adds (an access
// grant for a principal that will change, for example).
struct PlanNode {
  std::string key;            // the resource key, or "<resource key>#<step>" for added steps
  std::string id;             // source resource id (empty for added steps)
  std::string type;
  std::string name;
  std::string resourceGroup;
  std::string location;
  bool external = false;      // not defined by the inputs
  Strategy strategy = Strategy::OutOfScope;
  std::string reason;         // one line a reviewer can check
  std::string rule;           // the rule that chose the strategy, for --explain
  std::string targetId;       // the id it will have in the target, when known
  std::string targetName;
  std::string targetLocation;
  Json parameters = Json::object();      // strategy parameters (versions policy, subnets, ...)
  std::vector<std::string> manualSteps;
  std::string foldedInto;     // key of the step that creates this node (a subnet's VNet)
  // Filled by ordering: position in the steps (1-based; 0 when not a step) and wave.
  std::size_t order = 0;
  std::size_t wave = 0;
  std::vector<std::string> after;  // "<key> (<edge kind>: <evidence>)" lines, for --explain
};

struct PlanStep {
  std::size_t order = 0;
  std::size_t wave = 0;
  std::string node;                 // PlanNode::key
  std::vector<std::size_t> dependsOn;  // orders of the steps this one waits for
};

struct PlanEdge {
  std::string from;
  std::string to;
  std::string kind;
  std::string evidence;
};

struct VaultRelocation {
  std::string sourceId;
  std::string sourceName;
  std::string targetId;
  std::string targetName;
  std::string nameReason;  // how the target name was chosen
};

struct PlanEndpoint {
  std::string subscriptionId;
  std::string resourceGroup;
  std::string location;
  std::string geography;
};

struct Plan {
  PlanEndpoint source;
  PlanEndpoint target;
  std::vector<VaultRelocation> vaults;
  std::vector<PlanNode> nodes;  // sorted by key
  std::vector<PlanEdge> edges;  // between in-scope nodes, sorted
  std::vector<PlanStep> steps;  // in execution order
  std::size_t waveCount = 0;
  std::vector<std::string> manualSteps;  // all manual steps, in step order
  Diagnostics diagnostics;      // warnings, infos and blockers (errors)
  std::vector<std::string> rulesRun;     // the feasibility rules that ran, in order
  std::vector<std::string> inputs;       // the files the plan was made from
  Json options = Json::object();         // the options that shaped the plan
  struct Estimate {
    double criticalPathSeconds = 0;  // lower bound from the longest chain of steps
    double dataPlaneSeconds = 0;     // lower bound from the target vault's write budget
    double totalSeconds = 0;
    std::vector<std::string> criticalPath;  // node keys
  } estimate;

  const PlanNode* node(const std::string& key) const;
  bool hasBlockers() const { return diagnostics.hasErrors(); }
};

}  // namespace kvr
