#include "strategies/template_check.h"

#include "discovery/estate.h"
#include "discovery/resource_id.h"

namespace kvr {

namespace {

constexpr const char* kStructureCode = "E-TARGET-TEMPLATE-STRUCTURE";
constexpr const char* kSelfCheckCode = "E-TARGET-TEMPLATE-SELF-CHECK";

void requireMember(const Json& object, const char* member, Json::value_t type, const std::string& pointer,
                   const std::string& file, Diagnostics& diagnostics) {
  auto it = object.find(member);
  if (it == object.end()) {
    diagnostics.error(kStructureCode, std::string("required member \"") + member + "\" is missing", {},
                      {file, pointer, -1});
  } else if (it->type() != type) {
    diagnostics.error(kStructureCode, std::string("member \"") + member + "\" has the wrong type (" +
                                          it->type_name() + ")",
                      {}, {file, pointerAppend(pointer, member), -1});
  }
}

void checkResource(const Json& resource, const std::string& pointer, const std::string& file,
                   Diagnostics& diagnostics) {
  if (!resource.is_object()) {
    diagnostics.error(kStructureCode, "a resource must be a JSON object", {}, {file, pointer, -1});
    return;
  }
  requireMember(resource, "type", Json::value_t::string, pointer, file, diagnostics);
  requireMember(resource, "apiVersion", Json::value_t::string, pointer, file, diagnostics);
  requireMember(resource, "name", Json::value_t::string, pointer, file, diagnostics);
  auto children = resource.find("resources");
  if (children == resource.end()) return;
  if (!children->is_array()) {
    diagnostics.error(kStructureCode, "nested \"resources\" must be an array", {},
                      {file, pointerAppend(pointer, "resources"), -1});
    return;
  }
  for (std::size_t i = 0; i < children->size(); ++i) {
    checkResource((*children)[i], pointerAppend(pointerAppend(pointer, "resources"), i), file, diagnostics);
  }
}

void selfCheckError(Diagnostics& diagnostics, const std::string& file, const std::string& message,
                    const std::string& resourceId = {}) {
  diagnostics.error(kSelfCheckCode, message, resourceId, {file, "", -1});
}

void compareResources(const Estate& estate, const TemplateExpectation& expected, const std::string& file,
                      Diagnostics& diagnostics) {
  for (const auto& resource : expected.resources) {
    const Resource* found = estate.find(normalizeId(resource.id));
    if (!found || found->external) {
      selfCheckError(diagnostics, file, "the template does not create the planned target resource", resource.id);
      continue;
    }
    if (!resource.location.empty() && !iequals(found->location, resource.location)) {
      selfCheckError(diagnostics, file,
                     "the template puts the resource in '" + found->location + "' instead of '" +
                         resource.location + "'",
                     resource.id);
    }
  }
}

std::vector<std::string> networkRuleIds(const Resource& vault) {
  std::vector<std::string> out;
  const Json rules = vault.body.value("properties", Json::object())
                         .value("networkAcls", Json::object())
                         .value("virtualNetworkRules", Json::array());
  for (const auto& rule : rules) {
    if (rule.is_object() && rule.contains("id") && rule["id"].is_string()) out.push_back(rule["id"].get<std::string>());
  }
  return out;
}

void compareNetworkRules(const Estate& estate, const TemplateExpectation& expected, const std::string& file,
                         Diagnostics& diagnostics) {
  for (const auto& [vaultId, subnets] : expected.networkRuleSubnets) {
    const Resource* vault = estate.find(normalizeId(vaultId));
    if (!vault) continue;  // compareResources reports the missing vault
    std::vector<std::string> actual = networkRuleIds(*vault);
    bool same = actual.size() == subnets.size();
    for (std::size_t i = 0; same && i < actual.size(); ++i) same = normalizeId(actual[i]) == normalizeId(subnets[i]);
    if (same) continue;
    std::string list;
    for (const auto& id : actual) list += (list.empty() ? "" : ", ") + id;
    selfCheckError(diagnostics, file,
                   "the vault's network rules name [" + list + "] instead of the planned target subnets", vaultId);
  }
}

}  // namespace

Diagnostics checkTemplateStructure(const Json& document, const std::string& file) {
  Diagnostics diagnostics;
  if (!document.is_object()) {
    diagnostics.error(kStructureCode, "a template must be a JSON object", {}, {file, "", -1});
    return diagnostics;
  }
  requireMember(document, "$schema", Json::value_t::string, "", file, diagnostics);
  requireMember(document, "contentVersion", Json::value_t::string, "", file, diagnostics);
  auto resources = document.find("resources");
  if (resources == document.end()) {
    diagnostics.error(kStructureCode, "required member \"resources\" is missing", {}, {file, "", -1});
  } else if (resources->is_array()) {
    for (std::size_t i = 0; i < resources->size(); ++i) {
      checkResource((*resources)[i], pointerAppend("/resources", i), file, diagnostics);
    }
  } else if (resources->is_object()) {
    // Templates with languageVersion 2.0 key their resources by symbolic name.
    for (auto it = resources->begin(); it != resources->end(); ++it) {
      checkResource(*it, pointerAppend("/resources", it.key()), file, diagnostics);
    }
  } else {
    diagnostics.error(kStructureCode, "member \"resources\" must be an array or an object", {},
                      {file, "/resources", -1});
  }
  return diagnostics;
}

Diagnostics verifyTargetTemplate(const std::string& templateFile, const std::string& parametersFile,
                                 const TemplateExpectation& expected) {
  Diagnostics diagnostics;
  LoadOptions options;
  options.files = {templateFile};
  options.parametersFile = parametersFile;
  options.context = expected.context;
  Estate estate = loadEstate(options);
  for (const auto& finding : estate.diagnostics.all()) {
    if (finding.severity == Severity::Info) continue;
    selfCheckError(diagnostics, templateFile,
                   "reading the written template reports " + finding.code + " at " + finding.location.str() + ": " +
                       finding.message,
                   finding.resourceId);
  }
  try {
    Diagnostics structure = checkTemplateStructure(readJsonFile(templateFile), templateFile);
    for (const auto& finding : structure.all()) diagnostics.add(finding);
  } catch (const InputError& e) {
    selfCheckError(diagnostics, templateFile, "the written template cannot be read: " + e.message());
  }
  compareResources(estate, expected, templateFile, diagnostics);
  compareNetworkRules(estate, expected, templateFile, diagnostics);
  return diagnostics;
}

}  // namespace kvr
