// The rules that give every node one strategy and a reason a reviewer can check.

#include <set>

#include "discovery/resource_id.h"
#include "strategies/planner_internal.h"
#include "strategies/role_assignments.h"
#include "strategies/vault_names.h"

namespace kvr::planning {

namespace {

constexpr std::size_t kBackupMaxVersions = 500;  // Key Vault backs up at most 500 past versions

struct Choice {
  Strategy strategy;
  std::string rule;
  std::string reason;
};

std::size_t versionCount(const Json& body) {
  if (body.contains("versionCount") && body["versionCount"].is_number_integer()) {
    return body["versionCount"].get<std::size_t>();
  }
  if (body.contains("versions") && body["versions"].is_array()) return body["versions"].size();
  return 1;
}

bool isManagedObject(const Json& body) { return body.value("managed", false); }

class Rules {
 public:
  explicit Rules(Context& context) : context_(context) {}

  Choice choose(const Resource& resource) {
    const auto& key = resource.key;
    if (!context_.inScope(key)) {
      return {Strategy::OutOfScope, "out-of-scope", "not needed to relocate the vault; it stays as it is"};
    }
    if (context_.hasRole(key, Role::Vault)) return vault(resource);
    if (context_.hasRole(key, Role::DataPlane)) return dataPlane(resource);
    if (context_.hasRole(key, Role::VaultChild)) return vaultChild(resource);
    if (context_.hasRole(key, Role::Extension)) return extension(resource);
    if (resource.external) return external(resource);
    if (context_.hasRole(key, Role::Parameters)) {
      return {Strategy::Repoint, "parameters-file",
              "its Key Vault references must name the new vault's id before the next deployment"};
    }
    if (context_.hasRole(key, Role::RegionBound)) return regionBound(resource);
    if (context_.hasRole(key, Role::Dns) || context_.hasRole(key, Role::Endpoint) ||
        context_.hasRole(key, Role::Network)) {
      return network(resource);
    }
    if (context_.hasRole(key, Role::Consumer)) return consumer(resource);
    if (context_.hasRole(key, Role::Identity) || context_.hasRole(key, Role::Principal)) return principal(resource);
    return {Strategy::OutOfScope, "out-of-scope", "not needed to relocate the vault; it stays as it is"};
  }

 private:
  Choice vault(const Resource&) {
    return {Strategy::RedeployWithData, "vault",
            "a vault cannot move between regions: a new vault with a new global name is created and its objects "
            "carried over; access policies, network rules, soft delete and purge protection are re-applied"};
  }

  Choice dataPlane(const Resource& resource) {
    const Json& body = resource.body;
    if (isManagedObject(body)) {
      return {Strategy::Drop, "managed-object",
              "managed by its certificate: it is carried with the certificate, not on its own"};
    }
    std::string collection = leafType(resource.type);
    std::size_t versions = versionCount(body);
    bool backupAllowed = context_.sameSubscription && context_.sameGeography && versions <= kBackupMaxVersions;
    if (collection == "secrets") {
      if (backupAllowed && context_.options.secretsByBackup) {
        return {Strategy::BackupRestore, "secret-backup",
                "source and target are in the same subscription and the same geography, "
                "and backup keeps every version and its id"};
      }
      return {Strategy::CopySecret, "secret-copy",
              "copied value by value with content type, tags, enabled state and dates per version (" +
                  std::to_string(versions) + " version(s)); works across subscriptions and geographies"};
    }
    if (collection == "keys") {
      if (backupAllowed) {
        return {Strategy::BackupRestore, "key-backup",
                "source and target are in the same subscription and the same geography, "
                "so a backup restores the same key material"};
      }
      std::string why = !context_.sameSubscription ? "another subscription"
                        : !context_.sameGeography  ? "another geography"
                                                   : "more than 500 versions";
      return {Strategy::RegenerateKey, "key-regenerate",
              "key material cannot leave its geography and subscription (target is in " + why +
                  "): a new key is generated after the services that use it have moved"};
    }
    // Certificates.
    if (backupAllowed) {
      return {Strategy::BackupRestore, "certificate-backup",
              "source and target are in the same subscription and the same geography, "
              "so a backup restores the certificate with its key"};
    }
    bool exportable = certificateExportable(body);
    if (exportable) {
      return {Strategy::ExportImportPfx, "certificate-pfx",
              "its private key is exportable, so it moves as a PFX (in memory only) into the target vault"};
    }
    return {Strategy::ReissueCertificate, "certificate-reissue",
            "its private key is not exportable and backup cannot cross geographies or subscriptions: a new "
            "certificate is issued with the same policy"};
  }

  static bool certificateExportable(const Json& body) {
    const Json policy = body.value("policy", Json::object());
    const Json keyProperties = policy.is_object() ? policy.value("key_props", policy.value("keyProperties", Json::object()))
                                                  : Json::object();
    if (keyProperties.is_object() && keyProperties.contains("exportable")) return keyProperties.value("exportable", false);
    const Json attributes = body.value("attributes", Json::object());
    return attributes.is_object() && attributes.value("exportable", false);
  }

  Choice vaultChild(const Resource& resource) {
    if (iequals(leafType(resource.type), "privateEndpointConnections")) {
      return {Strategy::Drop, "private-endpoint-connection",
              "Azure creates the connection when the new private endpoint connects; it cannot be deployed"};
    }
    return {Strategy::Reconfigure, "access-policies", "access policies are re-applied to the new vault"};
  }

  Choice extension(const Resource& resource) {
    if (isType(resource, "Microsoft.Authorization/roleAssignments")) {
      return {Strategy::Reconfigure, "role-assignment",
              "role assignments belong to the vault's resource id and are not carried over: re-created at the "
              "new vault's scope"};
    }
    if (isType(resource, "Microsoft.Authorization/locks")) {
      return {Strategy::Reconfigure, "lock", "locks belong to the vault's resource id: re-created on the new vault"};
    }
    return {Strategy::Reconfigure, "diagnostic-setting",
            "diagnostic settings are not copied with a vault: re-created on the new vault with the same destination"};
  }

  Choice external(const Resource& resource) {
    if (iequals(resource.type, "Microsoft.Network/virtualNetworks/subnets") ||
        iequals(resource.type, "Microsoft.Network/virtualNetworks")) {
      return {Strategy::External, "external-network",
              "defined outside the inputs (another resource group or subscription): give its target id with "
              "--subnet-map, or relocate it first"};
    }
    return {Strategy::External, "external",
            "defined outside the inputs: relocated by its own procedure, and the plan waits for its new id"};
  }

  Choice regionBound(const Resource& resource) {
    if (isType(resource, "Microsoft.Compute/diskEncryptionSets")) {
      return {Strategy::Redeploy, "disk-encryption-set",
              "a disk encryption set must use a vault in its own region: re-created in the target with a new "
              "identity, which is then granted on the new key"};
    }
    return {Strategy::External, "region-bound",
            "it must stay in the same region as the vault it uses, so it is relocated by its own procedure "
            "(for example Azure Resource Mover) and the plan orders around it"};
  }

  Choice network(const Resource& resource) {
    if (isType(resource, "Microsoft.Network/privateDnsZones")) {
      return {Strategy::Reuse, "private-dns-zone",
              "private DNS zones are global: the same zone serves the target, linked to the target network"};
    }
    if (isType(resource, "Microsoft.Network/privateEndpoints")) {
      return {Strategy::Redeploy, "private-endpoint",
              "re-created in the target subnet, connected to the new vault"};
    }
    if (isType(resource, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")) {
      return {Strategy::Redeploy, "dns-zone-group",
              "re-created on the new private endpoint so the vault's private address is registered in the zone"};
    }
    if (isType(resource, "Microsoft.Network/privateDnsZones/virtualNetworkLinks")) {
      return {Strategy::Redeploy, "dns-zone-link", "the zone is linked to the target network"};
    }
    if (isType(resource, "Microsoft.Network/virtualNetworks/subnets")) {
      return {Strategy::Redeploy, "subnet",
              "created with its virtual network in one request, with the Microsoft.KeyVault service endpoint where "
              "the vault's network rules need it"};
    }
    if (isType(resource, "Microsoft.Network/virtualNetworks")) {
      return {Strategy::Redeploy, "virtual-network",
              "the target network must exist before the vault's network rules and private endpoint can name it"};
    }
    return {Strategy::Redeploy, "network",
            "re-created from its definition with the target location and references rewritten"};
  }

  Choice consumer(const Resource& resource) {
    (void)resource;
    return {Strategy::Repoint, "consumer",
            "stays where it is; its references are re-pointed to the new vault after the target holds what they name"};
  }

  Choice principal(const Resource& resource) {
    if (isType(resource, "Microsoft.ManagedIdentity/userAssignedIdentities")) {
      return {Strategy::Reuse, "user-assigned-identity",
              "a user-assigned identity works across regions: the same principal is granted on the new vault"};
    }
    if (context_.changingPrincipals.count(resource.key)) {
      return {Strategy::External, "recreated-principal",
              "relocated by its own procedure with a new identity; it is granted on the new vault afterwards"};
    }
    return {Strategy::Reuse, "principal",
            "its identity is granted by the vault's access policies and keeps its principal id"};
  }

  Context& context_;
};

// Finds the principals that will change: identities of resources recreated by this plan
// or relocated by their own procedure, and those the inputs name as recreated.
void findChangingPrincipals(Context& context) {
  for (const auto& [key, roles] : context.scope) {
    if (!roles.count(Role::Principal)) continue;
    const Resource* resource = context.resource(key);
    if (!resource || isType(*resource, "Microsoft.ManagedIdentity/userAssignedIdentities")) continue;
    if (roles.count(Role::RegionBound)) context.changingPrincipals.insert(key);
  }
  // Hints: {"knownPrincipals": {"<objectId>": {"ownerResource": "<name>", "recreatedInTarget": true}}}.
  Json hints = context.relocationOption("knownPrincipals");
  if (!hints.is_object()) return;
  for (auto it = hints.begin(); it != hints.end(); ++it) {
    if (!it->is_object() || !it->value("recreatedInTarget", false)) continue;
    std::string owner = it->value("ownerResource", std::string());
    for (const auto& resource : context.estate.resources) {
      if (!owner.empty() && iequals(leafName(resource.name), owner) && context.inScope(resource.key)) {
        context.changingPrincipals.insert(resource.key);
      }
    }
  }
}

// Every relocated resource lands in the plan's target group unless the administrator
// gave none: then each keeps its own group's name with the region part replaced.
std::string targetResourceGroup(const Context& context, const Resource& resource) {
  if (!context.options.targetResourceGroup.empty()) return context.options.targetResourceGroup;
  if (!context.estate.relocation.targetResourceGroup.empty()) return context.estate.relocation.targetResourceGroup;
  return proposeResourceGroupName(resource.resourceGroup, context.sourceLocation, context.targetLocation);
}

void fillTarget(Context& context, const Resource& resource, PlanNode& node) {
  if (node.strategy == Strategy::OutOfScope || node.strategy == Strategy::Drop) return;
  if (node.strategy == Strategy::Repoint || node.strategy == Strategy::Reuse || node.strategy == Strategy::External) {
    node.targetId = resource.id;
    node.targetName = resource.name;
    node.targetLocation = resource.location;
    return;
  }
  std::string subscription =
      context.plan.target.subscriptionId.empty() ? resource.subscription : context.plan.target.subscriptionId;
  std::string name = resource.name;
  // Data-plane objects and vault children live under the renamed vault.
  std::string vaultKey = context.hasRole(resource.key, Role::Vault) ? resource.key : context.vaultOf(resource.key);
  auto renamed = context.targetVaultName.find(vaultKey);
  if (renamed != context.targetVaultName.end() && iequals(resource.type.substr(0, 25), "Microsoft.KeyVault/vaults")) {
    auto slash = name.find('/');
    name = renamed->second + (slash == std::string::npos ? "" : name.substr(slash));
  }
  if (renamed == context.targetVaultName.end() || !iequals(resource.type.substr(0, 25), "Microsoft.KeyVault/vaults")) {
    name = proposeResourceName(name, context.sourceLocation, context.targetLocation);
  }
  node.targetName = name;
  node.targetLocation = iequals(resource.location, "global") ? "global" : context.targetLocation;
  auto parsed = parseResourceId(resource.id);
  if (parsed && parsed->scope.empty()) {
    node.targetId = makeResourceId(subscription, targetResourceGroup(context, resource), resource.type, name);
  }
}

// The target id of a node whose parent is also in the plan: the parent's target id (or
// its source id when the parent stays) followed by the node's own type and target name.
std::string childTargetId(const Context& context, const PlanNode& node) {
  auto parent = parentId(node.id);
  if (!parent) return node.targetId;
  auto it = context.nodes.find(normalizeId(*parent));
  if (it == context.nodes.end()) return node.targetId;
  const PlanNode& parentNode = it->second;
  std::string parentTarget = parentNode.targetId;
  if (parentTarget.empty() || parentNode.strategy == Strategy::Reuse || parentNode.strategy == Strategy::Repoint ||
      parentNode.strategy == Strategy::OutOfScope) {
    parentTarget = parentNode.id;
  }
  if (parentTarget.empty()) return node.targetId;
  // Resolve the parent first when it is itself a child (a subnet of a VNet of ...).
  if (parentId(parentNode.id) && parentNode.strategy != Strategy::Reuse && parentNode.strategy != Strategy::OutOfScope) {
    parentTarget = childTargetId(context, parentNode);
  }
  return parentTarget + "/" + leafType(node.type) + "/" + leafName(node.targetName);
}

// The object ids that apply replaces with new ones: the identities of the holders whose
// principal changes, and the ids the inputs name as recreated in the target.
std::set<std::string> changingPrincipalIds(const Context& context) {
  std::set<std::string> ids;
  for (const auto& holderKey : context.changingPrincipals) {
    const Resource* holder = context.resource(holderKey);
    if (!holder) continue;
    for (const char* member : {"identity", "properties"}) {
      auto object = holder->body.find(member);
      if (object == holder->body.end() || !object->is_object()) continue;
      auto principal = object->find("principalId");
      if (principal != object->end() && principal->is_string()) ids.insert(toLower(principal->get<std::string>()));
    }
  }
  Json hints = context.relocationOption("knownPrincipals");
  for (auto it = hints.begin(); hints.is_object() && it != hints.end(); ++it) {
    if (it->is_object() && it->value("recreatedInTarget", false)) ids.insert(toLower(it.key()));
  }
  return ids;
}

// A role assignment is written at the new vault's scope under a name derived from scope,
// principal and role definition (derivedRoleAssignmentId), so its target is that id. When
// the principal is replaced during apply, the name depends on the new object id and is
// only known then.
void fillRoleAssignmentTargets(Context& context) {
  std::set<std::string> changing = changingPrincipalIds(context);
  for (auto& [key, node] : context.nodes) {
    if (!iequals(node.type, "Microsoft.Authorization/roleAssignments") || node.strategy != Strategy::Reconfigure) continue;
    node.targetId.clear();
    node.targetName.clear();
    auto parsed = parseResourceId(node.id);
    const VaultRelocation* vault = nullptr;
    for (const auto& relocation : context.plan.vaults) {
      if (parsed && normalizeId(relocation.sourceId) == normalizeId(parsed->scope)) vault = &relocation;
    }
    const Resource* resource = context.resource(key);
    if (!vault || !resource) continue;

    Json properties = resource->body.value("properties", Json::object());
    auto target = parseResourceId(vault->targetId);
    std::string definition = resolveRoleDefinitionId(properties, target ? target->subscription : "");
    if (!definition.empty()) node.parameters["roleDefinitionId"] = definition;
    std::string principal = properties.is_object() && properties.value("principalId", Json()).is_string()
                                ? properties["principalId"].get<std::string>()
                                : "";
    if (definition.empty() || principal.empty() || changing.count(toLower(principal))) {
      node.parameters["target"] = "name derived at apply time from the new vault's id, the principal's id in the "
                                  "target and the role definition id";
      continue;
    }
    node.targetId = derivedRoleAssignmentId(vault->targetId, principal, definition);
    node.targetName = leafName(node.targetId);
  }
}

}  // namespace

void assignStrategies(Context& context) {
  findChangingPrincipals(context);
  Rules rules(context);
  for (const auto& resource : context.estate.resources) {
    PlanNode node;
    node.key = resource.key;
    node.id = resource.id;
    node.type = resource.type;
    node.name = resource.name;
    node.resourceGroup = resource.resourceGroup;
    node.location = resource.location;
    node.external = resource.external;
    Choice choice = rules.choose(resource);
    node.strategy = choice.strategy;
    node.rule = choice.rule;
    node.reason = choice.reason;
    fillTarget(context, resource, node);
    context.nodes[node.key] = std::move(node);
  }
  // A re-pointed consumer records each reference it holds, so apply can rewrite exactly
  // those and verify them. App Service caches resolved Key Vault references, so its
  // settings are refreshed after the rewrite and each reference checked.
  for (const auto& reference : context.estate.references) {
    auto it = context.nodes.find(reference.to);
    if (it == context.nodes.end() || it->second.strategy != Strategy::Repoint || reference.value.empty()) continue;
    // Only references to a relocated vault or its objects change.
    if (!context.hasRole(reference.from, Role::Vault) && !context.hasRole(reference.from, Role::DataPlane)) continue;
    it->second.parameters["references"].push_back(Json{{"path", reference.evidence}, {"value", reference.value}});
  }
  for (auto& [key, node] : context.nodes) {
    if (node.strategy != Strategy::Repoint || !istartsWith(node.type, "Microsoft.Web/sites")) continue;
    node.parameters["refreshReferences"] = true;
    node.parameters["verifyReferences"] = true;
    node.reason += "; App Service settings are then refreshed and every Key Vault reference checked to resolve";
  }

  // A child lives under its parent's target. A link under a reused private DNS zone keeps
  // the zone's own id, and a subnet under a renamed VNet takes the new VNet's id.
  for (auto& [key, node] : context.nodes) {
    if (node.targetId.empty() || node.strategy == Strategy::OutOfScope) continue;
    node.targetId = childTargetId(context, node);
  }

  // Subnets are written in their VNet's request: the VNet's step creates them.
  for (auto& [key, node] : context.nodes) {
    if (!iequals(node.type, "Microsoft.Network/virtualNetworks/subnets") || node.strategy != Strategy::Redeploy) continue;
    auto vnet = parentId(node.id);
    if (!vnet) continue;
    auto it = context.nodes.find(normalizeId(*vnet));
    if (it != context.nodes.end() && it->second.strategy == Strategy::Redeploy) node.foldedInto = it->first;
  }

  fillRoleAssignmentTargets(context);
}

}  // namespace kvr::planning
