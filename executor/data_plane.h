#pragma once

// The actions that move Key Vault objects: secrets, keys and certificates with their
// versions and attributes, and key rotation policies.

#include "azure/clock.h"
#include "executor/step.h"

#include <memory>

namespace kvr::executor {

struct DataPlaneOptions {
  // Waits between polls of a certificate being created in the target.
  azure::Timer* timer = nullptr;  // not owned; null uses the system timer
  azure::Milliseconds certificatePollInterval{2'000};
  int certificatePollLimit = 150;
};

// The action for a data-plane node (copy-secret, backup-restore, export-import-pfx,
// reissue-certificate, regenerate-key, and reconfigure of a rotation policy); nullptr for
// any other node.
std::unique_ptr<Action> makeDataPlaneAction(const PlanNode& node, const DataPlaneOptions& options = {});

}  // namespace kvr::executor
