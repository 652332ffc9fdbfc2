#include "discovery/template_reader.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "discovery/expression/expression.h"
#include "discovery/resource_id.h"

namespace kvr {

namespace {

constexpr std::size_t kMaxCopyCount = 800;  // ARM's limit on copy loop iterations
constexpr int kMaxNestingDepth = 16;        // nested deployments followed at most this deep

bool schemaContains(const Json& document, std::string_view needle) {
  if (!document.is_object()) return false;
  auto it = document.find("$schema");
  if (it == document.end() || !it->is_string()) return false;
  return toLower(it->get<std::string>()).find(needle) != std::string::npos;
}

Json memberOr(const Json& object, const char* name, Json fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(name);
  return it == object.end() ? fallback : *it;
}

std::string stringMember(const Json& object, const char* name) {
  if (!object.is_object()) return {};
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool isSecureType(const Json& definition) {
  auto type = toLower(stringMember(definition, "type"));
  return type == "securestring" || type == "secureobject";
}

// The expression scope of one template: its parameters and variables, the copy loops
// being expanded, and the deployment's context objects.
class TemplateScope : public expr::Scope {
 public:
  TemplateScope(std::string file, const Json& templateJson, std::string templatePointer, DeploymentContext context,
                Diagnostics& diagnostics)
      : file_(std::move(file)),
        template_(templateJson),
        pointer_(std::move(templatePointer)),
        context_(std::move(context)),
        diagnostics_(diagnostics) {}

  // Values given for parameters, already evaluated (from a parameters file or an outer
  // deployment). A secure parameter's value is never kept: it stays symbolic.
  void setParameterValue(const std::string& name, expr::Value value) { given_[toLower(name)] = std::move(value); }

  std::optional<expr::Value> parameter(const std::string& name) override {
    const Json* definition = findMember(template_, "parameters", name);
    std::string key = toLower(name);
    if (definition && isSecureType(*definition)) return expr::Value::symbol("[parameters('" + name + "')]");
    if (auto it = given_.find(key); it != given_.end()) return it->second;
    if (!definition) return std::nullopt;
    if (auto it = defaults_.find(key); it != defaults_.end()) return it->second;
    auto found = definition->find("defaultValue");
    if (found == definition->end()) {
      // No value anywhere, so a deployment would prompt for one. The parameter's name is
      // used instead, so that names and ids stay readable in the plan.
      diagnostics_.warning("W-PARAMETER-NO-VALUE",
                           "parameter '" + name + "' has no value and no default; its name is used in its place "
                           "(pass --parameters FILE to give a value)",
                           {}, {file_, pointerAppend(pointerAppend(pointer_, "parameters"), name), -1});
      expr::Value value = expr::Value::of(Json(name));
      defaults_[key] = value;
      return value;
    }
    std::string where = pointerAppend(pointerAppend(pointerAppend(pointer_, "parameters"), name), "defaultValue");
    expr::Value value = evaluateTree(*found, where);
    defaults_[key] = value;
    return value;
  }

  std::optional<expr::Value> variable(const std::string& name) override {
    std::string key = toLower(name);
    if (auto it = variables_.find(key); it != variables_.end()) return it->second;
    const Json* definition = findMember(template_, "variables", name);
    std::string where = pointerAppend(pointerAppend(pointer_, "variables"), name);
    if (!definition) {
      const Json* copied = findVariableCopy(name, where);
      if (!copied) return std::nullopt;
      definition = copied;
    }
    if (evaluating_.count(key)) {
      throw expr::EvalError(0, "variable '" + name + "' refers to itself");
    }
    evaluating_.insert(key);
    variableStack_.push_back(name);
    expr::Value value;
    try {
      value = isVariableCopy(*definition) ? expandCopyArray(*definition, where) : evaluateTree(*definition, where);
    } catch (...) {
      evaluating_.erase(key);
      variableStack_.pop_back();
      throw;
    }
    evaluating_.erase(key);
    variableStack_.pop_back();
    variables_[key] = value;
    return value;
  }

  std::optional<long long> copyIndex(const std::optional<std::string>& loopName) override {
    for (auto it = loops_.rbegin(); it != loops_.rend(); ++it) {
      if (!loopName || iequals(it->first, *loopName)) return it->second;
    }
    return std::nullopt;
  }

  Json resourceGroup() override {
    Json rg = Json::object();
    rg["id"] = "/subscriptions/" + context_.subscriptionId + "/resourceGroups/" + context_.resourceGroup;
    rg["name"] = context_.resourceGroup;
    rg["type"] = "Microsoft.Resources/resourceGroups";
    rg["location"] = context_.location;
    rg["properties"] = Json{{"provisioningState", "Succeeded"}};
    return rg;
  }

  Json subscription() override {
    Json sub = Json::object();
    sub["id"] = "/subscriptions/" + context_.subscriptionId;
    sub["subscriptionId"] = context_.subscriptionId;
    sub["tenantId"] = context_.tenantId;
    sub["displayName"] = context_.subscriptionId;
    return sub;
  }

  Json tenant() override {
    Json t = Json::object();
    t["tenantId"] = context_.tenantId;
    t["id"] = "/tenants/" + context_.tenantId;
    return t;
  }

  Json deployment() override {
    Json d = Json::object();
    d["name"] = "kvrelocate";
    d["properties"] = Json{{"template", Json{{"contentVersion", stringMember(template_, "contentVersion")}}}};
    return d;
  }

  Json environment() override {
    Json env = Json::object();
    env["name"] = "AzureCloud";
    env["resourceManager"] = "https://management.azure.com/";
    env["authentication"] = Json{{"loginEndpoint", "https://login.microsoftonline.com/"}};
    env["suffixes"] = Json{{"keyvaultDns", ".vault.azure.net"},
                           {"storage", "core.windows.net"},
                           {"sqlServerHostname", ".database.windows.net"},
                           {"acrLoginServer", ".azurecr.io"}};
    return env;
  }

  void onResourceReference(const std::string& idOrName, const std::string& function) override {
    referenced_.push_back({idOrName, function, currentPointer_});
  }

  void onWarning(std::size_t position, const std::string& message) override {
    diagnostics_.warning("W-EXPRESSION-UNSUPPORTED", message, {},
                         {file_, currentPointer_, static_cast<int>(position)});
  }

  // Evaluates every expression in a JSON tree. Errors are reported at the string's
  // pointer and the failing string is kept as written, so reading goes on.
  expr::Value evaluateTree(const Json& node, const std::string& pointer) {
    bool symbolic = false;
    Json out = evaluateNode(node, pointer, symbolic);
    return expr::Value{std::move(out), symbolic && !out.is_object() && !out.is_array()};
  }

  Json evaluateJson(const Json& node, const std::string& pointer) {
    bool symbolic = false;
    return evaluateNode(node, pointer, symbolic);
  }

  // Evaluates one string; reports an error and returns nullopt when it fails.
  std::optional<expr::Value> evaluateText(const std::string& text, const std::string& pointer) {
    std::string saved = currentPointer_;
    currentPointer_ = pointer;
    std::optional<expr::Value> result;
    try {
      result = expr::evaluateString(text, *this);
    } catch (const expr::ParseError& e) {
      diagnostics_.error("E-EXPRESSION-SYNTAX", inVariable(e.what()), {}, {file_, pointer, static_cast<int>(e.position())});
    } catch (const expr::EvalError& e) {
      diagnostics_.error("E-EXPRESSION-EVALUATION", inVariable(e.what()), {},
                         {file_, pointer, static_cast<int>(e.position())});
    }
    currentPointer_ = saved;
    return result;
  }

  // Names the variable being evaluated in an error message, and marks it (and the
  // variables that use it) as failed.
  std::string inVariable(const std::string& message) {
    if (variableStack_.empty()) return message;
    for (const auto& name : variableStack_) failedVariables_.insert(toLower(name));
    return "variable '" + variableStack_.back() + "': " + message;
  }

  bool variableFailed(const std::string& name) const { return failedVariables_.count(toLower(name)) > 0; }

  void pushLoop(const std::string& name, long long index) { loops_.emplace_back(name, index); }
  void popLoop() { loops_.pop_back(); }

  struct ReferenceMention {
    std::string target;
    std::string function;
    std::string pointer;
  };
  std::vector<ReferenceMention> takeReferences() { return std::exchange(referenced_, {}); }

  const DeploymentContext& context() const { return context_; }
  const std::string& file() const { return file_; }
  Diagnostics& diagnostics() { return diagnostics_; }

 private:
  static const Json* findMember(const Json& templateJson, const char* section, const std::string& name) {
    auto it = templateJson.find(section);
    if (it == templateJson.end() || !it->is_object()) return nullptr;
    for (auto member = it->begin(); member != it->end(); ++member) {
      if (iequals(member.key(), name)) return &member.value();
    }
    return nullptr;
  }

  static bool isVariableCopy(const Json& node) {
    return node.is_object() && node.contains("name") && node.contains("count") && node.contains("input") &&
           node.size() == 3;
  }

  // "variables": {"copy": [{"name": "x", "count": 3, "input": ...}]} defines variable x.
  const Json* findVariableCopy(const std::string& name, std::string& where) {
    const Json* copies = findMember(template_, "variables", "copy");
    if (!copies || !copies->is_array()) return nullptr;
    for (std::size_t i = 0; i < copies->size(); ++i) {
      const Json& entry = (*copies)[i];
      if (isVariableCopy(entry) && entry["name"].is_string() && iequals(entry["name"].get<std::string>(), name)) {
        where = pointerAppend(pointerAppend(pointerAppend(pointer_, "variables"), "copy"), i);
        return &entry;
      }
    }
    return nullptr;
  }

  expr::Value expandCopyArray(const Json& copy, const std::string& pointer) {
    std::string loopName = copy["name"].is_string() ? copy["name"].get<std::string>() : std::string();
    auto count = evaluateCount(copy["count"], pointerAppend(pointer, "count"));
    Json out = Json::array();
    if (!count) return expr::Value::symbol("[copy('" + loopName + "')]");
    for (long long i = 0; i < *count; ++i) {
      pushLoop(loopName, i);
      out.push_back(evaluateJson(copy["input"], pointerAppend(pointer, "input")));
      popLoop();
    }
    return expr::Value::of(std::move(out));
  }

 public:
  // Evaluates a copy count; nullopt (with a diagnostic) when it is unknown or invalid.
  std::optional<long long> evaluateCount(const Json& node, const std::string& pointer) {
    expr::Value value = evaluateTree(node, pointer);
    if (value.symbolic) {
      diagnostics_.warning("W-COPY-COUNT-UNKNOWN",
                           "copy count is not known before deployment; one instance is assumed", {},
                           {file_, pointer, -1});
      return 1;
    }
    if (!value.json.is_number_integer() || value.json.get<long long>() < 0 ||
        value.json.get<long long>() > static_cast<long long>(kMaxCopyCount)) {
      diagnostics_.error("E-COPY-COUNT-INVALID",
                         "copy count must be a whole number from 0 to 800, got " + value.json.dump(), {},
                         {file_, pointer, -1});
      return std::nullopt;
    }
    return value.json.get<long long>();
  }

 private:
  Json evaluateNode(const Json& node, const std::string& pointer, bool& symbolic) {
    if (node.is_string()) {
      auto value = evaluateText(node.get<std::string>(), pointer);
      if (!value) return node;
      symbolic = symbolic || value->symbolic;
      return value->json;
    }
    if (node.is_array()) {
      Json out = Json::array();
      for (std::size_t i = 0; i < node.size(); ++i) out.push_back(evaluateNode(node[i], pointerAppend(pointer, i), symbolic));
      return out;
    }
    if (node.is_object()) return evaluateObject(node, pointer, symbolic);
    return node;
  }

  Json evaluateObject(const Json& node, const std::string& pointer, bool& symbolic) {
    Json out = Json::object();
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string childPointer = pointerAppend(pointer, it.key());
      if (it.key() == "copy" && it->is_array() && isPropertyCopy(*it)) {
        expandPropertyCopies(*it, childPointer, out);
        continue;
      }
      std::string key = it.key();
      if (expr::isExpression(key)) {
        auto evaluated = evaluateText(key, childPointer);
        if (evaluated && evaluated->json.is_string()) key = evaluated->json.get<std::string>();
      }
      out[key] = evaluateNode(*it, childPointer, symbolic);
    }
    return out;
  }

  static bool isPropertyCopy(const Json& copies) {
    return std::all_of(copies.begin(), copies.end(), [](const Json& entry) { return isVariableCopy(entry); });
  }

  void expandPropertyCopies(const Json& copies, const std::string& pointer, Json& out) {
    for (std::size_t i = 0; i < copies.size(); ++i) {
      const Json& entry = copies[i];
      if (!entry["name"].is_string()) continue;
      expr::Value value = expandCopyArray(entry, pointerAppend(pointer, i));
      out[entry["name"].get<std::string>()] = value.json;
    }
  }

  std::string file_;
  const Json& template_;
  std::string pointer_;
  DeploymentContext context_;
  Diagnostics& diagnostics_;
  std::map<std::string, expr::Value> given_;
  std::map<std::string, expr::Value> defaults_;
  std::map<std::string, expr::Value> variables_;
  std::set<std::string> evaluating_;
  std::vector<std::pair<std::string, long long>> loops_;
  std::vector<std::string> variableStack_;
  std::set<std::string> failedVariables_;
  std::vector<ReferenceMention> referenced_;
  std::string currentPointer_;
};

// A dependsOn entry waiting until every resource of the file is known.
struct PendingDependency {
  std::string holderKey;
  std::string entry;
  std::string evidence;
  SourceLocation location;
  std::vector<std::string> inheritedFrom;  // deployment keys whose dependsOn this came from
};

// A parameter whose value is a Key Vault reference: `reference.keyVault.id` plus a
// secret name. The vault must keep serving the secret under that name.
struct KeyVaultParameterRef {
  std::string parameter;
  std::string vaultId;
  std::string secretName;
  std::string file;
  std::string pointer;
  std::vector<std::string> holders;  // the consumers; empty: every resource of the file
};

enum class TemplateScopeLevel { ResourceGroup, Subscription, ManagementGroup, Tenant };

TemplateScopeLevel scopeLevelOf(const Json& templateJson, TemplateScopeLevel fallback) {
  if (schemaContains(templateJson, "subscriptiondeploymenttemplate")) return TemplateScopeLevel::Subscription;
  if (schemaContains(templateJson, "managementgroupdeploymenttemplate")) return TemplateScopeLevel::ManagementGroup;
  if (schemaContains(templateJson, "tenantdeploymenttemplate")) return TemplateScopeLevel::Tenant;
  if (schemaContains(templateJson, "deploymenttemplate")) return TemplateScopeLevel::ResourceGroup;
  return fallback;
}

class Reader {
 public:
  Reader(const TemplateInput& input, Estate& estate) : input_(input), estate_(estate) {}

  void run() {
    const Json& document = input_.document;
    if (!checkShape(document, "")) return;
    TemplateScope scope(input_.file, document, "", input_.context, estate_.diagnostics);
    targets_.push_back(input_.context);
    applyParameterValues(scope, document);
    readTemplateBody(document, "", scope, TemplateScopeLevel::ResourceGroup, 0, {});
    resolveDependencies();
  }

 private:
  bool checkShape(const Json& templateJson, const std::string& pointer) {
    bool ok = true;
    if (!templateJson.is_object()) {
      error("E-TEMPLATE-INVALID", "a template must be a JSON object", pointer);
      return false;
    }
    auto resources = templateJson.find("resources");
    if (resources == templateJson.end()) {
      error("E-TEMPLATE-INVALID", "the template has no \"resources\" member", pointer);
      ok = false;
    } else if (!resources->is_array() && !resources->is_object()) {
      error("E-TEMPLATE-INVALID", "\"resources\" must be an array (or an object of symbolic names)",
            pointerAppend(pointer, "resources"));
      ok = false;
    }
    for (const char* section : {"parameters", "variables", "outputs"}) {
      auto it = templateJson.find(section);
      if (it != templateJson.end() && !it->is_object()) {
        error("E-TEMPLATE-INVALID", std::string("\"") + section + "\" must be an object", pointerAppend(pointer, section));
        ok = false;
      }
    }
    return ok;
  }

  void applyParameterValues(TemplateScope& scope, const Json& document) {
    if (!input_.parameterValues) return;
    const Json& values = *input_.parameterValues;
    auto definitions = memberOr(document, "parameters", Json::object());
    for (auto it = values.begin(); it != values.end(); ++it) {
      std::string where = pointerAppend("/parameters", it.key());
      bool defined = false;
      for (auto d = definitions.begin(); d != definitions.end(); ++d) defined = defined || iequals(d.key(), it.key());
      if (!defined) {
        estate_.diagnostics.warning("W-PARAMETER-UNKNOWN",
                                    "parameter '" + it.key() + "' is not declared by " + input_.file, {},
                                    {input_.parametersFile, where, -1});
        continue;
      }
      if (it->is_object() && it->contains("value")) {
        scope.setParameterValue(it.key(), expr::Value::of((*it)["value"]));
      } else if (it->is_object() && it->contains("reference")) {
        scope.setParameterValue(it.key(), expr::Value::symbol("[parameters('" + it.key() + "')]"));
        recordKeyVaultParameter(it.key(), (*it)["reference"], pointerAppend(where, "reference"));
      } else {
        estate_.diagnostics.error("E-PARAMETER-INVALID",
                                  "a parameter value must be an object with \"value\" or \"reference\"", {},
                                  {input_.parametersFile, where, -1});
      }
    }
  }

  void recordKeyVaultParameter(const std::string& name, const Json& reference, const std::string& pointer) {
    std::string vaultId = stringMember(memberOr(reference, "keyVault", Json::object()), "id");
    if (vaultId.empty()) return;
    keyVaultParameters_.push_back({name, vaultId, stringMember(reference, "secretName"),
                                   input_.parametersFile.empty() ? input_.file : input_.parametersFile, pointer});
  }

  void readTemplateBody(const Json& templateJson, const std::string& pointer, TemplateScope& scope,
                        TemplateScopeLevel fallbackLevel, int depth, const std::vector<std::string>& inheritedDeps) {
    TemplateScopeLevel level = scopeLevelOf(templateJson, fallbackLevel);
    evaluateVariablesAndOutputs(templateJson, pointer, scope);
    const Json& resources = templateJson["resources"];
    std::string resourcesPointer = pointerAppend(pointer, "resources");
    if (resources.is_array()) {
      for (std::size_t i = 0; i < resources.size(); ++i) {
        readResourceWithCopy(resources[i], pointerAppend(resourcesPointer, i), scope, level, nullptr, depth,
                             inheritedDeps);
      }
    } else if (resources.is_object()) {
      for (auto it = resources.begin(); it != resources.end(); ++it) {
        readResourceWithCopy(*it, pointerAppend(resourcesPointer, it.key()), scope, level, nullptr, depth,
                             inheritedDeps);
      }
    }
  }

  // Evaluates every variable and output once, so that an invalid one is reported even
  // when no resource uses it: ARM validates them all.
  void evaluateVariablesAndOutputs(const Json& templateJson, const std::string& pointer, TemplateScope& scope) {
    auto variables = memberOr(templateJson, "variables", Json::object());
    for (auto it = variables.begin(); it != variables.end(); ++it) {
      std::string where = pointerAppend(pointerAppend(pointer, "variables"), it.key());
      if (it.key() == "copy" && it->is_array()) continue;
      try {
        scope.variable(it.key());
      } catch (const expr::EvalError& e) {
        error("E-EXPRESSION-EVALUATION", "variable '" + it.key() + "': " + e.what(), where,
              static_cast<int>(e.position()));
      }
    }
    auto outputs = memberOr(templateJson, "outputs", Json::object());
    for (auto it = outputs.begin(); it != outputs.end(); ++it) {
      std::string where = pointerAppend(pointerAppend(pointer, "outputs"), it.key());
      std::size_t errorsBefore = errorCount();
      Json value = memberOr(*it, "value", Json());
      scope.evaluateTree(value, pointerAppend(where, "value"));
      std::string failed = failedVariableIn(value, scope);
      if (!failed.empty()) {
        error("E-TEMPLATE-INVALID",
              "output '" + it.key() + "' uses variable '" + failed + "', which cannot be evaluated, so ARM rejects "
              "the template", where);
      } else if (errorCount() > errorsBefore) {
        error("E-TEMPLATE-INVALID", "output '" + it.key() + "' cannot be evaluated, so ARM rejects the template",
              where);
      }
    }
    scope.takeReferences();
  }

  // The first variable named in an expression of `value` whose evaluation failed.
  static std::string failedVariableIn(const Json& value, TemplateScope& scope) {
    if (value.is_string() && expr::isExpression(value.get<std::string>())) {
      try {
        for (const auto& name : expr::referencedNames(expr::parse(value.get<std::string>())).variables) {
          if (scope.variableFailed(name)) return name;
        }
      } catch (const expr::ParseError&) {
        return {};
      }
    } else if (value.is_structured()) {
      for (const auto& child : value) {
        auto name = failedVariableIn(child, scope);
        if (!name.empty()) return name;
      }
    }
    return {};
  }

  std::size_t errorCount() const {
    const auto& all = estate_.diagnostics.all();
    return static_cast<std::size_t>(
        std::count_if(all.begin(), all.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; }));
  }

  struct Parent {
    std::string type;
    std::string name;
    std::string key;
  };

  void readResourceWithCopy(const Json& resource, const std::string& pointer, TemplateScope& scope,
                            TemplateScopeLevel level, const Parent* parent, int depth,
                            const std::vector<std::string>& inheritedDeps) {
    if (!resource.is_object()) {
      error("E-TEMPLATE-INVALID", "a resource must be a JSON object", pointer);
      return;
    }
    auto copy = resource.find("copy");
    if (copy == resource.end()) {
      readResource(resource, pointer, scope, level, parent, depth, inheritedDeps);
      return;
    }
    if (!copy->is_object() || !copy->contains("name") || !copy->contains("count")) {
      error("E-TEMPLATE-INVALID", "a resource copy loop needs \"name\" and \"count\"", pointerAppend(pointer, "copy"));
      return;
    }
    std::string loopName = (*copy)["name"].is_string() ? (*copy)["name"].get<std::string>() : std::string();
    auto count = scope.evaluateCount((*copy)["count"], pointerAppend(pointerAppend(pointer, "copy"), "count"));
    if (!count) return;
    std::vector<std::string> members;
    for (long long i = 0; i < *count; ++i) {
      scope.pushLoop(loopName, i);
      auto key = readResource(resource, pointer, scope, level, parent, depth, inheritedDeps);
      if (key) members.push_back(*key);
      scope.popLoop();
    }
    // dependsOn may name the loop itself, meaning every instance of it.
    groups_[toLower(loopName)].insert(groups_[toLower(loopName)].end(), members.begin(), members.end());
  }

  std::optional<std::string> readResource(const Json& resource, const std::string& pointer, TemplateScope& scope,
                                          TemplateScopeLevel level, const Parent* parent, int depth,
                                          const std::vector<std::string>& inheritedDeps) {
    if (auto condition = resource.find("condition"); condition != resource.end()) {
      expr::Value value = scope.evaluateTree(*condition, pointerAppend(pointer, "condition"));
      if (!value.symbolic && value.json.is_boolean() && !value.json.get<bool>()) return std::nullopt;
      if (value.symbolic) {
        estate_.diagnostics.info("I-CONDITION-UNKNOWN",
                                 "the resource's condition is not known before deployment; it is assumed true", {},
                                 {input_.file, pointerAppend(pointer, "condition"), -1});
      }
    }

    auto type = evaluateMember(resource, "type", pointer, scope);
    auto name = evaluateMember(resource, "name", pointer, scope);
    if (type.empty() || name.empty()) {
      if (type.empty() && !resource.contains("type")) error("E-RESOURCE-INVALID", "the resource has no type", pointer);
      if (name.empty() && !resource.contains("name")) error("E-RESOURCE-INVALID", "the resource has no name", pointer);
      return std::nullopt;
    }
    if (parent) qualifyChild(*parent, type, name);

    Resource out;
    out.type = type;
    out.name = name;
    out.apiVersion = stringMember(resource, "apiVersion");
    out.origin = {input_.file, pointer, -1};
    if (!assignId(resource, pointer, scope, level, out)) return std::nullopt;

    if (iequals(type, "Microsoft.Resources/deployments")) {
      readNestedDeployment(resource, pointer, scope, out, depth, inheritedDeps);
      return out.key;
    }

    out.body = evaluateBody(resource, pointer, scope);
    collectHardcodedIds(resource, pointer, out.hardcodedIds);
    out.location = out.body.value("location", std::string());
    out.dataPlane = isDataPlaneType(out.type);
    removeSecretValue(out);
    recordMentions(scope, out.key);
    queueDependencies(resource, pointer, scope, out.key, inheritedDeps);
    if (parent) estate_.addReference({parent->key, out.key, EdgeKind::ParentChild, "nested in parent", out.origin});

    for (const auto& deploymentKey : inheritedDeps) membership_[out.key].push_back(deploymentKey);
    Parent self{out.type, out.name, out.key};
    std::string key = out.key;
    addDefinition(std::move(out));
    readChildren(resource, pointer, scope, level, self, depth, inheritedDeps);
    return key;
  }

  std::string evaluateMember(const Json& resource, const char* member, const std::string& pointer,
                             TemplateScope& scope) {
    auto it = resource.find(member);
    if (it == resource.end() || !it->is_string()) return {};
    auto value = scope.evaluateText(it->get<std::string>(), pointerAppend(pointer, member));
    if (!value) return {};
    if (value->symbolic) {
      estate_.diagnostics.warning("W-VALUE-UNKNOWN",
                                  std::string("the resource's ") + member + " is not known before deployment (" +
                                      value->json.get<std::string>() + "); the resource is left out",
                                  {}, {input_.file, pointerAppend(pointer, member), -1});
      return {};
    }
    if (value->json.is_string()) return value->json.get<std::string>();
    return value->json.dump();
  }

  static void qualifyChild(const Parent& parent, std::string& type, std::string& name) {
    if (type.find('/') == std::string::npos) type = parent.type + "/" + type;
    std::size_t nameSegments = static_cast<std::size_t>(std::count(name.begin(), name.end(), '/')) + 1;
    if (nameSegments < typeDepth(type)) name = parent.name + "/" + name;
  }

  bool assignId(const Json& resource, const std::string& pointer, TemplateScope& scope, TemplateScopeLevel level,
                Resource& out) {
    // Resources land where their deployment targets, whichever scope evaluates expressions.
    const DeploymentContext& context = targets_.back();
    std::size_t nameSegments = static_cast<std::size_t>(std::count(out.name.begin(), out.name.end(), '/')) + 1;
    if (nameSegments != typeDepth(out.type)) {
      error("E-RESOURCE-INVALID",
            "resource name '" + out.name + "' has " + std::to_string(nameSegments) + " segment(s) but type '" +
                out.type + "' needs " + std::to_string(typeDepth(out.type)),
            pointerAppend(pointer, "name"));
      return false;
    }
    std::string scopeText = evaluateMember(resource, "scope", pointer, scope);
    out.subscription = context.subscriptionId;
    if (!scopeText.empty()) {
      out.id = extensionId(scopeText, context, out);
      if (auto parsed = parseResourceId(out.id); parsed && !parsed->scope.empty()) {
        if (auto target = parseResourceId(parsed->scope)) out.resourceGroup = target->resourceGroup;
      }
    } else if (iequals(out.type, "Microsoft.Resources/resourceGroups")) {
      out.id = "/subscriptions/" + context.subscriptionId + "/resourceGroups/" + out.name;
      out.resourceGroup = out.name;
    } else if (level == TemplateScopeLevel::ResourceGroup) {
      out.resourceGroup = context.resourceGroup;
      out.id = makeResourceId(context.subscriptionId, context.resourceGroup, out.type, out.name);
    } else if (level == TemplateScopeLevel::Subscription) {
      out.id = makeResourceId(context.subscriptionId, "", out.type, out.name);
    } else {
      out.subscription.clear();
      out.id = makeResourceId("", "", out.type, out.name);
    }
    out.key = normalizeId(out.id);
    return true;
  }

  // An extension resource's id: its scope (an id, or "Microsoft.KeyVault/vaults/kv"
  // relative to the deployment's resource group) followed by its own provider part.
  static std::string extensionId(const std::string& scopeText, const DeploymentContext& context,
                                 const Resource& resource) {
    std::string scopeId = scopeText;
    if (scopeId.front() != '/') {
      // "Namespace/type/name[/type/name...]": alternate type and name segments.
      std::vector<std::string> parts;
      std::size_t start = 0;
      while (start <= scopeId.size()) {
        auto next = scopeId.find('/', start);
        if (next == std::string::npos) next = scopeId.size();
        parts.push_back(scopeId.substr(start, next - start));
        start = next + 1;
      }
      std::string type = parts[0];
      std::string name;
      for (std::size_t i = 1; i < parts.size(); i += 2) type += "/" + parts[i];
      for (std::size_t i = 2; i < parts.size(); i += 2) name += (name.empty() ? "" : "/") + parts[i];
      scopeId = makeResourceId(context.subscriptionId, context.resourceGroup, type, name);
    }
    while (!scopeId.empty() && scopeId.back() == '/') scopeId.pop_back();
    ResourceId own;
    own.type = resource.type;
    own.name = resource.name;
    own.scope = scopeId;
    return own.str();
  }

  Json evaluateBody(const Json& resource, const std::string& pointer, TemplateScope& scope) {
    Json body = Json::object();
    for (auto it = resource.begin(); it != resource.end(); ++it) {
      const std::string& key = it.key();
      if (key == "resources" || key == "dependsOn" || key == "copy" || key == "condition" || key == "type" ||
          key == "name" || key == "apiVersion" || key == "scope" || key == "comments") {
        continue;
      }
      body[key] = scope.evaluateJson(*it, pointerAppend(pointer, key));
    }
    return body;
  }

  static void collectHardcodedIds(const Json& node, const std::string& pointer, std::vector<std::string>& out) {
    if (node.is_string()) {
      const auto& text = node.get_ref<const std::string&>();
      if (looksLikeResourceId(text) && parseResourceId(text)) out.push_back(pointer);
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) collectHardcodedIds(node[i], pointerAppend(pointer, i), out);
    } else if (node.is_object()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (it.key() == "resources" || it.key() == "dependsOn") continue;
        collectHardcodedIds(*it, pointerAppend(pointer, it.key()), out);
      }
    }
  }

  // Templates may carry a secret's value (usually a secure parameter). It is never kept.
  static void removeSecretValue(Resource& resource) {
    if (!iequals(resource.type, "Microsoft.KeyVault/vaults/secrets")) return;
    auto properties = resource.body.find("properties");
    if (properties == resource.body.end() || !properties->is_object()) return;
    bool had = properties->contains("value");
    properties->erase("value");
    (*properties)["valueInTemplate"] = had;
  }

  void recordMentions(TemplateScope& scope, const std::string& holderKey) {
    for (auto& mention : scope.takeReferences()) {
      mentions_.push_back({holderKey, mention.target, mention.function + "()", {input_.file, mention.pointer, -1}, {}});
    }
  }

  void queueDependencies(const Json& resource, const std::string& pointer, TemplateScope& scope,
                         const std::string& holderKey, const std::vector<std::string>& inheritedDeps) {
    auto dependsOn = resource.find("dependsOn");
    if (dependsOn != resource.end()) {
      if (!dependsOn->is_array()) {
        error("E-TEMPLATE-INVALID", "\"dependsOn\" must be an array", pointerAppend(pointer, "dependsOn"));
      } else {
        for (std::size_t i = 0; i < dependsOn->size(); ++i) {
          std::string where = pointerAppend(pointerAppend(pointer, "dependsOn"), i);
          const Json& entry = (*dependsOn)[i];
          if (!entry.is_string()) {
            error("E-TEMPLATE-INVALID", "a dependsOn entry must be a string", where);
            continue;
          }
          auto value = scope.evaluateText(entry.get<std::string>(), where);
          if (!value || value->symbolic || !value->json.is_string()) continue;
          pending_.push_back({holderKey, value->json.get<std::string>(), "dependsOn[" + std::to_string(i) + "]",
                              {input_.file, where, -1}, {}});
        }
      }
    }
    for (const auto& deploymentKey : inheritedDeps) {
      for (const auto& dependency : deploymentDependencies_[deploymentKey]) {
        PendingDependency inherited = dependency;
        inherited.holderKey = holderKey;
        inherited.inheritedFrom.push_back(deploymentKey);
        pending_.push_back(std::move(inherited));
      }
    }
    scope.takeReferences();
  }

  void readChildren(const Json& resource, const std::string& pointer, TemplateScope& scope, TemplateScopeLevel level,
                    const Parent& self, int depth, const std::vector<std::string>& inheritedDeps) {
    auto children = resource.find("resources");
    if (children == resource.end()) return;
    if (!children->is_array()) {
      error("E-TEMPLATE-INVALID", "nested \"resources\" must be an array", pointerAppend(pointer, "resources"));
      return;
    }
    for (std::size_t i = 0; i < children->size(); ++i) {
      readResourceWithCopy((*children)[i], pointerAppend(pointerAppend(pointer, "resources"), i), scope, level, &self,
                           depth, inheritedDeps);
    }
  }

  void readNestedDeployment(const Json& resource, const std::string& pointer, TemplateScope& outer,
                            const Resource& deployment, int depth, std::vector<std::string> inheritedDeps) {
    std::string propertiesPointer = pointerAppend(pointer, "properties");
    Json properties = memberOr(resource, "properties", Json::object());
    // The deployment's own dependsOn applies to everything it deploys.
    std::size_t before = pending_.size();
    queueDependencies(resource, pointer, outer, deployment.key, inheritedDeps);
    deploymentDependencies_[deployment.key].assign(pending_.begin() + static_cast<long>(before), pending_.end());
    pending_.resize(before);
    inheritedDeps.push_back(deployment.key);
    deploymentNames_[toLower(leafName(deployment.name))] = deployment.key;

    if (properties.contains("templateLink")) {
      estate_.diagnostics.warning("W-LINKED-TEMPLATE-NOT-READ",
                                  "a linked template is not read; pass its file as another input", deployment.id,
                                  {input_.file, pointerAppend(propertiesPointer, "templateLink"), -1});
      addLinkedDeployment(resource, pointer, outer, deployment);
      return;
    }
    auto inner = properties.find("template");
    if (inner == properties.end()) return;
    if (depth >= kMaxNestingDepth) {
      error("E-TEMPLATE-INVALID", "nested deployments are deeper than 16 levels", propertiesPointer);
      return;
    }
    std::string innerPointer = pointerAppend(propertiesPointer, "template");
    if (!checkShape(*inner, innerPointer)) return;

    DeploymentContext context = targets_.back();
    std::string targetGroup = evaluateMember(resource, "resourceGroup", pointer, outer);
    std::string targetSubscription = evaluateMember(resource, "subscriptionId", pointer, outer);
    if (!targetGroup.empty()) context.resourceGroup = targetGroup;
    if (!targetSubscription.empty()) context.subscriptionId = targetSubscription;

    std::string evaluationScope =
        toLower(stringMember(memberOr(properties, "expressionEvaluationOptions", Json::object()), "scope"));
    TemplateScopeLevel level = targetGroup.empty() && scopeLevelOf(*inner, TemplateScopeLevel::ResourceGroup) !=
                                                          TemplateScopeLevel::ResourceGroup
                                   ? scopeLevelOf(*inner, TemplateScopeLevel::ResourceGroup)
                                   : TemplateScopeLevel::ResourceGroup;
    targets_.push_back(context);
    if (evaluationScope == "inner") {
      TemplateScope innerScope(input_.file, *inner, innerPointer, context, estate_.diagnostics);
      passParameters(properties, propertiesPointer, outer, innerScope);
      readTemplateBody(*inner, innerPointer, innerScope, level, depth + 1, inheritedDeps);
    } else {
      // Outer scope: the inner template's expressions see the outer parameters, variables
      // and resourceGroup(), as ARM evaluates them.
      readTemplateBody(*inner, innerPointer, outer, level, depth + 1, inheritedDeps);
    }
    targets_.pop_back();
  }

  // A linked deployment cannot be expanded, so it becomes one node: the consumer of the
  // Key Vault references it passes to its template.
  void addLinkedDeployment(const Json& resource, const std::string& pointer, TemplateScope& outer,
                           const Resource& deployment) {
    Resource node = deployment;
    Json properties = memberOr(resource, "properties", Json::object());
    properties.erase("template");
    node.body = Json::object();
    node.body["properties"] = outer.evaluateJson(properties, pointerAppend(pointer, "properties"));
    outer.takeReferences();
    std::size_t before = keyVaultParameters_.size();
    auto parameters = memberOr(properties, "parameters", Json::object());
    for (auto it = parameters.begin(); it != parameters.end(); ++it) {
      if (it->is_object() && it->contains("reference")) {
        recordKeyVaultParameter(it.key(), (*it)["reference"],
                                pointerAppend(pointerAppend(pointerAppend(pointer, "properties"), "parameters"), it.key()));
      }
    }
    for (std::size_t i = before; i < keyVaultParameters_.size(); ++i) keyVaultParameters_[i].holders = {node.key};
    addDefinition(std::move(node));
  }

  void passParameters(const Json& properties, const std::string& propertiesPointer, TemplateScope& outer,
                      TemplateScope& inner) {
    auto parameters = memberOr(properties, "parameters", Json::object());
    for (auto it = parameters.begin(); it != parameters.end(); ++it) {
      std::string where = pointerAppend(pointerAppend(propertiesPointer, "parameters"), it.key());
      if (it->is_object() && it->contains("value")) {
        inner.setParameterValue(it.key(), outer.evaluateTree((*it)["value"], pointerAppend(where, "value")));
      } else if (it->is_object() && it->contains("reference")) {
        inner.setParameterValue(it.key(), expr::Value::symbol("[parameters('" + it.key() + "')]"));
        recordKeyVaultParameter(it.key(), (*it)["reference"], pointerAppend(where, "reference"));
      }
    }
    outer.takeReferences();
  }

  void addDefinition(Resource resource) {
    const Resource* existing = estate_.find(resource.key);
    if (existing && !existing->external) {
      // The same resource defined twice in one estate: subnets inline and as children
      // are merged by the estate linker; anything else is reported here.
      duplicates_.push_back(std::move(resource));
      return;
    }
    definedHere_.push_back(resource.key);
    names_[toLower(leafName(resource.name))].push_back(resource.key);
    names_[toLower(resource.name)].push_back(resource.key);
    names_[toLower(resource.type + "/" + resource.name)].push_back(resource.key);
    estate_.upsert(std::move(resource));
  }

  // Turns dependsOn entries into edges: an entry is a resource id, a resource name, a
  // "type/name" pair, a copy loop's name or a nested deployment's name.
  void resolveDependencies() {
    for (const auto& dependency : pending_) {
      auto targets = resolveEntry(dependency.entry);
      if (targets.empty()) {
        estate_.diagnostics.warning("W-DEPENDSON-UNRESOLVED",
                                    "dependsOn entry '" + dependency.entry + "' names no resource in " + input_.file,
                                    dependency.holderKey, dependency.location);
        continue;
      }
      for (const auto& target : targets) {
        if (target == dependency.holderKey) continue;
        estate_.addReference({target, dependency.holderKey, EdgeKind::Declared, dependency.evidence, dependency.location});
      }
    }
    for (const auto& mention : mentions_) {
      auto targets = resolveEntry(mention.entry);
      if (targets.empty() && looksLikeResourceId(mention.entry)) targets.push_back(normalizeId(mention.entry));
      for (const auto& target : targets) {
        if (target == mention.holderKey) continue;
        estate_.addReference({target, mention.holderKey, EdgeKind::Reference, mention.evidence, mention.location});
      }
    }
    for (auto& duplicate : duplicates_) estate_.diagnostics.add(duplicateDiagnostic(duplicate));
    for (const auto& parameter : keyVaultParameters_) recordKeyVaultParameterReference(parameter);
  }

  Diagnostic duplicateDiagnostic(const Resource& duplicate) {
    const Resource* first = estate_.find(duplicate.key);
    Diagnostic d;
    d.resourceId = duplicate.id;
    d.location = duplicate.origin;
    if (first && first->body == duplicate.body) {
      d.severity = Severity::Info;
      d.code = "I-RESOURCE-DUPLICATE-MERGED";
      d.message = "defined twice with identical bodies (first at " + first->origin.str() + "); merged";
    } else {
      d.severity = Severity::Error;
      d.code = "E-RESOURCE-CONFLICT";
      d.message = "defined twice with different bodies (first at " + (first ? first->origin.str() : "") +
                  "); keep one definition";
    }
    return d;
  }

  std::vector<std::string> resolveEntry(const std::string& entry) {
    if (looksLikeResourceId(entry)) {
      std::string key = normalizeId(entry);
      if (auto it = deploymentByKey(key); !it.empty()) return it;
      return {key};
    }
    std::string lowered = toLower(entry);
    if (auto it = groups_.find(lowered); it != groups_.end()) return it->second;
    if (auto it = deploymentNames_.find(lowered); it != deploymentNames_.end()) return deploymentByKey(it->second);
    if (auto it = names_.find(lowered); it != names_.end()) {
      std::vector<std::string> unique = it->second;
      std::sort(unique.begin(), unique.end());
      unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
      return unique;
    }
    return {};
  }

  // A nested deployment is not a node: depending on it means depending on what it deploys.
  std::vector<std::string> deploymentByKey(const std::string& key) {
    std::vector<std::string> members;
    bool isDeployment = false;
    for (const auto& [name, deploymentKey] : deploymentNames_) {
      if (deploymentKey == key) isDeployment = true;
    }
    if (!isDeployment) return {};
    for (const auto& [memberKey, owners] : membership_) {
      if (std::find(owners.begin(), owners.end(), key) != owners.end()) members.push_back(memberKey);
    }
    return members;
  }

  // The deployment that passes a Key Vault reference needs the secret when it runs; the
  // resources it deploys are the consumers.
  void recordKeyVaultParameterReference(const KeyVaultParameterRef& parameter) {
    std::string vaultKey = normalizeId(parameter.vaultId);
    ensureExternal(parameter.vaultId, {parameter.file, parameter.pointer, -1});
    for (const auto& resource : parameter.holders.empty() ? definedHere_ : parameter.holders) {
      estate_.addReference({vaultKey, resource, EdgeKind::SecretReference,
                            "parameter '" + parameter.parameter + "' reads secret '" + parameter.secretName + "'",
                            {parameter.file, parameter.pointer, -1}});
    }
  }

  void ensureExternal(const std::string& id, const SourceLocation& where) {
    if (auto placeholder = makeExternalResource(id, where)) estate_.upsert(std::move(*placeholder));
  }

  void error(const std::string& code, const std::string& message, const std::string& pointer, int column = -1) {
    estate_.diagnostics.error(code, message, {}, {input_.file, pointer, column});
  }

 private:
  const TemplateInput& input_;
  Estate& estate_;
  std::vector<PendingDependency> pending_;
  std::vector<PendingDependency> mentions_;
  std::vector<Resource> duplicates_;
  std::map<std::string, std::vector<std::string>> names_;
  std::map<std::string, std::vector<std::string>> groups_;
  std::map<std::string, std::string> deploymentNames_;
  std::map<std::string, std::vector<PendingDependency>> deploymentDependencies_;
  std::map<std::string, std::vector<std::string>> membership_;
  std::vector<KeyVaultParameterRef> keyVaultParameters_;
  std::vector<std::string> definedHere_;
  std::vector<DeploymentContext> targets_;  // the deployment each nested level deploys into
};

}  // namespace

DocumentKind classifyDocument(const Json& document) {
  if (!document.is_object()) return DocumentKind::Unknown;
  if (schemaContains(document, "deploymentparameters")) return DocumentKind::Parameters;
  if (document.contains("kind") && document["kind"].is_string() &&
      istartsWith(document["kind"].get<std::string>(), "kvreloc")) {
    return DocumentKind::Inventory;
  }
  if (schemaContains(document, "deploymenttemplate") || document.contains("resources")) return DocumentKind::Template;
  if (document.contains("parameters") && document.contains("contentVersion")) return DocumentKind::Parameters;
  return DocumentKind::Unknown;
}

void readTemplate(const TemplateInput& input, Estate& estate) {
  Reader reader(input, estate);
  reader.run();
}

void readParametersFile(const std::string& file, const Json& document, Estate& estate) {
  auto parameters = memberOr(document, "parameters", Json::object());
  if (!parameters.is_object()) {
    estate.diagnostics.error("E-PARAMETERS-INVALID", "\"parameters\" must be an object", {}, {file, "/parameters", -1});
    return;
  }
  // The file stands for the deployment that will read it.
  Resource holder;
  std::string stem = file.substr(file.find_last_of('/') + 1);
  holder.type = "Microsoft.Resources/deploymentParameters";
  holder.name = stem;
  holder.id = "/providers/Microsoft.Resources/deploymentParameters/" + stem;
  holder.key = normalizeId(holder.id);
  holder.origin = {file, "", -1};
  holder.body = Json{{"file", file}};
  bool any = false;
  for (auto it = parameters.begin(); it != parameters.end(); ++it) {
    std::string where = pointerAppend(pointerAppend("/parameters", it.key()), "reference");
    const Json reference = memberOr(*it, "reference", Json());
    std::string vaultId = stringMember(memberOr(reference, "keyVault", Json::object()), "id");
    if (vaultId.empty()) continue;
    auto parsed = parseResourceId(vaultId);
    if (!parsed || !iequals(parsed->type, "Microsoft.KeyVault/vaults")) {
      estate.diagnostics.error("E-PARAMETERS-INVALID", "reference.keyVault.id is not a vault id: " + vaultId, {},
                               {file, pointerAppend(where, "keyVault"), -1});
      continue;
    }
    estate.upsert(*makeExternalResource(vaultId, {file, pointerAppend(where, "keyVault"), -1}));
    estate.addReference({normalizeId(vaultId), holder.key, EdgeKind::SecretReference,
                         "parameters." + it.key() + ".reference.keyVault.id (secret '" +
                             stringMember(reference, "secretName") + "')",
                         {file, pointerAppend(where, "keyVault"), -1}});
    holder.body["keyVaultReferences"][it.key()] =
        Json{{"vaultId", vaultId}, {"secretName", stringMember(reference, "secretName")},
             {"secretVersion", stringMember(reference, "secretVersion")}};
    any = true;
  }
  if (!any) {
    estate.diagnostics.info("I-PARAMETERS-NO-VAULT-REFERENCE", "the parameters file references no Key Vault secret",
                            {}, {file, "/parameters", -1});
    return;
  }
  estate.upsert(std::move(holder));
}

namespace {

void collectStrings(const Json& node, std::vector<std::string>& out) {
  if (node.is_string()) {
    out.push_back(node.get<std::string>());
  } else if (node.is_structured()) {
    for (const auto& child : node) collectStrings(child, out);
  }
}

template <typename Map>
std::string mostCommon(const Map& counts) {
  std::string best;
  long bestCount = 0;
  for (const auto& [value, count] : counts) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

}  // namespace

DeploymentContext inferDeploymentContext(const Json& document) {
  DeploymentContext context;
  std::set<std::string> definedNames;
  auto parameters = memberOr(document, "parameters", Json::object());
  for (auto it = parameters.begin(); it != parameters.end(); ++it) {
    if (!toLower(it.key()).ends_with("_name") || !it->is_object()) continue;
    auto defaultValue = it->find("defaultValue");
    if (defaultValue != it->end() && defaultValue->is_string()) {
      definedNames.insert(toLower(defaultValue->get<std::string>()));
    }
  }
  std::vector<std::string> strings;
  collectStrings(memberOr(document, "resources", Json::array()), strings);
  collectStrings(parameters, strings);

  std::map<std::string, long> subscriptions;
  std::map<std::string, long> groups;
  std::map<std::string, long> locations;
  for (const auto& text : strings) {
    if (!looksLikeResourceId(text)) continue;
    auto id = parseResourceId(text);
    if (!id) continue;
    if (!id->subscription.empty()) subscriptions[id->subscription] += 1;
    // Only an id that names a resource this template defines shows the template's own
    // group; exported templates name other groups' resources through _externalid ids.
    if (!id->resourceGroup.empty() && definedNames.count(toLower(leafName(id->name)))) groups[id->resourceGroup] += 1;
  }
  for (const auto& resource : memberOr(document, "resources", Json::array())) {
    std::string location = stringMember(resource, "location");
    if (!location.empty() && !expr::isExpression(location) && !iequals(location, "global")) {
      locations[toLower(location)] += 1;
    }
  }
  context.subscriptionId = mostCommon(subscriptions);
  context.resourceGroup = mostCommon(groups);
  context.location = mostCommon(locations);
  auto hints = memberOr(memberOr(document, "metadata", Json::object()), "kvreloc", Json::object());
  if (context.location.empty()) context.location = toLower(stringMember(hints, "sourceLocation"));
  // A template may name the deployment it was written for.
  auto evaluation = memberOr(hints, "evaluationContext", Json::object());
  if (!stringMember(evaluation, "subscriptionId").empty()) context.subscriptionId = stringMember(evaluation, "subscriptionId");
  if (!stringMember(evaluation, "resourceGroup").empty()) context.resourceGroup = stringMember(evaluation, "resourceGroup");
  return context;
}

}  // namespace kvr
