#pragma once

// The core of `kvrelocate apply`: checks the plan against the live estate, then walks its
// steps wave by wave with bounded concurrency, recording everything in the journal so a
// run killed at any instant continues with --resume. Free of the command line, so tests run
// it on an in-process kvsim.

#include "azure/client.h"
#include "executor/events.h"
#include "executor/journal.h"
#include "executor/resource_actions.h"
#include "executor/step.h"
#include "strategies/plan.h"

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace kvr::executor {

// A plan file as apply reads it: the plan and the SHA-256 of its bytes, which ties a
// journal to the plan it ran.
struct PlanDocument {
  Plan plan;
  std::string file;
  std::string hash;
  std::string version;
};

// Reads and checks a plan file (kind and version included); throws InputError naming the
// file and JSON pointer.
PlanDocument loadPlan(const std::string& file);
PlanDocument planFromText(const std::string& text, const std::string& file);

// What apply sends its requests through. apply builds its own AzureClient over `transport`
// wrapped in the SourceWriteGuard, so every request of the run is checked.
struct ApplyConnection {
  azure::HttpTransport& transport;
  azure::TokenCredential& credential;
  azure::Timer& timer;
  azure::ClientOptions client;
};

using ActionFactory = std::function<std::unique_ptr<Action>(const PlanNode&)>;

struct ApplyRunOptions {
  bool resume = false;
  std::size_t parallelism = 0;  // 0: defaultParallelism()
  // Old id -> new id of resources relocated by their own procedure (--map OLD=NEW).
  std::map<std::string, std::string> mappings;
  ApplyOptions step;
  ResourceActionSettings resource;
  // The actions for data-plane nodes; empty uses makeDataPlaneAction.
  ActionFactory dataPlaneActions;
  // For the resume command printed when the run stops: the journal, and the options that
  // name the connection (such as "--cloud-file FILE --auth client-secret"), never a secret.
  std::string journalFile;
  std::string connectionArguments;
};

// The plan or journal does not fit the live estate; `problems` holds one line each, all of
// them, and what() joins them.
class ApplyRefused : public std::runtime_error {
 public:
  explicit ApplyRefused(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Steps that run at once when --parallelism is not given, derived from the throttle
// budgets of azure/pacer.h.
std::size_t defaultParallelism();

// Runs the plan. Returns the summary (also passed to events.runFinished); throws
// ApplyRefused before any write when the checks fail, and JournalError when the journal
// cannot be written.
ApplySummary runApply(const PlanDocument& plan, ApplyConnection& connection, SqliteJournal& journal,
                      const ApplyRunOptions& options, ApplyEvents& events);

}  // namespace kvr::executor
