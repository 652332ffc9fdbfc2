#include "cli/apply.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/retry_report.h"
#include "executor/apply.h"
#include "executor/events.h"
#include "executor/journal.h"
#include "executor/verify.h"
#include "viz/labels.h"

namespace kvr::cli {

namespace {

std::unique_ptr<azure::Connection> openConnection(const azure::ConnectionOptions& options, const char* command) {
  Diagnostics problems;
  std::unique_ptr<azure::Connection> connection = azure::Connection::open(options, problems);
  for (const auto& problem : problems.all()) std::cerr << formatDiagnostic(problem) << '\n';
  if (connection) {
    spdlog::info("{}: connected to {} as {}", command, connection->cloud().name, connection->credential().describe());
  }
  return connection;
}

azure::ClientOptions clientOptionsFor(azure::Connection& connection, const azure::ConnectionOptions& options) {
  azure::ClientOptions client;
  client.cloud = connection.cloud();
  client.retry = options.retry;
  client.longRunning = options.longRunning;
  client.userAgent = options.userAgent;
  client.pacer = &connection.pacer();
  return client;
}

// The options that name the connection, for the resume command apply prints. Secrets come
// from the environment, so none of them is here.
std::string connectionArguments(const azure::ConnectionOptions& options) {
  std::string arguments;
  auto add = [&](const std::string& name, const std::string& value) {
    if (value.empty()) return;
    if (!arguments.empty()) arguments += ' ';
    arguments += name + ' ' + value;
  };
  if (!options.cloudFile.empty()) {
    add("--cloud-file", options.cloudFile);
  } else if (options.cloudName != "AzureCloud") {
    add("--cloud", options.cloudName);
  }
  add("--ca-file", options.caFile);
  if (options.auth != azure::AuthMethod::Auto) add("--auth", azure::authMethodName(options.auth));
  add("--tenant", options.tenantId);
  add("--client-id", options.clientId);
  return arguments;
}

// The step's resource id with the casing of the inputs, or a label for an added step.
std::string stepName(const Plan& plan, const std::string& key) {
  const PlanNode* node = plan.node(key);
  if (!node) return key;
  return node->id.empty() ? viz::stepLabel(*node) : node->id;
}

// Prints the failures, the operator actions and the resume command, once each, on standard
// error; the progress on standard output ends with the one-line summary.
void printSummary(const Plan& plan, const executor::ApplySummary& summary) {
  for (const auto& failure : summary.failures) {
    std::cerr << "kvrelocate: error: step " << stepName(plan, failure.step) << " failed: " << failure.message;
    if (failure.skippedDependents > 0) std::cerr << " (" << failure.skippedDependents << " dependent steps skipped)";
    std::cerr << '\n';
  }
  for (const auto& action : summary.operatorActions) std::cerr << "kvrelocate: action required: " << action << '\n';
  if (!summary.resumeCommand.empty()) std::cerr << "kvrelocate: to continue, run: " << summary.resumeCommand << '\n';
}

// Reads and checks the plan file. A file that cannot be opened prints one error line with the
// system's reason and returns nothing. An invalid plan throws InputError with its JSON pointer.
std::optional<executor::PlanDocument> readPlanFile(const std::string& file) {
  std::error_code ignored;
  if (std::filesystem::is_directory(file, ignored)) {
    std::cerr << "kvrelocate: error: " << file << ": cannot open the plan file: " << std::strerror(EISDIR) << '\n';
    return std::nullopt;
  }
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    int error = errno;
    std::cerr << "kvrelocate: error: " << file << ": cannot open the plan file: "
              << (error != 0 ? std::strerror(error) : "unknown error") << '\n';
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return executor::planFromText(text.str(), file);
}

// Signs in to Resource Manager once before any check, so that a credential or endpoint
// that does not work ends the command with one error (exit 6) instead of one per resource.
void signIn(azure::Connection& connection) {
  connection.credential().getToken(azure::defaultScope(connection.cloud().resourceManagerAudience));
}

}  // namespace

void addMapping(std::map<std::string, std::string>& mappings, const std::string& value) {
  auto equals = value.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == value.size()) {
    throw UsageError("invalid --map '" + value + "': expected OLD_RESOURCE_ID=NEW_RESOURCE_ID");
  }
  mappings[value.substr(0, equals)] = value.substr(equals + 1);
}

int runApply(const ApplyArguments& arguments) {
  std::optional<executor::PlanDocument> loaded = readPlanFile(arguments.planFile);
  if (!loaded) return kExitInvalidInput;
  const executor::PlanDocument& plan = *loaded;
  std::unique_ptr<azure::Connection> connection = openConnection(arguments.connection, "apply");
  if (!connection) return kExitUsage;
  signIn(*connection);

  executor::ApplyRunOptions options;
  options.resume = arguments.resume;
  options.parallelism = arguments.parallelism;
  options.mappings = arguments.mappings;
  options.step.allowTemporaryEnableInSource = arguments.allowTemporaryEnableInSource;
  options.journalFile = arguments.journalFile;
  options.connectionArguments = connectionArguments(arguments.connection);
  executor::ApplyConnection applyConnection{connection->transport(), connection->credential(), connection->timer(),
                                            clientOptionsFor(*connection, arguments.connection)};

  std::unique_ptr<executor::ApplyEvents> events = arguments.logFormat == "json"
                                                      ? executor::makeJsonEvents(std::cout)
                                                      : executor::makeTextEvents(std::cout, isatty(STDOUT_FILENO) == 1, &plan.plan);
  executor::ApplySummary summary;
  try {
    executor::SqliteJournal journal(arguments.journalFile);
    summary = executor::runApply(plan, applyConnection, journal, options, *events);
  } catch (const executor::ApplyRefused& refused) {
    for (const auto& problem : refused.problems()) std::cerr << "kvrelocate: error: " << problem << '\n';
    return kExitInvalidInput;
  } catch (const executor::JournalError& error) {
    std::cerr << "kvrelocate: error: " << arguments.journalFile << ": " << error.what() << '\n';
    return kExitInvalidInput;
  }
  std::cout.flush();
  printSummary(plan.plan, summary);
  if (summary.status == "completed") return kExitSuccess;
  if (summary.status == "stopped") return kExitOperatorAction;
  return kExitBlocked;
}

int runVerify(const VerifyArguments& arguments) {
  std::optional<executor::PlanDocument> loaded = readPlanFile(arguments.planFile);
  if (!loaded) return kExitInvalidInput;
  const executor::PlanDocument& plan = *loaded;
  if (!std::filesystem::exists(arguments.journalFile)) {
    std::cerr << "kvrelocate: error: " << arguments.journalFile << ": the journal does not exist; pass the --journal "
              << "file that apply wrote\n";
    return kExitInvalidInput;
  }
  // verify only reads, so it retries less than apply: a host that does not respond costs at
  // most 4 attempts of up to 10 s each plus about 3.5 s of waits, once (see RetryReporter).
  azure::ConnectionOptions connectionOptions = arguments.connection;
  connectionOptions.retry.maxAttempts = 4;
  connectionOptions.retry.maxDelay = azure::Milliseconds(8'000);
  connectionOptions.connectTimeout = std::min(connectionOptions.connectTimeout, azure::Milliseconds(10'000));
  std::unique_ptr<azure::Connection> connection = openConnection(connectionOptions, "verify");
  if (!connection) return kExitUsage;
  signIn(*connection);

  executor::RunState state;
  try {
    executor::SqliteJournal journal(arguments.journalFile);
    std::optional<executor::RunRecord> run = journal.run();
    if (!run) {
      std::cerr << "kvrelocate: error: " << arguments.journalFile << ": the journal records no apply run\n";
      return kExitInvalidInput;
    }
    if (run->planHash != plan.hash) {
      std::cerr << "kvrelocate: error: " << arguments.journalFile << ": the journal belongs to another plan than "
                << arguments.planFile << '\n';
      return kExitInvalidInput;
    }
    executor::bindRunState(state, journal);
    state.setListener(nullptr);  // verify only reads: nothing new goes back to the journal
  } catch (const executor::JournalError& error) {
    std::cerr << "kvrelocate: error: " << arguments.journalFile << ": " << error.what() << '\n';
    return kExitInvalidInput;
  }

  executor::VerifyOptions options;
  options.secretVersions = plan.plan.options.value("secretVersions", std::string("all"));
  RetryReporter retries(connection->transport(), connection->timer(), std::cerr,
                        {connectionOptions.retry.maxAttempts});
  azure::AzureClient client(retries.transport(), connection->credential(), clientOptionsFor(*connection, connectionOptions),
                            retries.timer());
  executor::VerifyReport report = executor::verifyRelocation(plan.plan, client, state, options);
  std::ostringstream table;
  executor::printVerifyTable(report, table);
  writeOutput(arguments.outputFile, table.str());
  if (!retries.unreachableHosts().empty()) return kExitService;
  return report.passed() ? kExitSuccess : kExitBlocked;
}

}  // namespace kvr::cli
