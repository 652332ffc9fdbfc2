#include "cli/retry_report.h"

#include <cstdio>

namespace kvr::cli {

namespace {

std::string hostOf(const std::string& url) {
  azure::UrlParts parts = azure::splitUrl(url);
  return parts.port.empty() ? parts.host : parts.host + ":" + parts.port;
}

std::string secondsText(azure::Milliseconds duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(duration.count()) / 1000.0);
  return text;
}

}  // namespace

RetryReporter::RetryReporter(azure::HttpTransport& transport, azure::Timer& timer, std::ostream& out,
                             RetryReportOptions options)
    : innerTransport_(transport), innerTimer_(timer), out_(out), options_(options) {}

std::vector<std::string> RetryReporter::unreachableHosts() const {
  std::lock_guard lock(mutex_);
  return unreachable_;
}

azure::HttpResponse RetryReporter::send(const azure::HttpRequest& request) {
  std::string host = hostOf(request.url);
  {
    std::lock_guard lock(mutex_);
    lastFailure_.reset();
    if (unreachableSet_.contains(host)) {
      // The client retries this error too; its waits are skipped, so the request fails at once.
      skipNextWait_ = true;
      throw azure::TransportError(azure::TransportError::Kind::Connection,
                                  host + " did not answer earlier attempts, so it is not contacted again");
    }
  }

  azure::HttpResponse response;
  try {
    response = innerTransport_.send(request);
  } catch (const azure::TransportError& error) {
    recordFailure(host, std::string("did not answer (") + error.what() + ")", /*unreachable=*/true);
    throw;
  }
  // A wait right after an error response is a retry; other waits (polls) are not reported.
  if (response.status == 408 || response.status == 429 || response.status >= 500) {
    recordFailure(host, "answered " + std::to_string(response.status), /*unreachable=*/false);
  } else {
    std::lock_guard lock(mutex_);
    failures_[host] = 0;
  }
  return response;
}

void RetryReporter::recordFailure(const std::string& host, const std::string& reason, bool unreachable) {
  std::lock_guard lock(mutex_);
  int attempt = ++failures_[host];
  lastFailure_ = Failure{host, reason, attempt};
  if (unreachable && attempt >= options_.maxAttempts && unreachableSet_.insert(host).second) {
    unreachable_.push_back(host);
    lastFailure_.reset();
    out_ << "kvrelocate: error: " << host << " " << reason << " in " << attempt
         << " attempts; verify does not contact it again and reports the checks that need it as failed\n"
         << std::flush;
  }
}

void RetryReporter::sleepFor(azure::Milliseconds duration) {
  {
    std::lock_guard lock(mutex_);
    if (skipNextWait_) {
      skipNextWait_ = false;
      return;
    }
    if (lastFailure_) {
      out_ << "kvrelocate: warning: " << lastFailure_->host << " " << lastFailure_->reason << "; attempt "
           << lastFailure_->attempt << " of " << options_.maxAttempts << " failed, retrying in " << secondsText(duration)
           << '\n'
           << std::flush;
      lastFailure_.reset();
    }
  }
  innerTimer_.sleepFor(duration);
}

}  // namespace kvr::cli
