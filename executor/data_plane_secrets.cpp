// copy-secret: every chosen version of a secret, oldest first, value by value, with its
// content type, tags and attributes.
//
// Resuming: each set is journalled as intended before it is sent and completed with the
// new version id after. A target version that no completed entry names is what an
// interrupted set left behind; it is adopted when its value equals the next pending
// source version's value (both read into memory and compared by SHA-256), so a resumed
// run never writes a version twice. The journal holds version ids only, no value and no
// fingerprint of one.

#include "executor/data_plane_actions.h"
#include "executor/data_plane_objects.h"

#include <set>

namespace kvr::executor {

namespace {

constexpr int kWriteAttempts = 5;

std::string versionItem(const std::string& version) { return "version/" + toLower(version); }
std::string enableItem(const std::string& version) { return "source-enable/" + toLower(version); }

class SecretCopy {
 public:
  SecretCopy(StepContext& context, ObjectAddress address)
      : context_(context), client_(context.client), address_(std::move(address)), step_(context.node.key) {}

  void run() {
    restoreFromJournal();
    disableSourceVersionsLeftEnabled();

    std::vector<ObjectVersion> all = listVersions(client_, address_.sourceUrl("versions"));
    if (all.empty()) throw std::runtime_error(context_.node.id + ": source " + address_.describe() + " has no versions");
    std::string policy = context_.node.parameters.value("versionsPolicy", context_.options.secretVersions);
    std::vector<ObjectVersion> chosen = selectVersions(all, policy);
    std::vector<ObjectVersion> readable = checkReadable(chosen);

    std::vector<ObjectVersion> pending;
    for (const ObjectVersion& version : readable) {
      auto entry = context_.journal.entry(step_, versionItem(version.version));
      if (!entry || entry->state != EntryState::Completed) pending.push_back(version);
    }
    if (pending.empty()) return;
    adoptUnrecordedTargetVersions(pending);
    for (const ObjectVersion& version : pending) copy(version);
  }

 private:
  // Maps every version the journal records as copied, and notes the target ids in use.
  void restoreFromJournal() {
    for (const JournalEntry& entry : context_.journal.entries(step_)) {
      if (entry.state != EntryState::Completed || !entry.detail.contains("target")) continue;
      std::string target = entry.detail.value("target", "");
      context_.state.mapVersion(entry.detail.value("source", ""), target);
      recorded_.insert(toLower(lastSegment(target)));
    }
  }

  // A run stopped between enabling a source version and disabling it again leaves it
  // enabled; put it back first.
  void disableSourceVersionsLeftEnabled() {
    for (const JournalEntry& entry : context_.journal.entries(step_)) {
      if (entry.item.rfind("source-enable/", 0) != 0 || entry.state == EntryState::Completed) continue;
      std::string version = entry.item.substr(std::string("source-enable/").size());
      client_.patch(azure::Service::KeyVault, address_.sourceUrl(version), {{"attributes", {{"enabled", false}}}});
      context_.journal.complete(step_, entry.item, {{"source", address_.sourceVersionId(version)}, {"disabledAgain", true}});
      context_.progress(address_.describe() + ": source version " + version + " disabled again after an interrupted run");
    }
  }

  // The chosen versions whose values can be read. Refuses, before anything is written,
  // when the current version cannot be read: copying the older ones would make an old
  // value current and enabled in the target.
  std::vector<ObjectVersion> checkReadable(const std::vector<ObjectVersion>& chosen) {
    bool allowEnable = context_.options.allowTemporaryEnableInSource;
    std::vector<ObjectVersion> readable;
    std::vector<std::string> unreadable;
    for (const ObjectVersion& version : chosen) {
      if (version.enabled || allowEnable) {
        readable.push_back(version);
      } else {
        unreadable.push_back(version.version);
      }
    }
    std::string list;
    for (const auto& version : unreadable) list += (list.empty() ? "" : ", ") + version;
    if (readable.empty()) {
      throw OperatorActionRequired(context_.node.id + ": E-SECRET-DISABLED-UNREADABLE: every version of " + address_.describe() +
                                   " to copy is disabled in the source and cannot be read (" + list +
                                   "); enable them in the source, or allow temporary enabling, then resume");
    }
    if (!chosen.back().enabled && !allowEnable) {
      throw OperatorActionRequired(context_.node.id + ": E-CURRENT-VERSION-DISABLED: the current version " + chosen.back().version +
                                   " of " + address_.describe() + " is disabled and cannot be read; copying only older "
                                   "versions would make an old value current and enabled in the target. Enable it in the "
                                   "source, allow temporary enabling, or create the secret by hand, then resume");
    }
    for (const std::string& version : unreadable) {
      auto entry = context_.journal.entry(step_, versionItem(version));
      if (!entry || entry->state != EntryState::Completed) {
        context_.journal.complete(step_, versionItem(version),
                                  {{"source", address_.sourceVersionId(version)}, {"skipped", "disabled in the source; value unreadable"}});
      }
      context_.progress(address_.describe() + ": W-SECRET-VERSION-UNREADABLE: version " + version +
                        " is disabled in the source and was not copied");
    }
    return readable;
  }

  // The value of a source version; a disabled one is enabled for the read and disabled
  // again, with both steps in the journal.
  std::string readSource(const ObjectVersion& version) {
    if (version.enabled) return client_.get(azure::Service::KeyVault, address_.sourceUrl(version.version)).value("value", "");
    std::string item = enableItem(version.version);
    Json detail = {{"source", version.id}};
    context_.journal.intend(step_, item, detail);
    context_.progress(address_.describe() + ": enabling source version " + version.version + " for the copy (audit: journal " +
                      step_ + " " + item + ")");
    client_.patch(azure::Service::KeyVault, address_.sourceUrl(version.version), {{"attributes", {{"enabled", true}}}});
    std::string value = client_.get(azure::Service::KeyVault, address_.sourceUrl(version.version)).value("value", "");
    client_.patch(azure::Service::KeyVault, address_.sourceUrl(version.version), {{"attributes", {{"enabled", false}}}});
    detail["disabledAgain"] = true;
    context_.journal.complete(step_, item, detail);
    return value;
  }

  // The value of a target version; one that is disabled is enabled for the read and
  // disabled again (the target is this run's own vault).
  std::string readTarget(const ObjectVersion& version) {
    std::string url = address_.targetUrl(version.version);
    if (version.enabled) return client_.get(azure::Service::KeyVault, url).value("value", "");
    client_.patch(azure::Service::KeyVault, url, {{"attributes", {{"enabled", true}}}});
    std::string value = client_.get(azure::Service::KeyVault, url).value("value", "");
    client_.patch(azure::Service::KeyVault, url, {{"attributes", {{"enabled", false}}}});
    return value;
  }

  std::vector<ObjectVersion> unrecordedTargetVersions() {
    std::vector<ObjectVersion> result;
    for (ObjectVersion& version : listVersions(client_, address_.targetUrl("versions"))) {
      if (!recorded_.count(toLower(version.version))) result.push_back(std::move(version));
    }
    return result;
  }

  // Target versions that no journal entry records came from an interrupted run; each must
  // hold the value of the pending source version at the same position.
  void adoptUnrecordedTargetVersions(std::vector<ObjectVersion>& pending) {
    std::vector<ObjectVersion> unrecorded = unrecordedTargetVersions();
    if (unrecorded.empty()) return;
    if (unrecorded.size() > pending.size()) {
      throw std::runtime_error(context_.node.id + ": target " + address_.describe() + " holds " + std::to_string(unrecorded.size()) +
                               " versions this run did not record, more than the " + std::to_string(pending.size()) +
                               " still to copy; remove the secret from the target vault or resume with the journal that wrote it");
    }
    for (std::size_t index = 0; index < unrecorded.size(); ++index) {
      const ObjectVersion& source = pending[index];
      const ObjectVersion& target = unrecorded[index];
      if (sha256(readSource(source)) != sha256(readTarget(target))) {
        throw std::runtime_error(context_.node.id + ": target version " + target.version + " of " + address_.describe() +
                                 " was not recorded by this run and its value differs from source version " + source.version +
                                 "; remove the secret from the target vault or resume with the journal that wrote it");
      }
      context_.journal.intend(step_, versionItem(source.version), {{"source", source.id}});
      alignAttributes(source, target);
      record(source, target.id, "adopted");
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(unrecorded.size()));
  }

  // Sets content type, tags and attributes of an adopted version to the source's.
  void alignAttributes(const ObjectVersion& source, const ObjectVersion& target) {
    Json wanted = patchBody(source.item);
    Json have = patchBody(target.item);
    if (wanted == have) return;
    client_.patch(azure::Service::KeyVault, address_.targetUrl(target.version), wanted);
  }

  static Json patchBody(const Json& item) {
    Json body = {{"tags", item.value("tags", Json::object())},
                 {"attributes", settableAttributes(item.value("attributes", Json::object()))}};
    std::string contentType = item.value("contentType", "");
    if (!contentType.empty()) body["contentType"] = contentType;
    return body;
  }

  void copy(const ObjectVersion& source) {
    std::string value = readSource(source);
    Json body = patchBody(source.item);
    body["value"] = value;
    context_.journal.intend(step_, versionItem(source.version), {{"source", source.id}});
    std::string targetId = write(body, value);
    record(source, targetId, "copied");
  }

  // One set, retried after a throttling answer, and after a failure that leaves its
  // outcome unknown only once the target shows the version was not written.
  std::string write(const Json& body, const std::string& value) {
    std::string wanted = sha256(value);
    for (int attempt = 1;; ++attempt) {
      try {
        Json result = client_.put(azure::Service::KeyVault, address_.targetUrl(), body, azure::RequestOptions{.idempotent = false});
        return result.value("id", "");
      } catch (const std::exception& error) {
        const auto* api = dynamic_cast<const azure::ApiError*>(&error);
        bool throttled = api != nullptr && api->status() == 429;
        if ((!throttled && !outcomeUnknown(error)) || attempt >= kWriteAttempts) throw;
        context_.progress(address_.describe() + ": set failed (" + std::string(error.what()) + "); checking the target before retry " +
                          std::to_string(attempt));
        if (throttled) continue;
        for (const ObjectVersion& candidate : unrecordedTargetVersions()) {
          if (sha256(readTarget(candidate)) == wanted) return candidate.id;
        }
      }
    }
  }

  void record(const ObjectVersion& source, const std::string& targetId, const std::string& how) {
    context_.journal.complete(step_, versionItem(source.version), {{"source", source.id}, {"target", targetId}, {"how", how}});
    context_.state.mapVersion(source.id, targetId);
    recorded_.insert(toLower(lastSegment(targetId)));
    context_.progress(address_.describe() + ": version " + source.version + " " + how + " as " + lastSegment(targetId));
  }

  StepContext& context_;
  azure::AzureClient& client_;
  ObjectAddress address_;
  std::string step_;
  std::set<std::string> recorded_;  // lower-case target versions the journal records
};

class CopySecretAction : public Action {
 public:
  void run(StepContext& context) override {
    SecretCopy(context, addressOf(context.plan, context.node, context.state)).run();
  }
};

}  // namespace

std::unique_ptr<Action> makeCopySecretAction() { return std::make_unique<CopySecretAction>(); }

}  // namespace kvr::executor
