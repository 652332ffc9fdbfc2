#include "simulator/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace kvr::sim {

namespace {

[[noreturn]] void raise(int error, const std::string& call, const std::filesystem::path& file) {
  throw std::system_error(error, std::generic_category(), call + " failed for kvsim state file " + file.string());
}

}  // namespace

void writePrivateFileAtomically(const std::filesystem::path& file, const std::string& content) {
  std::string pattern = file.string() + ".tmp-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int descriptor = ::mkstemp(name.data());  // creates the file with mode 0600
  if (descriptor < 0) raise(errno, "mkstemp", file);

  const char* data = content.data();
  std::size_t left = content.size();
  int error = 0;
  std::string failedCall;
  while (left > 0 && error == 0) {
    ssize_t written = ::write(descriptor, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      error = errno;
      failedCall = "write";
      break;
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  if (error == 0 && ::fsync(descriptor) != 0) {
    error = errno;
    failedCall = "fsync";
  }
  if (::close(descriptor) != 0 && error == 0) {
    error = errno;
    failedCall = "close";
  }
  if (error == 0 && ::rename(name.data(), file.c_str()) != 0) {
    error = errno;
    failedCall = "rename";
  }
  if (error != 0) {
    ::unlink(name.data());
    raise(error, failedCall, file);
  }
}

}  // namespace kvr::sim
