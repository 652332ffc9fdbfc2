#pragma once

// The journal of an `apply` run in one SQLite file: the run's metadata (plan hash and
// version, source and target, times, status), each step's status, the entries the actions
// write through the Journal interface, the ids the run has learnt (RunState) and the ids an
// operator passed with --map. It holds ids, counts and hashes, never a secret value.
//
// The database runs in WAL mode with synchronous=FULL and every write is its own
// transaction, so a write is on disk before the call returns.

#include "executor/step.h"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace kvr::executor {

enum class StepStatus { Pending, Running, Completed, Failed, Skipped, WaitingForOperator };
const char* stepStatusName(StepStatus status);
std::optional<StepStatus> parseStepStatus(const std::string& name);

struct RunRecord {
  std::string planHash;     // SHA-256 of the plan file's bytes, hex
  std::string planVersion;
  std::string source;       // subscription/resourceGroup/location
  std::string target;
  std::string started;      // UTC, ISO 8601
  std::string finished;     // empty while running
  std::string status;       // running, completed, stopped, failed
};

struct StepRecord {
  std::string step;         // plan node key
  StepStatus status = StepStatus::Pending;
  std::string message;      // the failure, the skip's root cause or the operator's task
};

// One id the run learnt, as RunState keeps it: kind is "resource", "version", "principal"
// or "vaultUri".
struct StateRecord {
  std::string kind;
  std::string key;
  std::string value;
};

class SqliteJournal : public Journal {
 public:
  // Opens the journal at `path`, creating the file and its tables when missing. ":memory:"
  // gives a journal that lives as long as the object, for tests. Throws JournalError when
  // the file cannot be opened or is not a journal.
  explicit SqliteJournal(const std::string& path);
  ~SqliteJournal() override;
  SqliteJournal(const SqliteJournal&) = delete;
  SqliteJournal& operator=(const SqliteJournal&) = delete;

  const std::string& path() const { return path_; }

  // Journal
  void intend(const std::string& step, const std::string& item, const Json& detail) override;
  void complete(const std::string& step, const std::string& item, const Json& detail) override;
  void fail(const std::string& step, const std::string& item, const Json& detail) override;
  std::optional<JournalEntry> entry(const std::string& step, const std::string& item) const override;
  std::vector<JournalEntry> entries(const std::string& step) const override;

  // The run this journal records; nullopt for a new journal.
  std::optional<RunRecord> run() const;
  // Records the start of a run; fails when the journal already holds one.
  void beginRun(const RunRecord& run);
  // Marks a resumed run as running again, keeping its start time.
  void resumeRun();
  void finishRun(const std::string& status, const std::string& finished);

  void setStepStatus(const std::string& step, StepStatus status, const std::string& message = "");
  std::map<std::string, StepRecord> steps() const;

  void recordState(const std::string& kind, const std::string& key, const std::string& value);
  std::vector<StateRecord> state() const;

  // The ids an operator supplied with --map OLD=NEW, kept for later resumes.
  void recordOperatorMapping(const std::string& oldId, const std::string& newId);
  std::map<std::string, std::string> operatorMappings() const;

 private:
  void execute(const std::string& sql) const;
  void writeEntry(const std::string& step, const std::string& item, EntryState state, const Json& detail);

  std::string path_;
  sqlite3* database_ = nullptr;
  mutable std::mutex mutex_;
};

class JournalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Makes `state` write every id it learns to `journal`, and loads what the journal holds
// into it first. Call once per run, before any step runs.
void bindRunState(RunState& state, SqliteJournal& journal);

}  // namespace kvr::executor
