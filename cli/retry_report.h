#pragma once

// Retry reporting for verify: a transport and a timer that wrap the connection's own, print
// a line for every retry wait (which host, which attempt, how long), and stop contacting a
// host once it has failed to respond to a whole request's attempts. Without it, verify spent a
// full retry cycle on each check of an unreachable vault and printed nothing meanwhile.

#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "azure/clock.h"
#include "azure/http.h"

namespace kvr::cli {

struct RetryReportOptions {
  int maxAttempts = 4;  // the client's RetryOptions::maxAttempts, for "attempt N of M"
};

// NOTE: a failed attempt is paired with the wait that follows it, which assumes one request at
// a time, as verify sends them. With concurrent requests a line may name another host.
class RetryReporter {
 public:
  RetryReporter(azure::HttpTransport& transport, azure::Timer& timer, std::ostream& out,
                RetryReportOptions options = {});

  azure::HttpTransport& transport() { return transport_; }
  azure::Timer& timer() { return timer_; }

  // The hosts given up on, in the order they were.
  std::vector<std::string> unreachableHosts() const;

 private:
  struct Failure {
    std::string host;
    std::string reason;
    int attempt = 0;
  };

  class Transport : public azure::HttpTransport {
   public:
    explicit Transport(RetryReporter& owner) : owner_(owner) {}
    azure::HttpResponse send(const azure::HttpRequest& request) override { return owner_.send(request); }

   private:
    RetryReporter& owner_;
  };

  class Timer : public azure::Timer {
   public:
    explicit Timer(RetryReporter& owner) : owner_(owner) {}
    azure::TimePoint now() const override { return owner_.innerTimer_.now(); }
    void sleepFor(azure::Milliseconds duration) override { owner_.sleepFor(duration); }

   private:
    RetryReporter& owner_;
  };

  azure::HttpResponse send(const azure::HttpRequest& request);
  void sleepFor(azure::Milliseconds duration);
  void recordFailure(const std::string& host, const std::string& reason, bool unreachable);

  azure::HttpTransport& innerTransport_;
  azure::Timer& innerTimer_;
  std::ostream& out_;
  RetryReportOptions options_;
  Transport transport_{*this};
  Timer timer_{*this};

  mutable std::mutex mutex_;  // guards the members below
  std::map<std::string, int> failures_;   // consecutive failed attempts per host
  std::optional<Failure> lastFailure_;    // the failure the next wait belongs to
  bool skipNextWait_ = false;             // the last attempt went to a host given up on
  std::vector<std::string> unreachable_;
  std::set<std::string> unreachableSet_;
};

}  // namespace kvr::cli
