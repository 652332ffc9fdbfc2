#pragma once

// What one step of `apply` works with: the plan node, the Azure client, the journal that
// makes the run resumable, and the state the steps of a run share. Actions implement one
// strategy each; the walker runs them in plan order.

#include "azure/client.h"
#include "discovery/json.h"
#include "strategies/plan.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kvr::executor {

enum class EntryState { Intended, Completed, Failed };
const char* entryStateName(EntryState state);

// One journal record: a step's unit of work (`item`: "", a secret version, a setting...)
// and what is known about it. `detail` holds ids, counts and hashes, never a value.
struct JournalEntry {
  std::string step;
  std::string item;
  EntryState state = EntryState::Intended;
  Json detail = Json::object();
};

// The durable record of a run. Every write is on disk before it returns, so a run killed
// at any instant can be resumed from what the journal says.
class Journal {
 public:
  virtual ~Journal() = default;
  // Records that the work is about to be done; written before the request that does it.
  virtual void intend(const std::string& step, const std::string& item, const Json& detail) = 0;
  virtual void complete(const std::string& step, const std::string& item, const Json& detail) = 0;
  virtual void fail(const std::string& step, const std::string& item, const Json& detail) = 0;
  virtual std::optional<JournalEntry> entry(const std::string& step, const std::string& item) const = 0;
  // Every entry of a step, in the order they were first written.
  virtual std::vector<JournalEntry> entries(const std::string& step) const = 0;
};

// Ids the steps of one run learn and later steps need: the target id of each source
// resource, the new id of each copied secret or certificate version, the new principal of
// each recreated identity, each vault's data-plane URI. Safe to use from several threads.
class RunState {
 public:
  void mapResource(const std::string& sourceId, const std::string& targetId);
  std::optional<std::string> targetResource(const std::string& sourceId) const;

  // `sourceVersionId` and `targetVersionId` are full object ids such as
  // https://kv.vault.azure.net/secrets/name/<version>.
  void mapVersion(const std::string& sourceVersionId, const std::string& targetVersionId);
  std::optional<std::string> targetVersion(const std::string& sourceVersionId) const;
  std::map<std::string, std::string> versionMap() const;

  void mapPrincipal(const std::string& sourcePrincipalId, const std::string& targetPrincipalId);
  std::optional<std::string> targetPrincipal(const std::string& sourcePrincipalId) const;

  // Vault resource id (either side) -> data-plane URI with a trailing slash.
  void setVaultUri(const std::string& vaultId, const std::string& uri);
  std::optional<std::string> vaultUri(const std::string& vaultId) const;

  // Receives every id recorded above, as kind ("resource", "version", "principal" or
  // "vaultUri"), key and value, after it is stored; the journal persists them through it.
  using Listener = std::function<void(const std::string& kind, const std::string& key, const std::string& value)>;
  void setListener(Listener listener);
  // Stores one id that a listener received earlier, without calling the listener.
  void restore(const std::string& kind, const std::string& key, const std::string& value);

 private:
  void store(const std::string& kind, const std::string& key, const std::string& value, bool notify);

  mutable std::mutex mutex_;
  Listener listener_;
  std::map<std::string, std::string> resources_;   // keys in lower case
  std::map<std::string, std::string> versions_;    // keys in lower case
  std::map<std::string, std::string> principals_;  // keys in lower case
  std::map<std::string, std::string> vaultUris_;   // keys in lower case
};

struct ApplyOptions {
  std::string secretVersions = "all";   // all, latest or last:N, as the plan chose
  bool allowTemporaryEnableInSource = false;
};

struct StepContext {
  const Plan& plan;
  const PlanNode& node;
  azure::AzureClient& client;
  Journal& journal;
  RunState& state;
  const ApplyOptions& options;
  // Reports a detail of the step's progress (a version copied, a poll) for the log.
  std::function<void(const std::string&)> progress = [](const std::string&) {};
};

class Action {
 public:
  virtual ~Action() = default;
  // Does the step, or the part of it the journal does not record as done. Throws on
  // failure; must be safe to call again after a crash at any point.
  virtual void run(StepContext& context) = 0;
};

// Thrown by a step that needs a person (an external relocation, a CA-issued certificate):
// the run stops, and `apply --resume` continues once the operator has done what it says.
class OperatorActionRequired : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kvr::executor
