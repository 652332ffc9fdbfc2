#pragma once

#include <string>

namespace kvr::executor {

// The Resource Manager api-version apply uses for a resource type (case-insensitive).
// Types without an entry use the Microsoft.Resources version, which generic resource
// requests accept.
std::string apiVersionFor(const std::string& type);

}  // namespace kvr::executor
