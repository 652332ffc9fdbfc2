#pragma once

// The `apply` and `verify` commands, free of any argument parser: main.cpp fills the
// argument structs from the command line and calls runApply() or runVerify().

#include <map>
#include <string>

#include "azure/connection.h"

namespace kvr::cli {

struct ApplyArguments {
  std::string planFile;
  std::string journalFile;
  bool resume = false;
  std::size_t parallelism = 0;                 // 0: derived from the throttle budgets
  std::map<std::string, std::string> mappings; // --map OLD=NEW
  bool allowTemporaryEnableInSource = false;
  std::string logFormat = "text";              // text or json progress events
  azure::ConnectionOptions connection;
};

struct VerifyArguments {
  std::string planFile;
  std::string journalFile;
  std::string outputFile;  // empty: standard output
  azure::ConnectionOptions connection;
};

// Parses "OLD=NEW" into the map; throws UsageError naming the value when it has no '='.
void addMapping(std::map<std::string, std::string>& mappings, const std::string& value);

// Runs the plan against the connection's Azure. Returns kExitSuccess when every step is
// done, kExitBlocked when steps failed, kExitOperatorAction when the run waits for an
// operator, kExitInvalidInput when the plan or journal does not fit the live estate, and
// kExitUsage for invalid connection options.
int runApply(const ApplyArguments& arguments);

// Compares the target with the source as the plan and the journal describe them and
// prints the table. Returns kExitSuccess when every check passes, kExitBlocked otherwise.
int runVerify(const VerifyArguments& arguments);

}  // namespace kvr::cli
