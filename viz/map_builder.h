#pragma once

// Turns a plan into the map the renderers draw: one box per resource, coloured by its
// strategy and grouped by resource group, and one line per plan edge.

#include <string>
#include <string_view>

#include "strategies/plan.h"
#include "viz/map_model.h"

namespace kvr::viz {

// Cluster of an external node whose resource group the inputs do not name.
inline constexpr const char* kExternalCluster = "external";

// Returns the type without its provider namespace: "vaults/secrets" for
// "Microsoft.KeyVault/vaults/secrets". A type without a namespace is returned unchanged.
std::string shortTypeName(std::string_view type);

// Builds the map of a plan. Every node with a resource id is drawn, out-of-scope nodes
// included, while steps the planner added (empty id) are drawn as part of the resource
// they belong to. Nodes are sorted by key and edges by (from, to, kind, evidence).
MapModel buildMapModel(const Plan& plan);

}  // namespace kvr::viz
