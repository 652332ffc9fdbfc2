#include "simulator/app_service_references.h"

#include "simulator/arm_path.h"
#include "simulator/role_definitions.h"

#include <array>

namespace kvr::sim {

namespace {

using nlohmann::json;

// Built-in roles whose data actions include reading secret values.
constexpr std::array<const char*, 3> kSecretReaderRoles = {
    "Key Vault Secrets User",
    "Key Vault Secrets Officer",
    "Key Vault Administrator",
};

const char* const kSections[] = {"appsettings", "connectionstrings"};

struct ParsedReference {
  std::string vaultName;
  std::string secretName;
  std::string version;  // empty when the reference follows the current version
  std::string problem;  // why the syntax is invalid; empty when it is valid
};

std::string trim(const std::string& text) {
  std::size_t start = text.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  return text.substr(start, text.find_last_not_of(" \t") - start + 1);
}

bool startsWithIgnoreCase(const std::string& text, std::string_view prefix) {
  return text.size() >= prefix.size() && equalsIgnoreCase(std::string_view(text).substr(0, prefix.size()), prefix);
}

bool isReference(const std::string& value) { return startsWithIgnoreCase(trim(value), "@Microsoft.KeyVault("); }

// SecretUri=https://<vault>.<suffix>[:port]/secrets/<name>[/<version>][/]. The vault is the
// host's first label, so a source reference under vault.azure.net names a kvsim vault too.
void parseSecretUri(const std::string& uri, ParsedReference& parsed) {
  if (!startsWithIgnoreCase(uri, "https://")) {
    parsed.problem = "SecretUri must be an https:// URL of a secret, such as https://<vault>.vault.azure.net/secrets/<name>";
    return;
  }
  std::string rest = uri.substr(8);
  std::size_t slash = rest.find('/');
  std::string host = rest.substr(0, slash);
  parsed.vaultName = host.substr(0, host.find_first_of(".:"));
  std::vector<std::string> segments = slash == std::string::npos ? std::vector<std::string>{} : splitPath(rest.substr(slash));
  if (parsed.vaultName.empty() || segments.size() < 2 || segments.size() > 3 || toLower(segments[0]) != "secrets") {
    parsed.problem = "SecretUri must name a secret as https://<vault>.vault.azure.net/secrets/<name>[/<version>]";
    return;
  }
  parsed.secretName = segments[1];
  if (segments.size() == 3) parsed.version = segments[2];
}

// VaultName=<vault>;SecretName=<name>[;SecretVersion=<version>], parts in any order.
void parseNamedReference(const std::string& inside, ParsedReference& parsed) {
  std::size_t start = 0;
  while (start <= inside.size()) {
    std::size_t end = inside.find(';', start);
    if (end == std::string::npos) end = inside.size();
    std::string part = trim(inside.substr(start, end - start));
    start = end + 1;
    if (part.empty()) continue;
    std::size_t equals = part.find('=');
    std::string name = toLower(trim(part.substr(0, equals)));
    std::string value = equals == std::string::npos ? "" : trim(part.substr(equals + 1));
    if (name == "vaultname") parsed.vaultName = value;
    else if (name == "secretname") parsed.secretName = value;
    else if (name == "secretversion") parsed.version = value;
    else parsed.problem = "unknown part '" + part + "'; use VaultName, SecretName and SecretVersion";
  }
  if (parsed.problem.empty() && (parsed.vaultName.empty() || parsed.secretName.empty())) {
    parsed.problem = "the reference needs both VaultName and SecretName, or a SecretUri";
  }
}

ParsedReference parseReference(const std::string& value) {
  ParsedReference parsed;
  std::string text = trim(value);
  const std::string_view prefix = "@Microsoft.KeyVault(";
  if (text.back() != ')') {
    parsed.problem = "the reference does not end with ')'";
    return parsed;
  }
  std::string inside = trim(text.substr(prefix.size(), text.size() - prefix.size() - 1));
  if (startsWithIgnoreCase(inside, "SecretUri=")) parseSecretUri(trim(inside.substr(10)), parsed);
  else parseNamedReference(inside, parsed);
  return parsed;
}

// The principal that resolves the site's references, as keyVaultReferenceIdentity picks
// it: the system-assigned identity by default, or the named user-assigned identity.
struct ReferenceIdentity {
  std::string principalId;
  json description;     // the identityType member: a ManagedServiceIdentity
  std::string problem;  // why the app has no usable identity; empty when it has one
};

ReferenceIdentity identityOf(const json& site, const ResourceManager& resources) {
  ReferenceIdentity result;
  std::string chosen = site.value("properties", json::object()).value("keyVaultReferenceIdentity", "");
  json identity = site.value("identity", json::object());
  if (chosen.empty() || equalsIgnoreCase(chosen, "SystemAssigned")) {
    bool enabled = toLower(identity.value("type", "")).find("systemassigned") != std::string::npos;
    result.principalId = identity.value("principalId", "");
    if (!enabled || result.principalId.empty()) {
      result.problem = "the app has no system-assigned identity; enable one or set keyVaultReferenceIdentity to a user-assigned identity";
      return result;
    }
    result.description = {{"type", "SystemAssigned"}, {"principalId", result.principalId}, {"tenantId", identity.value("tenantId", "")}};
    return result;
  }

  json assigned = identity.value("userAssignedIdentities", json::object());
  for (const auto& [id, details] : assigned.items()) {
    if (idKey(id) != idKey(chosen)) continue;
    result.principalId = details.is_object() ? details.value("principalId", "") : "";
    std::string clientId = details.is_object() ? details.value("clientId", "") : "";
    if (auto resource = resources.findResource(id)) {
      json properties = resource->value("properties", json::object());
      if (result.principalId.empty()) result.principalId = properties.value("principalId", "");
      if (clientId.empty()) clientId = properties.value("clientId", "");
    }
    if (result.principalId.empty()) break;
    result.description = {{"type", "UserAssigned"},
                          {"userAssignedIdentities", {{id, {{"principalId", result.principalId}, {"clientId", clientId}}}}}};
    return result;
  }
  result.problem = "keyVaultReferenceIdentity " + chosen + " is not a user-assigned identity of the app";
  return result;
}

bool policyGrantsSecretGet(const json& vault, const std::string& principalId) {
  for (const json& policy : vault.value("properties", json::object()).value("accessPolicies", json::array())) {
    if (!policy.is_object() || !equalsIgnoreCase(policy.value("objectId", ""), principalId)) continue;
    for (const json& permission : policy.value("permissions", json::object()).value("secrets", json::array())) {
      if (permission.is_string() && (equalsIgnoreCase(permission.get<std::string>(), "get") || equalsIgnoreCase(permission.get<std::string>(), "all"))) {
        return true;
      }
    }
  }
  return false;
}

bool roleGrantsSecretGet(const ResourceManager& resources, const std::string& secretId, const std::string& principalId) {
  for (const json& assignment : resources.roleAssignmentsCovering(secretId)) {
    json properties = assignment.value("properties", json::object());
    if (!equalsIgnoreCase(properties.value("principalId", ""), principalId)) continue;
    std::string role = lastSegment(properties.value("roleDefinitionId", ""));
    for (const char* reader : kSecretReaderRoles) {
      if (equalsIgnoreCase(role, builtInKeyVaultRoleGuid(reader))) return true;
    }
  }
  return false;
}

// The site id for a path under .../providers/Microsoft.Web/sites/{name}, or nullopt.
std::optional<std::string> siteIdOf(const ArmPath& path) {
  if (!equalsIgnoreCase(path.providerNamespace, "Microsoft.Web") || path.types.empty() || path.names.empty() ||
      !equalsIgnoreCase(path.types[0], "sites")) {
    return std::nullopt;
  }
  return path.scope + "/providers/Microsoft.Web/sites/" + path.names[0];
}

// The section ("appsettings" or "connectionstrings") a configreferences path names, or "".
std::string referenceSection(const ArmPath& path) {
  if (path.types.size() != 3 || path.names.size() < 2 || !equalsIgnoreCase(path.types[1], "config") ||
      !equalsIgnoreCase(path.names[1], "configreferences")) {
    return "";
  }
  std::string section = toLower(path.types[2]);
  return section == "appsettings" || section == "connectionstrings" ? section : "";
}

bool isRestart(const ArmPath& path) { return path.types.size() == 2 && path.names.size() == 1 && equalsIgnoreCase(path.types[1], "restart"); }

}  // namespace

bool AppServiceReferences::handles(const Request& request) {
  std::optional<ArmPath> path = parseArmPath(request.path);
  if (!path || !siteIdOf(*path)) return false;
  return !referenceSection(*path).empty() || isRestart(*path);
}

Response AppServiceReferences::handle(const Request& request) {
  if (auto invalid = checkApiVersion(request)) return *invalid;
  ArmPath path = *parseArmPath(request.path);
  std::string siteId = *siteIdOf(path);
  if (!resources_.findResource(siteId)) {
    return armError(404, "ResourceNotFound", "The Resource 'Microsoft.Web/sites/" + path.names[0] + "' under resource group '" +
                                                 path.resourceGroup + "' was not found.");
  }

  if (isRestart(path)) {
    if (request.method != "POST") return armError(405, "MethodNotAllowed", "use POST to restart a site");
    resolved_[idKey(siteId)] = resolve(siteId);
    return Response::empty(200);
  }

  if (request.method != "GET") return armError(405, "MethodNotAllowed", "Key Vault references of a site support GET only");
  std::string section = referenceSection(path);
  const std::map<std::string, json>& references = resolution(siteId).at(section);
  if (path.names.size() == 3) {
    for (const auto& [name, reference] : references) {
      if (equalsIgnoreCase(name, path.names[2])) return Response::json(200, reference);
    }
    std::string kind = section == "appsettings" ? "app setting" : "connection string";
    return armError(404, "NotFound", "Key Vault reference not found: the app has no " + kind + " named '" + path.names[2] +
                                         "' that contains one.");
  }
  json page = {{"value", json::array()}};
  for (const auto& [name, reference] : references) page["value"].push_back(reference);
  return Response::json(200, page);
}

void AppServiceReferences::afterWrite(const Request& request) {
  if (request.method != "PUT" && request.method != "PATCH" && request.method != "DELETE") return;
  std::optional<ArmPath> path = parseArmPath(request.path);
  if (!path) return;
  std::optional<std::string> siteId = siteIdOf(*path);
  if (!siteId) return;
  bool site = path->types.size() == 1;
  bool settings = path->types.size() == 2 && equalsIgnoreCase(path->types[1], "config") && path->names.size() == 2 &&
                  (equalsIgnoreCase(path->names[1], "appsettings") || equalsIgnoreCase(path->names[1], "connectionstrings"));
  if (!site && !settings) return;
  if (request.method == "DELETE" || !resources_.findResource(*siteId)) {
    resolved_.erase(idKey(*siteId));
    return;
  }
  resolved_[idKey(*siteId)] = resolve(*siteId);
}

const AppServiceReferences::Resolution& AppServiceReferences::resolution(const std::string& siteId) {
  auto found = resolved_.find(idKey(siteId));
  if (found != resolved_.end()) return found->second;
  return resolved_[idKey(siteId)] = resolve(siteId);
}

AppServiceReferences::Resolution AppServiceReferences::resolve(const std::string& siteId) const {
  Resolution result;
  json site = *resources_.findResource(siteId);
  json config = site.value("config", json::object());
  for (const char* section : kSections) {
    std::map<std::string, json>& references = result[section];
    json settings = config.value(section == std::string("appsettings") ? "appSettings" : "connectionStrings", json::object());
    if (!settings.is_object()) continue;
    for (const auto& [name, setting] : settings.items()) {
      // A connection string is {"value": ..., "type": ...}; an app setting is the value itself.
      const json& value = setting.is_object() ? setting.value("value", json()) : setting;
      if (!value.is_string() || !isReference(value.get<std::string>())) continue;
      references[name] = resolveOne(site, section, name, value.get<std::string>());
    }
  }
  return result;
}

json AppServiceReferences::resolveOne(const json& site, const std::string& section, const std::string& name,
                                      const std::string& reference) const {
  ParsedReference parsed = parseReference(reference);
  json properties = {{"reference", reference}, {"source", "KeyVault"}};
  if (!parsed.vaultName.empty()) properties["vaultName"] = parsed.vaultName;
  if (!parsed.secretName.empty()) properties["secretName"] = parsed.secretName;
  if (!parsed.version.empty()) properties["secretVersion"] = parsed.version;
  json result = {{"id", site["id"].get<std::string>() + "/config/configreferences/" + section + "/" + name},
                 {"name", name},
                 {"type", "Microsoft.Web/sites/config/configreferences"},
                 {"properties", properties}};
  auto finish = [&](const std::string& status, const std::string& details) {
    result["properties"]["status"] = status;
    result["properties"]["details"] = details;
    return result;
  };

  // Checked in the order App Service meets them: the reference, the identity that
  // fetches it, the vault, the vault's permission check, then the secret itself.
  if (!parsed.problem.empty()) return finish("InvalidSyntax", "The Key Vault reference is invalid: " + parsed.problem + ".");
  ReferenceIdentity identity = identityOf(site, resources_);
  if (!identity.problem.empty()) return finish("MSINotEnabled", "No managed identity can fetch the reference: " + identity.problem + ".");
  result["properties"]["identityType"] = identity.description;

  // NOTE: the vault's firewall is not checked. In Azure an app whose outbound traffic the
  // vault's network rules deny fails to resolve even with a grant.
  std::optional<VaultInfo> vault = resources_.findVault(parsed.vaultName);
  if (!vault) return finish("VaultNotFound", "No vault named '" + parsed.vaultName + "' exists.");
  json vaultResource = resources_.findResource(vault->id).value_or(json::object());
  bool rbac = vaultResource.value("properties", json::object()).value("enableRbacAuthorization", false);
  std::string secretId = vault->id + "/secrets/" + parsed.secretName;
  bool allowed = rbac ? roleGrantsSecretGet(resources_, secretId, identity.principalId)
                      : policyGrantsSecretGet(vaultResource, identity.principalId);
  if (!allowed) {
    std::string needed = rbac ? "a role assignment such as Key Vault Secrets User on the vault or the secret"
                              : "an access policy with get permission on secrets";
    return finish("AccessToKeyVaultDenied",
                  "Principal " + identity.principalId + " may not get secrets from vault " + vault->name + ": it needs " + needed + ".");
  }

  KeyVaultDataPlane::SecretLookup secret = keyVault_.lookupSecret(vault->name, parsed.secretName, parsed.version);
  if (!secret.secretFound) return finish("SecretNotFound", "Vault " + vault->name + " has no secret named '" + parsed.secretName + "'.");
  if (!secret.versionFound) {
    return finish("SecretVersionNotFound", "Secret " + parsed.secretName + " in vault " + vault->name + " has no version " + parsed.version + ".");
  }
  if (!secret.enabled) {
    return finish("OtherReasons", "Version " + secret.version + " of secret " + parsed.secretName + " is disabled, so Key Vault refuses to return it.");
  }
  if (!secret.valueReadable) {
    return finish("OtherReasons", "The estate recorded that version " + secret.version + " of secret " + parsed.secretName + " cannot be read.");
  }
  result["properties"]["activeVersion"] = secret.version;
  return finish("Resolved", "The reference resolved to version " + secret.version + " of secret " + parsed.secretName + ".");
}

}  // namespace kvr::sim
