#pragma once

// Checks of a target template: its shape against the deploymentTemplate schema, and
// what it evaluates to when read back through the template reader.

#include <map>
#include <string>
#include <vector>

#include "discovery/diagnostics.h"
#include "discovery/json.h"
#include "discovery/template_reader.h"

namespace kvr {

// Checks the members the deploymentTemplate schema requires: "$schema", "contentVersion"
// and "resources" at top level, and "type", "apiVersion" and "name" on every resource,
// nested child resources included. Reports E-TARGET-TEMPLATE-STRUCTURE per missing or mistyped
// member, at its JSON pointer in `file`.
Diagnostics checkTemplateStructure(const Json& document, const std::string& file);

// One resource the target template must create.
struct ExpectedResource {
  std::string id;        // the plan's target id
  std::string location;  // the plan's target location; empty when the resource has none
};

// The resources and network rules a target template must produce when deployed as
// `context` describes.
struct TemplateExpectation {
  DeploymentContext context;
  std::vector<ExpectedResource> resources;
  // Target vault id -> the subnet ids its network rules must name, in order.
  std::map<std::string, std::vector<std::string>> networkRuleSubnets;
};

// Reads a written template (with its parameters file, when not empty) through the
// template reader and compares the result with `expected`. Reports every warning or
// error of the reader, every expected resource that is missing or has another location,
// and every network rule that names another subnet, as E-TARGET-TEMPLATE-SELF-CHECK.
Diagnostics verifyTargetTemplate(const std::string& templateFile, const std::string& parametersFile,
                                 const TemplateExpectation& expected);

}  // namespace kvr
