#pragma once

// An HttpTransport that plays back a script of responses and transport errors in order and
// records every request, for tests of retries, paging and credentials without a server.

#include "azure/http.h"

#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <variant>
#include <vector>

namespace kvr::testing {

class ScriptedTransport : public azure::HttpTransport {
 public:
  using Step = std::variant<azure::HttpResponse, azure::TransportError>;

  ScriptedTransport& respond(int status, std::string body = "", azure::Headers headers = {}) {
    steps_.emplace_back(azure::HttpResponse{status, std::move(headers), std::move(body)});
    return *this;
  }
  ScriptedTransport& fail(azure::TransportError::Kind kind, std::string message = "connection reset by peer") {
    steps_.emplace_back(azure::TransportError(kind, message));
    return *this;
  }

  azure::HttpResponse send(const azure::HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (steps_.empty()) throw std::logic_error("the script has no answer for " + request.method + " " + request.url);
    Step step = std::move(steps_.front());
    steps_.pop_front();
    if (auto* error = std::get_if<azure::TransportError>(&step)) throw *error;
    return std::get<azure::HttpResponse>(step);
  }

  const std::vector<azure::HttpRequest>& requests() const { return requests_; }
  std::size_t remaining() const { return steps_.size(); }

 private:
  std::mutex mutex_;
  std::deque<Step> steps_;
  std::vector<azure::HttpRequest> requests_;
};

}  // namespace kvr::testing
