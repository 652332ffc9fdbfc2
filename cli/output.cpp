#include "cli/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <system_error>
#include <vector>

#include "discovery/files.h"
#include "cli/commands.h"

namespace kvr::cli {

namespace {

[[noreturn]] void failWrite(const std::string& path, int error) {
  throw UsageError("cannot write output file '" + path + "': " + std::strerror(error) +
                   "; check that its folder exists and is writable");
}

}  // namespace

void writeOutput(const std::string& path, const std::string& content) {
  if (path.empty() || path == "-") {
    std::cout << content << std::flush;
    return;
  }
  try {
    writeFileAtomically(path, content);
  } catch (const std::system_error& error) {
    failWrite(path, error.code().value());
  }
}

}  // namespace kvr::cli
