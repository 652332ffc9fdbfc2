// Reconfigure actions: what no copy carries to the new vault. Access grants for principals
// that change (the "#grant/" steps), role assignments and diagnostic settings at the new
// vault's scope. A rotation policy is a data-plane step (makeDataPlaneAction).

#include "executor/api_versions.h"
#include "executor/resource_actions_internal.h"
#include "strategies/role_assignments.h"

#include <functional>

namespace kvr::executor::detail {

namespace {

std::string subscriptionOf(const std::string& id) {
  std::string lower = toLower(id);
  if (!istartsWith(lower, "/subscriptions/")) return "";
  std::size_t end = id.find('/', 15);
  return id.substr(15, end == std::string::npos ? std::string::npos : end - 15);
}

void putRoleAssignment(StepContext& context, const std::string& scope, const std::string& principal,
                       const std::string& roleDefinitionId, const std::string& principalType) {
  std::string id = planning::derivedRoleAssignmentId(scope, principal, roleDefinitionId);
  Json body = {{"properties", {{"roleDefinitionId", roleDefinitionId}, {"principalId", principal}}}};
  if (!principalType.empty()) body["properties"]["principalType"] = principalType;
  context.journal.intend(context.node.key, "", {{"targetId", id}});
  context.client.put(azure::Service::ResourceManager, resourceUrl(context.client, id, "Microsoft.Authorization/roleAssignments"), body);
  context.journal.complete(context.node.key, "", {{"targetId", id}});
}

const VaultRelocation& requireVault(const Plan& plan, const PlanNode& node) {
  const VaultRelocation* vault = vaultOfNode(plan, node);
  if (!vault) throw std::runtime_error("step " + node.key + " belongs to no relocated vault of the plan");
  return *vault;
}

// Grants a principal that changes (a resource re-created with a new identity) what its old
// principal had on the source vault: an access policy, or the planned role in RBAC mode.
class GrantAction : public Action {
 public:
  explicit GrantAction(ResourceActionEnvironment& environment) : environment_(environment) {}

  void run(StepContext& context) override {
    const PlanNode& node = context.node;
    const VaultRelocation& vault = requireVault(context.plan, node);
    std::string holder = node.parameters.value("principalOf", "");
    if (holder.empty()) throw std::runtime_error("grant step " + node.key + " names no principal (parameters.principalOf)");

    std::string oldPrincipal = principalOf(readSource(context, holder, ""));
    std::string newHolder = context.state.targetResource(holder).value_or(holder);
    std::optional<Json> target =
        context.client.getIfExists(azure::Service::ResourceManager, resourceUrl(context.client, newHolder, ""));
    if (!target) throw std::runtime_error("the new identity holder " + newHolder + " does not exist yet");
    std::string newPrincipal = principalOf(*target);
    if (newPrincipal.empty()) throw std::runtime_error(newHolder + " has no managed identity to grant access to");
    if (!oldPrincipal.empty()) context.state.mapPrincipal(oldPrincipal, newPrincipal);

    // NOTE: a grant that Resource Manager lists can still take minutes to reach the Key Vault
    // service, and the steps after this one do not wait for that.
    if (iequals(node.type, "Microsoft.Authorization/roleAssignments")) {
      std::string role = node.parameters.value("role", "Key Vault Secrets User");
      std::string definition = planning::resolveRoleDefinitionId(Json{{"roleDefinitionName", role}}, subscriptionOf(vault.targetId));
      if (definition.empty()) {
        throw std::runtime_error("grant step " + node.key + " names role '" + role + "', which is not a built-in Key Vault role");
      }
      putRoleAssignment(context, vault.targetId, newPrincipal, definition, "ServicePrincipal");
      std::string id = planning::derivedRoleAssignmentId(vault.targetId, newPrincipal, definition);
      awaitListed(context, "role assignment " + id, [&] {
        return context.client
            .getIfExists(azure::Service::ResourceManager, resourceUrl(context.client, id, "Microsoft.Authorization/roleAssignments"))
            .has_value();
      });
      return;
    }
    addAccessPolicy(context, vault, oldPrincipal, newPrincipal);
    awaitListed(context, "the access policy of " + newPrincipal + " on " + vault.targetId, [&] {
      Json target = context.client.get(azure::Service::ResourceManager,
                                       resourceUrl(context.client, vault.targetId, "Microsoft.KeyVault/vaults"));
      for (const Json& policy : target["properties"].value("accessPolicies", Json::array())) {
        if (iequals(policy.value("objectId", ""), newPrincipal)) return true;
      }
      return false;
    });
  }

 private:
  // Reads the new grant back until Resource Manager lists it, within grantListedWait.
  void awaitListed(StepContext& context, const std::string& what, const std::function<bool()>& listed) {
    azure::TimePoint deadline = environment_.timer.now() + environment_.settings.grantListedWait;
    while (!listed()) {
      if (environment_.timer.now() >= deadline) {
        throw std::runtime_error(what + " is not listed " +
                                 std::to_string(environment_.settings.grantListedWait.count() / 1000) +
                                 " s after it was written");
      }
      context.progress("waiting for " + what + " to be listed");
      environment_.timer.sleepFor(environment_.settings.grantListedPoll);
    }
  }

  ResourceActionEnvironment& environment_;

  void addAccessPolicy(StepContext& context, const VaultRelocation& vault, const std::string& oldPrincipal,
                       const std::string& newPrincipal) {
    Json source = readSource(context, vault.sourceId, "Microsoft.KeyVault/vaults");
    const Json& properties = source["properties"];
    Json permissions = {{"keys", Json::array()}, {"secrets", Json::array()}, {"certificates", Json::array()}};
    for (const Json& policy : properties.value("accessPolicies", Json::array())) {
      if (iequals(policy.value("objectId", ""), oldPrincipal)) permissions = policy.value("permissions", permissions);
    }
    Json body = {{"properties",
                  {{"accessPolicies",
                    Json::array({{{"tenantId", properties.value("tenantId", "")},
                                  {"objectId", newPrincipal},
                                  {"permissions", permissions}}})}}}};
    std::string id = vault.targetId + "/accessPolicies/add";
    context.journal.intend(context.node.key, "", {{"targetId", id}, {"principal", newPrincipal}});
    context.client.put(azure::Service::ResourceManager, resourceUrl(context.client, id, "Microsoft.KeyVault/vaults"), body);
    context.journal.complete(context.node.key, "", {{"targetId", id}, {"principal", newPrincipal}});
  }
};

// Re-creates a role assignment of the source vault at the new vault's scope, for the same
// principal (or its successor) and role. An assignment that names its role only by
// `roleDefinitionName` gets the built-in role of that name in the target subscription.
class RoleAssignmentAction : public Action {
 public:
  void run(StepContext& context) override {
    const PlanNode& node = context.node;
    const VaultRelocation& vault = requireVault(context.plan, node);
    Json source = readSource(context, node.id, node.type);
    const Json& properties = source["properties"];
    std::string definition = planning::resolveRoleDefinitionId(properties, subscriptionOf(vault.targetId));
    if (definition.empty()) {
      std::string name = properties.value("roleDefinitionName", "");
      throw std::runtime_error("role assignment " + node.id + " has no valid roleDefinitionId and its role '" + name +
                               "' is not a built-in Key Vault role: add the role definition id to the source assignment");
    }
    std::string principal = properties.value("principalId", "");
    principal = context.state.targetPrincipal(principal).value_or(principal);
    putRoleAssignment(context, vault.targetId, principal, definition, properties.value("principalType", ""));
  }
};

// Re-creates a diagnostic setting on the new vault with the same destinations.
class DiagnosticSettingAction : public Action {
 public:
  void run(StepContext& context) override {
    const PlanNode& node = context.node;
    const VaultRelocation& vault = requireVault(context.plan, node);
    Json source = readSource(context, node.id, node.type);
    Json properties = rewriteIds(source.value("properties", Json::object()), relocatedIds(context.plan, context.state));
    std::string name = node.targetName.empty() ? node.name : node.targetName;
    std::string id = vault.targetId + "/providers/Microsoft.Insights/diagnosticSettings/" + name;
    context.journal.intend(node.key, "", {{"targetId", id}});
    context.client.put(azure::Service::ResourceManager, resourceUrl(context.client, id, node.type), {{"properties", properties}});
    context.state.mapResource(node.id, id);
    context.journal.complete(node.key, "", {{"targetId", id}});
  }
};

}  // namespace

std::unique_ptr<Action> makeReconfigureAction(const PlanNode& node, ResourceActionEnvironment& environment) {
  if (node.key.find("#grant/") != std::string::npos) return std::make_unique<GrantAction>(environment);
  if (iequals(node.type, "Microsoft.Authorization/roleAssignments")) return std::make_unique<RoleAssignmentAction>();
  if (iequals(node.type, "Microsoft.Insights/diagnosticSettings")) return std::make_unique<DiagnosticSettingAction>();
  return nullptr;
}

}  // namespace kvr::executor::detail
