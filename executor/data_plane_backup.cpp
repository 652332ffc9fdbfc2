// backup-restore: the object's backup blob from the source, restored into the target.
// Versions keep their ids. The blob passes through memory only. When the target refuses
// the restore (another subscription or geography after all), the object is moved by the
// strategy the plan would have chosen there instead.

#include "executor/data_plane_actions.h"

#include <set>

namespace kvr::executor {

namespace {

void mapRestoredVersions(StepContext& context, const ObjectAddress& address, const std::vector<std::string>& versions) {
  for (const std::string& version : versions) {
    context.state.mapVersion(address.sourceVersionId(version), address.targetVersionId(version));
    if (address.collection != "certificates") continue;
    // A certificate version is also served as a secret and a key of the same version.
    for (const char* collection : {"secrets", "keys"}) {
      std::string tail = std::string(collection) + "/" + address.name + "/" + version;
      context.state.mapVersion(address.sourceVaultUri + tail, address.targetVaultUri + tail);
    }
  }
}

std::vector<std::string> versionNames(const std::vector<ObjectVersion>& versions) {
  std::vector<std::string> names;
  for (const ObjectVersion& version : versions) names.push_back(version.version);
  return names;
}

class BackupRestoreAction : public Action {
 public:
  explicit BackupRestoreAction(DataPlaneOptions options) : options_(options) {}

  void run(StepContext& context) override {
    ObjectAddress address = addressOf(context.plan, context.node, context.state);
    const std::string& step = context.node.key;
    auto entry = context.journal.entry(step, "restore");
    if (entry && entry->detail.contains("fallback")) {
      fallBack(context, entry->detail.value("fallback", ""));
      return;
    }
    if (entry && entry->state == EntryState::Completed) {
      mapRestoredVersions(context, address, entry->detail.value("versions", std::vector<std::string>{}));
    } else {
      std::optional<std::string> fallback = restore(context, address, entry.has_value());
      if (fallback) {
        fallBack(context, *fallback);
        return;
      }
    }
    copyRotationPolicy(context, address);
  }

 private:
  // Restores the object; returns the strategy to fall back to when the target refuses.
  std::optional<std::string> restore(StepContext& context, const ObjectAddress& address, bool intended) {
    auto& client = context.client;
    const std::string& step = context.node.key;
    std::vector<std::string> sourceVersions = versionNames(listVersions(client, address.sourceUrl("versions")));
    std::vector<std::string> targetVersions = versionNames(listVersions(client, address.targetUrl("versions")));
    if (!targetVersions.empty()) {
      std::set<std::string> have;
      for (const auto& version : targetVersions) have.insert(toLower(version));
      for (const auto& version : sourceVersions) {
        if (!have.count(toLower(version))) {
          throw std::runtime_error(context.node.id + ": target vault already holds " + address.describe() + " without source version " +
                                   version + (intended ? "" : ", and this run did not restore it") +
                                   "; remove it from the target vault, then resume");
        }
      }
    } else {
      context.journal.intend(step, "restore", {{"versions", sourceVersions.size()}});
      std::string blob = client.post(azure::Service::KeyVault, address.sourceUrl("backup"), Json::object()).value("value", "");
      std::string restoreUrl = keyVaultUrl(address.targetVaultUri, address.collection + "/restore");
      try {
        createOnce(
            context, address.describe(),
            [&] { return client.post(azure::Service::KeyVault, restoreUrl, {{"value", blob}}, azure::RequestOptions{.idempotent = false}); },
            [&] { return client.getIfExists(azure::Service::KeyVault, address.targetUrl()); });
      } catch (const azure::ApiError& error) {
        if (error.status() != 403 && error.status() != 400) throw;
        std::string fallback = fallbackStrategy(context, address);
        context.journal.fail(step, "restore", {{"fallback", fallback}, {"status", error.status()}, {"code", error.code()}});
        context.progress(address.describe() + ": the target refused the restore (" + std::to_string(error.status()) + " " + error.code() +
                         "); moving it by " + fallback + " instead");
        return fallback;
      }
    }
    context.journal.complete(step, "restore", {{"versions", sourceVersions}});
    mapRestoredVersions(context, address, sourceVersions);
    context.progress(address.describe() + ": restored with " + std::to_string(sourceVersions.size()) + " version(s)");
    return std::nullopt;
  }

  // What the plan chooses when backup is not possible: copy for secrets, a new key for
  // keys, a PFX for a certificate whose key is exportable and a new certificate otherwise.
  static std::string fallbackStrategy(StepContext& context, const ObjectAddress& address) {
    if (address.collection == "secrets") return strategyName(Strategy::CopySecret);
    if (address.collection == "keys") return strategyName(Strategy::RegenerateKey);
    Json policy = context.client.get(azure::Service::KeyVault, address.sourceUrl("policy"));
    bool exportable = policy.value("key_props", Json::object()).value("exportable", false);
    return strategyName(exportable ? Strategy::ExportImportPfx : Strategy::ReissueCertificate);
  }

  void fallBack(StepContext& context, const std::string& strategy) {
    std::unique_ptr<Action> action;
    auto parsed = parseStrategy(strategy);
    if (parsed == Strategy::CopySecret) action = makeCopySecretAction();
    if (parsed == Strategy::RegenerateKey) action = makeRegenerateKeyAction();
    if (parsed == Strategy::ExportImportPfx) action = makeExportImportPfxAction();
    if (parsed == Strategy::ReissueCertificate) action = makeReissueCertificateAction(options_);
    if (!action) throw std::runtime_error(context.node.id + ": no fallback for backup-restore named '" + strategy + "'");
    action->run(context);
  }

  DataPlaneOptions options_;
};

}  // namespace

std::unique_ptr<Action> makeBackupRestoreAction(const DataPlaneOptions& options) {
  return std::make_unique<BackupRestoreAction>(options);
}

}  // namespace kvr::executor
