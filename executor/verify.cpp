#include "executor/verify.h"

#include "discovery/reference_catalog.h"

#include "discovery/resource_id.h"
#include "executor/data_plane_objects.h"
#include "executor/resource_actions_internal.h"
#include "viz/labels.h"

#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>

namespace kvr::executor {

namespace {

using azure::Service;

// API versions for the Resource Manager reads verify makes, by provider namespace.
std::string apiVersionFor(const std::string& type) {
  std::string lower = toLower(type);
  if (lower.rfind("microsoft.keyvault/", 0) == 0) return "2024-11-01";
  if (lower.rfind("microsoft.network/privatednszones", 0) == 0) return "2020-06-01";
  if (lower.rfind("microsoft.network/", 0) == 0) return "2024-05-01";
  if (lower.rfind("microsoft.web/", 0) == 0) return "2023-12-01";
  if (lower.rfind("microsoft.storage/", 0) == 0) return "2023-05-01";
  if (lower.rfind("microsoft.compute/", 0) == 0) return "2024-03-02";
  if (lower.rfind("microsoft.managedidentity/", 0) == 0) return "2023-01-31";
  return "2022-09-01";
}

std::string normalizedLocation(std::string location) {
  location.erase(std::remove(location.begin(), location.end(), ' '), location.end());
  return toLower(location);
}

bool isDataPlane(const PlanNode& node) {
  std::string type = toLower(node.type);
  return type == "microsoft.keyvault/vaults/secrets" || type == "microsoft.keyvault/vaults/keys" ||
         type == "microsoft.keyvault/vaults/certificates";
}

// A lower-case, sorted copy of a list of permission names.
std::vector<std::string> permissionSet(const Json& list) {
  std::vector<std::string> result;
  if (list.is_array()) {
    for (const Json& item : list) {
      if (item.is_string()) result.push_back(toLower(item.get<std::string>()));
    }
  }
  std::sort(result.begin(), result.end());
  return result;
}

class Verifier {
 public:
  Verifier(const Plan& plan, azure::AzureClient& client, const RunState& state, const VerifyOptions& options)
      : plan_(plan), client_(client), state_(state), options_(options) {}

  VerifyReport run() {
    for (const PlanNode& node : plan_.nodes) {
      try {
        verifyNode(node);
      } catch (const std::exception& error) {
        fail(node.id, "readable", error.what());
      }
    }
    std::sort(report_.checks.begin(), report_.checks.end(), [](const VerifyCheck& a, const VerifyCheck& b) {
      return std::tie(a.resource, a.check, a.detail) < std::tie(b.resource, b.check, b.detail);
    });
    return report_;
  }

 private:
  void pass(const std::string& resource, const std::string& check, const std::string& detail = "") {
    report_.checks.push_back({resource, check, true, detail});
  }
  void fail(const std::string& resource, const std::string& check, const std::string& detail) {
    report_.checks.push_back({resource, check, false, detail});
  }
  void expect(bool condition, const std::string& resource, const std::string& check, const std::string& detail) {
    condition ? pass(resource, check) : fail(resource, check, detail);
  }

  void verifyNode(const PlanNode& node) {
    if (node.id.empty()) {
      if (node.strategy == Strategy::Reconfigure) verifyReconfigure(node);  // a grant for a new principal
      return;
    }
    if (isDataPlane(node)) {
      verifyObject(node);
      return;
    }
    if (node.strategy == Strategy::RedeployWithData || node.strategy == Strategy::Redeploy) {
      auto target = verifyResource(node);
      if (target && node.strategy == Strategy::RedeployWithData && iequals(node.type, "Microsoft.KeyVault/vaults")) verifyVault(node, *target);
      if (target) verifyNoOldVaultReference(node, node.targetId, *target);
    } else if (node.strategy == Strategy::Reconfigure) {
      verifyReconfigure(node);
    } else if (node.strategy == Strategy::Repoint) {
      std::string id = node.targetId.empty() ? node.id : node.targetId;
      if (auto target = client_.getIfExists(Service::ResourceManager, client_.resourceUrl(id, apiVersionFor(node.type)))) {
        verifyNoOldVaultReference(node, id, *target);
        if (iequals(node.type, "Microsoft.Web/sites")) verifyAppServiceReferences(node, id);
      } else {
        fail(node.id, "exists", "consumer " + id + " is not found");
      }
    }
  }

  // Checks what no copy carries: role assignments and diagnostic settings at the new vault's scope,
  // and grants for consumers of an RBAC vault. Access policies are checked with the vault.
  void verifyReconfigure(const PlanNode& node) {
    const VaultRelocation* vault = detail::vaultOfNode(plan_, node);
    if (!vault) return;
    bool roleAssignment = iequals(node.type, "Microsoft.Authorization/roleAssignments");
    if (roleAssignment && node.key.find("#grant/") != std::string::npos) {
      std::string holder = node.parameters.value("principalOf", "");
      std::string newHolder = state_.targetResource(holder).value_or(holder);
      auto found = client_.getIfExists(Service::ResourceManager, client_.resourceUrl(newHolder, apiVersionFor(typeOfHolder(newHolder))));
      std::string principal = found ? detail::principalOf(*found) : "";
      std::string role = node.parameters.value("role", "Key Vault Secrets User");
      std::string check = "role '" + role + "' on " + vault->targetName;
      if (principal.empty()) {
        fail(holder, check, newHolder + (found ? " has no managed identity" : " is not found"));
        return;
      }
      expect(!roleDefinitionsOf(vault->targetId, principal).empty(), holder, check,
             "the new vault " + vault->targetName + " has no role assignment for principal " + principal);
      return;
    }
    if (roleAssignment) {
      Json source = client_.get(Service::ResourceManager, client_.resourceUrl(node.id, apiVersionFor(node.type)));
      const Json properties = source.value("properties", Json::object());
      std::string principal = properties.value("principalId", "");
      principal = state_.targetPrincipal(principal).value_or(principal);
      std::string role = lastSegment(properties.value("roleDefinitionId", ""));
      std::set<std::string> roles = roleDefinitionsOf(vault->targetId, principal);
      std::string check = "role assignment on " + vault->targetName;
      if (roles.empty()) {
        fail(node.id, check, "the new vault " + vault->targetName + " has no role assignment for principal " + principal);
        return;
      }
      expect(role.empty() || roles.count(toLower(role)), node.id, check,
             "principal " + principal + " has no assignment of role definition " + role + " on " + vault->targetName);
      return;
    }
    if (iequals(node.type, "Microsoft.Insights/diagnosticSettings")) {
      std::string name = node.targetName.empty() ? node.name : node.targetName;
      std::string id = vault->targetId + "/providers/Microsoft.Insights/diagnosticSettings/" + name;
      auto target = client_.getIfExists(Service::ResourceManager, client_.resourceUrl(id, apiVersionFor(node.type)));
      if (!target) {
        fail(node.id, "exists", "target " + id + " is not found");
        return;
      }
      pass(node.id, "exists");
      Json source = client_.get(Service::ResourceManager, client_.resourceUrl(node.id, apiVersionFor(node.type)));
      const Json sourceProperties = source.value("properties", Json::object());
      const Json targetProperties = target->value("properties", Json::object());
      for (const char* destination : {"workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "eventHubName"}) {
        std::string want = sourceProperties.value(destination, "");
        if (want.empty()) continue;
        if (looksLikeResourceId(want)) want = plannedTarget(want);
        std::string have = targetProperties.value(destination, "");
        expect(iequals(normalizeId(have), normalizeId(want)), node.id, destination,
               std::string(destination) + " is " + (have.empty() ? "(none)" : have) + ", planned " + want);
      }
      expect(enabledCategories(sourceProperties) == enabledCategories(targetProperties), node.id, "enabled categories",
             "the target setting enables other log or metric categories than the source");
    }
  }

  // The role definition names (GUIDs, lower case) assigned to `principal` at `scope`.
  std::set<std::string> roleDefinitionsOf(const std::string& scope, const std::string& principal) {
    std::set<std::string> roles;
    std::string url = client_.resourceUrl(scope + "/providers/Microsoft.Authorization/roleAssignments",
                                          apiVersionFor("Microsoft.Authorization/roleAssignments"));
    for (const Json& assignment : client_.list(Service::ResourceManager, url)) {
      const Json properties = assignment.value("properties", Json::object());
      if (iequals(properties.value("principalId", ""), principal)) roles.insert(toLower(lastSegment(properties.value("roleDefinitionId", ""))));
    }
    return roles;
  }

  static std::string typeOfHolder(const std::string& id) {
    auto parsed = parseResourceId(id);
    return parsed ? parsed->type : "";
  }

  // "logs:<category>" and "metrics:<category>" for every enabled entry.
  static std::set<std::string> enabledCategories(const Json& properties) {
    std::set<std::string> categories;
    for (const char* kind : {"logs", "metrics"}) {
      for (const Json& entry : properties.value(kind, Json::array())) {
        if (!entry.value("enabled", false)) continue;
        std::string category = entry.value("category", entry.value("categoryGroup", ""));
        categories.insert(std::string(kind) + ":" + toLower(category));
      }
    }
    return categories;
  }

  // The target resource exists with the planned name and location.
  std::optional<Json> verifyResource(const PlanNode& node) {
    if (node.targetId.empty()) return std::nullopt;
    auto target = client_.getIfExists(Service::ResourceManager, client_.resourceUrl(node.targetId, apiVersionFor(node.type)));
    if (!target) {
      fail(node.id, "exists", "target " + node.targetId + " is not found");
      return std::nullopt;
    }
    pass(node.id, "exists");
    if (!node.targetName.empty()) {
      std::string name = target->value("name", "");
      expect(iequals(leafName(name), leafName(node.targetName)), node.id, "name", "target is named " + name + ", planned " + node.targetName);
    }
    std::string location = target->value("location", "");
    if (!node.targetLocation.empty() && !location.empty()) {
      expect(normalizedLocation(location) == normalizedLocation(node.targetLocation), node.id, "location",
             "target is in " + location + ", planned " + node.targetLocation);
    }
    return target;
  }

  // The planned target of a source resource id: its node's target id, else the id itself.
  std::string plannedTarget(const std::string& sourceId) const {
    for (const PlanNode& node : plan_.nodes) {
      if (iequals(normalizeId(node.id), normalizeId(sourceId)) && !node.targetId.empty()) return node.targetId;
    }
    if (auto mapped = state_.targetResource(sourceId)) return *mapped;
    return sourceId;
  }

  void verifyVault(const PlanNode& node, const Json& target) {
    Json source = client_.get(Service::ResourceManager, client_.resourceUrl(node.id, apiVersionFor(node.type)));
    const Json sourceProperties = source.value("properties", Json::object());
    const Json targetProperties = target.value("properties", Json::object());
    for (const char* setting : {"enableSoftDelete", "enablePurgeProtection", "enableRbacAuthorization", "softDeleteRetentionInDays"}) {
      if (!sourceProperties.contains(setting)) continue;
      Json have = targetProperties.value(setting, Json());
      expect(have == sourceProperties[setting], node.id, setting,
             std::string(setting) + " is " + have.dump() + " in the target, " + sourceProperties[setting].dump() + " in the source");
    }
    verifyNetworkRules(node, sourceProperties, targetProperties);
    verifyAccessPolicies(node, sourceProperties, targetProperties);
  }

  // Every source subnet rule points at the planned target subnet, and that subnet has the
  // Microsoft.KeyVault service endpoint. ignoreMissingVnetServiceEndpoint is not compared:
  // Resource Manager does not report it reliably, and the endpoint is what matters.
  void verifyNetworkRules(const PlanNode& node, const Json& sourceProperties, const Json& targetProperties) {
    std::set<std::string> targetRules;
    for (const Json& rule : targetProperties.value("networkAcls", Json::object()).value("virtualNetworkRules", Json::array())) {
      targetRules.insert(normalizeId(rule.value("id", "")));
    }
    for (const Json& rule : sourceProperties.value("networkAcls", Json::object()).value("virtualNetworkRules", Json::array())) {
      std::string subnet = plannedTarget(rule.value("id", ""));
      std::string check = "network rule " + leafName(subnet);
      if (!targetRules.count(normalizeId(subnet))) {
        fail(node.id, check, "the target vault has no network rule for subnet " + subnet);
        continue;
      }
      pass(node.id, check);
      auto found = client_.getIfExists(Service::ResourceManager, client_.resourceUrl(subnet, apiVersionFor("Microsoft.Network/")));
      bool endpoint = false;
      if (found) {
        for (const Json& service : found->value("properties", Json::object()).value("serviceEndpoints", Json::array())) {
          if (iequals(service.value("service", ""), "Microsoft.KeyVault")) endpoint = true;
        }
      }
      expect(endpoint, node.id, "service endpoint " + leafName(subnet),
             "subnet " + subnet + (found ? " has no Microsoft.KeyVault service endpoint" : " is not found"));
    }
  }

  void verifyAccessPolicies(const PlanNode& node, const Json& sourceProperties, const Json& targetProperties) {
    const Json targetPolicies = targetProperties.value("accessPolicies", Json::array());
    for (const Json& policy : sourceProperties.value("accessPolicies", Json::array())) {
      std::string objectId = policy.value("objectId", "");
      std::string expected = state_.targetPrincipal(objectId).value_or(objectId);
      std::string check = "access policy " + expected;
      const Json* match = nullptr;
      for (const Json& candidate : targetPolicies) {
        if (iequals(candidate.value("objectId", ""), expected)) match = &candidate;
      }
      if (!match) {
        fail(node.id, check, "the target vault has no access policy for principal " + expected);
        continue;
      }
      std::vector<std::string> differing;
      for (const char* kind : {"keys", "secrets", "certificates", "storage"}) {
        Json want = policy.value("permissions", Json::object()).value(kind, Json::array());
        Json have = match->value("permissions", Json::object()).value(kind, Json::array());
        if (permissionSet(want) != permissionSet(have)) differing.push_back(kind);
      }
      std::string list;
      for (const auto& kind : differing) list += (list.empty() ? "" : ", ") + kind;
      expect(differing.empty(), node.id, check, "permissions differ for " + list);
    }
  }

  // The resource names neither the old vault's id, its host, nor its name in a
  // VaultName= reference.
  void verifyNoOldVaultReference(const PlanNode& node, const std::string& targetId, const Json& body) {
    std::string text = toLower(body.dump());
    if (iequals(node.type, "Microsoft.Web/sites")) {
      for (const char* config : {"appsettings", "connectionstrings"}) {
        std::string url = client_.resourceUrl(targetId + "/config/" + config + "/list", apiVersionFor(node.type));
        try {
          text += toLower(client_.post(Service::ResourceManager, url, Json::object(), azure::RequestOptions{.idempotent = true}).dump());
        } catch (const azure::ApiError& error) {
          if (error.status() != 404) throw;
        }
      }
    }
    for (const VaultRelocation& vault : plan_.vaults) {
      if (iequals(normalizeId(vault.sourceId), normalizeId(node.id))) continue;
      std::vector<std::string> needles = {normalizeId(vault.sourceId), toLower(vault.sourceName) + ".vault.",
                                          "vaultname=" + toLower(vault.sourceName) + ";",
                                          "vaultname=" + toLower(vault.sourceName) + ")"};
      if (auto uri = state_.vaultUri(vault.sourceId)) needles.push_back(toLower(azure::splitUrl(*uri).host));
      bool found = false;
      for (const auto& needle : needles) found = found || text.find(needle) != std::string::npos;
      expect(!found, node.id, "no reference to " + vault.sourceName, targetId + " still references the old vault " + vault.sourceName);
    }
  }

  // Every Key Vault reference of a re-pointed app that names a relocated vault names its
  // new vault and resolves, as App Service reports it under config/configreferences. App
  // Service reports what it resolved at the app's last restart or settings change. An app
  // without a managed identity (MSINotEnabled) could not resolve it before the move either.
  void verifyAppServiceReferences(const PlanNode& node, const std::string& appId) {
    std::string app = leafName(appId);
    for (const std::string section : {"appsettings", "connectionstrings"}) {
      std::string url = client_.resourceUrl(appId + "/config/configreferences/" + section, apiVersionFor(node.type));
      for (const Json& reference : client_.list(Service::ResourceManager, url)) {
        Json properties = reference.value("properties", Json::object());
        std::string vaultName = properties.value("vaultName", "");
        const VaultRelocation* vault = relocationNaming(vaultName);
        if (!vault) continue;
        std::string id = reference.value("id", "");
        std::string setting = (section == "appsettings" ? "app setting " : "connection string ") + reference.value("name", lastSegment(id));
        std::string check = "reference in " + setting;
        if (iequals(vaultName, vault->sourceName)) {
          fail(node.id, check, app + " " + setting + " still points at the old vault " + vault->sourceName);
          continue;
        }
        std::string status = properties.value("status", "");
        if (status == "MSINotEnabled") {
          // The app has no identity that can fetch it, so it failed the same way before the move.
          pass(node.id, check, "MSINotEnabled before and after the move: the app has no managed identity that can read " + vaultName);
          continue;
        }
        std::string details = properties.value("details", "");
        std::replace(details.begin(), details.end(), '\n', ' ');
        expect(status == "Resolved", node.id, check,
               app + " " + setting + " is " + (status.empty() ? "(no status)" : status) + " in " + vaultName + (details.empty() ? "" : ": " + details));
        verifyPinnedVersion(node, *vault, section, reference.value("name", lastSegment(id)), properties, app + " " + setting);
      }
    }
  }

  // A reference that was pinned to a version in the source names that version's copy: the
  // target version that apply recorded for it.
  void verifyPinnedVersion(const PlanNode& node, const VaultRelocation& vault, const std::string& section,
                           const std::string& name, const Json& properties, const std::string& what) {
    std::string prefix = section == "appsettings" ? "config.appsettings." : "config.connectionstrings.";
    for (const Json& original : node.parameters.value("references", Json::array())) {
      std::string path = original.value("path", "");
      if (!iequals(path, prefix + name) && !iequals(path, prefix + name + ".value")) continue;
      auto parsed = parseKeyVaultReference(original.value("value", ""));
      if (!parsed || parsed->secretVersion.empty()) return;
      auto sourceUri = state_.vaultUri(vault.sourceId);
      if (!sourceUri) return;
      std::string sourceVersion = *sourceUri + "secrets/" + parsed->secretName + "/" + parsed->secretVersion;
      std::optional<std::string> copy = state_.targetVersion(sourceVersion);
      std::string pinned = properties.value("secretVersion", "");
      std::string check = std::string("pinned version in ") + (section == "appsettings" ? "app setting " : "connection string ") + name;
      if (!copy) {
        fail(node.id, check, what + " was pinned to " + parsed->secretVersion + ", and apply recorded no copy of it");
        return;
      }
      expect(iequals(pinned, lastSegment(*copy)), node.id, check,
             what + " names version " + (pinned.empty() ? "(none)" : pinned) + ", not " + lastSegment(*copy) + ", the copy of " +
                 parsed->secretVersion);
      return;
    }
  }

  // The relocation whose source or target vault has this name, or nullptr.
  const VaultRelocation* relocationNaming(const std::string& vaultName) const {
    for (const VaultRelocation& vault : plan_.vaults) {
      if (iequals(vault.sourceName, vaultName) || iequals(vault.targetName, vaultName)) return &vault;
    }
    return nullptr;
  }

  void verifyObject(const PlanNode& node) {
    switch (node.strategy) {
      case Strategy::CopySecret:
      case Strategy::BackupRestore:
      case Strategy::ExportImportPfx:
      case Strategy::ReissueCertificate:
      case Strategy::RegenerateKey:
      case Strategy::Reconfigure:
        break;
      default:
        return;
    }
    ObjectAddress address = addressOf(plan_, node, state_);
    auto target = client_.getIfExists(Service::KeyVault, address.targetUrl());
    if (!target) {
      // A disabled current version answers 403; anything else that is absent is missing.
      auto versions = listVersions(client_, address.targetUrl("versions"));
      if (versions.empty()) {
        fail(node.id, "exists", address.describe() + " is not in the target vault");
        return;
      }
    }
    pass(node.id, "exists");
    if (address.collection == "secrets") verifySecret(node, address);
    if (address.collection == "keys") verifyKey(node, address);
    if (address.collection == "certificates") verifyCertificate(node, address);
  }

  // Source version -> target version: from the version map, else for backups the same
  // version, else by position among versions of the same count.
  std::map<std::string, std::string> pairVersions(const PlanNode& node, const ObjectAddress& address,
                                                  const std::vector<ObjectVersion>& source, const std::vector<ObjectVersion>& target) {
    std::map<std::string, std::string> pairs;
    for (const ObjectVersion& version : source) {
      if (auto mapped = state_.targetVersion(address.sourceVersionId(version.version))) {
        pairs[version.version] = lastSegment(*mapped);
      } else if (node.strategy == Strategy::BackupRestore) {
        pairs[version.version] = version.version;
      }
    }
    if (pairs.empty() && source.size() == target.size()) {
      for (std::size_t index = 0; index < source.size(); ++index) pairs[source[index].version] = target[index].version;
    }
    return pairs;
  }

  static const ObjectVersion* findVersion(const std::vector<ObjectVersion>& versions, const std::string& version) {
    for (const ObjectVersion& candidate : versions) {
      if (iequals(candidate.version, version)) return &candidate;
    }
    return nullptr;
  }

  // Attributes, tags and content type of a version pair; names every member that differs.
  void compareMetadata(const PlanNode& node, const std::string& check, const Json& source, const Json& target, bool withContentType) {
    std::vector<std::string> differing;
    Json sourceAttributes = settableAttributes(source.value("attributes", Json::object()));
    Json targetAttributes = settableAttributes(target.value("attributes", Json::object()));
    for (const char* member : {"enabled", "nbf", "exp"}) {
      if (sourceAttributes.value(member, Json()) != targetAttributes.value(member, Json())) {
        differing.push_back(std::string(member) + " " + targetAttributes.value(member, Json()).dump() + " (source " +
                            sourceAttributes.value(member, Json()).dump() + ")");
      }
    }
    if (source.value("tags", Json::object()) != target.value("tags", Json::object())) differing.push_back("tags");
    if (withContentType && source.value("contentType", "") != target.value("contentType", "")) differing.push_back("contentType");
    std::string list;
    for (const auto& item : differing) list += (list.empty() ? "" : ", ") + item;
    expect(differing.empty(), node.id, check + " attributes", "differs: " + list);
  }

  void verifySecret(const PlanNode& node, const ObjectAddress& address) {
    std::string policy = node.parameters.value("versionsPolicy", options_.secretVersions);
    if (node.strategy == Strategy::BackupRestore) policy = "all";
    std::vector<ObjectVersion> source = selectVersions(listVersions(client_, address.sourceUrl("versions")), policy);
    std::vector<ObjectVersion> target = listVersions(client_, address.targetUrl("versions"));
    auto pairs = pairVersions(node, address, source, target);
    std::size_t expectedCount = 0;
    for (const ObjectVersion& version : source) {
      std::string check = "version " + version.version;
      auto pair = pairs.find(version.version);
      if (pair == pairs.end()) {
        if (!version.enabled && node.strategy == Strategy::CopySecret) {
          pass(node.id, check, "not copied: disabled in the source");
        } else {
          fail(node.id, check, "no copy of source version " + version.version + " is known");
        }
        continue;
      }
      ++expectedCount;
      const ObjectVersion* copy = findVersion(target, pair->second);
      if (!copy) {
        fail(node.id, check, "target version " + pair->second + " is missing");
        continue;
      }
      compareMetadata(node, check, version.item, copy->item, true);
      if (version.enabled && copy->enabled) {
        std::string sourceHash = sha256(client_.get(Service::KeyVault, address.sourceUrl(version.version)).value("value", ""));
        std::string targetHash = sha256(client_.get(Service::KeyVault, address.targetUrl(copy->version)).value("value", ""));
        expect(sourceHash == targetHash, node.id, check + " value", "target version " + copy->version + " holds another value");
      }
    }
    expect(target.size() == expectedCount, node.id, "version count",
           "target holds " + std::to_string(target.size()) + " version(s), " + std::to_string(expectedCount) + " expected");
    if (!target.empty() && !source.empty()) {
      auto current = pairs.find(source.back().version);
      bool currentMatches = current != pairs.end() && iequals(current->second, target.back().version);
      expect(currentMatches || !source.back().enabled, node.id, "current version",
             "the target's current version " + target.back().version + " is not the copy of source version " + source.back().version);
    }
  }

  static Json publicKey(const Json& bundle) {
    Json key = bundle.value("key", Json::object());
    Json result = Json::object();
    for (const char* member : {"kty", "n", "e", "crv", "x", "y"}) {
      if (key.contains(member)) result[member] = key[member];
    }
    return result;
  }

  static Json keyShape(const Json& bundle) {
    Json key = bundle.value("key", Json::object());
    Json shape = {{"kty", key.value("kty", "")}, {"key_ops", permissionSet(key.value("key_ops", Json::array()))}};
    if (key.contains("n")) shape["n bits"] = key.value("n", "").size() * 6 / 8 * 8;
    if (key.contains("crv")) shape["crv"] = key["crv"];
    return shape;
  }

  void verifyKey(const PlanNode& node, const ObjectAddress& address) {
    if (node.strategy == Strategy::BackupRestore) {
      std::vector<ObjectVersion> source = listVersions(client_, address.sourceUrl("versions"));
      for (const ObjectVersion& version : source) {
        std::string check = "version " + version.version;
        auto target = client_.getIfExists(Service::KeyVault, address.targetUrl(version.version));
        if (!target) {
          fail(node.id, check, "target version " + version.version + " is missing");
          continue;
        }
        Json sourceBundle = client_.get(Service::KeyVault, address.sourceUrl(version.version));
        compareMetadata(node, check, sourceBundle, *target, false);
        expect(sha256(publicKey(sourceBundle).dump()) == sha256(publicKey(*target).dump()), node.id, check + " key material",
               "target version " + version.version + " has another public key");
      }
    } else if (node.strategy == Strategy::RegenerateKey) {
      Json source = client_.get(Service::KeyVault, address.sourceUrl());
      Json target = client_.get(Service::KeyVault, address.targetUrl());
      compareMetadata(node, "latest", source, target, false);
      expect(keyShape(source) == keyShape(target), node.id, "key type",
             "target key is " + keyShape(target).dump() + ", source " + keyShape(source).dump());
    }
    auto sourcePolicy = client_.getIfExists(Service::KeyVault, address.sourceUrl("rotationpolicy"));
    if (!sourcePolicy) return;
    auto targetPolicy = client_.getIfExists(Service::KeyVault, address.targetUrl("rotationpolicy"));
    auto comparable = [](const Json& policy) {
      return Json{{"lifetimeActions", policy.value("lifetimeActions", Json::array())},
                  {"expiryTime", policy.value("attributes", Json::object()).value("expiryTime", Json())}};
    };
    expect(targetPolicy && comparable(*sourcePolicy) == comparable(*targetPolicy), node.id, "rotation policy",
           "the target's rotation policy differs from the source's");
  }

  void verifyCertificate(const PlanNode& node, const ObjectAddress& address) {
    std::vector<ObjectVersion> source = listVersions(client_, address.sourceUrl("versions"));
    std::vector<ObjectVersion> target = listVersions(client_, address.targetUrl("versions"));
    if (node.strategy == Strategy::ReissueCertificate) {
      Json sourcePolicy = client_.get(Service::KeyVault, address.sourceUrl("policy"));
      Json targetPolicy = client_.get(Service::KeyVault, address.targetUrl("policy"));
      auto shape = [](const Json& policy) {
        Json key = policy.value("key_props", Json::object());
        return Json{{"kty", key.value("kty", "")}, {"key_size", key.value("key_size", Json())},
                    {"subject", policy.value("x509_props", Json::object()).value("subject", "")}};
      };
      expect(shape(sourcePolicy) == shape(targetPolicy), node.id, "policy", "the target certificate's key or subject differs");
      return;
    }
    auto pairs = pairVersions(node, address, source, target);
    for (const ObjectVersion& version : source) {
      std::string check = "version " + version.version;
      auto pair = pairs.find(version.version);
      const ObjectVersion* copy = pair == pairs.end() ? nullptr : findVersion(target, pair->second);
      if (!copy) {
        fail(node.id, check, "no copy of source version " + version.version + " is in the target");
        continue;
      }
      expect(version.item.value("x5t", "") == copy->item.value("x5t", ""), node.id, check + " thumbprint",
             "target version " + copy->version + " holds another certificate");
      expect(version.enabled == copy->enabled, node.id, check + " enabled", "enabled differs");
    }
    expect(target.size() == pairs.size(), node.id, "version count",
           "target holds " + std::to_string(target.size()) + " version(s), " + std::to_string(pairs.size()) + " expected");
  }

  const Plan& plan_;
  azure::AzureClient& client_;
  const RunState& state_;
  const VerifyOptions& options_;
  VerifyReport report_;
};

}  // namespace

bool VerifyReport::passed() const { return differences() == 0; }

std::size_t VerifyReport::differences() const {
  return static_cast<std::size_t>(std::count_if(checks.begin(), checks.end(), [](const VerifyCheck& check) { return !check.passed; }));
}

VerifyReport verifyRelocation(const Plan& plan, azure::AzureClient& client, const RunState& state, const VerifyOptions& options) {
  VerifyReport report = Verifier(plan, client, state, options).run();
  report.attention = consumerWarnings(plan);
  return report;
}

std::vector<VerifyAttention> consumerWarnings(const Plan& plan) {
  std::set<std::string> consumers;
  for (const PlanNode& node : plan.nodes) {
    if (node.strategy == Strategy::Repoint && !node.id.empty()) consumers.insert(normalizeId(node.id));
  }
  std::vector<VerifyAttention> attention;
  for (const Diagnostic& diagnostic : plan.diagnostics.all()) {
    if (diagnostic.severity != Severity::Warning || diagnostic.resourceId.empty()) continue;
    if (!consumers.contains(normalizeId(diagnostic.resourceId))) continue;
    // verify checks what this warning announces: the pinned reference names the copy.
    if (diagnostic.code == "W-PINNED-VERSION-REMAPPED") continue;
    attention.push_back({diagnostic.resourceId, diagnostic.code, diagnostic.message});
  }
  return attention;
}

namespace {

// Lines of the verify table stay within this many columns where words allow.
constexpr std::size_t kTableWidth = 110;
constexpr std::size_t kMinDetailWidth = 30;

void writeWrapped(std::ostream& out, const std::string& first, const std::string& text) {
  std::size_t room = std::max(kMinDetailWidth, kTableWidth - std::min(kTableWidth, first.size()));
  std::vector<std::string> lines = viz::wrapText(text, room);
  std::string line = first + lines.front();
  while (!line.empty() && line.back() == ' ') line.pop_back();
  out << line << '\n';
  for (std::size_t i = 1; i < lines.size(); ++i) out << std::string(first.size(), ' ') << lines[i] << '\n';
}

struct TablePlace {
  std::string group;  // "rg-app" or "rg-app (subscription ...)"; empty for what is not a resource id
  std::string path;   // the resource below its group
};

TablePlace placeOf(const std::string& resource, bool showSubscription) {
  std::optional<ResourceId> parsed = parseResourceId(resource);
  if (!parsed || parsed->resourceGroup.empty()) return {"", resource};
  std::string group = parsed->resourceGroup;
  if (showSubscription) group += " (subscription " + parsed->subscription + ")";
  return {group, viz::resourcePath(resource)};
}

}  // namespace

void printVerifyTable(const VerifyReport& report, std::ostream& out) {
  std::set<std::string> subscriptions;
  std::size_t checkWidth = 5;
  for (const VerifyCheck& check : report.checks) {
    if (auto parsed = parseResourceId(check.resource)) subscriptions.insert(toLower(parsed->subscription));
    checkWidth = std::max(checkWidth, check.check.size());
  }
  bool showSubscription = subscriptions.size() > 1;
  if (subscriptions.size() == 1) out << "Subscription " << parseResourceId(report.checks.front().resource)->subscription << "\n";

  auto row = [&](const std::string& result, const std::string& check, const std::string& detail) {
    std::ostringstream first;
    first << "    " << std::left << std::setw(6) << result << "  " << std::setw(static_cast<int>(checkWidth)) << check << "  ";
    writeWrapped(out, first.str(), detail);
  };
  out << "\n";
  row("RESULT", "CHECK", "DETAIL");

  std::string group = "\n";  // no group yet
  std::string resource;
  for (const VerifyCheck& check : report.checks) {
    TablePlace place = placeOf(check.resource, showSubscription);
    if (place.group != group) {
      group = place.group;
      out << "\n" << (group.empty() ? "Other resources" : "Resource group " + group) << "\n";
      resource.clear();
    }
    if (check.resource != resource) {
      resource = check.resource;
      out << "  " << place.path << "\n";
    }
    row(check.passed ? "ok" : "DIFF", check.check, check.detail);
  }

  if (!report.attention.empty()) {
    out << "\nAttention: plan warnings about re-pointed consumers, not checked by verify\n";
    for (const VerifyAttention& item : report.attention) {
      writeWrapped(out, "  ATTENTION  ",
                   viz::readableResource(item.resource) + ": [" + item.code + "] " + item.message);
    }
  }
  out << "\n" << report.checks.size() << " checks, " << report.differences() << " difference(s)";
  if (!report.attention.empty()) out << ", " << report.attention.size() << " attention item(s) not checked";
  out << "\n";
}

}  // namespace kvr::executor
