#pragma once

// The Resource Manager actions of `apply`, one per strategy: redeploy, redeploy-with-data
// (the vault), reuse, reconfigure (access grants, role assignments, diagnostic settings),
// repoint and external. Each reads the source live, writes only targets and re-pointed
// consumers (SourceWriteGuard enforces that), and can run again after a crash at any
// point: every write is a PUT or PATCH of a fixed id with the same body.

#include "azure/clock.h"
#include "executor/source_guard.h"
#include "executor/step.h"

#include <map>
#include <memory>
#include <string>

namespace kvr::executor {

struct ResourceActionSettings {
  // How long the new vault's data plane may stay unreachable (its DNS name propagating)
  // before the vault step fails.
  azure::Milliseconds dataPlaneWait{600'000};
  azure::Milliseconds dataPlanePoll{10'000};
  // How long a new grant may take to appear when read back from Resource Manager.
  azure::Milliseconds grantListedWait{120'000};
  azure::Milliseconds grantListedPoll{5'000};
};

// What the resource actions share besides the StepContext.
struct ResourceActionEnvironment {
  SourceWriteGuard& guard;
  azure::Timer& timer;
  // Old id -> new id for external resources, as the operator passed them with --map.
  std::map<std::string, std::string> operatorMappings;  // keys in lower case
  ResourceActionSettings settings;
};

// The action for a node whose strategy acts on Resource Manager; nullptr for data-plane
// strategies and for nodes that are not steps (drop, out-of-scope).
std::unique_ptr<Action> makeResourceAction(const PlanNode& node, ResourceActionEnvironment& environment);

// The resource group ids the targets of `plan` live in, sorted.
std::vector<std::string> targetResourceGroups(const Plan& plan);

}  // namespace kvr::executor
