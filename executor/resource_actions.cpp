#include "executor/resource_actions.h"

#include "executor/api_versions.h"
#include "executor/resource_actions_internal.h"

#include <set>

namespace kvr::executor {

namespace detail {

std::string typeOfId(const std::string& id) {
  // /subscriptions/s/resourceGroups/g/providers/<namespace>/<type>/<name>[/<type>/<name>...]
  std::string lower = toLower(id);
  std::size_t providers = lower.rfind("/providers/");
  if (providers == std::string::npos) return lower.find("/resourcegroups/") != std::string::npos ? "Microsoft.Resources/resourceGroups" : "";
  std::string rest = id.substr(providers + 11);
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= rest.size()) {
    std::size_t end = rest.find('/', start);
    if (end == std::string::npos) end = rest.size();
    segments.push_back(rest.substr(start, end - start));
    start = end + 1;
  }
  if (segments.empty()) return "";
  std::string type = segments[0];
  for (std::size_t index = 1; index < segments.size(); index += 2) type += "/" + segments[index];
  return type;
}

std::string resourceUrl(azure::AzureClient& client, const std::string& id, const std::string& type) {
  return client.resourceUrl(id, apiVersionFor(type.empty() ? typeOfId(id) : type));
}

Json readSource(StepContext& context, const std::string& id, const std::string& type) {
  std::optional<Json> resource = context.client.getIfExists(azure::Service::ResourceManager, resourceUrl(context.client, id, type));
  if (!resource) throw std::runtime_error("source resource " + id + " no longer exists; write the plan again");
  return *resource;
}

const VaultRelocation* vaultOfNode(const Plan& plan, const PlanNode& node) {
  std::string key = toLower(node.key);
  for (const auto& vault : plan.vaults) {
    std::string vaultKey = toLower(vault.sourceId);
    if (key == vaultKey || istartsWith(key, vaultKey + "#") || istartsWith(key, vaultKey + "/")) return &vault;
  }
  return nullptr;
}

std::string targetVaultUri(StepContext& context, const VaultRelocation& vault, SourceWriteGuard& guard) {
  if (auto known = context.state.vaultUri(vault.targetId)) return *known;
  Json target = context.client.get(azure::Service::ResourceManager,
                                   resourceUrl(context.client, vault.targetId, "Microsoft.KeyVault/vaults"));
  std::string uri = target["properties"].value("vaultUri", "");
  if (uri.empty()) throw std::runtime_error("target vault " + vault.targetId + " has no vaultUri");
  context.state.setVaultUri(vault.targetId, uri);
  guard.addTargetVaultUri(uri);
  return *context.state.vaultUri(vault.targetId);
}

std::string principalOf(const Json& resource) {
  if (resource.contains("identity") && resource["identity"].is_object()) {
    std::string id = resource["identity"].value("principalId", "");
    if (!id.empty()) return id;
  }
  if (resource.contains("properties") && resource["properties"].is_object()) {
    return resource["properties"].value("principalId", "");
  }
  return "";
}

}  // namespace detail

namespace {

using namespace detail;

// Writes the target of a node with one PUT: VNets with all their subnets, NSGs, private
// endpoints, DNS zone groups and links, NICs, disk encryption sets.
class RedeployAction : public Action {
 public:
  explicit RedeployAction(ResourceActionEnvironment& environment) : environment_(environment) {}

  void run(StepContext& context) override {
    const PlanNode& node = context.node;
    if (node.targetId.empty()) throw std::runtime_error("the plan gives no target id for " + node.id);
    Json source = readSource(context, node.id, node.type);
    Json body = targetBody(context.plan, node, source, relocatedIds(context.plan, context.state));
    rewriteKeyReference(context, body);

    context.journal.intend(node.key, "", {{"targetId", node.targetId}});
    context.client.putResource(resourceUrl(context.client, node.targetId, node.type), body);
    context.state.mapResource(node.id, node.targetId);
    for (const auto& other : context.plan.nodes) {
      if (other.foldedInto == node.key && !other.id.empty()) context.state.mapResource(other.id, other.targetId);
    }
    context.journal.complete(node.key, "", {{"targetId", node.targetId}});
  }

 private:
  // A disk encryption set's active key moves to the target vault's copy of the key.
  void rewriteKeyReference(StepContext& context, Json& body) {
    Json& properties = body["properties"];
    if (!properties.contains("activeKey") || !properties["activeKey"].contains("keyUrl")) return;
    std::string keyUrl = properties["activeKey"]["keyUrl"].get<std::string>();
    if (const VaultRelocation* vault = vaultNamed(context.plan, keyUrl)) targetVaultUri(context, *vault, environment_.guard);
    if (auto target = targetObjectUrl(keyUrl, context.plan, context.state)) properties["activeKey"]["keyUrl"] = *target;
  }

  static const VaultRelocation* vaultNamed(const Plan& plan, const std::string& url) {
    std::optional<VaultObjectUrl> parsed = parseVaultObjectUrl(url);
    if (!parsed) return nullptr;
    for (const auto& vault : plan.vaults) {
      if (iequals(vault.sourceName, parsed->vaultName)) return &vault;
    }
    return nullptr;
  }

  ResourceActionEnvironment& environment_;
};

// Creates the new vault: new name and location, network rules on the target subnets with
// ignoreMissingVnetServiceEndpoint false, soft delete and purge protection as planned,
// access policies for principals that keep their ids (and the remapped ids of recreated
// ones the run knows); then waits for its data plane to answer.
class VaultAction : public Action {
 public:
  explicit VaultAction(ResourceActionEnvironment& environment) : environment_(environment) {}

  void run(StepContext& context) override {
    const PlanNode& node = context.node;
    Json source = readSource(context, node.id, node.type);
    std::string sourceUri = source["properties"].value("vaultUri", "");
    if (!sourceUri.empty()) {
      context.state.setVaultUri(node.id, sourceUri);
      environment_.guard.addSourceVaultUri(sourceUri);
    }

    Json body = targetBody(context.plan, node, source, relocatedIds(context.plan, context.state));
    shapeVaultProperties(context, body["properties"]);

    context.journal.intend(node.key, "", {{"targetId", node.targetId}});
    Json created = context.client.putResource(resourceUrl(context.client, node.targetId, node.type), body);
    std::string targetUri = created["properties"].value("vaultUri", "");
    if (targetUri.empty()) throw std::runtime_error("target vault " + node.targetId + " was created without a vaultUri");
    context.state.setVaultUri(node.targetId, targetUri);
    environment_.guard.addTargetVaultUri(targetUri);
    context.state.mapResource(node.id, node.targetId);

    waitForDataPlane(context, targetUri);
    context.journal.complete(node.key, "", {{"targetId", node.targetId}, {"vaultUri", targetUri}});
  }

 private:
  void shapeVaultProperties(StepContext& context, Json& properties) {
    for (const char* member : {"vaultUri", "privateEndpointConnections", "hsmPoolResourceId", "createMode"}) {
      properties.erase(member);
    }
    if (properties.contains("networkAcls") && properties["networkAcls"].contains("virtualNetworkRules")) {
      for (Json& rule : properties["networkAcls"]["virtualNetworkRules"]) rule["ignoreMissingVnetServiceEndpoint"] = false;
    }
    const Json& parameters = context.node.parameters;
    if (parameters.value("enablePurgeProtection", false)) properties["enablePurgeProtection"] = true;
    if (properties.contains("accessPolicies")) properties["accessPolicies"] = accessPolicies(context, properties["accessPolicies"]);
  }

  // Keeps the policies of principals that keep their ids, remaps recreated principals the
  // run knows, and leaves out the others: their grant steps add them once they exist.
  Json accessPolicies(StepContext& context, const Json& policies) {
    std::set<std::string> changing = changingPrincipals(context);
    Json result = Json::array();
    for (Json policy : policies) {
      std::string objectId = policy.value("objectId", "");
      if (auto mapped = context.state.targetPrincipal(objectId)) {
        policy["objectId"] = *mapped;
      } else if (changing.count(toLower(objectId))) {
        continue;
      }
      result.push_back(policy);
    }
    return result;
  }

  // The current principals of the resources whose grant steps re-create their access.
  std::set<std::string> changingPrincipals(StepContext& context) {
    std::set<std::string> result;
    std::string prefix = toLower(context.node.key) + "#grant/";
    for (const auto& other : context.plan.nodes) {
      if (!istartsWith(other.key, prefix)) continue;
      std::string holder = other.parameters.value("principalOf", "");
      if (holder.empty()) continue;
      std::optional<Json> resource =
          context.client.getIfExists(azure::Service::ResourceManager, resourceUrl(context.client, holder, ""));
      if (!resource) continue;
      std::string principal = principalOf(*resource);
      if (!principal.empty()) result.insert(toLower(principal));
    }
    return result;
  }

  // A new vault's name needs time to resolve; any HTTP answer means the data plane is up.
  void waitForDataPlane(StepContext& context, const std::string& vaultUri) {
    azure::TimePoint deadline = environment_.timer.now() + environment_.settings.dataPlaneWait;
    std::string url = vaultUri + "secrets?api-version=7.6&maxresults=1";
    while (true) {
      try {
        context.client.send(azure::Service::KeyVault, "GET", url);
        return;
      } catch (const azure::TransportError& error) {
        if (environment_.timer.now() >= deadline) {
          throw std::runtime_error("the data plane of " + vaultUri + " did not answer in time: " + error.what());
        }
        context.progress("waiting for " + vaultUri + " to resolve");
        environment_.timer.sleepFor(environment_.settings.dataPlanePoll);
      }
    }
  }

  ResourceActionEnvironment& environment_;
};

// Checks that a region-independent resource is there and records it as its own target.
class ReuseAction : public Action {
 public:
  void run(StepContext& context) override {
    const PlanNode& node = context.node;
    std::string id = node.targetId.empty() ? node.id : node.targetId;
    if (!context.client.getIfExists(azure::Service::ResourceManager, resourceUrl(context.client, id, node.type))) {
      throw std::runtime_error("reused resource " + id + " does not exist; create it or write the plan again");
    }
    context.state.mapResource(node.id, id);
    context.journal.complete(node.key, "", {{"targetId", id}});
  }
};

// A resource relocated by its own procedure: the run waits for the operator to pass its
// new id.
class ExternalAction : public Action {
 public:
  explicit ExternalAction(ResourceActionEnvironment& environment) : environment_(environment) {}

  void run(StepContext& context) override {
    const PlanNode& node = context.node;
    auto mapped = environment_.operatorMappings.find(toLower(node.id));
    if (mapped == environment_.operatorMappings.end()) {
      // An external node keeps its source location in the plan, so the region is the run's target.
      const std::string& target = context.plan.target.location;
      std::string region = target.empty() ? "the target region" : target;
      throw OperatorActionRequired(node.id + " is relocated by its own procedure, not by kvrelocate: move it to " + region +
                                   ", then pass its new id with --map");
    }
    const std::string& newId = mapped->second;
    if (!context.client.getIfExists(azure::Service::ResourceManager, resourceUrl(context.client, newId, node.type))) {
      throw OperatorActionRequired("the new id given for " + node.id + " does not exist: " + newId +
                                   "; pass the id of the relocated resource with --map " + node.id + "=NEW_ID");
    }
    context.state.mapResource(node.id, newId);
    context.journal.complete(node.key, "", {{"targetId", newId}});
  }

 private:
  ResourceActionEnvironment& environment_;
};

}  // namespace

std::unique_ptr<Action> makeResourceAction(const PlanNode& node, ResourceActionEnvironment& environment) {
  switch (node.strategy) {
    case Strategy::Redeploy: return std::make_unique<RedeployAction>(environment);
    case Strategy::RedeployWithData: return std::make_unique<VaultAction>(environment);
    case Strategy::Reuse: return std::make_unique<ReuseAction>();
    case Strategy::External: return std::make_unique<ExternalAction>(environment);
    case Strategy::Reconfigure: return makeReconfigureAction(node, environment);
    case Strategy::Repoint: return makeRepointAction(node, environment);
    default: return nullptr;
  }
}

std::vector<std::string> targetResourceGroups(const Plan& plan) {
  std::set<std::string> groups;
  std::map<std::string, std::string> spelled;
  for (const auto& node : plan.nodes) {
    if (node.targetId.empty() || iequals(node.targetId, node.id)) continue;
    if (node.strategy != Strategy::Redeploy && node.strategy != Strategy::RedeployWithData) continue;
    std::string lower = toLower(node.targetId);
    std::size_t groupAt = lower.find("/resourcegroups/");
    if (groupAt == std::string::npos) continue;
    std::size_t end = lower.find('/', groupAt + 16);
    std::string group = node.targetId.substr(0, end);
    if (groups.insert(toLower(group)).second) spelled[toLower(group)] = group;
  }
  std::vector<std::string> result;
  for (const auto& [lower, group] : spelled) result.push_back(group);
  return result;
}

}  // namespace kvr::executor
