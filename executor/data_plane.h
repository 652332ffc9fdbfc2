#pragma once

// The actions that move Key Vault objects: secrets, keys and certificates with their
// versions and attributes, and key rotation policies.

#include "executor/step.h"

#include <memory>

namespace kvr::executor {

// The action for a data-plane node (copy-secret, backup-restore, export-import-pfx,
// reissue-certificate, regenerate-key, and reconfigure of a rotation policy); nullptr for
// any other node.
std::unique_ptr<Action> makeDataPlaneAction(const PlanNode& node);

}  // namespace kvr::executor
