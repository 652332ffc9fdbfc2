#include "cli/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <vector>

#include "cli/commands.h"

namespace kvr::cli {

namespace {

[[noreturn]] void failWrite(const std::string& path, int error) {
  throw UsageError("cannot write output file '" + path + "': " + std::strerror(error) +
                   "; check that its folder exists and is writable");
}

void writeAll(int descriptor, const std::string& content, const std::string& path) {
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t result = ::write(descriptor, content.data() + written, content.size() - written);
    if (result < 0 && errno == EINTR) continue;
    if (result < 0) failWrite(path, errno);
    written += static_cast<std::size_t>(result);
  }
}

// Gives the file the mode a plain open() would (0666 less the umask), because mkstemp
// creates it with mode 0600.
void setOrdinaryMode(int descriptor) {
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(descriptor, 0666 & ~mask);
}

void writeFileAtomically(const std::string& path, const std::string& content) {
  std::string pattern = path + ".tmp-XXXXXX";
  std::vector<char> temporaryPath(pattern.begin(), pattern.end());
  temporaryPath.push_back('\0');
  int descriptor = ::mkstemp(temporaryPath.data());
  if (descriptor < 0) failWrite(path, errno);
  std::string temporary(temporaryPath.data());
  try {
    setOrdinaryMode(descriptor);
    writeAll(descriptor, content, path);
    if (::fsync(descriptor) != 0) failWrite(path, errno);
    if (::close(descriptor) != 0) {
      descriptor = -1;
      failWrite(path, errno);
    }
    descriptor = -1;
    if (std::rename(temporary.c_str(), path.c_str()) != 0) failWrite(path, errno);
  } catch (...) {
    if (descriptor >= 0) ::close(descriptor);
    ::unlink(temporary.c_str());
    throw;
  }
}

}  // namespace

void writeOutput(const std::string& path, const std::string& content) {
  if (path.empty() || path == "-") {
    std::cout << content << std::flush;
    return;
  }
  writeFileAtomically(path, content);
}

}  // namespace kvr::cli
