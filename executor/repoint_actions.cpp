// Repoint actions: consumers stay where they are and are changed to use the new vault.
// App Service settings are listed and written back with their @Microsoft.KeyVault
// references rewritten; other consumers (storage accounts, disk encryption sets,
// Application Gateways) get every vault URI, key or secret id and vault resource id in
// their properties rewritten. Pinned versions follow the run state's version map.

#include "azure/http.h"
#include "executor/resource_actions_internal.h"

#include <regex>

namespace kvr::executor::detail {

namespace {

// Types whose properties cannot be patched: the whole resource is written back.
bool writesWholeResource(const std::string& type) { return iequals(type, "Microsoft.Network/applicationGateways"); }

const VaultRelocation* vaultNamed(const Plan& plan, const std::string& name) {
  for (const auto& vault : plan.vaults) {
    if (iequals(vault.sourceName, name)) return &vault;
  }
  return nullptr;
}

class Rewriter {
 public:
  Rewriter(StepContext& context, SourceWriteGuard& guard) : context_(context) {
    for (const auto& vault : context.plan.vaults) targetVaultUri(context, vault, guard);
    ids_ = relocatedIds(context.plan, context.state);
  }

  // A string that names a relocated vault or one of its objects, rewritten; nullopt
  // when it names none.
  std::optional<std::string> rewriteString(const std::string& text) const {
    if (istartsWith(text, "@Microsoft.KeyVault(")) return rewriteAppServiceReference(text);
    if (!istartsWith(text, "https://")) return std::nullopt;
    if (auto object = targetObjectUrl(trimSlash(text), context_.plan, context_.state)) {
      return text.back() == '/' ? *object + "/" : *object;
    }
    return rewriteVaultUri(text);
  }

  Json rewrite(const Json& value) const {
    if (value.is_string()) {
      if (auto rewritten = rewriteString(value.get<std::string>())) return *rewritten;
      return rewriteIds(value, ids_);
    }
    if (value.is_array()) {
      Json result = Json::array();
      for (const Json& item : value) result.push_back(rewrite(item));
      return result;
    }
    if (!value.is_object()) return value;
    Json result = Json::object();
    for (const auto& [key, item] : value.items()) result[key] = rewrite(item);
    return result;
  }

 private:
  static std::string trimSlash(std::string text) {
    while (!text.empty() && text.back() == '/') text.pop_back();
    return text;
  }

  // https://<vault>.<suffix>[/] -> the target vault URI, in the same slash style.
  std::optional<std::string> rewriteVaultUri(const std::string& text) const {
    azure::UrlParts parts = azure::splitUrl(text);
    if (parts.pathAndQuery != "" && parts.pathAndQuery != "/") return std::nullopt;
    const VaultRelocation* vault = vaultNamed(context_.plan, parts.host.substr(0, parts.host.find('.')));
    if (!vault) return std::nullopt;
    std::string target = *context_.state.vaultUri(vault->targetId);
    return text.back() == '/' ? target : trimSlash(target);
  }

  // @Microsoft.KeyVault(SecretUri=...) or @Microsoft.KeyVault(VaultName=...;SecretName=...[;SecretVersion=...]).
  std::optional<std::string> rewriteAppServiceReference(const std::string& text) const {
    static const std::regex secretUri(R"(^@Microsoft\.KeyVault\(\s*SecretUri=([^)\s]+)\s*\)$)", std::regex::icase);
    static const std::regex byName(R"(^@Microsoft\.KeyVault\((.*)\)$)", std::regex::icase);
    std::smatch match;
    if (std::regex_match(text, match, secretUri)) {
      std::optional<std::string> target = rewriteString(match[1].str());
      if (!target) return std::nullopt;
      return "@Microsoft.KeyVault(SecretUri=" + *target + ")";
    }
    if (!std::regex_match(text, match, byName)) return std::nullopt;
    return rewriteNamedReference(match[1].str());
  }

  std::optional<std::string> rewriteNamedReference(const std::string& inside) const {
    std::vector<std::pair<std::string, std::string>> parts;
    std::size_t start = 0;
    while (start <= inside.size()) {
      std::size_t end = inside.find(';', start);
      if (end == std::string::npos) end = inside.size();
      std::string part = inside.substr(start, end - start);
      std::size_t equals = part.find('=');
      if (equals != std::string::npos) parts.emplace_back(part.substr(0, equals), part.substr(equals + 1));
      start = end + 1;
    }
    std::string vaultName, secretName, version;
    for (const auto& [name, value] : parts) {
      if (iequals(name, "VaultName")) vaultName = value;
      else if (iequals(name, "SecretName")) secretName = value;
      else if (iequals(name, "SecretVersion")) version = value;
    }
    const VaultRelocation* vault = vaultNamed(context_.plan, vaultName);
    if (!vault) return std::nullopt;
    std::string newVersion;
    if (!version.empty()) {
      std::string sourceUrl = "https://" + vaultName + ".vault.azure.net/secrets/" + secretName + "/" + version;
      std::string target = *targetObjectUrl(sourceUrl, context_.plan, context_.state);
      newVersion = target.substr(target.rfind('/') + 1);
    }
    std::string result = "@Microsoft.KeyVault(";
    for (std::size_t index = 0; index < parts.size(); ++index) {
      auto [name, value] = parts[index];
      if (iequals(name, "VaultName")) value = vault->targetName;
      if (iequals(name, "SecretVersion")) value = newVersion;
      result += (index ? ";" : "") + name + "=" + value;
    }
    return result + ")";
  }

  StepContext& context_;
  IdMap ids_;
};

// App Service: settings are read with POST .../config/<section>/list and written back whole.
class AppServiceRepointAction : public Action {
 public:
  explicit AppServiceRepointAction(ResourceActionEnvironment& environment) : environment_(environment) {}

  void run(StepContext& context) override {
    Rewriter rewriter(context, environment_.guard);
    for (const std::string& section : sections(context.node)) rewriteSection(context, rewriter, section);
    // TODO: App Service caches resolved references; until the refresh and the reference
    // check (parameters refreshReferences and verifyReferences) are built, the app picks
    // up the new vault on its next restart or within a day.
  }

 private:
  static std::vector<std::string> sections(const PlanNode& node) {
    bool connectionStrings = false;
    for (const Json& reference : node.parameters.value("references", Json::array())) {
      connectionStrings = connectionStrings || istartsWith(reference.value("path", ""), "config.connectionStrings.");
    }
    if (connectionStrings) return {"appsettings", "connectionstrings"};
    return {"appsettings"};
  }

  void rewriteSection(StepContext& context, Rewriter& rewriter, const std::string& section) {
    const PlanNode& node = context.node;
    std::string base = node.id + "/config/" + section;
    // Listing the settings only reads them, so the request may be retried.
    Json listed = context.client.post(azure::Service::ResourceManager, resourceUrl(context.client, base + "/list", node.type),
                                      Json::object(), azure::RequestOptions{.idempotent = true});
    Json settings = listed.value("properties", Json::object());
    Json names = Json::array();
    for (auto& [name, value] : settings.items()) {
      Json* text = value.is_object() && value.contains("value") ? &value["value"] : &value;
      if (!text->is_string()) continue;
      if (auto rewritten = rewriter.rewriteString(text->get<std::string>())) {
        *text = *rewritten;
        names.push_back(name);
      }
    }
    Json detail = {{"settings", settings.size()}, {"rewritten", names}};
    if (names.empty()) {
      context.journal.complete(node.key, section, detail);
      return;
    }
    context.journal.intend(node.key, section, detail);
    context.client.put(azure::Service::ResourceManager, resourceUrl(context.client, base, node.type), {{"properties", settings}});
    context.journal.complete(node.key, section, detail);
  }

  ResourceActionEnvironment& environment_;
};

// Any other consumer: every reference in its properties is rewritten and the changed
// properties are patched (or the whole resource written, for types that need it).
class PropertiesRepointAction : public Action {
 public:
  explicit PropertiesRepointAction(ResourceActionEnvironment& environment) : environment_(environment) {}

  void run(StepContext& context) override {
    const PlanNode& node = context.node;
    Rewriter rewriter(context, environment_.guard);
    Json current = readSource(context, node.id, node.type);
    Json properties = current.value("properties", Json::object());
    Json rewritten = rewriter.rewrite(properties);

    Json changed = Json::object();
    for (auto& [name, value] : rewritten.items()) {
      if (properties[name] != value) changed[name] = value;
    }
    Json detail = {{"properties", Json::array()}};
    for (auto& [name, value] : changed.items()) detail["properties"].push_back(name);
    if (changed.empty()) {
      context.journal.complete(node.key, "", detail);
      return;
    }
    dropReadOnly(changed);

    context.journal.intend(node.key, "", detail);
    std::string url = resourceUrl(context.client, node.id, node.type);
    if (writesWholeResource(node.type)) {
      Json body = current;
      for (const char* member : {"id", "name", "type", "etag", "systemData"}) body.erase(member);
      body["properties"] = rewritten;
      context.client.putResource(url, body);
    } else {
      context.client.patch(azure::Service::ResourceManager, url, {{"properties", changed}});
    }
    context.journal.complete(node.key, "", detail);
  }

 private:
  static void dropReadOnly(Json& value) {
    if (value.is_array()) {
      for (Json& item : value) dropReadOnly(item);
      return;
    }
    if (!value.is_object()) return;
    for (const char* member : {"provisioningState", "currentVersionedKeyIdentifier", "lastKeyRotationTimestamp",
                               "currentVersionedKeyExpirationTimestamp"}) {
      value.erase(member);
    }
    for (auto& [key, item] : value.items()) dropReadOnly(item);
  }

  ResourceActionEnvironment& environment_;
};

}  // namespace

std::unique_ptr<Action> makeRepointAction(const PlanNode& node, ResourceActionEnvironment& environment) {
  if (iequals(node.type, "Microsoft.Web/sites") || iequals(node.type, "Microsoft.Web/sites/slots")) {
    return std::make_unique<AppServiceRepointAction>(environment);
  }
  return std::make_unique<PropertiesRepointAction>(environment);
}

}  // namespace kvr::executor::detail
