#pragma once

// Loads every input file into one estate and links them: ids that name a resource in
// another file join the two, ids that name nothing loaded become external nodes, and
// the reference catalog turns property values into typed references.

#include <string>
#include <vector>

#include "discovery/model.h"
#include "discovery/template_reader.h"

namespace kvr {

struct LoadOptions {
  std::vector<std::string> files;
  std::string parametersFile;   // a deploymentParameters file for the templates
  DeploymentContext context;    // overrides what is inferred from the templates
};

// Reads all files. Unreadable files and every problem inside them are reported in
// estate.diagnostics; loading goes on with the rest.
Estate loadEstate(const LoadOptions& options);

// Links an estate that readers filled: subnets merged into their networks, parents and
// children, catalog references, principals, external placeholders; then normalizes.
void linkEstate(Estate& estate);

}  // namespace kvr
