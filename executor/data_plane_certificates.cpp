// export-import-pfx: each certificate version's PFX, read from its managed secret into
// memory, imported into the target with the source's policy, oldest first.
// reissue-certificate: a new self-signed certificate with the same policy, or a request to
// the operator for a CA-issued one.

#include "executor/data_plane_actions.h"

#include <set>

namespace kvr::executor {

namespace {

std::string versionItem(const std::string& version) { return "version/" + toLower(version); }

// A certificate version is served as a certificate, a secret and a key of one version.
void mapCertificateVersion(StepContext& context, const ObjectAddress& address, const std::string& sourceVersion,
                           const std::string& targetVersion) {
  for (const char* collection : {"certificates", "secrets", "keys"}) {
    std::string tail = std::string(collection) + "/" + address.name + "/";
    context.state.mapVersion(address.sourceVaultUri + tail + sourceVersion, address.targetVaultUri + tail + targetVersion);
  }
}

Json importPolicy(azure::AzureClient& client, const ObjectAddress& address) {
  Json policy = client.get(azure::Service::KeyVault, address.sourceUrl("policy"));
  policy.erase("id");
  policy.erase("attributes");
  return policy;
}

class ExportImportPfxAction : public Action {
 public:
  void run(StepContext& context) override {
    ObjectAddress address = addressOf(context.plan, context.node, context.state);
    auto& client = context.client;
    const std::string& step = context.node.key;

    std::set<std::string> recorded;
    for (const JournalEntry& entry : context.journal.entries(step)) {
      if (entry.state != EntryState::Completed || !entry.detail.contains("target")) continue;
      std::string targetVersion = entry.detail.value("target", "");
      mapCertificateVersion(context, address, entry.detail.value("source", ""), targetVersion);
      recorded.insert(toLower(targetVersion));
    }

    std::vector<ObjectVersion> versions = listVersions(client, address.sourceUrl("versions"));
    if (versions.empty()) throw std::runtime_error(context.node.id + ": source " + address.describe() + " has no versions");
    if (!versions.back().enabled) {
      throw OperatorActionRequired(context.node.id + ": E-CURRENT-VERSION-DISABLED: the current version " + versions.back().version +
                                   " of " + address.describe() + " is disabled, so its PFX cannot be read; enable it in the "
                                   "source or import it by hand, then resume");
    }
    std::vector<ObjectVersion> pending;
    for (const ObjectVersion& version : versions) {
      auto entry = context.journal.entry(step, versionItem(version.version));
      if (entry && entry->state == EntryState::Completed) continue;
      if (!version.enabled) {
        context.journal.complete(step, versionItem(version.version), {{"source", version.version}, {"skipped", "disabled in the source"}});
        context.progress(address.describe() + ": W-CERTIFICATE-VERSION-UNREADABLE: version " + version.version +
                         " is disabled in the source and was not copied");
        continue;
      }
      pending.push_back(version);
    }
    if (pending.empty()) return;

    Json policy = importPolicy(client, address);
    auto unrecorded = [&] {
      std::vector<ObjectVersion> result;
      for (ObjectVersion& version : listVersions(client, address.targetUrl("versions"))) {
        if (!recorded.count(toLower(version.version))) result.push_back(std::move(version));
      }
      return result;
    };
    // A version an interrupted run imported has the thumbprint of the next pending one.
    std::vector<ObjectVersion> leftOver = unrecorded();
    for (const ObjectVersion& source : pending) {
      std::string x5t = source.item.value("x5t", "");
      std::optional<std::string> targetVersion;
      if (!leftOver.empty()) {
        if (leftOver.front().item.value("x5t", "") != x5t) {
          throw std::runtime_error(context.node.id + ": target " + address.describe() + " holds version " + leftOver.front().version +
                                   " that this run did not record and whose thumbprint differs from source version " +
                                   source.version + "; remove the certificate from the target vault, then resume");
        }
        targetVersion = leftOver.front().version;
        leftOver.erase(leftOver.begin());
      } else {
        std::string pfx = client.get(azure::Service::KeyVault, keyVaultUrl(address.sourceVaultUri, "secrets/" + address.name + "/" + source.version))
                              .value("value", "");
        Json body = {{"value", pfx},
                     {"policy", policy},
                     {"attributes", {{"enabled", source.item.value("attributes", Json::object()).value("enabled", true)}}}};
        if (source.item.contains("tags")) body["tags"] = source.item["tags"];
        context.journal.intend(step, versionItem(source.version), {{"source", source.version}, {"x5t", x5t}});
        Json imported = createOnce(
            context, address.describe(),
            [&] { return client.post(azure::Service::KeyVault, address.targetUrl("import"), body, azure::RequestOptions{.idempotent = false}); },
            [&]() -> std::optional<Json> {
              for (const ObjectVersion& candidate : unrecorded()) {
                if (candidate.item.value("x5t", "") == x5t) return candidate.item;
              }
              return std::nullopt;
            });
        targetVersion = lastSegment(imported.value("id", ""));
      }
      context.journal.complete(step, versionItem(source.version), {{"source", source.version}, {"target", *targetVersion}, {"x5t", x5t}});
      mapCertificateVersion(context, address, source.version, *targetVersion);
      recorded.insert(toLower(*targetVersion));
      context.progress(address.describe() + ": version " + source.version + " imported as " + *targetVersion);
    }
  }
};

class ReissueCertificateAction : public Action {
 public:
  explicit ReissueCertificateAction(DataPlaneOptions options) : options_(options) {}

  void run(StepContext& context) override {
    ObjectAddress address = addressOf(context.plan, context.node, context.state);
    auto& client = context.client;
    const std::string& step = context.node.key;
    auto entry = context.journal.entry(step, "create");
    if (entry && entry->state == EntryState::Completed) {
      mapCertificateVersion(context, address, entry->detail.value("source", ""), entry->detail.value("target", ""));
      return;
    }
    Json source = client.get(azure::Service::KeyVault, address.sourceUrl());
    std::string sourceVersion = lastSegment(source.value("id", ""));
    auto existing = client.getIfExists(azure::Service::KeyVault, address.targetUrl());
    if (!existing) {
      Json policy = importPolicy(client, address);
      std::string issuer = policy.value("issuer", Json::object()).value("name", "");
      if (!issuer.empty() && !iequals(issuer, "Self")) {
        throw OperatorActionRequired(context.node.id + ": certificate " + address.name + " is issued by '" + issuer +
                                     "' and its private key cannot be exported. Create certificate " + address.name + " in " +
                                     address.targetVaultUri + " with the source's policy and issuer '" + issuer +
                                     "', complete the issuer's validation, then resume");
      }
      context.journal.intend(step, "create", {{"source", sourceVersion}});
      Json body = {{"policy", policy}};
      if (source.contains("tags")) body["tags"] = source["tags"];
      createOnce(
          context, address.describe(),
          [&] { return client.post(azure::Service::KeyVault, address.targetUrl("create"), body, azure::RequestOptions{.idempotent = false}); },
          [&] { return client.getIfExists(azure::Service::KeyVault, address.targetUrl("pending")); });
      existing = waitForCertificate(context, address);
    }
    std::string targetVersion = lastSegment(existing->value("id", ""));
    context.journal.complete(step, "create", {{"source", sourceVersion}, {"target", targetVersion}});
    mapCertificateVersion(context, address, sourceVersion, targetVersion);
    context.progress(address.describe() + ": W-CERTIFICATE-REISSUED: new certificate " + targetVersion +
                     " issued in the target; its thumbprint differs from the source's");
  }

 private:
  Json waitForCertificate(StepContext& context, const ObjectAddress& address) {
    azure::Timer& timer = options_.timer != nullptr ? *options_.timer : azure::systemTimer();
    for (int poll = 0; poll < options_.certificatePollLimit; ++poll) {
      auto operation = context.client.getIfExists(azure::Service::KeyVault, address.targetUrl("pending"));
      std::string status = operation ? toLower(operation->value("status", "")) : "completed";
      if (status == "completed") {
        if (auto certificate = context.client.getIfExists(azure::Service::KeyVault, address.targetUrl())) return *certificate;
      } else if (status != "inprogress") {
        throw std::runtime_error(context.node.id + ": creating " + address.describe() + " in the target ended with status '" + status +
                                 "': " + operation->value("status_details", ""));
      }
      timer.sleepFor(options_.certificatePollInterval);
    }
    throw std::runtime_error(context.node.id + ": " + address.describe() + " was not created in the target within " +
                             std::to_string(options_.certificatePollLimit) + " polls");
  }

  DataPlaneOptions options_;
};

}  // namespace

std::unique_ptr<Action> makeExportImportPfxAction() { return std::make_unique<ExportImportPfxAction>(); }
std::unique_ptr<Action> makeReissueCertificateAction(const DataPlaneOptions& options) {
  return std::make_unique<ReissueCertificateAction>(options);
}

}  // namespace kvr::executor
