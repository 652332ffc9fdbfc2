#pragma once

// Text meant to be read in a terminal (the progress lines of apply, the text reports and
// the verify table): short names of resources and plan steps, and wrapping. JSON outputs
// keep the full ids.

#include <cstddef>
#include <string>
#include <vector>

#include "strategies/plan.h"

namespace kvr::viz {

// Counts the terminal columns of a UTF-8 string as its code points.
// NOTE: wide (East Asian) and combining characters count as one column, so they misalign.
std::size_t displayWidth(const std::string& text);

// Wraps `text` at white space into lines of at most `width` columns (at least one line).
// A word longer than `width` is broken after a '/', '-', '_' or '.', or else at the width.
std::vector<std::string> wrapText(const std::string& text, std::size_t width);

// Returns "name (type)" for a resource id, with the type less its provider namespace, the
// parent of an extension resource ("on kv-app") and " in GROUP" when the resource group
// differs from `contextGroup` (compared case-insensitively). Returns `id` unchanged when
// it is not a resource id.
std::string readableResource(const std::string& id, const std::string& contextGroup = "");

// Returns the id's path below the resource group, less the provider namespace, such as
// "virtualNetworks/vnet-app/subnets/snet-pe". Unique within one resource group; returns
// `id` unchanged when it is not a resource id.
std::string resourcePath(const std::string& id);

// Returns a label for a plan step: readableResource() of its resource, with the casing of
// the inputs, or for an added access grant "access for GRANTEE on VAULT".
std::string stepLabel(const PlanNode& node, const std::string& contextGroup = "");

}  // namespace kvr::viz
