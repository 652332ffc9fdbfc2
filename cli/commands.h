#pragma once

// The `plan` and `map` commands, free of any argument parser: main.cpp fills these
// structs from the command line and calls run*().

#include <stdexcept>
#include <string>
#include <vector>

#include "discovery/diagnostics.h"

namespace kvr::cli {

// An invalid option or option value; main() prints it and exits with kExitUsage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Options that select the inputs and configure the planner, shared by plan and map.
struct InputArguments {
  std::vector<std::string> files;
  std::string parametersFile;
  std::string subscriptionId;        // source subscription, overriding what the templates imply
  std::string resourceGroup;         // source resource group, likewise
  std::string sourceRegion;          // resourceGroup().location for the templates
  std::string targetRegion;          // default: the inputs' relocation request
  std::string targetSubscriptionId;
  std::string targetResourceGroup;
  std::string targetVaultName;
  std::vector<std::string> vaults;
  std::string geographiesFile;
  std::string nameMapFile;
  std::string subnetMapFile;
  std::string secretVersions = "all";
  bool secretsByBackup = false;
  bool noSubnetModification = false;
  bool noSourceAccess = false;
};

struct PlanArguments {
  InputArguments input;
  std::string format = "text";  // text, markdown or json
  bool explain = false;
  std::string outputFile;       // empty: standard output
  std::string emitTemplateDirectory;
};

struct MapArguments {
  InputArguments input;
  std::string format = "dot";  // dot, svg or json
  std::string outputFile;      // empty: standard output
};

struct ConsoleSettings {
  bool verbose = false;  // also print info diagnostics
};

// Runs a command and returns its exit code (see exit_codes.h). Diagnostics go to standard
// error, one line each. Throws UsageError for invalid options, InputError for option files
// that cannot be read, and std::exception for bugs.
int runPlan(const PlanArguments& arguments, const ConsoleSettings& console);
int runMap(const MapArguments& arguments, const ConsoleSettings& console);

// Returns "--secret-versions" problems as a message, or an empty string for a valid value:
// "all", "latest" or "last:N" with N a whole number from 1.
std::string validateSecretVersions(const std::string& value);

// True for diagnostic codes that mean an input is unreadable or malformed, as opposed to
// a finding about the relocation: E-INPUT-*, E-TEMPLATE-*, E-INVENTORY-*, E-EXPRESSION-*,
// E-PARAMETER-*, E-PARAMETERS-*, E-RESOURCE-INVALID and E-COPY-COUNT-INVALID.
bool isInputErrorCode(const std::string& code);

// Formats one diagnostic as the single stderr line the command line prints:
// "kvrelocate: error: FILE#/pointer: [CODE] message (resource id)".
std::string formatDiagnostic(const Diagnostic& diagnostic);

// Returns the exit code of a run that ended with these diagnostics. Pass `blockersFail`
// false for `map`, because a map is complete even when the plan has blockers.
int exitCodeFor(const Diagnostics& diagnostics, bool blockersFail);

}  // namespace kvr::cli
