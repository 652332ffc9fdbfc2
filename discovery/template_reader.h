#pragma once

// Reads ARM deployment templates (resource-group and subscription scope, nested inline
// deployments, copy loops, nested and top-level child resources, extension resources)
// into an Estate. Every expression is evaluated; what cannot be known before deployment
// stays as its expression text. Every problem is reported with file and JSON pointer.

#include <optional>
#include <string>

#include "discovery/json.h"
#include "discovery/model.h"

namespace kvr {

// The deployment a template is read as. Empty fields are inferred from the template's
// own hard-coded ids and locations, and the inference is reported.
struct DeploymentContext {
  std::string subscriptionId;
  std::string resourceGroup;
  std::string location;  // resourceGroup().location
  std::string tenantId;
};

struct TemplateInput {
  std::string file;
  Json document;
  // The "parameters" object of a deploymentParameters file, and its path, when given.
  std::optional<Json> parameterValues;
  std::string parametersFile;
  DeploymentContext context;
};

// What kind of ARM JSON document this is, from its $schema and shape.
enum class DocumentKind { Template, Parameters, Inventory, Unknown };
DocumentKind classifyDocument(const Json& document);

// Reads one template into `estate`: resources, declared dependencies, references made
// through reference() and list*(), and diagnostics.
void readTemplate(const TemplateInput& input, Estate& estate);

// Reads a deploymentParameters file given as an estate input: its Key Vault references
// (`reference.keyVault.id`) become secret references from a node for the file.
void readParametersFile(const std::string& file, const Json& document, Estate& estate);

// Guesses the deployment context of an exported template from its literal ids: the
// subscription and resource group that most ids use, and the most common location.
DeploymentContext inferDeploymentContext(const Json& document);

}  // namespace kvr
