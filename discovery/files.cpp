#include "discovery/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>
#include <vector>

namespace kvr {

namespace {

[[noreturn]] void failWith(int error, const std::string& path) {
  throw std::system_error(error, std::generic_category(), path);
}

void writeAll(int descriptor, const std::string& content, const std::string& path) {
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t result = ::write(descriptor, content.data() + written, content.size() - written);
    if (result < 0 && errno == EINTR) continue;
    if (result < 0) failWith(errno, path);
    written += static_cast<std::size_t>(result);
  }
}

}  // namespace

void writeFileAtomically(const std::string& path, const std::string& content) {
  std::string pattern = path + ".tmp-XXXXXX";
  std::vector<char> temporaryPath(pattern.begin(), pattern.end());
  temporaryPath.push_back('\0');
  int descriptor = ::mkstemp(temporaryPath.data());
  if (descriptor < 0) failWith(errno, path);
  std::string temporary(temporaryPath.data());
  try {
    // mkstemp creates the file with mode 0600.
    mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(descriptor, 0666 & ~mask);
    writeAll(descriptor, content, path);
    if (::fsync(descriptor) != 0) failWith(errno, path);
    int closed = ::close(descriptor);
    descriptor = -1;
    if (closed != 0) failWith(errno, path);
    if (std::rename(temporary.c_str(), path.c_str()) != 0) failWith(errno, path);
  } catch (...) {
    if (descriptor >= 0) ::close(descriptor);
    ::unlink(temporary.c_str());
    throw;
  }
}

}  // namespace kvr
