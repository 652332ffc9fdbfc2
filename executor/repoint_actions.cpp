// Repoint actions: consumers stay where they are and are changed to use the new vault.
// App Service settings are listed and written back with their @Microsoft.KeyVault
// references rewritten, and then every reference to a new vault must resolve. Other
// consumers (storage accounts, disk encryption sets, Application Gateways) get every vault
// URI, key or secret id and vault resource id in their properties rewritten. Pinned
// versions follow the run state's version map.

#include "azure/http.h"
#include "executor/resource_actions_internal.h"

#include <algorithm>
#include <regex>
#include <set>

namespace kvr::executor::detail {

namespace {

// How long a re-pointed App Service reference may stay unresolved for a reason that a
// propagating grant explains, and how often it is checked meanwhile. Access policies
// usually take effect within a minute; role assignments can take up to ten.
constexpr azure::Milliseconds kReferenceWait{600'000};
constexpr azure::Milliseconds kReferencePoll{60'000};

// Statuses that a grant still propagating to the vault can cause, so they are worth waiting
// out. Any other status (SecretNotFound, VaultNotFound, InvalidSyntax, ...) fails at once.
bool mayBePropagating(const std::string& status) {
  return status == "AccessToKeyVaultDenied" || status == "FetchTimedOut" || status == "Initialized";
}

// MSINotEnabled: the app has no managed identity that can fetch its references. The vault
// plays no part in that status, so the reference failed the same way before re-pointing,
// and the plan warns about such a consumer (W-CONSUMER-WITHOUT-IDENTITY).
bool dependsOnlyOnTheApp(const std::string& status) { return status == "MSINotEnabled"; }

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
    std::map<std::string, Json> written;
    for (const std::string& section : sections(context.node)) written[section] = rewriteSection(context, rewriter, section);
    checkReferences(context, written);
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

  // Rewrites one settings section and returns the settings as they now stand.
  Json rewriteSection(StepContext& context, Rewriter& rewriter, const std::string& section) {
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
      return settings;
    }
    context.journal.intend(node.key, section, detail);
    context.client.put(azure::Service::ResourceManager, resourceUrl(context.client, base, node.type), {{"properties", settings}});
    context.journal.complete(node.key, section, detail);
    return settings;
  }

  struct Unresolved {
    std::string section;
    std::string setting;
    std::string status;
    std::string details;
  };

  // App Service resolves references when the settings change and keeps the result. Every
  // reference that names a new vault must report Resolved, except MSINotEnabled, which only
  // the app can cause and which is logged. A status that a propagating grant explains is
  // waited out: the settings are written again unchanged, which makes App Service resolve
  // them again, as a restart would.
  void checkReferences(StepContext& context, const std::map<std::string, Json>& written) {
    azure::TimePoint deadline = environment_.timer.now() + kReferenceWait;
    for (bool firstCheck = true;; firstCheck = false) {
      std::vector<Unresolved> unresolved;
      for (Unresolved& item : unresolvedReferences(context, written)) {
        if (!dependsOnlyOnTheApp(item.status)) {
          unresolved.push_back(std::move(item));
        } else if (firstCheck) {
          context.progress(settingKind(item.section) + item.setting + " stays " + item.status +
                           " until the app has a managed identity with access to the new vault");
        }
      }
      if (unresolved.empty()) return;
      bool worthWaiting = std::all_of(unresolved.begin(), unresolved.end(), [](const Unresolved& item) { return mayBePropagating(item.status); });
      if (!worthWaiting || environment_.timer.now() >= deadline) throw std::runtime_error(describe(context.node, unresolved, worthWaiting));

      context.progress(std::to_string(unresolved.size()) + " Key Vault reference(s) not resolved yet (" + unresolved.front().status +
                       "); checking again in " + std::to_string(kReferencePoll.count() / 1000) + " s");
      environment_.timer.sleepFor(kReferencePoll);
      for (const auto& [section, settings] : written) {
        std::string url = resourceUrl(context.client, context.node.id + "/config/" + section, context.node.type);
        context.client.put(azure::Service::ResourceManager, url, {{"properties", settings}});
      }
    }
  }

  // The references of the written sections that name a target vault and do not resolve.
  std::vector<Unresolved> unresolvedReferences(StepContext& context, const std::map<std::string, Json>& written) const {
    std::set<std::string> targetVaults;
    for (const VaultRelocation& vault : context.plan.vaults) targetVaults.insert(toLower(vault.targetName));
    std::vector<Unresolved> result;
    for (const auto& [section, settings] : written) {
      std::string url = resourceUrl(context.client, context.node.id + "/config/configreferences/" + section, context.node.type);
      for (const Json& reference : context.client.list(azure::Service::ResourceManager, url)) {
        Json properties = reference.value("properties", Json::object());
        if (!targetVaults.count(toLower(properties.value("vaultName", "")))) continue;
        std::string status = properties.value("status", "");
        if (status == "Resolved") continue;
        std::string id = reference.value("id", "");
        std::string details = properties.value("details", "");
        std::replace(details.begin(), details.end(), '\n', ' ');
        result.push_back({section, reference.value("name", id.substr(id.rfind('/') + 1)), status.empty() ? "(no status)" : status, details});
      }
    }
    return result;
  }

  static std::string settingKind(const std::string& section) { return section == "appsettings" ? "app setting " : "connection string "; }

  // One line naming the app, every unresolved setting with its status, and what to do.
  std::string describe(const PlanNode& node, const std::vector<Unresolved>& unresolved, bool waited) const {
    std::string text = node.id + ": Key Vault references do not resolve after re-pointing:";
    for (std::size_t index = 0; index < unresolved.size(); ++index) {
      const Unresolved& item = unresolved[index];
      text += std::string(index ? "; " : " ") + settingKind(item.section) + item.setting +
              " is " + item.status;
      if (!item.details.empty()) text += " (" + item.details + ")";
    }
    if (waited) text += "; still so after waiting " + std::to_string(kReferenceWait.count() / 1000) + " s";
    return text + ". Fix the grant or the secret in the new vault, then run apply --resume.";
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
