#include "azure/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kvr::azure {

namespace {

// Reads what is available on `descriptor` into `text`; returns false at end of file.
bool drain(int descriptor, std::string& text) {
  char buffer[4096];
  ssize_t count = ::read(descriptor, buffer, sizeof buffer);
  if (count > 0) {
    text.append(buffer, static_cast<std::size_t>(count));
    return true;
  }
  return count < 0 && (errno == EINTR || errno == EAGAIN);
}

}  // namespace

ProcessResult runProcess(const std::vector<std::string>& arguments, Milliseconds timeout) {
  if (arguments.empty()) throw std::runtime_error("no program to run");
  int output[2];
  int error[2];
  if (::pipe2(output, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe failed: ") + std::strerror(errno));
  if (::pipe2(error, O_CLOEXEC) != 0) {
    ::close(output[0]);
    ::close(output[1]);
    throw std::runtime_error(std::string("pipe failed: ") + std::strerror(errno));
  }
  std::vector<char*> argv;
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);

  pid_t child = ::fork();
  if (child < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (child == 0) {
    // Only async-signal-safe calls between fork and exec.
    int input = ::open("/dev/null", O_RDONLY);
    if (input >= 0) ::dup2(input, STDIN_FILENO);
    ::dup2(output[1], STDOUT_FILENO);
    ::dup2(error[1], STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(output[1]);
  ::close(error[1]);

  ProcessResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd descriptors[2] = {{output[0], POLLIN, 0}, {error[0], POLLIN, 0}};
  int open = 2;
  while (open > 0) {
    auto left = std::chrono::duration_cast<Milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      result.timedOut = true;
      ::kill(child, SIGKILL);
      break;
    }
    int ready = ::poll(descriptors, 2, static_cast<int>(left));
    if (ready < 0 && errno != EINTR) break;
    for (int index = 0; index < 2; ++index) {
      if (descriptors[index].fd < 0 || descriptors[index].revents == 0) continue;
      std::string& target = index == 0 ? result.standardOutput : result.standardError;
      if (!drain(descriptors[index].fd, target)) {
        ::close(descriptors[index].fd);
        descriptors[index].fd = -1;
        --open;
      }
    }
  }
  for (const pollfd& descriptor : descriptors) {
    if (descriptor.fd >= 0) ::close(descriptor.fd);
  }

  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!result.timedOut && WIFEXITED(status)) result.exitCode = WEXITSTATUS(status);
  if (result.exitCode == 127 && result.standardOutput.empty()) {
    throw std::runtime_error("cannot run " + arguments[0]);
  }
  return result;
}

std::string findProgram(const std::string& program, const std::string& searchPath) {
  if (program.empty()) return "";
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0 ? program : "";
  std::size_t start = 0;
  while (start <= searchPath.size()) {
    std::size_t end = searchPath.find(':', start);
    if (end == std::string::npos) end = searchPath.size();
    std::string directory = searchPath.substr(start, end - start);
    if (!directory.empty()) {
      std::string candidate = directory + "/" + program;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return "";
}

}  // namespace kvr::azure
