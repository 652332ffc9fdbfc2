#include "executor/journal.h"

#include <sqlite3.h>

#include <utility>

namespace kvr::executor {

namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS run (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  plan_hash TEXT NOT NULL,
  plan_version TEXT NOT NULL,
  source TEXT NOT NULL,
  target TEXT NOT NULL,
  started TEXT NOT NULL,
  finished TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS steps (
  step TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS entries (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  step TEXT NOT NULL,
  item TEXT NOT NULL,
  state TEXT NOT NULL,
  detail TEXT NOT NULL,
  UNIQUE (step, item)
);
CREATE TABLE IF NOT EXISTS state (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS operator_mappings (
  old_id TEXT PRIMARY KEY,
  new_id TEXT NOT NULL
);
)sql";

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* database, const char* sql) : database_(database) {
    if (sqlite3_prepare_v2(database, sql, -1, &statement_, nullptr) != SQLITE_OK) {
      throw JournalError(std::string("journal query failed: ") + sqlite3_errmsg(database));
    }
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }

  // Steps once; true while a row is available.
  bool step() {
    int result = sqlite3_step(statement_);
    if (result == SQLITE_ROW) return true;
    if (result == SQLITE_DONE) return false;
    throw JournalError(std::string("journal write failed: ") + sqlite3_errmsg(database_));
  }

  std::string text(int column) const {
    const unsigned char* value = sqlite3_column_text(statement_, column);
    return value ? reinterpret_cast<const char*>(value) : "";
  }

 private:
  sqlite3* database_;
  sqlite3_stmt* statement_ = nullptr;
};

EntryState parseEntryState(const std::string& name) {
  if (name == "completed") return EntryState::Completed;
  if (name == "failed") return EntryState::Failed;
  return EntryState::Intended;
}

JournalEntry readEntry(const Statement& statement) {
  JournalEntry entry;
  entry.step = statement.text(0);
  entry.item = statement.text(1);
  entry.state = parseEntryState(statement.text(2));
  entry.detail = Json::parse(statement.text(3), nullptr, false);
  if (entry.detail.is_discarded()) entry.detail = Json::object();
  return entry;
}

}  // namespace

const char* stepStatusName(StepStatus status) {
  switch (status) {
    case StepStatus::Pending: return "pending";
    case StepStatus::Running: return "running";
    case StepStatus::Completed: return "completed";
    case StepStatus::Failed: return "failed";
    case StepStatus::Skipped: return "skipped";
    case StepStatus::WaitingForOperator: return "waiting-for-operator";
  }
  return "unknown";
}

std::optional<StepStatus> parseStepStatus(const std::string& name) {
  for (StepStatus status : {StepStatus::Pending, StepStatus::Running, StepStatus::Completed, StepStatus::Failed,
                            StepStatus::Skipped, StepStatus::WaitingForOperator}) {
    if (name == stepStatusName(status)) return status;
  }
  return std::nullopt;
}

SqliteJournal::SqliteJournal(const std::string& path) : path_(path) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &database_, flags, nullptr) != SQLITE_OK) {
    std::string reason = database_ ? sqlite3_errmsg(database_) : "out of memory";
    sqlite3_close(database_);
    throw JournalError(path + ": cannot open the journal: " + reason);
  }
  sqlite3_busy_timeout(database_, 5'000);
  try {
    execute("PRAGMA journal_mode=WAL");
    execute("PRAGMA synchronous=FULL");
    Statement version(database_, "PRAGMA user_version");
    version.step();
    int found = std::stoi(version.text(0));
    if (found != 0 && found != kSchemaVersion) {
      throw JournalError(path + ": journal format " + std::to_string(found) + " is not supported (this kvrelocate writes " +
                         std::to_string(kSchemaVersion) + "); use a new --journal file");
    }
    execute(kSchema);
    execute("PRAGMA user_version=" + std::to_string(kSchemaVersion));
  } catch (const JournalError& error) {
    sqlite3_close(database_);
    database_ = nullptr;
    std::string message = error.what();
    if (message.rfind(path, 0) != 0) message = path + ": not a kvrelocate journal (" + message + ")";
    throw JournalError(message);
  }
}

SqliteJournal::~SqliteJournal() { sqlite3_close(database_); }

void SqliteJournal::execute(const std::string& sql) const {
  char* error = nullptr;
  if (sqlite3_exec(database_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw JournalError("journal query failed: " + message);
  }
}

void SqliteJournal::writeEntry(const std::string& step, const std::string& item, EntryState state, const Json& detail) {
  std::lock_guard lock(mutex_);
  Statement statement(database_,
                      "INSERT INTO entries (step, item, state, detail) VALUES (?1, ?2, ?3, ?4) "
                      "ON CONFLICT (step, item) DO UPDATE SET state = excluded.state, detail = excluded.detail");
  statement.bind(1, step).bind(2, item).bind(3, entryStateName(state)).bind(4, detail.dump());
  statement.step();
}

void SqliteJournal::intend(const std::string& step, const std::string& item, const Json& detail) {
  writeEntry(step, item, EntryState::Intended, detail);
}

void SqliteJournal::complete(const std::string& step, const std::string& item, const Json& detail) {
  writeEntry(step, item, EntryState::Completed, detail);
}

void SqliteJournal::fail(const std::string& step, const std::string& item, const Json& detail) {
  writeEntry(step, item, EntryState::Failed, detail);
}

std::optional<JournalEntry> SqliteJournal::entry(const std::string& step, const std::string& item) const {
  std::lock_guard lock(mutex_);
  Statement statement(database_, "SELECT step, item, state, detail FROM entries WHERE step = ?1 AND item = ?2");
  statement.bind(1, step).bind(2, item);
  if (!statement.step()) return std::nullopt;
  return readEntry(statement);
}

std::vector<JournalEntry> SqliteJournal::entries(const std::string& step) const {
  std::lock_guard lock(mutex_);
  Statement statement(database_, "SELECT step, item, state, detail FROM entries WHERE step = ?1 ORDER BY sequence");
  statement.bind(1, step);
  std::vector<JournalEntry> result;
  while (statement.step()) result.push_back(readEntry(statement));
  return result;
}

std::optional<RunRecord> SqliteJournal::run() const {
  std::lock_guard lock(mutex_);
  Statement statement(database_,
                      "SELECT plan_hash, plan_version, source, target, started, finished, status FROM run WHERE id = 1");
  if (!statement.step()) return std::nullopt;
  return RunRecord{statement.text(0), statement.text(1), statement.text(2), statement.text(3),
                   statement.text(4), statement.text(5), statement.text(6)};
}

void SqliteJournal::beginRun(const RunRecord& run) {
  std::lock_guard lock(mutex_);
  Statement statement(database_,
                      "INSERT INTO run (id, plan_hash, plan_version, source, target, started, finished, status) "
                      "VALUES (1, ?1, ?2, ?3, ?4, ?5, '', 'running')");
  statement.bind(1, run.planHash).bind(2, run.planVersion).bind(3, run.source).bind(4, run.target).bind(5, run.started);
  statement.step();
}

void SqliteJournal::resumeRun() {
  std::lock_guard lock(mutex_);
  Statement statement(database_, "UPDATE run SET status = 'running', finished = '' WHERE id = 1");
  statement.step();
}

void SqliteJournal::finishRun(const std::string& status, const std::string& finished) {
  std::lock_guard lock(mutex_);
  Statement statement(database_, "UPDATE run SET status = ?1, finished = ?2 WHERE id = 1");
  statement.bind(1, status).bind(2, finished);
  statement.step();
}

void SqliteJournal::setStepStatus(const std::string& step, StepStatus status, const std::string& message) {
  std::lock_guard lock(mutex_);
  Statement statement(database_,
                      "INSERT INTO steps (step, status, message) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT (step) DO UPDATE SET status = excluded.status, message = excluded.message");
  statement.bind(1, step).bind(2, stepStatusName(status)).bind(3, message);
  statement.step();
}

std::map<std::string, StepRecord> SqliteJournal::steps() const {
  std::lock_guard lock(mutex_);
  Statement statement(database_, "SELECT step, status, message FROM steps");
  std::map<std::string, StepRecord> result;
  while (statement.step()) {
    StepRecord record;
    record.step = statement.text(0);
    record.status = parseStepStatus(statement.text(1)).value_or(StepStatus::Pending);
    record.message = statement.text(2);
    result[record.step] = record;
  }
  return result;
}

void SqliteJournal::recordState(const std::string& kind, const std::string& key, const std::string& value) {
  std::lock_guard lock(mutex_);
  Statement statement(database_,
                      "INSERT INTO state (kind, key, value) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value");
  statement.bind(1, kind).bind(2, toLower(key)).bind(3, value);
  statement.step();
}

std::vector<StateRecord> SqliteJournal::state() const {
  std::lock_guard lock(mutex_);
  Statement statement(database_, "SELECT kind, key, value FROM state ORDER BY kind, key");
  std::vector<StateRecord> result;
  while (statement.step()) result.push_back({statement.text(0), statement.text(1), statement.text(2)});
  return result;
}

void SqliteJournal::recordOperatorMapping(const std::string& oldId, const std::string& newId) {
  std::lock_guard lock(mutex_);
  Statement statement(database_,
                      "INSERT INTO operator_mappings (old_id, new_id) VALUES (?1, ?2) "
                      "ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id");
  statement.bind(1, toLower(oldId)).bind(2, newId);
  statement.step();
}

std::map<std::string, std::string> SqliteJournal::operatorMappings() const {
  std::lock_guard lock(mutex_);
  Statement statement(database_, "SELECT old_id, new_id FROM operator_mappings");
  std::map<std::string, std::string> result;
  while (statement.step()) result[statement.text(0)] = statement.text(1);
  return result;
}

void bindRunState(RunState& state, SqliteJournal& journal) {
  for (const StateRecord& record : journal.state()) state.restore(record.kind, record.key, record.value);
  state.setListener([&journal](const std::string& kind, const std::string& key, const std::string& value) {
    journal.recordState(kind, key, value);
  });
}

}  // namespace kvr::executor
