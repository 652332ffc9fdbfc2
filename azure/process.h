#pragma once

// Runs a helper program such as the Azure CLI without a shell and collects its output.

#include "azure/clock.h"

#include <string>
#include <vector>

namespace kvr::azure {

struct ProcessResult {
  int exitCode = -1;  // -1 when the program was killed or ended by a signal
  bool timedOut = false;
  std::string standardOutput;
  std::string standardError;
};

// Runs arguments[0] (a path) with the rest as its arguments, through fork and exec with no
// shell, and waits at most `timeout` before killing it. Standard input is /dev/null.
// Throws std::runtime_error when the program cannot be started.
ProcessResult runProcess(const std::vector<std::string>& arguments, Milliseconds timeout);

// The path of `program` when it is executable: itself when it contains a slash, otherwise
// the first match in the colon-separated `searchPath`. Returns "" when none is found.
std::string findProgram(const std::string& program, const std::string& searchPath);

}  // namespace kvr::azure
