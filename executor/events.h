#pragma once

// Progress of an `apply` run, reported through one interface: a line per wave with counts
// and rate (text), or one JSON object per event (json), and a summary at the end.

#include "executor/journal.h"
#include "strategies/plan.h"

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace kvr::executor {

struct WaveCounts {
  std::size_t wave = 0;
  std::size_t steps = 0;      // steps of the wave
  std::size_t done = 0;       // completed in this run
  std::size_t already = 0;    // completed by an earlier run
  std::size_t failed = 0;
  std::size_t skipped = 0;
  std::size_t waiting = 0;    // waiting for an operator, or for a step that is
  double seconds = 0;
};

struct FailedStep {
  std::string step;
  std::string message;
  std::size_t skippedDependents = 0;
};

struct ApplySummary {
  std::string status;  // completed, stopped (an operator must act) or failed
  std::size_t done = 0;
  std::size_t already = 0;
  std::size_t failed = 0;
  std::size_t skipped = 0;
  std::size_t waiting = 0;
  long long requests = 0;
  long long retries = 0;
  long long throttled = 0;
  std::size_t parallelism = 0;                 // steps that could run at once
  std::vector<FailedStep> failures;            // root causes, once each
  std::vector<std::string> operatorActions;    // what the operator must do
  std::string resumeCommand;                   // empty when nothing is left
};

class ApplyEvents {
 public:
  virtual ~ApplyEvents() = default;
  virtual void waveStarted(std::size_t /*wave*/, std::size_t /*steps*/) {}
  virtual void stepFinished(const std::string& /*step*/, StepStatus /*status*/, const std::string& /*message*/) {}
  virtual void stepProgress(const std::string& /*step*/, const std::string& /*message*/) {}
  virtual void waveFinished(const WaveCounts& /*counts*/) {}
  virtual void runFinished(const ApplySummary& /*summary*/) {}
};

// Text lines: on a terminal the current wave's line is redrawn as steps finish; otherwise
// one plain line per finished step and per wave. With `plan`, steps are named as people
// read them ("nsg-app (networkSecurityGroups)"), and a wave that copied Key Vault objects
// shows their rate. Without it, steps are named by their keys. The summary is one line,
// because the caller prints the failures, operator actions and resume command once.
std::unique_ptr<ApplyEvents> makeTextEvents(std::ostream& out, bool terminal, const Plan* plan = nullptr);
// One JSON object per line: {"event": ..., ...}.
std::unique_ptr<ApplyEvents> makeJsonEvents(std::ostream& out);

}  // namespace kvr::executor
