#include "executor/events.h"

#include "discovery/json.h"

#include <cstdio>
#include <mutex>

namespace kvr::executor {

namespace {

std::string rate(const WaveCounts& counts) {
  char text[32];
  double perMinute = counts.seconds > 0 ? 60.0 * static_cast<double>(counts.done) / counts.seconds : 0.0;
  std::snprintf(text, sizeof text, "%.1f steps/min", perMinute);
  return text;
}

std::string countsText(const WaveCounts& counts) {
  return std::to_string(counts.done + counts.already) + "/" + std::to_string(counts.steps) + " done, " +
         std::to_string(counts.failed) + " failed, " + std::to_string(counts.skipped) + " skipped, " +
         std::to_string(counts.waiting) + " waiting";
}

class TextEvents : public ApplyEvents {
 public:
  TextEvents(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}

  void waveStarted(std::size_t wave, std::size_t steps) override {
    std::lock_guard lock(mutex_);
    wave_ = wave;
    steps_ = steps;
    finished_ = 0;
    if (terminal_) out_ << "wave " << wave << ": 0/" << steps << " steps" << std::flush;
  }

  void stepFinished(const std::string& step, StepStatus status, const std::string& message) override {
    std::lock_guard lock(mutex_);
    ++finished_;
    if (terminal_) {
      out_ << "\r\033[Kwave " << wave_ << ": " << finished_ << "/" << steps_ << " steps" << std::flush;
      if (status == StepStatus::Failed) out_ << "\r\033[Kfailed: " << step << ": " << message << '\n' << std::flush;
      return;
    }
    out_ << stepStatusName(status) << ": " << step;
    if (!message.empty()) out_ << ": " << message;
    out_ << '\n';
  }

  void waveFinished(const WaveCounts& counts) override {
    std::lock_guard lock(mutex_);
    if (terminal_) out_ << "\r\033[K";
    out_ << "wave " << counts.wave << ": " << countsText(counts) << ", " << rate(counts) << '\n' << std::flush;
  }

  void runFinished(const ApplySummary& summary) override {
    std::lock_guard lock(mutex_);
    out_ << "apply " << summary.status << ": " << summary.done << " steps done, " << summary.already
         << " done earlier, " << summary.failed << " failed, " << summary.skipped << " skipped, " << summary.waiting
         << " waiting; " << summary.requests << " requests, " << summary.retries << " retries (" << summary.throttled
         << " throttled), up to " << summary.parallelism << " steps at once\n";
    for (const auto& failure : summary.failures) {
      out_ << "failed: " << failure.step << ": " << failure.message;
      if (failure.skippedDependents) out_ << " (" << failure.skippedDependents << " dependent steps skipped)";
      out_ << '\n';
    }
    for (const auto& action : summary.operatorActions) out_ << "operator action required: " << action << '\n';
    if (!summary.resumeCommand.empty()) out_ << "to continue: " << summary.resumeCommand << '\n';
    out_ << std::flush;
  }

 private:
  std::ostream& out_;
  bool terminal_;
  std::mutex mutex_;
  std::size_t wave_ = 0;
  std::size_t steps_ = 0;
  std::size_t finished_ = 0;
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

std::unique_ptr<ApplyEvents> makeTextEvents(std::ostream& out, bool terminal) { return std::make_unique<TextEvents>(out, terminal); }

std::unique_ptr<ApplyEvents> makeJsonEvents(std::ostream& out) { return std::make_unique<JsonEvents>(out); }

}  // namespace kvr::executor
