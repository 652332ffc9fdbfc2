// Feasibility rules: everything that would make the relocation fail later, found at
// plan time. Each rule has a name (listed by --explain) and reports with stable codes.

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "discovery/expression/expression.h"
#include "discovery/reference_catalog.h"
#include "discovery/resource_id.h"
#include "discovery/template_reader.h"
#include "strategies/planner_internal.h"
#include "strategies/vault_names.h"

namespace kvr::planning {

namespace {

constexpr std::size_t kBackupMaxVersions = 500;
constexpr std::size_t kBackupComfortableVersions = 10;  // larger backups may exceed the request size
constexpr std::size_t kMaxPrivateEndpointsPerVault = 64;
constexpr double kSecretWritesPerSecond = 30.0;  // 300 secret creates per 10 s per vault
// Azure Resource Manager rejects a template expression longer than this. Source: "ARM
// template best practices", section "Template limits" (learn.microsoft.com).
constexpr std::size_t kMaxExpressionLength = 24576;

Json properties(const Resource& resource) {
  auto it = resource.body.find("properties");
  return it != resource.body.end() && it->is_object() ? *it : Json::object();
}

std::string str(const Json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<Json> versionsOf(const Resource& resource) {
  std::vector<Json> out;
  auto it = resource.body.find("versions");
  if (it != resource.body.end() && it->is_array()) out.assign(it->begin(), it->end());
  return out;
}

bool versionReadable(const Json& version) {
  if (version.contains("readError")) return false;
  auto attributes = version.value("attributes", Json::object());
  return !attributes.is_object() || attributes.value("enabled", true);
}

std::string displayName(const Resource& resource) { return leafName(resource.name); }

class Checks {
 public:
  explicit Checks(Context& context) : context_(context), diagnostics_(context.plan.diagnostics) {}

  void run() {
    rule("vault-name-rules", [&] { vaultNames(); });
    rule("target-name-availability", [&] { targetNames(); });
    rule("geography", [&] { geography(); });
    rule("access-policy-tenant", [&] { accessPolicyTenants(); });
    rule("principals-that-change", [&] { principals(); });
    rule("external-references", [&] { externalReferences(); });
    rule("hardcoded-ids", [&] { hardcodedIds(); });
    rule("service-endpoints", [&] { serviceEndpoints(); });
    rule("duplicate-network-rules", [&] { duplicateNetworkRules(); });
    rule("runner-network-access", [&] { runnerAccess(); });
    rule("private-dns-zone-names", [&] { privateDnsZones(); });
    rule("private-endpoint-limit", [&] { privateEndpointLimit(); });
    rule("secret-values", [&] { secretValues(); });
    rule("disabled-secret-versions", [&] { disabledVersions(); });
    rule("version-limits", [&] { versionLimits(); });
    rule("pinned-versions", [&] { pinnedVersions(); });
    rule("hsm-keys", [&] { hsmKeys(); });
    rule("consumer-network-access", [&] { consumerNetworkAccess(); });
    rule("certificate-reissue", [&] { certificates(); });
    rule("disk-encryption-vault-settings", [&] { diskEncryptionVaultSettings(); });
    rule("expression-length", [&] { expressionLengths(); });
    rule("target-ids-differ", [&] { targetIdsDiffer(); });
    rule("discovery-blind-spots", [&] { blindSpots(); });
  }

 private:
  void rule(const char* name, const std::function<void()>& body) {
    context_.plan.rulesRun.push_back(name);
    body();
  }

  template <typename Visit>
  void forInScope(const char* type, Visit&& visit) {
    for (const auto& [key, roles] : context_.scope) {
      const Resource* resource = context_.resource(key);
      if (resource && iequals(resource->type, type)) visit(*resource);
    }
  }

  PlanNode& node(const std::string& key) { return context_.nodes.at(key); }

  // --- names -----------------------------------------------------------------------

  void vaultNames() {
    for (const auto& resource : context_.estate.resources) {
      if (!iequals(resource.type, "Microsoft.KeyVault/vaults") || resource.external) continue;
      std::string name = leafName(resource.name);
      if (expr::isExpression(name)) continue;
      auto violations = vaultNameViolations(name);
      if (violations.empty()) continue;
      std::string list;
      for (const auto& v : violations) list += (list.empty() ? "" : "; ") + v;
      if (isUnsetParameter(name, resource.origin.file)) {
        diagnostics_.error("E-VAULT-NAME-INVALID",
                           "the vault name comes from parameter '" + name +
                               "', which has no value; pass --parameters FILE with the vault's real name",
                           resource.id, resource.origin);
        continue;
      }
      diagnostics_.error("E-VAULT-NAME-INVALID",
                         "vault name '" + name + "' is invalid: " + list + "; a valid name would be '" +
                             proposeVaultName(name, context_.sourceLocation, context_.targetLocation, nameSuffix()) + "'",
                         resource.id, resource.origin);
    }
  }

  // The input's targetNameSuffix option, which generated target names end with.
  std::string nameSuffix() const {
    Json suffix = context_.relocationOption("targetNameSuffix");
    return suffix.is_string() ? suffix.get<std::string>() : std::string();
  }

  // Whether `name` is the placeholder for a template parameter of `file` that has no value
  // (the reader reports those with W-PARAMETER-NO-VALUE and uses the parameter's name).
  bool isUnsetParameter(const std::string& name, const std::string& file) const {
    for (const auto& diagnostic : context_.estate.diagnostics.all()) {
      if (diagnostic.code == "W-PARAMETER-NO-VALUE" && diagnostic.location.file == file &&
          diagnostic.location.pointer.ends_with("/parameters/" + name)) {
        return true;
      }
    }
    return false;
  }

  void targetNames() {
    // Without a distinct target region there is no target name to check (the planner
    // reports the region itself).
    if (context_.targetLocation.empty() || context_.targetLocation == context_.sourceLocation) return;
    for (const auto& vaultKey : context_.vaults) {
      const Resource& vault = *context_.resource(vaultKey);
      std::string source = toLower(leafName(vault.name));
      std::string target = context_.targetVaultName[vaultKey];
      std::string targetLower = toLower(target);
      auto violations = vaultNameViolations(target);
      if (!violations.empty()) {
        diagnostics_.error("E-VAULT-NAME-INVALID",
                           "target vault name '" + target + "' is invalid: " + violations.front() + "; try '" +
                               proposeVaultName(source, context_.sourceLocation, context_.targetLocation, nameSuffix()) + "'",
                           vault.id);
      }
      if (targetLower == source) {
        bool purgeProtection = properties(vault).value("enablePurgeProtection", false);
        int retention = properties(vault).value("softDeleteRetentionInDays", 90);
        diagnostics_.error(
            "E-NAME-IN-USE-BY-SOURCE",
            "the target name '" + target + "' is the source vault's own name, and vault names are global; " +
                (purgeProtection ? "with purge protection on, the name stays reserved for " + std::to_string(retention) +
                                       " days after the source is deleted, so it cannot be reused"
                                 : "it is free only after the source is deleted and purged") +
                "; choose another name (for example '" + availableProposal(source) + "')",
            vault.id);
        continue;
      }
      checkDeletedVault(vault, target);
      checkAvailability(vault, target);
    }
  }

  void checkDeletedVault(const Resource& vault, const std::string& target) {
    const Json deleted = context_.estate.facts.value("deletedVaults", Json::array());
    for (const auto& item : deleted) {
      if (!item.is_object() || !iequals(str(item, "name"), target)) continue;
      const Json props = item.value("properties", Json::object());
      bool purgeProtected = props.value("purgeProtectionEnabled", false);
      std::string purgeDate = str(props, "scheduledPurgeDate").substr(0, 10);
      diagnostics_.error(
          "E-NAME-SOFT-DELETED",
          "the target name '" + target + "' is held by the soft-deleted vault " + str(props, "vaultId") + " (" +
              str(props, "location") + "), scheduled for purge on " + purgeDate + "; " +
              (purgeProtected ? "purge protection forbids purging it earlier"
                              : "it can be purged earlier by someone with purge permission") +
              "; use '" + alternativeName(target) + "' instead",
          vault.id);
    }
  }

  void checkAvailability(const Resource& vault, const std::string& target) {
    const Json availability = context_.estate.facts.value("nameAvailability", Json::object());
    for (auto it = availability.begin(); it != availability.end(); ++it) {
      if (!iequals(it.key(), target) || !it->is_object() || it->value("nameAvailable", true)) continue;
      if (context_.plan.diagnostics.has("E-NAME-SOFT-DELETED")) return;
      diagnostics_.error("E-NAME-UNAVAILABLE",
                         "the target name '" + target + "' is not available (" + str(*it, "reason") + "); use '" +
                             alternativeName(target) + "' instead",
                         vault.id);
    }
  }

  // A proposed target name that the inputs do not report as taken.
  std::string availableProposal(const std::string& source) {
    std::string proposal = proposeVaultName(source, context_.sourceLocation, context_.targetLocation, nameSuffix());
    return nameTaken(proposal) ? alternativeName(proposal) : proposal;
  }

  bool nameTaken(const std::string& name) {
    const Json availability = context_.estate.facts.value("nameAvailability", Json::object());
    for (auto it = availability.begin(); it != availability.end(); ++it) {
      if (iequals(it.key(), name) && it->is_object() && !it->value("nameAvailable", true)) return true;
    }
    for (const auto& item : context_.estate.facts.value("deletedVaults", Json::array())) {
      if (item.is_object() && iequals(str(item, "name"), name)) return true;
    }
    return false;
  }

  // The first "<name>-2", "<name>-3", ... that the inventory does not report as taken.
  std::string alternativeName(const std::string& taken) {
    const Json availability = context_.estate.facts.value("nameAvailability", Json::object());
    for (int suffix = 2; suffix < 100; ++suffix) {
      std::string tail = "-" + std::to_string(suffix);
      std::string base = taken.size() + tail.size() > kVaultNameMaxLength
                             ? taken.substr(0, kVaultNameMaxLength - tail.size())
                             : taken;
      while (!base.empty() && base.back() == '-') base.pop_back();
      std::string candidate = base + tail;
      bool unavailable = false;
      for (auto it = availability.begin(); it != availability.end(); ++it) {
        if (iequals(it.key(), candidate) && it->is_object() && !it->value("nameAvailable", true)) unavailable = true;
      }
      if (!unavailable) return candidate;
    }
    return taken + "-2";
  }

  // --- regions -----------------------------------------------------------------------

  void geography() {
    for (const auto& region : {context_.sourceLocation, context_.targetLocation}) {
      if (!region.empty() && !context_.geographies.knows(region)) {
        diagnostics_.warning("W-REGION-UNKNOWN",
                             "region '" + region + "' is not in the geography table, so backup/restore is not "
                             "planned; add it with --geographies FILE");
      }
    }
    if (!context_.sameGeography) {
      diagnostics_.info("I-CROSS-GEOGRAPHY",
                        "source and target are in different geographies or subscriptions: keys are regenerated and "
                        "certificates exported as PFX or reissued, because Key Vault backups do not restore there");
    }
  }

  // --- identities and access -----------------------------------------------------------

  void accessPolicyTenants() {
    for (const auto& vaultKey : context_.vaults) {
      const Resource& vault = *context_.resource(vaultKey);
      const Json props = properties(vault);
      std::string tenant = str(props, "tenantId");
      const Json policies = props.value("accessPolicies", Json::array());
      for (std::size_t i = 0; i < policies.size() && policies.is_array(); ++i) {
        std::string policyTenant = str(policies[i], "tenantId");
        if (tenant.empty() || policyTenant.empty() || expr::isExpression(tenant) || expr::isExpression(policyTenant)) {
          continue;
        }
        if (!iequals(policyTenant, tenant)) {
          diagnostics_.error("E-ACCESS-POLICY-FOREIGN-TENANT",
                             "access policy for object " + str(policies[i], "objectId") + " names tenant " +
                                 policyTenant + " but the vault's tenant is " + tenant +
                                 "; Azure requires every entry to use the vault's tenant, so remove or fix the entry",
                             vault.id,
                             {vault.origin.file, vault.origin.pointer + "/properties/accessPolicies/" + std::to_string(i), -1});
        }
      }
    }
  }

  void principals() {
    for (const auto& holderKey : context_.changingPrincipals) {
      const Resource& holder = *context_.resource(holderKey);
      std::string principal = principalIdOf(holder);
      const PlanNode& holderNode = node(holderKey);
      if (holderNode.strategy == Strategy::Redeploy) {
        diagnostics_.warning("W-STALE-PRINCIPAL-DROPPED",
                             "the access granted to principal " + principal + " (identity of " + displayName(holder) +
                                 ") is not copied: the resource is re-created with a new identity, which is granted "
                                 "after it exists",
                             holder.id);
      } else {
        diagnostics_.warning("W-PRINCIPAL-WILL-CHANGE",
                             "principal " + principal + " is the identity of " + displayName(holder) +
                                 ", which is re-created in the target with a new principal id; its access is not "
                                 "copied but granted again to the new principal",
                             holder.id);
      }
    }
  }

  std::string principalIdOf(const Resource& holder) {
    std::string principal = holder.body.value("identity", Json::object()).value("principalId", std::string());
    if (!principal.empty()) return principal;
    Json hints = context_.relocationOption("knownPrincipals");
    for (auto it = hints.begin(); hints.is_object() && it != hints.end(); ++it) {
      if (it->is_object() && iequals(it->value("ownerResource", std::string()), leafName(holder.name))) return it.key();
    }
    return "(unknown principal id)";
  }

  void externalReferences() {
    for (const auto& [key, roles] : context_.scope) {
      const Resource* resource = context_.resource(key);
      if (!resource || !resource->external) continue;
      if (context_.hasRole(key, Role::DataPlane)) continue;
      bool mapped = context_.subnetMap.count(key) > 0;
      if (mapped) continue;
      diagnostics_.warning("W-EXTERNAL-REFERENCE",
                           "the plan needs " + resource->id + ", which no input defines (named at " +
                               resource->origin.str() + "); map it to its target id (--subnet-map for subnets) or "
                               "confirm it is kept as it is",
                           resource->id, resource->origin);
      node(key).manualSteps.push_back("Confirm the target id of " + resource->id + " or relocate it first.");
    }
  }

  void hardcodedIds() {
    for (const auto& [key, roles] : context_.scope) {
      const Resource* resource = context_.resource(key);
      if (!resource || resource->external) continue;
      const PlanNode& planNode = node(key);
      if (planNode.strategy != Strategy::Redeploy && planNode.strategy != Strategy::RedeployWithData &&
          planNode.strategy != Strategy::External) {
        continue;
      }
      for (const auto& pointer : resource->hardcodedIds) {
        if (pointer.find("/privateEndpointConnections") != std::string::npos) continue;
        diagnostics_.warning("W-HARDCODED-ID",
                             "a literal resource id at " + pointer + " keeps naming the source after relocation; "
                             "replace it with a parameter or resourceId()",
                             resource->id, {resource->origin.file, pointer, -1});
      }
    }
  }

  // --- network -----------------------------------------------------------------------

  void serviceEndpoints() {
    bool allowModification = context_.options.allowSubnetModification;
    Json option = context_.relocationOption("allowSubnetModification");
    if (option.is_boolean()) allowModification = allowModification && option.get<bool>();
    for (const auto& vaultKey : context_.vaults) {
      const Resource& vault = *context_.resource(vaultKey);
      const Json rules = properties(vault).value("networkAcls", Json::object()).value("virtualNetworkRules", Json::array());
      for (std::size_t i = 0; i < rules.size() && rules.is_array(); ++i) {
        std::string subnetId = str(rules[i], "id");
        if (subnetId.empty() || expr::isExpression(subnetId)) continue;
        if (rules[i].value("ignoreMissingVnetServiceEndpoint", false)) {
          diagnostics_.warning("W-IGNORE-MISSING-ENDPOINT-RESET",
                               "the network rule for " + subnetId + " sets ignoreMissingVnetServiceEndpoint; the "
                               "target rule sets it to false so a missing service endpoint fails the deployment",
                               vault.id);
        }
        checkSubnetEndpoint(vault, normalizeId(subnetId), allowModification);
      }
    }
  }

  void checkSubnetEndpoint(const Resource& vault, const std::string& subnetKey, bool allowModification) {
    auto mapped = context_.subnetMap.find(subnetKey);
    const Resource* subnet = context_.resource(subnetKey);
    bool hasEndpoint = subnet && subnetHasKeyVaultEndpoint(*subnet);
    auto it = context_.nodes.find(subnetKey);
    if (mapped == context_.subnetMap.end()) {
      if (subnet && !subnet->external && !hasEndpoint && it != context_.nodes.end()) {
        it->second.parameters["addServiceEndpoint"] = "Microsoft.KeyVault";
        diagnostics_.info("I-SERVICE-ENDPOINT-ADDED",
                          "the target subnet " + displayName(*subnet) + " gets the Microsoft.KeyVault service "
                          "endpoint, which the vault's network rule needs",
                          subnet->id);
      }
      return;
    }
    // The rule names an existing target subnet: it must carry the endpoint before the vault.
    std::string targetSubnet = mapped->second;
    if (!allowModification) {
      diagnostics_.error("E-SUBNET-NO-SERVICE-ENDPOINT",
                         "the vault's network rule needs the Microsoft.KeyVault service endpoint on the target subnet " +
                             targetSubnet + ", and changing subnets is not allowed; add the endpoint first or allow "
                             "subnet changes",
                         vault.id);
      return;
    }
    if (it != context_.nodes.end()) {
      PlanNode& planNode = it->second;
      planNode.strategy = Strategy::Reconfigure;
      planNode.rule = "target-subnet-service-endpoint";
      planNode.reason = "the existing target subnet " + leafName(targetSubnet) +
                        " gets the Microsoft.KeyVault service endpoint before the vault names it";
      planNode.targetId = targetSubnet;
      planNode.targetName = leafName(targetSubnet);
      planNode.parameters["addServiceEndpoint"] = "Microsoft.KeyVault";
      // The mapped subnet's network already exists in the target: it is not created again.
      if (!planNode.foldedInto.empty()) {
        PlanNode& vnet = node(planNode.foldedInto);
        vnet.strategy = Strategy::Reuse;
        vnet.rule = "mapped-network";
        vnet.reason = "the subnet map names an existing target network (" + targetSubnet.substr(0, targetSubnet.find("/subnets/")) +
                      "), so it is not created again";
        vnet.targetId = targetSubnet.substr(0, targetSubnet.find("/subnets/"));
        vnet.targetName = leafName(vnet.targetId);
      }
      planNode.foldedInto.clear();
    }
  }

  static bool subnetHasKeyVaultEndpoint(const Resource& subnet) {
    const Json endpoints = properties(subnet).value("serviceEndpoints", Json::array());
    for (const auto& endpoint : endpoints) {
      if (endpoint.is_object() && iequals(str(endpoint, "service"), "Microsoft.KeyVault")) return true;
    }
    return false;
  }

  void duplicateNetworkRules() {
    for (const auto& vaultKey : context_.vaults) {
      const Resource& vault = *context_.resource(vaultKey);
      const Json rules = properties(vault).value("networkAcls", Json::object()).value("virtualNetworkRules", Json::array());
      std::map<std::string, std::size_t> seen;
      for (std::size_t i = 0; i < rules.size() && rules.is_array(); ++i) {
        std::string id = str(rules[i], "id");
        if (id.empty() || expr::isExpression(id)) continue;
        auto [it, inserted] = seen.emplace(normalizeId(id), i);
        if (!inserted) {
          diagnostics_.warning("W-DUPLICATE-NETWORK-RULE",
                               "network rules " + std::to_string(it->second) + " and " + std::to_string(i) +
                                   " name the same subnet " + id + "; the target keeps one",
                               vault.id,
                               {vault.origin.file, vault.origin.pointer + "/properties/networkAcls/virtualNetworkRules/" +
                                                       std::to_string(i), -1});
        }
      }
    }
  }

  // What discovery could not read may hold consumers or settings that the plan then misses.
  void blindSpots() {
    const Json spots = context_.estate.facts.value("blindSpots", Json::array());
    if (!spots.is_array()) return;
    for (const auto& spot : spots) {
      if (!spot.is_object()) continue;
      std::string scope = str(spot, "scope");
      std::string reason = str(spot, "reason");
      diagnostics_.warning("W-DISCOVERY-BLIND-SPOT",
                           "discovery could not read " + scope + (reason.empty() ? "" : " (" + reason + ")") +
                               "; resources or settings there are missing from this plan, so check them by hand or "
                               "discover again with read access",
                           looksLikeResourceId(scope) ? scope : std::string());
    }
  }

  void runnerAccess() {
    Json runner = context_.relocationOption("runner");
    if (!runner.is_object()) return;
    std::string address = runner.value("ipAddress", runner.value("address", std::string()));
    if (address.empty()) return;
    for (const auto& vaultKey : context_.vaults) {
      const Resource& vault = *context_.resource(vaultKey);
      const Json acls = properties(vault).value("networkAcls", Json::object());
      if (!iequals(str(acls, "defaultAction"), "Deny")) continue;
      bool covered = false;
      for (const auto& rule : acls.value("ipRules", Json::array())) {
        std::string value = str(rule, "value");
        if (value == address || value == address + "/32") covered = true;
      }
      if (!covered) {
        diagnostics_.warning("W-RUNNER-NOT-ALLOWED",
                             "the machine running apply (" + address + ") is not in the vault's IP rules, and the "
                             "target vault denies other public traffic; run from the allowed network or through the "
                             "private endpoint",
                             vault.id);
      }
    }
  }

  void privateDnsZones() {
    forInScope("Microsoft.Network/privateEndpoints/privateDnsZoneGroups", [&](const Resource& group) {
      auto parent = parentId(group.id);
      const Resource* endpoint = parent ? context_.resource(normalizeId(*parent)) : nullptr;
      if (!endpoint || !endpointTargetsVault(*endpoint)) return;
      const Json configs = properties(group).value("privateDnsZoneConfigs", Json::array());
      for (const auto& config : configs) {
        std::string zoneId = str(config.value("properties", Json::object()), "privateDnsZoneId");
        if (zoneId.empty() || expr::isExpression(zoneId)) continue;
        std::string zone = toLower(leafName(zoneId));
        if (zone.rfind("privatelink.vaultcore.", 0) == 0) continue;
        diagnostics_.error("E-PRIVATE-DNS-ZONE-MISMATCH",
                           "zone group '" + leafName(group.name) + "' of " + leafName(endpoint->name) + " points at " +
                               zone + ", but a vault's private endpoint (group id 'vault') registers in "
                               "privatelink.vaultcore.azure.net; the deployment succeeds yet no A record is written. "
                               "Point the zone group at privatelink.vaultcore.azure.net",
                           group.id, group.origin);
        node(group.key).parameters["expectedZone"] = "privatelink.vaultcore.azure.net";
      }
    });
  }

  bool endpointTargetsVault(const Resource& endpoint) {
    for (const auto& vaultKey : context_.vaults) {
      auto range = context_.outgoing.equal_range(vaultKey);
      for (auto it = range.first; it != range.second; ++it) {
        if (it->second->kind == EdgeKind::EndpointToVault && it->second->to == endpoint.key) return true;
      }
    }
    return false;
  }

  void privateEndpointLimit() {
    for (const auto& vaultKey : context_.vaults) {
      std::size_t count = 0;
      auto range = context_.outgoing.equal_range(vaultKey);
      for (auto it = range.first; it != range.second; ++it) count += it->second->kind == EdgeKind::EndpointToVault;
      if (count > kMaxPrivateEndpointsPerVault) {
        diagnostics_.error("E-TOO-MANY-PRIVATE-ENDPOINTS",
                           std::to_string(count) + " private endpoints target the vault; a vault accepts at most 64",
                           context_.resource(vaultKey)->id);
      }
    }
  }

  // --- data plane --------------------------------------------------------------------

  void secretValues() {
    std::vector<std::string> unavailable;
    for (const auto& [key, roles] : context_.scope) {
      const Resource* resource = context_.resource(key);
      if (!resource || !roles.count(Role::DataPlane)) continue;
      bool fromTemplate = resource->body.contains("properties") && !resource->body.contains("versions") &&
                          resource->body.value("source", std::string()) != "dataPlane";
      if (!fromTemplate) continue;
      if (iequals(resource->type, "Microsoft.KeyVault/vaults/secrets")) {
        bool isEnabled = properties(*resource).value("attributes", Json::object()).value("enabled", true);
        if (!isEnabled) {
          diagnostics_.warning("W-SECRET-DISABLED",
                               "secret '" + displayName(*resource) + "' is disabled, so its value cannot be read "
                               "from the source until it is enabled",
                               resource->id, resource->origin);
        } else {
          diagnostics_.info("I-SECRET-DATAPLANE-COPY",
                            "secret '" + displayName(*resource) + "' is removed from the deployment: templates "
                            "cannot carry secret values, so it is copied through the data plane",
                            resource->id, resource->origin);
        }
        unavailable.push_back(displayName(*resource));
      } else if (iequals(resource->type, "Microsoft.KeyVault/vaults/keys")) {
        diagnostics_.info("I-KEY-DATAPLANE",
                          "key '" + displayName(*resource) + "' is removed from the deployment: deploying it would "
                          "create new key material under the same name; it follows its planned strategy instead",
                          resource->id, resource->origin);
      }
    }
    if (context_.options.noSourceAccess && !unavailable.empty()) {
      std::sort(unavailable.begin(), unavailable.end());
      std::string list;
      for (const auto& name : unavailable) list += (list.empty() ? "" : ", ") + name;
      diagnostics_.error("E-SECRET-VALUE-UNAVAILABLE",
                         "no source vault can be read, and templates hold no secret values, so these secrets cannot be "
                         "created: " + list + "; plan with access to the source vault");
    }
  }

  void disabledVersions() {
    bool allowEnable = allowTemporaryEnable();
    forDataPlane("Microsoft.KeyVault/vaults/secrets", [&](const Resource& secret, PlanNode& planNode) {
      if (planNode.strategy != Strategy::CopySecret) return;
      auto versions = versionsOf(secret);
      if (versions.empty()) return;
      std::vector<std::string> unreadable;
      for (const auto& version : versions) {
        if (!versionReadable(version)) unreadable.push_back(str(version, "version"));
      }
      if (unreadable.empty() || allowEnable) {
        if (!unreadable.empty()) {
          planNode.manualSteps.push_back("Versions of '" + displayName(secret) +
                                         "' are enabled in the source for the copy and disabled again, with an audit "
                                         "record.");
        }
        return;
      }
      bool currentUnreadable = !versionReadable(versions.back());
      if (!currentUnreadable) {
        // The current value copies; only history is missing in the target.
        std::string list;
        for (const auto& v : unreadable) list += (list.empty() ? "" : ", ") + v;
        diagnostics_.warning("W-SECRET-VERSION-UNREADABLE",
                             "older versions of secret '" + displayName(secret) + "' are disabled and cannot be read (" +
                                 list + "); they are left out of the target's history unless enabling them "
                                 "temporarily in the source is allowed",
                             secret.id, secret.origin);
        return;
      }
      if (unreadable.size() < versions.size()) {
        diagnostics_.error("E-CURRENT-VERSION-DISABLED",
                           "the current version " + str(versions.back(), "version") + " of secret '" +
                               displayName(secret) + "' is disabled and cannot be read; copying only the older "
                               "versions would make an old value current and enabled in the target. Decide: enable it "
                               "temporarily in the source, or copy and disable by hand",
                           secret.id, secret.origin);
      } else {
        std::string list;
        for (const auto& v : unreadable) list += (list.empty() ? "" : ", ") + v;
        diagnostics_.error("E-SECRET-DISABLED-UNREADABLE",
                           "secret '" + displayName(secret) + "' has disabled versions that cannot be read (" + list +
                               "), and enabling them temporarily in the source is not allowed",
                           secret.id, secret.origin);
      }
    });
  }

  template <typename Visit>
  void forDataPlane(const char* type, Visit&& visit) {
    for (const auto& [key, roles] : context_.scope) {
      if (!roles.count(Role::DataPlane)) continue;
      const Resource* resource = context_.resource(key);
      if (resource && iequals(resource->type, type)) visit(*resource, node(key));
    }
  }

  void versionLimits() {
    std::string policy = context_.options.secretVersions;
    for (const auto& [key, roles] : context_.scope) {
      if (!roles.count(Role::DataPlane)) continue;
      const Resource& object = *context_.resource(key);
      PlanNode& planNode = node(key);
      std::size_t versions = object.body.contains("versionCount") ? object.body.value("versionCount", std::size_t{1})
                                                                  : std::max<std::size_t>(1, versionsOf(object).size());
      planNode.parameters["versions"] = versions;
      if (versions > kBackupMaxVersions) {
        diagnostics_.warning("W-VERSION-LIMIT",
                             "'" + displayName(object) + "' has " + std::to_string(versions) +
                                 " versions; Key Vault backs up at most 500, so backup/restore is not possible",
                             object.id, object.origin);
      } else if (planNode.strategy == Strategy::BackupRestore && versions > kBackupComfortableVersions) {
        diagnostics_.warning("W-BACKUP-SIZE",
                             "'" + displayName(object) + "' has " + std::to_string(versions) +
                                 " versions; a backup of more than about 10 versions may exceed the request size",
                             object.id, object.origin);
      }
      if (planNode.strategy != Strategy::CopySecret) continue;
      std::size_t copies = copiedVersions(versions, policy);
      std::size_t writes = writtenVersions(object, copies);
      planNode.parameters["versionsPolicy"] = policy;
      planNode.parameters["versionsToCopy"] = writes;
      if (copies < versions) {
        diagnostics_.warning("W-HISTORY-TRUNCATED",
                             "only " + std::to_string(copies) + " of " + std::to_string(versions) + " versions of '" +
                                 displayName(object) + "' are copied (--secret-versions " + policy +
                                 "); older versions are lost in the target",
                             object.id, object.origin);
      }
      if (writes > 100) {
        double seconds = std::ceil(static_cast<double>(writes) / kSecretWritesPerSecond);
        diagnostics_.info("I-COPY-ESTIMATE",
                          "copying " + std::to_string(writes) + " versions of '" + displayName(object) +
                              "' takes at least " + std::to_string(static_cast<long>(seconds)) +
                              " s under the target vault's limit of 300 secret writes per 10 s",
                          object.id, object.origin);
      }
    }
  }

  // Counts the versions the copy writes among the newest `chosen`: a version disabled in the source
  // cannot be read and is left out, unless enabling it there for the copy is allowed. With
  // only a summary of the history, its count of enabled versions is the limit.
  std::size_t writtenVersions(const Resource& object, std::size_t chosen) const {
    if (allowTemporaryEnable()) return chosen;
    auto versions = versionsOf(object);
    if (versions.empty()) {
      const Json summary = object.body.value("versionsSummary", Json::object());
      if (summary.contains("enabled") && summary["enabled"].is_number_unsigned()) {
        return std::min(chosen, summary["enabled"].get<std::size_t>());
      }
      return chosen;
    }
    std::size_t first = versions.size() > chosen ? versions.size() - chosen : 0;
    std::size_t readable = 0;
    for (std::size_t index = first; index < versions.size(); ++index) readable += versionReadable(versions[index]) ? 1 : 0;
    return readable;
  }

  bool allowTemporaryEnable() const {
    Json option = context_.relocationOption("allowTemporaryEnableInSource");
    return option.is_boolean() && option.get<bool>();
  }

  static std::size_t copiedVersions(std::size_t versions, const std::string& policy) {
    if (policy == "latest") return 1;
    if (policy.rfind("last:", 0) == 0) {
      std::size_t limit = static_cast<std::size_t>(std::stoul(policy.substr(5)));
      return std::min(limit, versions);
    }
    return versions;
  }

  void pinnedVersions() {
    for (const auto& reference : context_.estate.references) {
      if (!context_.inScope(reference.from) || !context_.inScope(reference.to) || reference.value.empty()) continue;
      const Resource* object = context_.resource(reference.from);
      if (!object || !object->dataPlane) continue;
      std::string version = pinnedVersion(reference.value);
      if (version.empty()) continue;
      const Resource& consumer = *context_.resource(reference.to);
      const PlanNode& objectNode = node(object->key);
      std::string where = displayName(consumer) + " (" + reference.evidence + ")";
      if (iequals(object->type, "Microsoft.KeyVault/vaults/keys")) {
        diagnostics_.info("I-KEY-URL-FROM-TARGET",
                          where + " names version " + version + " of key '" + displayName(*object) +
                              "'; its new key URL is read from the target vault after the key exists, not rewritten "
                              "by host name",
                          consumer.id, reference.location);
        continue;
      }
      if (iequals(object->type, "Microsoft.KeyVault/vaults/certificates") || reference.kind == EdgeKind::CertificateReference) {
        diagnostics_.warning("W-VERSIONED-REF",
                             where + " names the old vault host and version " + version + " of certificate '" +
                                 displayName(*object) + "'; after the import it is rewritten to the new host and the "
                                 "new version",
                             consumer.id, reference.location);
        continue;
      }
      checkPinnedSecret(*object, objectNode, consumer, reference, version, where);
    }
  }

  void checkPinnedSecret(const Resource& secret, const PlanNode& secretNode, const Resource& consumer,
                         const Reference& reference, const std::string& version, const std::string& where) {
    auto versions = versionsOf(secret);
    bool isLatest = !versions.empty() && iequals(str(versions.back(), "version"), version);
    std::size_t copies =
        copiedVersions(versions.size(), secretNode.parameters.value("versionsPolicy", context_.options.secretVersions));
    std::size_t position = versions.size();
    for (std::size_t i = 0; i < versions.size(); ++i) {
      if (iequals(str(versions[i], "version"), version)) position = i;
    }
    bool chosen = position < versions.size() && position + copies >= versions.size();
    bool unreadable = position < versions.size() && !versionReadable(versions[position]) && !allowTemporaryEnable();
    if (secretNode.strategy == Strategy::BackupRestore) return;  // backup keeps version ids
    if (!chosen && !isLatest && !versions.empty()) {
      diagnostics_.error("E-PINNED-VERSION-NOT-COPIED",
                         where + " is pinned to version " + version + " of secret '" + displayName(secret) +
                             "', which the versions policy does not copy; copy all versions or re-point it by hand",
                         consumer.id, reference.location);
      return;
    }
    if (unreadable) {
      diagnostics_.error("E-PINNED-VERSION-NOT-COPIED",
                         where + " is pinned to version " + version + " of secret '" + displayName(secret) +
                             "', which is disabled in the source and cannot be read; allow enabling it temporarily "
                             "in the source or re-point it by hand",
                         consumer.id, reference.location);
      return;
    }
    diagnostics_.warning("W-PINNED-VERSION-REMAPPED",
                         where + " is pinned to version " + version + " of secret '" + displayName(secret) +
                             "'; copies get new version ids, so it is rewritten to the id of that version's copy "
                             "(never to a versionless reference)",
                         consumer.id, reference.location);
  }

  static std::string pinnedVersion(const std::string& value) {
    if (auto reference = parseKeyVaultReference(value)) return reference->secretVersion;
    if (auto uri = parseObjectUri(value)) return uri->version;
    return {};
  }

  // A consumer that stays in the source region reaches the vault from its source subnet.
  // When the vault denies other traffic and that subnet is only allowed through a rule
  // that the target vault rewrites to the target subnet, the consumer loses access.
  void consumerNetworkAccess() {
    for (const auto& vaultKey : context_.vaults) {
      const Resource& vault = *context_.resource(vaultKey);
      const Json acls = properties(vault).value("networkAcls", Json::object());
      if (!iequals(str(acls, "defaultAction"), "Deny")) continue;
      std::set<std::string> ruleSubnets;
      for (const auto& rule : acls.value("virtualNetworkRules", Json::array())) ruleSubnets.insert(normalizeId(str(rule, "id")));
      for (const auto& [key, planNode] : context_.nodes) {
        if (planNode.strategy != Strategy::Repoint) continue;
        const Resource* consumer = context_.resource(key);
        if (!consumer) continue;
        std::string subnet = normalizeId(str(properties(*consumer), "virtualNetworkSubnetId"));
        if (subnet.empty() || !ruleSubnets.count(subnet)) continue;
        const PlanNode* subnetNode = context_.nodes.count(subnet) ? &context_.nodes.at(subnet) : nullptr;
        if (subnetNode && iequals(subnetNode->targetId, consumer->body.value("properties", Json::object())
                                                            .value("virtualNetworkSubnetId", std::string()))) {
          continue;
        }
        diagnostics_.warning("W-CONSUMER-LOSES-NETWORK-ACCESS",
                             displayName(*consumer) + " stays in its source subnet " + leafName(subnet) +
                                 ", but the new vault allows only the target subnet and denies other traffic; add a "
                                 "network rule for the source subnet to the new vault, or move " +
                                 displayName(*consumer) + " into the target network before re-pointing it",
                             consumer->id, consumer->origin);
      }
    }
  }

  void hsmKeys() {
    for (const auto& vaultKey : context_.vaults) {
      const Resource& vault = *context_.resource(vaultKey);
      std::string sku = toLower(str(properties(vault).value("sku", Json::object()), "name"));
      if (sku.empty()) sku = toLower(str(vault.body.value("sku", Json::object()), "name"));
      forDataPlane("Microsoft.KeyVault/vaults/keys", [&](const Resource& key, PlanNode&) {
        if (context_.vaultOf(key.key) != vaultKey) return;
        std::string kty = str(key.body, "kty");
        if (kty.empty()) kty = str(properties(key), "kty");
        if (kty.find("HSM") == std::string::npos || sku == "premium") return;
        diagnostics_.error("E-HSM-KEY-NEEDS-PREMIUM",
                           "key '" + displayName(key) + "' is an HSM key (" + kty + "); the target vault needs the "
                           "premium SKU",
                           key.id, key.origin);
      });
    }
  }

  void certificates() {
    forDataPlane("Microsoft.KeyVault/vaults/certificates", [&](const Resource& certificate, PlanNode& planNode) {
      if (planNode.strategy != Strategy::ReissueCertificate) return;
      const Json policy = certificate.body.value("policy", Json::object());
      std::string issuer = toLower(str(policy.value("issuer", Json::object()), "name"));
      if (issuer == "self" || issuer.empty()) {
        diagnostics_.warning("W-CERTIFICATE-REISSUED",
                             "certificate '" + displayName(certificate) + "' cannot be exported; a new self-signed "
                             "certificate with the same policy is issued, so its thumbprint changes",
                             certificate.id, certificate.origin);
      } else {
        planNode.manualSteps.push_back("Request a new certificate '" + displayName(certificate) + "' from issuer '" +
                                       issuer + "' in the target vault; its private key cannot be exported.");
        diagnostics_.warning("W-CERTIFICATE-REISSUE-MANUAL",
                             "certificate '" + displayName(certificate) + "' is issued by '" + issuer +
                                 "' and its key cannot be exported: a new certificate must be requested",
                             certificate.id, certificate.origin);
      }
    });
  }

  void diskEncryptionVaultSettings() {
    forInScope("Microsoft.Compute/diskEncryptionSets", [&](const Resource& set) {
      for (const auto& vaultKey : context_.vaults) {
        const Resource& vault = *context_.resource(vaultKey);
        const Json props = properties(vault);
        bool softDelete = props.value("enableSoftDelete", true);
        bool purgeProtection = props.value("enablePurgeProtection", false);
        if (softDelete && purgeProtection) continue;
        diagnostics_.warning("W-VAULT-PROTECTION-FOR-DES",
                             "disk encryption set " + displayName(set) + " needs soft delete and purge protection on "
                             "its vault; the target vault enables both",
                             vault.id);
        context_.nodes.at(vaultKey).parameters["enablePurgeProtection"] = true;
      }
    });
  }

  // --- templates -----------------------------------------------------------------------

  // The estate keeps evaluated values only, so the template files are read again to see
  // each expression as written. Files that cannot be read were reported when loading.
  void expressionLengths() {
    for (const auto& file : context_.estate.files) {
      Json document;
      try {
        document = readJsonFile(file);
      } catch (const InputError&) {
        continue;
      }
      if (classifyDocument(document) == DocumentKind::Template) findLongExpressions(document, file, "");
    }
  }

  void findLongExpressions(const Json& node, const std::string& file, const std::string& pointer) {
    if (node.is_string()) {
      reportIfTooLong(node.get_ref<const std::string&>(), file, pointer);
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) findLongExpressions(node[i], file, pointerAppend(pointer, i));
    } else if (node.is_object()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        std::string childPointer = pointerAppend(pointer, it.key());
        reportIfTooLong(it.key(), file, childPointer);
        findLongExpressions(*it, file, childPointer);
      }
    }
  }

  void reportIfTooLong(const std::string& text, const std::string& file, const std::string& pointer) {
    if (text.size() <= kMaxExpressionLength || !expr::isExpression(text)) return;
    diagnostics_.error("E-EXPRESSION-TOO-LONG",
                       "the expression is " + std::to_string(text.size()) + " characters long, but Azure Resource "
                       "Manager accepts at most 24576 per expression; move parts of it into variables",
                       {}, {file, pointer, -1});
  }

  // A redeployed resource whose target id is its source id would be written over the
  // source, and Azure rejects moving an existing resource to another region.
  void targetIdsDiffer() {
    // Without a distinct target region the planner reports the region itself.
    if (context_.targetLocation.empty() || context_.targetLocation == context_.sourceLocation) return;
    for (const auto& [key, planNode] : context_.nodes) {
      bool created = planNode.strategy == Strategy::Redeploy || planNode.strategy == Strategy::RedeployWithData;
      if (!created || planNode.external || planNode.targetId.empty() || normalizeId(planNode.targetId) != key) continue;
      // A child of a resource reported here has the same cause: report the parent only.
      auto parent = parentId(planNode.id);
      auto parentNode = parent ? context_.nodes.find(normalizeId(*parent)) : context_.nodes.end();
      if (parentNode != context_.nodes.end() && normalizeId(parentNode->second.targetId) == parentNode->first) continue;
      const Resource* resource = context_.resource(key);
      diagnostics_.error("E-TARGET-ID-IS-SOURCE",
                         "the target id of '" + planNode.name + "' is its source id, so creating it in " +
                             context_.targetLocation + " would overwrite the source; pass --target-resource-group "
                             "with another group, or give it a new name",
                         planNode.id, resource ? resource->origin : SourceLocation{});
    }
  }

  Context& context_;
  Diagnostics& diagnostics_;
};

}  // namespace

void runChecks(Context& context) { Checks(context).run(); }

}  // namespace kvr::planning
