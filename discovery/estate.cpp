#include "discovery/estate.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "discovery/expression/expression.h"
#include "discovery/inventory_reader.h"
#include "discovery/reference_catalog.h"
#include "discovery/resource_id.h"

namespace kvr {

namespace {

constexpr const char* kUnknownSubscription = "00000000-0000-0000-0000-000000000000";
constexpr const char* kUnknownResourceGroup = "rg-unknown";

struct LoadedFile {
  std::string path;
  Json document;
  DocumentKind kind = DocumentKind::Unknown;
  DeploymentContext inferred;
};

std::string stringMember(const Json& object, const char* name) {
  if (!object.is_object()) return {};
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The (type, name) pairs a template defines at top level with literal or parameter-default
// names: enough to recognise the template's resources in another file's ids.
std::vector<std::pair<std::string, std::string>> definedTypeNames(const Json& document) {
  std::vector<std::pair<std::string, std::string>> out;
  auto resources = document.find("resources");
  if (resources == document.end() || !resources->is_array()) return out;
  const Json parameters = document.value("parameters", Json::object());
  for (const auto& resource : *resources) {
    std::string type = stringMember(resource, "type");
    std::string name = stringMember(resource, "name");
    if (type.empty() || name.empty()) continue;
    auto open = name.find("parameters('");
    if (open != std::string::npos) {
      auto close = name.find("')", open);
      std::string parameter = name.substr(open + 12, close - open - 12);
      for (auto it = parameters.begin(); it != parameters.end(); ++it) {
        if (iequals(it.key(), parameter) && it->is_object()) name = stringMember(*it, "defaultValue");
      }
    }
    if (!name.empty() && !expr::isExpression(name)) out.emplace_back(toLower(type), toLower(name));
  }
  return out;
}

void collectIds(const Json& node, std::vector<ResourceId>& out) {
  if (node.is_string()) {
    const auto& text = node.get_ref<const std::string&>();
    if (looksLikeResourceId(text)) {
      if (auto id = parseResourceId(text)) out.push_back(*id);
    }
  } else if (node.is_structured()) {
    for (const auto& child : node) collectIds(child, out);
  }
}

// Fills a template's unknown resource group from another file's ids that name one of its
// resources: the hub's DNS zone file learns its group from the network file's reference.
void inferAcrossFiles(std::vector<LoadedFile>& files) {
  std::vector<ResourceId> allIds;
  for (const auto& file : files) collectIds(file.document, allIds);
  for (auto& file : files) {
    if (file.kind != DocumentKind::Template || !file.inferred.resourceGroup.empty()) continue;
    for (const auto& [type, name] : definedTypeNames(file.document)) {
      for (const auto& id : allIds) {
        if (iequals(id.type, type) && iequals(id.name, name) && !id.resourceGroup.empty()) {
          file.inferred.resourceGroup = id.resourceGroup;
          if (file.inferred.subscriptionId.empty()) file.inferred.subscriptionId = id.subscription;
          break;
        }
      }
      if (!file.inferred.resourceGroup.empty()) break;
    }
  }
}

DeploymentContext contextFor(const LoadedFile& file, const LoadOptions& options, const std::string& fallbackSubscription,
                             Diagnostics& diagnostics) {
  DeploymentContext context = options.context;
  std::vector<std::string> assumed;
  if (context.subscriptionId.empty()) {
    context.subscriptionId = file.inferred.subscriptionId.empty() ? fallbackSubscription : file.inferred.subscriptionId;
    if (file.inferred.subscriptionId.empty()) assumed.push_back("subscription " + context.subscriptionId);
  }
  if (context.resourceGroup.empty()) {
    context.resourceGroup = file.inferred.resourceGroup.empty() ? kUnknownResourceGroup : file.inferred.resourceGroup;
    if (file.inferred.resourceGroup.empty()) assumed.push_back("resource group " + context.resourceGroup);
  }
  if (context.location.empty()) context.location = file.inferred.location;
  if (context.tenantId.empty()) context.tenantId = "00000000-0000-0000-0000-000000000000";
  if (!assumed.empty()) {
    std::string list;
    for (const auto& item : assumed) list += (list.empty() ? "" : " and ") + item;
    diagnostics.info("I-DEPLOYMENT-CONTEXT-ASSUMED",
                     "the template's ids name no " + std::string(file.inferred.resourceGroup.empty() ? "resource group" : "subscription") +
                         "; " + list + " is assumed (set --subscription and --resource-group to override)",
                     {}, {file.path, "", -1});
  }
  return context;
}

void applyTemplateHints(const Json& document, RelocationRequest& request) {
  auto metadata = document.value("metadata", Json::object());
  if (!metadata.is_object()) return;
  auto hints = metadata.value("kvreloc", Json::object());
  if (!hints.is_object()) return;
  if (request.sourceLocation.empty()) request.sourceLocation = toLower(stringMember(hints, "sourceLocation"));
  if (request.targetLocation.empty()) request.targetLocation = toLower(stringMember(hints, "targetLocation"));
  for (auto it = hints.begin(); it != hints.end(); ++it) {
    if (it.key() == "vaultNameMap" && it->is_object()) {
      for (auto entry = it->begin(); entry != it->end(); ++entry) {
        if (entry->is_string()) request.vaultNameMap.emplace(toLower(entry.key()), entry->get<std::string>());
      }
    } else if (it.key() != "case" && it.key() != "note" && it.key() != "sourceLocation" &&
               it.key() != "targetLocation" && !request.options.contains(it.key())) {
      request.options[it.key()] = *it;
    }
  }
}

}  // namespace

Estate loadEstate(const LoadOptions& options) {
  Estate estate;
  std::vector<LoadedFile> files;
  for (const auto& path : options.files) {
    estate.files.push_back(path);
    try {
      LoadedFile file{path, readJsonFile(path), DocumentKind::Unknown, {}};
      file.kind = classifyDocument(file.document);
      if (file.kind == DocumentKind::Unknown) {
        estate.diagnostics.error("E-INPUT-UNKNOWN",
                                 "not an ARM template, parameters file or inventory (no \"resources\" or \"$schema\")",
                                 {}, {path, "", -1});
        continue;
      }
      if (file.kind == DocumentKind::Template) file.inferred = inferDeploymentContext(file.document);
      files.push_back(std::move(file));
    } catch (const InputError& e) {
      estate.diagnostics.error("E-INPUT-INVALID", e.message(), {}, e.location());
    }
  }

  std::optional<Json> parameterValues;
  if (!options.parametersFile.empty()) {
    try {
      Json parameters = readJsonFile(options.parametersFile);
      if (classifyDocument(parameters) != DocumentKind::Parameters || !parameters.contains("parameters")) {
        estate.diagnostics.error("E-PARAMETERS-INVALID", "not a deploymentParameters file (no \"parameters\" object)",
                                 {}, {options.parametersFile, "", -1});
      } else {
        parameterValues = parameters["parameters"];
      }
    } catch (const InputError& e) {
      estate.diagnostics.error("E-INPUT-INVALID", e.message(), {}, e.location());
    }
  }

  inferAcrossFiles(files);
  std::map<std::string, long> subscriptions;
  for (const auto& file : files) {
    if (!file.inferred.subscriptionId.empty()) subscriptions[file.inferred.subscriptionId] += 1;
  }
  std::string fallbackSubscription = kUnknownSubscription;
  long best = 0;
  for (const auto& [subscription, count] : subscriptions) {
    if (count > best) {
      fallbackSubscription = subscription;
      best = count;
    }
  }

  for (const auto& file : files) {
    switch (file.kind) {
      case DocumentKind::Template: {
        TemplateInput input{file.path, file.document, parameterValues, options.parametersFile,
                            contextFor(file, options, fallbackSubscription, estate.diagnostics)};
        applyTemplateHints(file.document, estate.relocation);
        readTemplate(input, estate);
        break;
      }
      case DocumentKind::Parameters:
        readParametersFile(file.path, file.document, estate);
        break;
      case DocumentKind::Inventory:
        readInventory(file.path, file.document, estate);
        break;
      case DocumentKind::Unknown:
        break;
    }
  }
  linkEstate(estate);
  return estate;
}

}  // namespace kvr
