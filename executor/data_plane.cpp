#include "executor/data_plane.h"

namespace kvr::executor {

// TODO: the data-plane actions are not built yet; until they are, apply has no action for
// secrets, keys and certificates and stops at the first such step.
std::unique_ptr<Action> makeDataPlaneAction(const PlanNode&) { return nullptr; }

}  // namespace kvr::executor
