#include "strategies/template_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "discovery/files.h"
#include "discovery/expression/expression.h"
#include "discovery/resource_id.h"
#include "discovery/template_reader.h"

namespace kvr {

namespace {

constexpr const char* kVaultType = "Microsoft.KeyVault/vaults";
constexpr const char* kAccessPoliciesType = "Microsoft.KeyVault/vaults/accessPolicies";
constexpr const char* kVnetType = "Microsoft.Network/virtualNetworks";
constexpr const char* kSubnetType = "Microsoft.Network/virtualNetworks/subnets";
constexpr const char* kKeyVaultService = "Microsoft.KeyVault";
constexpr const char* kParametersSchema =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";
constexpr const char* kVnetParameter = "target_vnet_externalid";
constexpr const char* kSubnetParameter = "target_subnet_name";

// Members Resource Manager sets itself: a deployment rejects or ignores them, and their
// source values describe the source region. Paths are relative to the resource, and "*"
// stands for every element of an array. The type "*" matches every resource.
struct ReadOnlyMember {
  const char* type;
  const char* path;
};

constexpr ReadOnlyMember kReadOnlyMembers[] = {
    {"*", "systemData"},
    {"Microsoft.KeyVault/vaults", "properties/vaultUri"},
    {"Microsoft.KeyVault/vaults", "properties/hsmPoolResourceId"},
    {"Microsoft.KeyVault/vaults", "properties/privateEndpointConnections"},
    {"Microsoft.KeyVault/vaults/keys", "properties/keyUri"},
    {"Microsoft.KeyVault/vaults/keys", "properties/keyUriWithVersion"},
    {"Microsoft.Network/networkInterfaces", "properties/virtualMachine"},
    {"Microsoft.Network/networkInterfaces", "properties/macAddress"},
    {"Microsoft.Network/networkInterfaces", "properties/privateEndpoint"},
    {"Microsoft.Network/networkInterfaces", "properties/hostedWorkloads"},
    {"Microsoft.Network/networkInterfaces", "properties/tapConfigurations"},
    {"Microsoft.Network/networkInterfaces", "properties/vnetEncryptionSupported"},
    {"Microsoft.Network/privateEndpoints", "properties/networkInterfaces"},
    {"Microsoft.Network/privateEndpoints", "properties/customDnsConfigs"},
    {"Microsoft.Network/virtualNetworks/subnets", "properties/ipConfigurations"},
    {"Microsoft.Network/virtualNetworks/subnets", "properties/ipConfigurationProfiles"},
    {"Microsoft.Network/virtualNetworks/subnets", "properties/privateEndpoints"},
    {"Microsoft.Network/virtualNetworks/subnets", "properties/serviceAssociationLinks"},
    {"Microsoft.Network/virtualNetworks/subnets", "properties/resourceNavigationLinks"},
    {"Microsoft.Network/virtualNetworks/subnets", "properties/purpose"},
    {"Microsoft.Network/virtualNetworks/subnets", "properties/applicationGatewayIPConfigurations"},
    {"Microsoft.Network/virtualNetworks", "properties/subnets/*/properties/ipConfigurations"},
    {"Microsoft.Network/virtualNetworks", "properties/subnets/*/properties/ipConfigurationProfiles"},
    {"Microsoft.Network/virtualNetworks", "properties/subnets/*/properties/privateEndpoints"},
    {"Microsoft.Network/virtualNetworks", "properties/subnets/*/properties/serviceAssociationLinks"},
    {"Microsoft.Network/virtualNetworks", "properties/subnets/*/properties/resourceNavigationLinks"},
    {"Microsoft.Network/virtualNetworks", "properties/subnets/*/properties/purpose"},
    {"Microsoft.Network/virtualNetworks", "properties/subnets/*/properties/applicationGatewayIPConfigurations"},
    {"Microsoft.Network/networkSecurityGroups", "properties/defaultSecurityRules"},
    {"Microsoft.Network/networkSecurityGroups", "properties/networkInterfaces"},
    {"Microsoft.Network/networkSecurityGroups", "properties/subnets"},
    {"Microsoft.Network/privateDnsZones/virtualNetworkLinks", "properties/virtualNetworkLinkState"},
};

// Read-only wherever they appear inside a resource, nested objects included.
constexpr const char* kReadOnlyEverywhere[] = {"provisioningState", "resourceGuid", "etag"};

std::string stringMember(const Json& object, const char* name) {
  if (!object.is_object()) return {};
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Json propertiesOf(const Resource& resource) {
  auto it = resource.body.find("properties");
  return it != resource.body.end() && it->is_object() ? *it : Json::object();
}

// The parameter name of a value written as exactly "[parameters('name')]".
std::optional<std::string> plainParameter(const std::string& text) {
  static const std::regex pattern(R"(^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$)", std::regex::icase);
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) return std::nullopt;
  return match[1].str();
}

std::vector<std::string> splitName(const std::string& name) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto slash = name.find('/', start);
    out.push_back(name.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) return out;
    start = slash + 1;
  }
}

// The last `count` segments of a resource name ("b/c" for "a/b/c" and 2).
std::string lastSegments(const std::string& name, std::size_t count) {
  auto segments = splitName(name);
  if (count == 0 || count >= segments.size()) return name;
  std::string out;
  for (std::size_t i = segments.size() - count; i < segments.size(); ++i) out += (out.empty() ? "" : "/") + segments[i];
  return out;
}

bool isSecureParameter(const Json& definition) {
  std::string type = toLower(stringMember(definition, "type"));
  return type == "securestring" || type == "secureobject";
}

bool createsResource(const PlanNode& node) {
  if (node.strategy == Strategy::Redeploy || node.strategy == Strategy::RedeployWithData) return true;
  return iequals(node.type, kAccessPoliciesType) && node.rule == "access-policies";
}

bool isDataPlaneStrategy(Strategy strategy) {
  switch (strategy) {
    case Strategy::CopySecret:
    case Strategy::BackupRestore:
    case Strategy::ExportImportPfx:
    case Strategy::ReissueCertificate:
    case Strategy::RegenerateKey:
      return true;
    default:
      return false;
  }
}

void removePath(Json& node, const std::vector<std::string>& tokens, std::size_t index) {
  if (index >= tokens.size()) return;
  const std::string& token = tokens[index];
  bool last = index + 1 == tokens.size();
  if (token == "*") {
    if (!node.is_array()) return;
    for (auto& element : node) removePath(element, tokens, index + 1);
    return;
  }
  if (!node.is_object()) return;
  if (last) {
    node.erase(token);
    return;
  }
  auto it = node.find(token);
  if (it != node.end()) removePath(*it, tokens, index + 1);
}

void removeEverywhere(Json& node) {
  if (node.is_array()) {
    for (auto& element : node) removeEverywhere(element);
  } else if (node.is_object()) {
    for (const char* member : kReadOnlyEverywhere) node.erase(member);
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() != "resources") removeEverywhere(*it);
    }
  }
}

void stripReadOnly(Json& resource, const std::string& type) {
  for (const auto& member : kReadOnlyMembers) {
    if (std::string_view(member.type) != "*" && !iequals(member.type, type)) continue;
    removePath(resource, splitName(member.path), 0);
  }
  removeEverywhere(resource);
}

// Orders JSON pointers so that removing in this order never shifts a later one: deeper
// and higher array indexes first.
bool removesFirst(const std::string& a, const std::string& b) {
  auto left = splitName(a.substr(1));
  auto right = splitName(b.substr(1));
  for (std::size_t i = 0; i < std::min(left.size(), right.size()); ++i) {
    if (left[i] == right[i]) continue;
    bool numeric = !left[i].empty() && !right[i].empty() &&
                   left[i].find_first_not_of("0123456789") == std::string::npos &&
                   right[i].find_first_not_of("0123456789") == std::string::npos;
    if (numeric) return std::stoul(left[i]) > std::stoul(right[i]);
    return left[i] > right[i];
  }
  return left.size() > right.size();
}

// A principal whose access policies are not copied: its identity is re-created and the
// plan grants the new principal in its own step.
struct ChangingPrincipal {
  std::string holderName;
  std::size_t grantStep = 0;
};

// Plan data shared by every template: the plan's nodes by key, and decisions that span
// files.
class PlanIndex {
 public:
  PlanIndex(const Estate& estate, const Plan& plan) : estate(estate), plan(plan) {
    for (const auto& node : plan.nodes) nodes[node.key] = &node;
    // The plan records the subnet map it used: the inputs' map and --subnet-map together.
    auto map = plan.options.find("subnetMap");
    if (map != plan.options.end() && map->is_object()) {
      for (auto it = map->begin(); it != map->end(); ++it) subnetMap[it.key()] = it->get<std::string>();
    }
    findStepsAfterDataPlane();
    findEndpointSubnets();
    findChangingPrincipals();
  }

  const PlanNode* node(const std::string& key) const {
    auto it = nodes.find(key);
    return it == nodes.end() ? nullptr : it->second;
  }

  // The target id of the resource with this key, when the plan gives it a new one.
  std::optional<std::string> changedTargetId(const std::string& key) const {
    const PlanNode* found = node(key);
    if (!found || found->targetId.empty() || found->strategy == Strategy::OutOfScope ||
        found->strategy == Strategy::Drop || normalizeId(found->targetId) == key) {
      return std::nullopt;
    }
    return found->targetId;
  }

  // Maps an id, or an id inside a relocated resource ("<nic id>/ipConfigurations/x"), to
  // its target; nullopt when the plan leaves it as it is.
  std::optional<std::string> mapId(const std::string& id) const {
    std::size_t end = id.size();
    while (end > 0) {
      if (auto target = changedTargetId(normalizeId(id.substr(0, end)))) return *target + id.substr(end);
      end = id.rfind('/', end - 1);
      if (end == std::string::npos) break;
    }
    return std::nullopt;
  }

  const Estate& estate;
  const Plan& plan;
  std::map<std::string, const PlanNode*> nodes;
  std::map<std::string, std::string> subnetMap;       // normalised source subnet id -> target id
  std::map<std::string, std::string> afterDataPlane;  // node key -> the data-plane step it waits for
  std::set<std::string> endpointSubnets;              // subnet keys that need the Key Vault endpoint
  std::map<std::string, ChangingPrincipal> changingPrincipals;  // lower-case object id

 private:
  // A template deploys before any data moves, so a resource the plan creates after a
  // data-plane step (a disk encryption set needs its restored key) cannot be in it.
  void findStepsAfterDataPlane() {
    std::map<std::size_t, std::string> waiting;  // step order -> name of the data-plane step
    for (const auto& step : plan.steps) {
      const PlanNode* current = node(step.node);
      if (!current) continue;
      std::string cause = isDataPlaneStrategy(current->strategy) ? current->name : std::string();
      for (auto before : step.dependsOn) {
        if (cause.empty() && waiting.count(before)) cause = waiting[before];
      }
      if (cause.empty()) continue;
      waiting[step.order] = cause;
      afterDataPlane[step.node] = cause;
    }
  }

  void findEndpointSubnets() {
    for (const auto& [key, planNode] : nodes) {
      if (planNode->strategy != Strategy::RedeployWithData || !iequals(planNode->type, kVaultType)) continue;
      const Resource* vault = estate.find(key);
      if (!vault) continue;
      const Json rules = propertiesOf(*vault).value("networkAcls", Json::object()).value("virtualNetworkRules", Json::array());
      for (const auto& rule : rules) {
        std::string id = stringMember(rule, "id");
        if (!id.empty() && !subnetMap.count(normalizeId(id))) endpointSubnets.insert(normalizeId(id));
      }
    }
  }

  void findChangingPrincipals() {
    for (const auto& planNode : plan.nodes) {
      // Consumer grants carry a role: their principals keep their ids.
      if (planNode.rule != "grant-principal" || planNode.parameters.contains("role")) continue;
      std::string holderId = planNode.parameters.value("principalOf", std::string());
      const Resource* holder = estate.find(normalizeId(holderId));
      if (!holder) continue;
      std::string principal = principalIdOf(*holder);
      if (!principal.empty()) changingPrincipals[toLower(principal)] = {leafName(holder->name), planNode.order};
    }
  }

  std::string principalIdOf(const Resource& holder) const {
    std::string principal = stringMember(holder.body.value("identity", Json::object()), "principalId");
    if (!principal.empty()) return principal;
    auto hints = estate.relocation.options.find("knownPrincipals");
    if (hints == estate.relocation.options.end() || !hints->is_object()) return {};
    for (auto it = hints->begin(); it != hints->end(); ++it) {
      if (iequals(stringMember(*it, "ownerResource"), leafName(holder.name))) return it.key();
    }
    return {};
  }
};

// A resource as the source template writes it, with its estate resources and plan node.
struct RawResource {
  std::string pointer;
  std::vector<const Resource*> sources;  // more than one for a copy loop
  const PlanNode* node = nullptr;        // the plan node of the first source
  bool keep = false;
};

// Rewrites one source template for the target.
class TemplateRewriter {
 public:
  TemplateRewriter(const PlanIndex& index, std::string file, const std::string& parametersFile,
                   Diagnostics& diagnostics)
      : index_(index), file_(std::move(file)), parametersFile_(parametersFile), diagnostics_(diagnostics) {}

  std::optional<TargetTemplate> run() {
    if (!load()) return std::nullopt;
    indexSources();
    applyGivenParameterValues();
    collectResources(document_["resources"], "/resources", /*parentKept=*/true);
    if (keptKeys_.empty()) {
      diagnostics_.info("I-TEMPLATE-NOT-NEEDED",
                        "the template defines nothing the target deployment creates, so no target template is "
                        "written for it",
                        {}, {file_, "", -1});
      return std::nullopt;
    }
    for (auto& raw : resources_) {
      if (raw.keep) editResource(raw);
    }
    renameQuotedLiterals();
    removeResources();
    finishParameters();
    reportLeftOut();
    return result();
  }

 private:
  // --- input ---------------------------------------------------------------------------

  bool load() {
    try {
      document_ = readJsonFile(file_);
    } catch (const InputError&) {
      return false;  // loading the estate reported it already
    }
    if (classifyDocument(document_) != DocumentKind::Template) return false;
    auto resources = document_.find("resources");
    return resources != document_.end() && (resources->is_array() || resources->is_object());
  }

  void indexSources() {
    for (const auto& resource : index_.estate.resources) {
      if (resource.external || resource.origin.file != file_) continue;
      byPointer_[resource.origin.pointer].push_back(&resource);
    }
    for (const auto& reference : index_.estate.references) {
      if (reference.kind != EdgeKind::Declared || reference.location.file != file_) continue;
      declared_[reference.location.pointer].insert(reference.from);
    }
  }

  // Values of a --parameters file replace the defaults, so the target starts from what
  // the plan was made with. Secure values are never copied.
  void applyGivenParameterValues() {
    if (parametersFile_.empty()) return;
    Json given;
    try {
      given = readJsonFile(parametersFile_).value("parameters", Json::object());
    } catch (const InputError&) {
      return;  // loading the estate reported it already
    }
    auto found = document_.find("parameters");
    if (found == document_.end() || !found->is_object()) return;
    for (auto it = found->begin(); it != found->end(); ++it) {
      if (isSecureParameter(*it)) continue;
      for (auto value = given.begin(); value != given.end(); ++value) {
        if (iequals(value.key(), it.key()) && value->is_object() && value->contains("value")) {
          (*it)["defaultValue"] = (*value)["value"];
        }
      }
    }
  }

  // The template's "parameters" object, added after "contentVersion" when missing.
  Json& parameters() {
    auto found = document_.find("parameters");
    if (found != document_.end() && found->is_object()) return *found;
    Json rebuilt = Json::object();
    for (auto it = document_.begin(); it != document_.end(); ++it) {
      if (it.key() == "parameters") continue;
      rebuilt[it.key()] = std::move(*it);
      if (it.key() == "contentVersion") rebuilt["parameters"] = Json::object();
    }
    if (!rebuilt.contains("parameters")) rebuilt["parameters"] = Json::object();
    document_ = std::move(rebuilt);
    return document_["parameters"];
  }

  // --- which resources stay ----------------------------------------------------------

  void collectResources(Json& resources, const std::string& pointer, bool parentKept) {
    if (resources.is_array()) {
      for (std::size_t i = 0; i < resources.size(); ++i) collectResource(resources[i], pointerAppend(pointer, i), parentKept);
    } else if (resources.is_object()) {
      for (auto it = resources.begin(); it != resources.end(); ++it) {
        collectResource(*it, pointerAppend(pointer, it.key()), parentKept);
      }
    }
  }

  void collectResource(Json& raw, const std::string& pointer, bool parentKept) {
    RawResource resource;
    resource.pointer = pointer;
    auto found = byPointer_.find(pointer);
    if (found != byPointer_.end()) resource.sources = found->second;
    if (!resource.sources.empty()) resource.node = index_.node(resource.sources.front()->key);
    resource.keep = parentKept && resource.node && decideKeep(*resource.sources.front(), *resource.node);
    if (!parentKept && resource.node && createsResource(*resource.node)) {
      diagnostics_.warning("W-TEMPLATE-NESTED-CHILD-LEFT-OUT",
                           "'" + resource.node->name + "' is nested in a resource the target template leaves out, so "
                           "it is left out too; create it with its plan step " + std::to_string(resource.node->order),
                           resource.node->id, {file_, pointer, -1});
    }
    if (resource.keep) {
      for (const auto* source : resource.sources) keptKeys_.insert(source->key);
    }
    if (iequals(stringMember(raw, "type"), "Microsoft.Resources/deployments")) reportNestedDeployment(pointer);
    resources_.push_back(resource);
    if (raw.is_object() && raw.contains("resources")) {
      collectResources(raw["resources"], pointerAppend(pointer, "resources"), resource.keep);
    }
  }

  bool decideKeep(const Resource& source, const PlanNode& node) {
    if (!createsResource(node)) return false;
    if (auto cause = index_.afterDataPlane.find(node.key); cause != index_.afterDataPlane.end()) {
      diagnostics_.info("I-TEMPLATE-RESOURCE-DEFERRED",
                        "'" + node.name + "' is left out of the target template: the plan creates it at step " +
                            std::to_string(node.order) + ", after '" + cause->second +
                            "' exists in the target vault, and the template deploys before any data moves",
                        node.id, source.origin);
      return false;
    }
    return !parentElsewhere(source, node);
  }

  // A child resource deploys into the template's resource group, so its parent must be
  // there. A reused parent stays in its own group, so its new children (a DNS zone's link
  // to the target network) are created by their plan steps, not by this template.
  bool parentElsewhere(const Resource& source, const PlanNode& node) {
    auto parent = parentId(source.id);
    if (!parent || node.targetId.empty()) return false;
    const PlanNode* parentNode = index_.node(normalizeId(*parent));
    if (!parentNode || createsResource(*parentNode) || parentNode->targetId.empty()) return false;
    auto targetParent = parentId(node.targetId);
    if (!targetParent) return false;
    diagnostics_.warning("W-TEMPLATE-PARENT-ELSEWHERE",
                         "'" + node.name + "' is left out of the target template: its parent " + *targetParent +
                             " is kept in its own resource group, so plan step " + std::to_string(node.order) +
                             " creates it there",
                         node.id, source.origin);
    return true;
  }

  void reportNestedDeployment(const std::string& pointer) {
    for (const auto& [sourcePointer, sources] : byPointer_) {
      if (sourcePointer.rfind(pointer + "/", 0) != 0) continue;
      for (const auto* source : sources) {
        const PlanNode* node = index_.node(source->key);
        if (!node || !createsResource(*node)) continue;
        diagnostics_.warning("W-TEMPLATE-NESTED-DEPLOYMENT",
                             "'" + node->name + "' is defined in a nested deployment, which the target template "
                             "leaves out; deploy it by hand or move it to the top level of the source template",
                             node->id, source->origin);
      }
    }
  }

  // --- edits of one resource -------------------------------------------------------------

  void editResource(const RawResource& raw) {
    Json& resource = document_.at(Json::json_pointer(raw.pointer));
    const Resource& source = *raw.sources.front();
    const PlanNode& node = *raw.node;
    if (raw.sources.size() == 1) rewriteName(resource, source, node);
    rewriteLocation(resource, node);
    stripReadOnly(resource, source.type);
    rewriteLiteralIds(resource);
    filterDependsOn(resource, raw.pointer);
    if (iequals(source.type, kVaultType)) editVault(resource, source, node);
    if (iequals(source.type, kAccessPoliciesType)) editAccessPolicies(resource, source, raw.pointer);
    if (iequals(source.type, kVnetType)) editInlineSubnets(resource, source);
    if (iequals(source.type, kSubnetType) && index_.endpointSubnets.count(source.key)) {
      addServiceEndpoint(resource, raw.pointer);
    }
    for (const auto* each : raw.sources) expect(*each);
    if (node.order > 0 && (firstStep_ == 0 || node.order < firstStep_)) firstStep_ = node.order;
  }

  void expect(const Resource& source) {
    const PlanNode* node = index_.node(source.key);
    if (!node || node->targetId.empty()) return;
    std::string location = source.location.empty() ? std::string() : node->targetLocation;
    expectation_.resources.push_back({node->targetId, location});
    auto parsed = parseResourceId(node->targetId);
    if (!parsed || parsed->resourceGroup.empty()) return;
    if (expectation_.context.resourceGroup.empty()) {
      expectation_.context.subscriptionId = parsed->subscription;
      expectation_.context.resourceGroup = parsed->resourceGroup;
      expectation_.context.location = index_.plan.target.location;
    } else if (!iequals(expectation_.context.resourceGroup, parsed->resourceGroup) ||
               !iequals(expectation_.context.subscriptionId, parsed->subscription)) {
      diagnostics_.warning("W-TEMPLATE-GROUPS-DIFFER",
                           "the plan puts '" + node->name + "' in resource group " + parsed->resourceGroup +
                               ", but the target template deploys to " + expectation_.context.resourceGroup +
                               "; pass --target-resource-group to put every relocated resource in one group",
                           node->id, source.origin);
    }
  }

  void rewriteName(Json& resource, const Resource& source, const PlanNode& node) {
    auto it = resource.find("name");
    if (it == resource.end() || !it->is_string() || node.targetName.empty() || node.targetName == source.name) return;
    std::string text = it->get<std::string>();
    if (auto parameter = plainParameter(text)) {
      setParameterDefault(*parameter, lastSegments(node.targetName, segmentsOfDefault(*parameter)), node);
      return;
    }
    if (!expr::isExpression(text)) {
      std::string target = lastSegments(node.targetName, splitName(text).size());
      recordLiteralRename(text, target);
      *it = target;
      return;
    }
    // A computed name: its literal segments are renamed where they appear quoted.
    auto sourceSegments = splitName(source.name);
    auto targetSegments = splitName(node.targetName);
    if (sourceSegments.size() != targetSegments.size()) return;
    for (std::size_t i = 0; i < sourceSegments.size(); ++i) {
      if (sourceSegments[i] == targetSegments[i]) continue;
      text = replaceQuoted(text, sourceSegments[i], targetSegments[i]);
    }
    *it = text;
  }

  std::size_t segmentsOfDefault(const std::string& parameter) {
    const Json* definition = findParameter(parameter);
    if (!definition) return 1;
    std::string value = stringMember(*definition, "defaultValue");
    return value.empty() ? 1 : splitName(value).size();
  }

  void recordLiteralRename(const std::string& source, const std::string& target) {
    auto sourceSegments = splitName(source);
    auto targetSegments = splitName(target);
    for (std::size_t i = 0; i < sourceSegments.size() && i < targetSegments.size(); ++i) {
      if (sourceSegments[i] != targetSegments[i]) literalRenames_[sourceSegments[i]] = targetSegments[i];
    }
  }

  // Replaces the literal `from` where an expression writes it as a whole quoted string or
  // as a quoted name segment ('from', '/from', 'from/').
  static std::string replaceQuoted(std::string text, const std::string& from, const std::string& to) {
    static const std::pair<const char*, const char*> kBoundaries[] = {{"'", "'"}, {"'/", "'"}, {"'", "/"}, {"/", "/"}};
    for (const auto& [before, after] : kBoundaries) {
      std::string needle = before + from + after;
      std::string replacement = before + to + after;
      for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + replacement.size())) {
        text.replace(at, needle.size(), replacement);
      }
    }
    return text;
  }

  void rewriteLocation(Json& resource, const PlanNode& node) {
    auto it = resource.find("location");
    if (it == resource.end() || !it->is_string() || node.targetLocation.empty()) return;
    std::string text = it->get<std::string>();
    if (iequals(text, "global")) return;
    if (auto parameter = plainParameter(text)) {
      setParameterDefault(*parameter, node.targetLocation, node);
      return;
    }
    *it = node.targetLocation;
  }

  // Literal ids of relocated resources, written outside any expression, name the target.
  void rewriteLiteralIds(Json& node) {
    if (node.is_string()) {
      const std::string& text = node.get_ref<const std::string&>();
      if (!looksLikeResourceId(text)) return;
      if (auto target = index_.mapId(text)) node = *target;
    } else if (node.is_array()) {
      for (auto& element : node) rewriteLiteralIds(element);
    } else if (node.is_object()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (it.key() == "resources" || it.key() == "dependsOn" || it.key() == "name" || it.key() == "type") continue;
        rewriteLiteralIds(*it);
      }
    }
  }

  // A dependsOn entry stays when it names a resource the target template still creates.
  void filterDependsOn(Json& resource, const std::string& pointer) {
    auto it = resource.find("dependsOn");
    if (it == resource.end() || !it->is_array()) return;
    Json kept = Json::array();
    for (std::size_t i = 0; i < it->size(); ++i) {
      auto found = declared_.find(pointerAppend(pointerAppend(pointer, "dependsOn"), i));
      bool needed = false;
      if (found != declared_.end()) {
        for (const auto& key : found->second) needed = needed || keptKeys_.count(key) > 0;
      }
      if (needed) kept.push_back((*it)[i]);
    }
    if (kept.empty()) {
      resource.erase("dependsOn");
    } else {
      *it = std::move(kept);
    }
  }

  // --- vaults ---------------------------------------------------------------------------

  void editVault(Json& vault, const Resource& source, const PlanNode& node) {
    auto properties = vault.find("properties");
    if (properties == vault.end() || !properties->is_object()) return;
    if (node.parameters.value("enablePurgeProtection", false)) {
      (*properties)["enableSoftDelete"] = true;
      (*properties)["enablePurgeProtection"] = true;
    }
    removeChangingPrincipals(*properties, propertiesOf(source), source, "/properties");
    rewriteNetworkRules(*properties, source, node);
  }

  void editAccessPolicies(Json& resource, const Resource& source, const std::string& pointer) {
    auto properties = resource.find("properties");
    if (properties == resource.end() || !properties->is_object()) return;
    removeChangingPrincipals(*properties, propertiesOf(source), source, pointer + "/properties");
  }

  // Access policies of identities that the relocation re-creates name principals that
  // will not exist; the plan's grant steps give the new principals their access.
  void removeChangingPrincipals(Json& properties, const Json& evaluated, const Resource& source,
                                const std::string& where) {
    auto policies = properties.find("accessPolicies");
    if (policies == properties.end() || !policies->is_array()) return;
    const Json evaluatedPolicies = evaluated.value("accessPolicies", Json::array());
    bool aligned = evaluatedPolicies.is_array() && evaluatedPolicies.size() == policies->size();
    for (std::size_t i = policies->size(); i-- > 0;) {
      const Json& policy = aligned ? evaluatedPolicies[i] : (*policies)[i];
      std::string objectId = stringMember(policy, "objectId");
      auto principal = index_.changingPrincipals.find(toLower(objectId));
      if (principal == index_.changingPrincipals.end()) continue;
      policies->erase(i);
      diagnostics_.info("I-ACCESS-POLICY-DEFERRED",
                        "the access policy for object " + objectId + " (identity of " + principal->second.holderName +
                            ") is left out of the target template: that identity is re-created, and plan step " +
                            std::to_string(principal->second.grantStep) + " grants its new principal",
                        source.id, {file_, source.origin.pointer + where + "/accessPolicies/" + std::to_string(i), -1});
    }
  }

  // Points each network rule at its target subnet through parameters, one pair per rule,
  // with ignoreMissingVnetServiceEndpoint false so a missing endpoint fails the deployment.
  void rewriteNetworkRules(Json& properties, const Resource& source, const PlanNode& node) {
    auto acls = properties.find("networkAcls");
    if (acls == properties.end() || !acls->is_object()) return;
    auto rules = acls->find("virtualNetworkRules");
    if (rules == acls->end() || !rules->is_array()) return;
    const Json evaluated =
        propertiesOf(source).value("networkAcls", Json::object()).value("virtualNetworkRules", Json::array());

    // Duplicate rules collapse into one, because the target needs each subnet once.
    std::vector<std::pair<std::string, std::size_t>> unique;  // subnet id, index of its first rule
    std::set<std::string> seen;
    for (std::size_t i = 0; i < evaluated.size(); ++i) {
      std::string id = stringMember(evaluated[i], "id");
      if (!id.empty() && seen.insert(normalizeId(id)).second) unique.emplace_back(id, i);
    }

    Json rewritten = Json::array();
    std::vector<std::string> targets;
    for (std::size_t k = 0; k < unique.size(); ++k) {
      const auto& [subnetId, firstIndex] = unique[k];
      std::string suffix = k == 0 ? std::string() : "_" + std::to_string(k + 1);
      std::string target = targetSubnetId(subnetId, k + 1, node);
      auto split = toLower(target).rfind("/subnets/");
      std::string vnet = split == std::string::npos ? target : target.substr(0, split);
      std::string subnet = split == std::string::npos ? std::string() : target.substr(split + 9);
      addParameter(kVnetParameter + suffix, vnet);
      addParameter(kSubnetParameter + suffix, subnet);

      bool aligned = evaluated.size() == rules->size() && (*rules)[firstIndex].is_object();
      Json rule = aligned ? (*rules)[firstIndex] : Json::object();
      rule["id"] = "[concat(parameters('" + std::string(kVnetParameter) + suffix + "'), '/subnets/', parameters('" +
                   kSubnetParameter + suffix + "'))]";
      rule["ignoreMissingVnetServiceEndpoint"] = false;
      rewritten.push_back(std::move(rule));
      targets.push_back(target);
    }
    *rules = std::move(rewritten);
    if (!node.targetId.empty()) expectation_.networkRuleSubnets[node.targetId] = targets;
  }

  std::string targetSubnetId(const std::string& sourceId, std::size_t ruleNumber, const PlanNode& vault) {
    std::string key = normalizeId(sourceId);
    if (auto mapped = index_.subnetMap.find(key); mapped != index_.subnetMap.end()) {
      return mapped->second;
    }
    const PlanNode* subnet = index_.node(key);
    if (subnet && !subnet->targetId.empty() && subnet->strategy != Strategy::OutOfScope) {
      if (normalizeId(subnet->targetId) != key) return subnet->targetId;
    }
    std::string suffix = ruleNumber == 1 ? std::string() : "_" + std::to_string(ruleNumber);
    std::string what = looksLikeResourceId(sourceId)
                           ? "the source subnet " + sourceId + ", and the plan gives that subnet no other target id"
                           : "'" + sourceId + "', which is not a subnet id";
    diagnostics_.warning("W-TEMPLATE-RULE-TARGET-UNKNOWN",
                         "network rule " + std::to_string(ruleNumber) + " of vault '" + vault.name + "' names " + what +
                             "; set " + kVnetParameter + suffix + " and " + kSubnetParameter + suffix +
                             " in the target parameters file to the target subnet",
                         vault.id, {file_, "", -1});
    return sourceId;
  }

  // --- subnets --------------------------------------------------------------------------

  void editInlineSubnets(Json& vnet, const Resource& source) {
    auto properties = vnet.find("properties");
    if (properties == vnet.end() || !properties->is_object()) return;
    auto subnets = properties->find("subnets");
    if (subnets == properties->end() || !subnets->is_array()) return;
    const Json evaluated = propertiesOf(source).value("subnets", Json::array());
    for (std::size_t i = 0; i < subnets->size(); ++i) {
      const Json& named = evaluated.is_array() && evaluated.size() == subnets->size() ? evaluated[i] : (*subnets)[i];
      std::string name = stringMember(named, "name");
      if (name.empty() || !index_.endpointSubnets.count(normalizeId(source.id + "/subnets/" + name))) continue;
      addServiceEndpoint((*subnets)[i], "");
    }
  }

  // Adds the Microsoft.KeyVault service endpoint to a subnet body unless it has one.
  void addServiceEndpoint(Json& subnet, const std::string& pointer) {
    if (!subnet.is_object()) return;
    Json& properties = subnet["properties"];
    if (properties.is_null()) properties = Json::object();
    if (!properties.is_object()) {
      diagnostics_.warning("W-TEMPLATE-SUBNET-NOT-EDITED",
                           "the subnet's properties are computed, so the Microsoft.KeyVault service endpoint cannot "
                           "be added; add it by hand before deploying the vault",
                           {}, {file_, pointer, -1});
      return;
    }
    Json& endpoints = properties["serviceEndpoints"];
    if (endpoints.is_null()) endpoints = Json::array();
    if (!endpoints.is_array()) return;
    for (const auto& endpoint : endpoints) {
      if (iequals(stringMember(endpoint, "service"), kKeyVaultService)) return;
    }
    endpoints.push_back(Json{{"service", kKeyVaultService}, {"locations", Json::array({"*"})}});
  }

  // --- whole document -------------------------------------------------------------------

  void renameQuotedLiterals() {
    if (literalRenames_.empty()) return;
    for (auto& raw : resources_) {
      if (raw.keep) renameInExpressions(document_.at(Json::json_pointer(raw.pointer)));
    }
  }

  void renameInExpressions(Json& node) {
    if (node.is_string()) {
      std::string text = node.get<std::string>();
      if (!expr::isExpression(text)) return;
      for (const auto& [from, to] : literalRenames_) text = replaceQuoted(text, from, to);
      node = text;
    } else if (node.is_structured()) {
      for (auto& child : node) renameInExpressions(child);
    }
  }

  void removeResources() {
    std::vector<std::string> removed;
    for (const auto& raw : resources_) {
      if (!raw.keep) removed.push_back(raw.pointer);
    }
    std::sort(removed.begin(), removed.end(), removesFirst);
    for (const auto& pointer : removed) {
      Json::json_pointer path(pointer);
      if (!document_.contains(path)) continue;  // its parent went first
      Json::json_pointer list = path.parent_pointer();
      Json& container = document_.at(list);
      if (container.is_array()) {
        container.erase(std::stoul(path.back()));
      } else {
        container.erase(path.back());
      }
      // A nested "resources" list goes with its last child; the top-level one stays.
      Json::json_pointer owner = list.parent_pointer();
      if (container.empty() && !owner.empty()) document_.at(owner).erase("resources");
    }
  }

  // --- parameters -----------------------------------------------------------------------

  const Json* findParameter(const std::string& name) const {
    auto definitions = document_.find("parameters");
    if (definitions == document_.end() || !definitions->is_object()) return nullptr;
    for (auto it = definitions->begin(); it != definitions->end(); ++it) {
      if (iequals(it.key(), name)) return &it.value();
    }
    return nullptr;
  }

  void setParameterDefault(const std::string& name, const std::string& value, const PlanNode& node) {
    auto [it, inserted] = defaults_.emplace(toLower(name), std::make_pair(value, node.name));
    if (inserted || it->second.first == value) return;
    diagnostics_.warning("W-TEMPLATE-PARAMETER-SHARED",
                         "parameter '" + name + "' is used by '" + it->second.second + "' and '" + node.name +
                             "', which need different target values ('" + it->second.first + "' and '" + value +
                             "'); give one of them its own parameter in the source template",
                         node.id, {file_, pointerAppend("/parameters", name), -1});
  }

  void addParameter(const std::string& name, const std::string& value) {
    added_.emplace_back(name, value);
  }

  void finishParameters() {
    if (!document_.contains("parameters") && added_.empty()) return;
    Json& definitions = parameters();
    for (auto it = definitions.begin(); it != definitions.end(); ++it) {
      if (!it->is_object()) continue;
      auto wanted = defaults_.find(toLower(it.key()));
      if (wanted != defaults_.end()) {
        (*it)["defaultValue"] = wanted->second.first;
      } else if (!isSecureParameter(*it)) {
        auto value = it->find("defaultValue");
        if (value != it->end() && value->is_string() && looksLikeResourceId(value->get<std::string>())) {
          if (auto target = index_.mapId(value->get<std::string>())) *value = *target;
        }
      }
    }
    for (const auto& [name, value] : added_) {
      definitions[name] = Json{{"defaultValue", value}, {"type", "String"}};
    }
    removeUnusedParameters(definitions);
    for (auto it = definitions.begin(); it != definitions.end(); ++it) {
      // A secure default is a secret: the target never carries it.
      if (isSecureParameter(*it)) it->erase("defaultValue");
    }
  }

  void removeUnusedParameters(Json& definitions) {
    std::set<std::string> used;
    bool complete = true;
    for (const char* section : {"resources", "variables", "outputs", "parameters"}) {
      auto it = document_.find(section);
      if (it != document_.end()) collectParameterUses(*it, used, complete);
    }
    if (!complete || document_.contains("functions")) return;  // a computed name may use any of them
    std::vector<std::string> unused;
    for (auto it = definitions.begin(); it != definitions.end(); ++it) {
      if (!used.count(toLower(it.key()))) unused.push_back(it.key());
    }
    for (const auto& name : unused) definitions.erase(name);
  }

  static void collectParameterUses(const Json& node, std::set<std::string>& used, bool& complete) {
    auto scan = [&](const std::string& text) {
      if (!expr::isExpression(text)) return;
      try {
        auto names = expr::referencedNames(expr::parse(text));
        for (const auto& name : names.parameters) used.insert(toLower(name));
        complete = complete && !names.computedNames;
      } catch (const expr::ParseError&) {
        complete = false;
      }
    };
    if (node.is_string()) {
      scan(node.get<std::string>());
    } else if (node.is_array()) {
      for (const auto& child : node) collectParameterUses(child, used, complete);
    } else if (node.is_object()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        scan(it.key());
        collectParameterUses(*it, used, complete);
      }
    }
  }

  Json parametersDocument() const {
    Json values = Json::object();
    const Json definitions = document_.value("parameters", Json::object());
    for (auto it = definitions.begin(); it != definitions.end(); ++it) {
      if (!it->is_object() || isSecureParameter(*it)) continue;
      auto value = it->find("defaultValue");
      if (value == it->end()) continue;
      // A parameters file contains values, not expressions, so expressions stay as defaults.
      if (value->is_string() && expr::isExpression(value->get<std::string>())) continue;
      values[it.key()] = Json{{"value", *value}};
    }
    Json document = Json::object();
    document["$schema"] = kParametersSchema;
    document["contentVersion"] = "1.0.0.0";
    document["parameters"] = std::move(values);
    return document;
  }

  // --- report ---------------------------------------------------------------------------

  void reportLeftOut() {
    std::map<std::string, std::vector<std::string>> dataPlane;  // collection -> names
    std::map<std::string, std::vector<std::string>> others;     // strategy -> names
    for (const auto& raw : resources_) {
      if (raw.keep) continue;
      for (const auto* source : raw.sources) {
        const PlanNode* node = index_.node(source->key);
        if (source->dataPlane) {
          dataPlane[leafType(source->type)].push_back(leafName(source->name));
        } else if (node && !createsResource(*node)) {
          others[strategyName(node->strategy)].push_back(node->name);
        }
      }
    }
    if (!dataPlane.empty()) {
      std::string list;
      for (const auto& [collection, names] : dataPlane) list += (list.empty() ? "" : "; ") + collection + " " + joined(names);
      diagnostics_.info("I-DATAPLANE-NOT-IN-TEMPLATE",
                        "the target template leaves out the vault objects (" + list + "): a template carries no "
                        "secret values and would create new key material, so the plan's data-plane steps move them",
                        {}, {file_, "", -1});
    }
    if (others.empty()) return;
    std::string list;
    for (const auto& [strategy, names] : others) {
      list += (list.empty() ? "" : "; ") + strategy + ": " +
              (strategy == "out-of-scope" ? std::to_string(names.size()) + " resource(s)" : joined(names));
    }
    diagnostics_.info("I-TEMPLATE-RESOURCES-LEFT-OUT",
                      "the target template creates only relocated resources; left out by strategy: " + list, {},
                      {file_, "", -1});
  }

  static std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
  }

  TargetTemplate result() {
    TargetTemplate target;
    target.sourceFile = file_;
    target.templateDocument = document_;
    target.parametersDocument = parametersDocument();
    target.firstStep = firstStep_;
    target.expected = expectation_;
    return target;
  }

  const PlanIndex& index_;
  std::string file_;
  const std::string& parametersFile_;
  Diagnostics& diagnostics_;
  Json document_;
  std::map<std::string, std::vector<const Resource*>> byPointer_;
  std::map<std::string, std::set<std::string>> declared_;  // dependsOn entry pointer -> resource keys
  std::vector<RawResource> resources_;
  std::set<std::string> keptKeys_;
  std::map<std::string, std::string> literalRenames_;
  std::map<std::string, std::pair<std::string, std::string>> defaults_;  // parameter -> (value, resource)
  std::vector<std::pair<std::string, std::string>> added_;
  std::size_t firstStep_ = 0;
  TemplateExpectation expectation_;
};

[[noreturn]] void failWrite(const std::string& path, int error) {
  throw TemplateWriteError("cannot write '" + path + "': " + std::strerror(error) +
                           "; check that the folder is writable");
}

std::string fileStem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

// Output folders: DIR itself for one template, else DIR/<stem> with "-2", "-3", ... when
// two sources share a stem.
std::vector<std::string> outputFolders(const std::vector<TargetTemplate>& targets, const std::string& directory) {
  std::vector<std::string> out;
  if (targets.size() == 1) return {directory};
  std::set<std::string> taken;
  for (const auto& target : targets) {
    std::string stem = fileStem(target.sourceFile);
    std::string candidate = stem;
    for (int suffix = 2; !taken.insert(candidate).second; ++suffix) candidate = stem + "-" + std::to_string(suffix);
    out.push_back((std::filesystem::path(directory) / candidate).string());
  }
  return out;
}

}  // namespace

std::vector<TargetTemplate> buildTargetTemplates(const Estate& estate, const Plan& plan,
                                                 const std::string& parametersFile, Diagnostics& diagnostics) {
  PlanIndex index(estate, plan);
  std::vector<TargetTemplate> targets;
  std::set<std::string> done;
  for (const auto& file : estate.files) {
    if (!done.insert(file).second || file == parametersFile) continue;
    TemplateRewriter rewriter(index, file, parametersFile, diagnostics);
    if (auto target = rewriter.run()) targets.push_back(std::move(*target));
  }
  std::stable_sort(targets.begin(), targets.end(), [](const TargetTemplate& a, const TargetTemplate& b) {
    return a.firstStep < b.firstStep;
  });
  return targets;
}

void writeJsonFileAtomically(const std::string& path, const Json& document) {
  try {
    writeFileAtomically(path, document.dump(2) + "\n");
  } catch (const std::system_error& error) {
    failWrite(path, error.code().value());
  }
}

TemplateEmission emitTargetTemplates(const Estate& estate, const Plan& plan, const TemplateWriterOptions& options) {
  TemplateEmission emission;
  auto targets = buildTargetTemplates(estate, plan, options.parametersFile, emission.diagnostics);
  if (targets.empty()) {
    emission.diagnostics.warning("W-TEMPLATE-NOTHING-TO-WRITE",
                                 "no input template defines a resource the target deployment creates, so nothing is "
                                 "written to " + options.directory);
    return emission;
  }
  auto folders = outputFolders(targets, options.directory);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    std::error_code error;
    std::filesystem::create_directories(folders[i], error);
    if (error) failWrite(folders[i], error.value());
    WrittenTemplate written{targets[i].sourceFile, (std::filesystem::path(folders[i]) / "template.json").string(),
                            (std::filesystem::path(folders[i]) / "parameters.json").string(), targets[i].expected};
    writeJsonFileAtomically(written.templateFile, targets[i].templateDocument);
    writeJsonFileAtomically(written.parametersFile, targets[i].parametersDocument);
    // A named copy: iterating .all() of the returned temporary would read freed memory.
    Diagnostics findings = verifyTargetTemplate(written.templateFile, written.parametersFile, targets[i].expected);
    for (const auto& finding : findings.all()) emission.diagnostics.add(finding);
    const DeploymentContext& context = targets[i].expected.context;
    emission.diagnostics.info("I-TEMPLATE-WRITTEN",
                              "deployment " + std::to_string(i + 1) + " of " + std::to_string(targets.size()) + ": " +
                                  written.templateFile + " with " + written.parametersFile +
                                  " creates the relocated resources of " + written.sourceFile +
                                  " in resource group " + context.resourceGroup + " of subscription " +
                                  context.subscriptionId + " (az deployment group create --resource-group " +
                                  context.resourceGroup + " --template-file " + written.templateFile +
                                  " --parameters @" + written.parametersFile + ")");
    emission.written.push_back(std::move(written));
  }
  return emission;
}

}  // namespace kvr
