#include "executor/events.h"

#include "discovery/json.h"
#include "viz/labels.h"

#include <cstdio>
#include <mutex>
#include <set>

namespace kvr::executor {

namespace {

// Secrets, keys and certificates, whichever strategy copies them.
bool isDataPlaneObject(const PlanNode& node) {
  static const std::set<std::string> types = {"microsoft.keyvault/vaults/secrets", "microsoft.keyvault/vaults/keys",
                                              "microsoft.keyvault/vaults/certificates"};
  return types.contains(toLower(node.type));
}

// "3/4 done" and then only the counts that are not zero.
std::string countsText(const WaveCounts& counts) {
  std::string text = std::to_string(counts.done + counts.already) + "/" + std::to_string(counts.steps) + " done";
  for (auto [count, name] : {std::pair{counts.failed, "failed"}, {counts.skipped, "skipped"}, {counts.waiting, "waiting"}}) {
    if (count > 0) text += ", " + std::to_string(count) + " " + name;
  }
  return text;
}

// "; 6 Key Vault objects in 0.4 s (15.0 per second)" for a wave that copied objects in
// this run; empty otherwise, because a rate of resource steps means little: each waits on
// its own long-running operation.
std::string objectRate(std::size_t objects, double seconds) {
  if (objects == 0 || seconds <= 0) return {};
  char text[96];
  std::snprintf(text, sizeof text, "; %zu Key Vault object%s in %.1f s (%.1f per second)", objects,
                objects == 1 ? "" : "s", seconds, static_cast<double>(objects) / seconds);
  return text;
}

// Adds " -> NEW_NAME" after the name in `label` ("name (type)") when the step creates its
// resource under another name, as for a relocated vault or a redeployed resource.
std::string withTarget(std::string label, const PlanNode& node) {
  if (node.targetName.empty() || node.key.find("#grant/") != std::string::npos) return label;
  std::string target = node.targetName.substr(node.targetName.rfind('/') + 1);
  std::string name = node.name.substr(node.name.rfind('/') + 1);
  if (iequals(target, name)) return label;
  std::size_t type = label.find(" (");
  return label.insert(type == std::string::npos ? label.size() : type, " -> " + target);
}

class TextEvents : public ApplyEvents {
 public:
  TextEvents(std::ostream& out, bool terminal, const Plan* plan) : out_(out), terminal_(terminal), plan_(plan) {}

  void waveStarted(std::size_t wave, std::size_t steps) override {
    std::lock_guard lock(mutex_);
    wave_ = wave;
    steps_ = steps;
    finished_ = 0;
    objects_ = 0;
    if (terminal_) out_ << "wave " << wave << ": 0/" << steps << " steps" << std::flush;
  }

  void stepFinished(const std::string& step, StepStatus status, const std::string& message) override {
    std::lock_guard lock(mutex_);
    ++finished_;
    const PlanNode* node = plan_ ? plan_->node(step) : nullptr;
    if (node && status == StepStatus::Completed && isDataPlaneObject(*node)) ++objects_;
    std::string label = node ? withTarget(viz::stepLabel(*node, plan_->source.resourceGroup), *node) : step;
    if (terminal_) {
      out_ << "\r\033[Kwave " << wave_ << ": " << finished_ << "/" << steps_ << " steps" << std::flush;
      if (status == StepStatus::Failed) out_ << "\r\033[Kfailed: " << label << ": " << message << '\n' << std::flush;
      return;
    }
    if (status == StepStatus::WaitingForOperator) {
      // What the operator must do is printed once, with the summary.
      out_ << "waiting for the operator: " << label << '\n';
      return;
    }
    out_ << stepStatusName(status) << ": " << label;
    if (!message.empty()) out_ << ": " << message;
    out_ << '\n';
  }

  void waveFinished(const WaveCounts& counts) override {
    std::lock_guard lock(mutex_);
    if (terminal_) out_ << "\r\033[K";
    out_ << "wave " << counts.wave << ": " << countsText(counts) << objectRate(objects_, counts.seconds) << '\n'
         << std::flush;
  }

  void runFinished(const ApplySummary& summary) override {
    std::lock_guard lock(mutex_);
    out_ << "apply " << summary.status << ": " << summary.done << " steps done, " << summary.already
         << " done earlier, " << summary.failed << " failed, " << summary.skipped << " skipped, " << summary.waiting
         << " waiting; " << summary.requests << " requests, " << summary.retries << " retries (" << summary.throttled
         << " throttled), up to " << summary.parallelism << " steps at once\n"
         << std::flush;
  }

 private:
  std::ostream& out_;
  bool terminal_;
  const Plan* plan_;
  std::mutex mutex_;
  std::size_t wave_ = 0;
  std::size_t steps_ = 0;
  std::size_t finished_ = 0;
  std::size_t objects_ = 0;  // Key Vault objects copied in this wave
};

class JsonEvents : public ApplyEvents {
 public:
  explicit JsonEvents(std::ostream& out) : out_(out) {}

  void waveStarted(std::size_t wave, std::size_t steps) override { write({{"event", "wave-started"}, {"wave", wave}, {"steps", steps}}); }

  void stepFinished(const std::string& step, StepStatus status, const std::string& message) override {
    write({{"event", "step-finished"}, {"step", step}, {"status", stepStatusName(status)}, {"message", message}});
  }

  void stepProgress(const std::string& step, const std::string& message) override {
    write({{"event", "step-progress"}, {"step", step}, {"message", message}});
  }

  void waveFinished(const WaveCounts& counts) override {
    write({{"event", "wave-finished"}, {"wave", counts.wave}, {"steps", counts.steps}, {"done", counts.done},
           {"already", counts.already}, {"failed", counts.failed}, {"skipped", counts.skipped},
           {"waiting", counts.waiting}, {"seconds", counts.seconds}});
  }

  void runFinished(const ApplySummary& summary) override {
    Json failures = Json::array();
    for (const auto& failure : summary.failures) {
      failures.push_back({{"step", failure.step}, {"message", failure.message}, {"skippedDependents", failure.skippedDependents}});
    }
    write({{"event", "run-finished"}, {"status", summary.status}, {"done", summary.done}, {"already", summary.already},
           {"failed", summary.failed}, {"skipped", summary.skipped}, {"waiting", summary.waiting},
           {"requests", summary.requests}, {"retries", summary.retries}, {"throttled", summary.throttled},
           {"parallelism", summary.parallelism}, {"failures", failures}, {"operatorActions", summary.operatorActions}, {"resumeCommand", summary.resumeCommand}});
  }

 private:
  void write(const Json& event) {
    std::lock_guard lock(mutex_);
    out_ << event.dump() << '\n' << std::flush;
  }

  std::ostream& out_;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<ApplyEvents> makeTextEvents(std::ostream& out, bool terminal, const Plan* plan) {
  return std::make_unique<TextEvents>(out, terminal, plan);
}

std::unique_ptr<ApplyEvents> makeJsonEvents(std::ostream& out) { return std::make_unique<JsonEvents>(out); }

}  // namespace kvr::executor
