#include "executor/apply.h"

#include "executor/api_versions.h"
#include "azure/pacer.h"
#include "executor/data_plane.h"
#include "executor/source_guard.h"
#include "viz/report.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <exception>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace kvr::executor {

namespace {

std::string sha256Hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  char byte[3];
  for (unsigned int index = 0; index < length; ++index) {
    std::snprintf(byte, sizeof byte, "%02x", digest[index]);
    hex += byte;
  }
  return hex;
}

std::string isoTime(azure::TimePoint time) {
  std::time_t seconds = azure::Clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string endpointText(const PlanEndpoint& endpoint) {
  return endpoint.subscriptionId + "/" + endpoint.resourceGroup + "/" + endpoint.location;
}

bool createsNewResource(const PlanNode& node) {
  return (node.strategy == Strategy::Redeploy || node.strategy == Strategy::RedeployWithData) && !node.targetId.empty() &&
         !iequals(node.targetId, node.id);
}

bool isDataPlaneStrategy(Strategy strategy) {
  switch (strategy) {
    case Strategy::CopySecret:
    case Strategy::BackupRestore:
    case Strategy::ExportImportPfx:
    case Strategy::ReissueCertificate:
    case Strategy::RegenerateKey: return true;
    default: return false;
  }
}

// Fails a step whose strategy has no action in this build.
class MissingAction : public Action {
 public:
  explicit MissingAction(std::string strategy) : strategy_(std::move(strategy)) {}
  void run(StepContext&) override {
    throw std::runtime_error("this kvrelocate has no action for strategy '" + strategy_ + "' yet");
  }

 private:
  std::string strategy_;
};

// Returns how many steps run at once: --parallelism when given, else the default from the throttle
// budgets, lowered to the plan's maxParallelDataPlaneRequests. A step sends one request at
// a time, so this also bounds the requests in flight.
std::size_t stepsAtOnce(const Plan& plan, const ApplyRunOptions& options) {
  if (options.parallelism > 0) return options.parallelism;
  std::size_t steps = defaultParallelism();
  if (auto limit = plan.options.find("maxParallelDataPlaneRequests"); limit != plan.options.end() && limit->is_number_integer()) {
    steps = std::min(steps, static_cast<std::size_t>(std::max<long long>(1, limit->get<long long>())));
  }
  return steps;
}

// Limits the steps in flight. It halves the limit when the client received new 429s since
// the last step finished, and raises it by one after a step without them.
class ConcurrencyLimit {
 public:
  explicit ConcurrencyLimit(std::size_t maximum) : maximum_(maximum), limit_(maximum) {}

  void acquire() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return running_ < limit_; });
    ++running_;
  }

  void release(long long throttledNow) {
    std::lock_guard lock(mutex_);
    --running_;
    if (throttledNow > throttledSeen_) limit_ = std::max<std::size_t>(1, limit_ / 2);
    else if (limit_ < maximum_) ++limit_;
    throttledSeen_ = std::max(throttledSeen_, throttledNow);
    changed_.notify_all();
  }

 private:
  std::size_t maximum_;
  std::size_t limit_;
  std::size_t running_ = 0;
  long long throttledSeen_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
};

class Walker {
 public:
  Walker(const PlanDocument& document, azure::AzureClient& client, SqliteJournal& journal, RunState& state,
         const ApplyRunOptions& options, ApplyEvents& events, ResourceActionEnvironment& environment)
      : document_(document), plan_(document.plan), client_(client), journal_(journal), state_(state), options_(options),
        events_(events), environment_(environment), parallelism_(stepsAtOnce(plan_, options)) {
    for (const auto& step : plan_.steps) keyByOrder_[step.order] = step.node;
    for (const auto& [key, record] : journal_.steps()) status_[key] = record.status;
  }

  ApplySummary walk(azure::Timer& timer) {
    ConcurrencyLimit limit(parallelism_);
    std::size_t waves = 0;
    for (const auto& step : plan_.steps) waves = std::max(waves, step.wave);
    for (std::size_t wave = 1; wave <= waves; ++wave) {
      std::vector<const PlanStep*> steps;
      for (const auto& step : plan_.steps) {
        if (step.wave == wave) steps.push_back(&step);
      }
      if (steps.empty()) continue;
      azure::TimePoint started = timer.now();
      events_.waveStarted(wave, steps.size());
      WaveCounts counts = runWave(wave, steps, limit);
      counts.seconds = std::chrono::duration<double>(timer.now() - started).count();
      events_.waveFinished(counts);
    }
    return summarize();
  }

 private:
  WaveCounts runWave(std::size_t wave, const std::vector<const PlanStep*>& steps, ConcurrencyLimit& limit) {
    WaveCounts counts;
    counts.wave = wave;
    counts.steps = steps.size();
    std::vector<const PlanStep*> ready;
    for (const PlanStep* step : steps) {
      StepStatus previous = statusOf(step->node);
      if (previous == StepStatus::Completed) {
        ++counts.already;
        ++summary_.already;
        continue;
      }
      if (auto root = failedDependency(*step)) {
        markSkipped(*step, *root);
        ++counts.skipped;
        continue;
      }
      if (waitsForDependency(*step)) {
        ++counts.waiting;
        ++summary_.waiting;
        continue;
      }
      ready.push_back(step);
    }
    runSteps(ready, limit);
    for (const PlanStep* step : ready) {
      switch (statusOf(step->node)) {
        case StepStatus::Completed: ++counts.done; break;
        case StepStatus::Failed: ++counts.failed; break;
        default: ++counts.waiting; break;
      }
    }
    return counts;
  }

  void runSteps(const std::vector<const PlanStep*>& ready, ConcurrencyLimit& limit) {
    std::atomic<std::size_t> next{0};
    std::exception_ptr crash;
    std::mutex crashMutex;
    std::atomic<bool> stop{false};
    auto work = [&] {
      while (!stop) {
        std::size_t index = next++;
        if (index >= ready.size()) return;
        limit.acquire();
        try {
          runStep(*ready[index]);
        } catch (...) {
          // Not a step failure (those are caught in runStep): the process is going down.
          std::lock_guard lock(crashMutex);
          if (!crash) crash = std::current_exception();
          stop = true;
        }
        limit.release(client_.stats().throttled);
      }
    };
    std::size_t threads = std::min(ready.size(), parallelism_);
    std::vector<std::thread> workers;
    for (std::size_t index = 1; index < threads; ++index) workers.emplace_back(work);
    if (threads > 0) work();
    for (auto& worker : workers) worker.join();
    if (crash) std::rethrow_exception(crash);
  }

  void runStep(const PlanStep& step) {
    const PlanNode* node = plan_.node(step.node);
    if (!node) throw std::logic_error("plan step " + std::to_string(step.order) + " names unknown node " + step.node);
    std::unique_ptr<Action> action = actionFor(*node);
    journal_.setStepStatus(node->key, StepStatus::Running);
    StepContext context{plan_, *node, client_, journal_, state_, options_.step,
                        [this, key = node->key](const std::string& message) { events_.stepProgress(key, message); }};
    StepStatus result = StepStatus::Completed;
    std::string message;
    try {
      action->run(context);
    } catch (const OperatorActionRequired& required) {
      result = StepStatus::WaitingForOperator;
      message = required.what();
    } catch (const std::exception& error) {
      result = StepStatus::Failed;
      message = error.what();
    }
    journal_.setStepStatus(node->key, result, message);
    setStatus(node->key, result, message);
    events_.stepFinished(node->key, result, message);
  }

  std::unique_ptr<Action> actionFor(const PlanNode& node) {
    std::unique_ptr<Action> action;
    if (options_.dataPlaneActions) {
      action = options_.dataPlaneActions(node);
    } else {
      DataPlaneOptions dataPlane;
      dataPlane.timer = &environment_.timer;
      action = makeDataPlaneAction(node, dataPlane);
    }
    if (!action && !isDataPlaneStrategy(node.strategy)) action = makeResourceAction(node, environment_);
    if (!action) action = std::make_unique<MissingAction>(strategyName(node.strategy));
    return action;
  }

  std::optional<std::string> failedDependency(const PlanStep& step) {
    for (std::size_t order : step.dependsOn) {
      const std::string& dependency = keyByOrder_[order];
      StepStatus status = statusOf(dependency);
      if (status == StepStatus::Failed) return dependency;
      if (status == StepStatus::Skipped) return rootOf_.count(dependency) ? rootOf_[dependency] : dependency;
    }
    return std::nullopt;
  }

  bool waitsForDependency(const PlanStep& step) {
    for (std::size_t order : step.dependsOn) {
      if (statusOf(keyByOrder_[order]) != StepStatus::Completed) return true;
    }
    return false;
  }

  void markSkipped(const PlanStep& step, const std::string& root) {
    std::string message = "skipped because " + root + " failed";
    journal_.setStepStatus(step.node, StepStatus::Skipped, message);
    setStatus(step.node, StepStatus::Skipped, message);
    {
      std::lock_guard lock(mutex_);
      rootOf_[step.node] = root;
      ++skippedBecause_[root];
    }
    events_.stepFinished(step.node, StepStatus::Skipped, message);
  }

  StepStatus statusOf(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto found = status_.find(key);
    return found == status_.end() ? StepStatus::Pending : found->second;
  }

  void setStatus(const std::string& key, StepStatus status, const std::string& message) {
    std::lock_guard lock(mutex_);
    status_[key] = status;
    if (status == StepStatus::Failed) failures_.push_back({key, message, 0});
    if (status == StepStatus::WaitingForOperator) waitingMessages_[key] = message;
  }

  // Collects what the operator must do before the run can go on, in step order. Each
  // external step that is not done gets where to move its resource, including the steps
  // still behind another external step, so that one resume can carry every --map. Any other
  // waiting step gets its own message. Returns the --map options for the resume command.
  std::string collectOperatorActions(std::vector<std::string>& actions) {
    std::string maps;
    for (const auto& step : plan_.steps) {
      const PlanNode* node = plan_.node(step.node);
      StepStatus status = statusOf(step.node);
      auto waited = waitingMessages_.find(step.node);
      bool external = node && node->strategy == Strategy::External;
      if (external && (status == StepStatus::Pending || status == StepStatus::WaitingForOperator)) {
        bool mapped = environment_.operatorMappings.count(toLower(node->id)) > 0;
        // A mapped step that waits was given an id that does not exist; its message names it.
        actions.push_back(mapped && waited != waitingMessages_.end() ? waited->second : externalAction(*node));
        maps += " --map " + node->id + "=NEW_ID";
      } else if (waited != waitingMessages_.end() && status == StepStatus::WaitingForOperator) {
        actions.push_back(waited->second);
      }
    }
    return maps;
  }

  std::string externalAction(const PlanNode& node) const {
    std::string region = plan_.target.location.empty() ? "the target region" : plan_.target.location;
    return node.id + " is relocated by its own procedure, not by kvrelocate: move it to " + region +
           ", then pass its new id with --map";
  }

  ApplySummary summarize() {
    ApplySummary& summary = summary_;
    for (const auto& step : plan_.steps) {
      StepStatus status = statusOf(step.node);
      if (status == StepStatus::Completed) ++summary.done;
      else if (status == StepStatus::Failed) ++summary.failed;
      else if (status == StepStatus::Skipped) ++summary.skipped;
    }
    summary.done -= std::min(summary.done, summary.already);
    for (auto& failure : failures_) {
      failure.skippedDependents = skippedBecause_[failure.step];
      summary.failures.push_back(failure);
    }
    std::sort(summary.failures.begin(), summary.failures.end(), [](const FailedStep& a, const FailedStep& b) { return a.step < b.step; });
    std::string maps = collectOperatorActions(summary.operatorActions);
    summary.waiting = 0;
    for (const auto& step : plan_.steps) {
      StepStatus status = statusOf(step.node);
      if (status == StepStatus::Pending || status == StepStatus::WaitingForOperator || status == StepStatus::Running) {
        ++summary.waiting;
      }
    }
    if (summary.failed > 0) summary.status = "failed";
    else if (summary.waiting > 0) summary.status = "stopped";
    else summary.status = "completed";
    if (summary.status != "completed") {
      summary.resumeCommand = "kvrelocate apply " + (document_.file.empty() ? std::string("PLAN") : document_.file) +
                              " --journal " + (options_.journalFile.empty() ? std::string("JOURNAL") : options_.journalFile) +
                              " --resume";
      if (!options_.connectionArguments.empty()) summary.resumeCommand += " " + options_.connectionArguments;
      summary.resumeCommand += maps;
    }
    return summary;
  }

  const PlanDocument& document_;
  const Plan& plan_;
  azure::AzureClient& client_;
  SqliteJournal& journal_;
  RunState& state_;
  const ApplyRunOptions& options_;
  ApplyEvents& events_;
  ResourceActionEnvironment& environment_;
  const std::size_t parallelism_;
  std::map<std::size_t, std::string> keyByOrder_;

  std::mutex mutex_;  // guards the members below
  std::map<std::string, StepStatus> status_;
  std::map<std::string, std::string> rootOf_;
  std::map<std::string, std::size_t> skippedBecause_;
  std::vector<FailedStep> failures_;
  std::map<std::string, std::string> waitingMessages_;  // by step key
  ApplySummary summary_;
};

// The checks before any write: the plan has no blockers, the journal belongs to this plan,
// the source vaults are what the plan says, and no target name is taken by someone else.
std::vector<std::string> checkBeforeApply(const PlanDocument& document, azure::AzureClient& client, const SqliteJournal& journal,
                                          const ApplyRunOptions& options) {
  std::vector<std::string> problems;
  const Plan& plan = document.plan;
  if (plan.hasBlockers()) {
    std::size_t blockers = 0;
    for (const auto& diagnostic : plan.diagnostics.all()) blockers += diagnostic.severity == Severity::Error ? 1 : 0;
    problems.push_back(document.file + ": the plan has " + std::to_string(blockers) +
                       " blockers; resolve them and write the plan again");
  }
  if (std::optional<RunRecord> run = journal.run()) {
    if (run->planHash != document.hash) {
      problems.push_back(journal.path() + ": the journal records a run of another plan (hash " + run->planHash.substr(0, 12) +
                         "); use the plan it ran or a new journal file");
    } else if (!options.resume) {
      problems.push_back(journal.path() + ": the journal already records a run of this plan; pass --resume to continue it");
    }
  }

  for (const auto& vault : plan.vaults) {
    std::optional<Json> live =
        client.getIfExists(azure::Service::ResourceManager, client.resourceUrl(vault.sourceId, apiVersionFor("Microsoft.KeyVault/vaults")));
    if (!live) {
      problems.push_back(vault.sourceId + ": the source vault no longer exists; write the plan again");
      continue;
    }
    if (live->value("id", "") != vault.sourceId && !iequals(live->value("id", ""), vault.sourceId)) {
      problems.push_back(vault.sourceId + ": the live vault has id " + live->value("id", "") + "; write the plan again");
    }
    if (!plan.source.location.empty() && !iequals(live->value("location", ""), plan.source.location)) {
      problems.push_back(vault.sourceId + ": the live vault is in " + live->value("location", "") + ", not " +
                         plan.source.location + "; write the plan again");
    }
  }

  std::map<std::string, StepRecord> steps = journal.steps();
  for (const auto& node : plan.nodes) {
    if (!createsNewResource(node) || node.order == 0 || !node.foldedInto.empty()) continue;
    if (steps.count(node.key) || !journal.entries(node.key).empty()) continue;  // this run's own write
    if (client.getIfExists(azure::Service::ResourceManager, client.resourceUrl(node.targetId, apiVersionFor(node.type)))) {
      problems.push_back(node.targetId + ": the target already exists and this run did not create it; delete it or plan another name");
      continue;
    }
    if (node.strategy != Strategy::RedeployWithData) continue;
    std::string subscription = plan.target.subscriptionId;
    Json check = client.post(azure::Service::ResourceManager,
                             client.resourceUrl("/subscriptions/" + subscription + "/providers/Microsoft.KeyVault/checkNameAvailability",
                                                apiVersionFor("Microsoft.KeyVault/vaults")),
                             {{"name", node.targetName}, {"type", "Microsoft.KeyVault/vaults"}},
                             azure::RequestOptions{.idempotent = true});
    if (!check.value("nameAvailable", true)) {
      problems.push_back(node.targetId + ": the vault name " + node.targetName + " is taken (" + check.value("reason", "") + ": " +
                         check.value("message", "") + "); plan another name with --target-vault-name or --name-map");
    }
  }
  return problems;
}

void createTargetGroups(const Plan& plan, azure::AzureClient& client, SourceWriteGuard& guard) {
  for (const auto& group : targetResourceGroups(plan)) {
    std::string url = client.resourceUrl(group, "2021-04-01");
    if (client.getIfExists(azure::Service::ResourceManager, url)) continue;
    guard.addTargetResourceGroup(group);
    client.putResource(url, {{"location", plan.target.location}});
  }
}

// Vault URIs learnt by an earlier run go to the guard, so the target vault's data plane
// stays writable on resume.
void registerVaultUris(const Plan& plan, const RunState& state, SourceWriteGuard& guard) {
  for (const auto& vault : plan.vaults) {
    if (auto uri = state.vaultUri(vault.sourceId)) guard.addSourceVaultUri(*uri);
    if (auto uri = state.vaultUri(vault.targetId)) guard.addTargetVaultUri(*uri);
  }
}

}  // namespace

ApplyRefused::ApplyRefused(std::vector<std::string> problems)
    : std::runtime_error([&] {
        std::string joined;
        for (const auto& problem : problems) joined += (joined.empty() ? "" : "\n") + problem;
        return joined;
      }()),
      problems_(std::move(problems)) {}

std::size_t defaultParallelism() {
  // A step mostly waits on one long-running Resource Manager write or a run of Key Vault
  // writes, so as many steps run at once as the tighter of the two budgets refills per
  // second; the pacer keeps the requests of those steps within the budgets.
  azure::SustainedRates rates = azure::sustainedRates(azure::PacerOptions{});
  double perSecond = std::min(rates.resourceManagerWrites, rates.keyVaultSecretCreateAndImport);
  return std::max<std::size_t>(1, static_cast<std::size_t>(perSecond));
}

PlanDocument planFromText(const std::string& text, const std::string& file) {
  PlanDocument document;
  document.file = file;
  document.plan = viz::readPlanJson(parseJsonText(text, file), file);
  document.hash = sha256Hex(text);
  document.version = kPlanVersion;
  return document;
}

PlanDocument loadPlan(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError({file, "", -1}, "cannot open the plan file");
  std::stringstream text;
  text << in.rdbuf();
  return planFromText(text.str(), file);
}

ApplySummary runApply(const PlanDocument& document, ApplyConnection& connection, SqliteJournal& journal,
                      const ApplyRunOptions& options, ApplyEvents& events) {
  const Plan& plan = document.plan;
  SourceWriteGuard guard(plan, {options.step.allowTemporaryEnableInSource});
  GuardedTransport transport(connection.transport, guard);
  azure::AzureClient client(transport, connection.credential, connection.client, connection.timer);

  std::vector<std::string> problems = checkBeforeApply(document, client, journal, options);
  if (!problems.empty()) throw ApplyRefused(problems);

  RunState state;
  bindRunState(state, journal);
  registerVaultUris(plan, state, guard);
  if (journal.run()) {
    journal.resumeRun();
  } else {
    journal.beginRun({document.hash, document.version, endpointText(plan.source), endpointText(plan.target),
                      isoTime(connection.timer.now()), "", "running"});
  }
  for (const auto& [oldId, newId] : options.mappings) journal.recordOperatorMapping(oldId, newId);

  ResourceActionEnvironment environment{guard, connection.timer, journal.operatorMappings(), options.resource};
  createTargetGroups(plan, client, guard);

  Walker walker(document, client, journal, state, options, events, environment);
  ApplySummary summary = walker.walk(connection.timer);
  azure::ClientStats stats = client.stats();
  summary.requests = stats.requests;
  summary.retries = stats.retries;
  summary.throttled = stats.throttled;
  summary.parallelism = stepsAtOnce(plan, options);
  journal.finishRun(summary.status, isoTime(connection.timer.now()));
  events.runFinished(summary);
  return summary;
}

}  // namespace kvr::executor
