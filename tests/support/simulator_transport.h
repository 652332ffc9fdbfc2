#pragma once

// An HttpTransport that hands each request to an in-process kvsim Simulator, so the Azure
// client, the crawler and the executor run their real code paths without sockets.

#include "azure/http.h"
#include "simulator/simulator.h"

#include <atomic>
#include <functional>

namespace kvr::testing {

class SimulatorTransport : public azure::HttpTransport {
 public:
  explicit SimulatorTransport(sim::Simulator& simulator) : simulator_(simulator) {}

  azure::HttpResponse send(const azure::HttpRequest& request) override {
    ++sent_;
    if (beforeSend_) beforeSend_(request);
    azure::UrlParts url = azure::splitUrl(request.url);
    sim::Request inner = sim::Request::fromTarget(request.method, url.pathAndQuery);
    for (const auto& [name, value] : request.headers) inner.withHeader(name, value);
    inner.withHeader("Host", url.port.empty() ? url.host : url.host + ":" + url.port);
    inner.body = request.body;
    sim::Response answer = simulator_.handle(inner);
    return azure::HttpResponse{answer.status, answer.headers, answer.body};
  }

  // Called before each request reaches the simulator; may throw TransportError to play a
  // dropped connection.
  void onSend(std::function<void(const azure::HttpRequest&)> hook) { beforeSend_ = std::move(hook); }
  long long sent() const { return sent_.load(); }

 private:
  sim::Simulator& simulator_;
  std::function<void(const azure::HttpRequest&)> beforeSend_;
  std::atomic<long long> sent_{0};
};

// A timer that never sleeps: it moves its own time forward instead, and can move a
// simulator's manual clock with it.
class SteppingTimer : public azure::Timer {
 public:
  explicit SteppingTimer(sim::ManualClock* simulatorClock = nullptr) : simulatorClock_(simulatorClock) {}

  azure::TimePoint now() const override { return azure::TimePoint(std::chrono::milliseconds(nowMs_.load())); }
  void sleepFor(azure::Milliseconds duration) override {
    nowMs_ += duration.count();
    slept_ += duration.count();
    if (simulatorClock_ != nullptr) simulatorClock_->advance(duration);
  }
  long long sleptMs() const { return slept_.load(); }

 private:
  sim::ManualClock* simulatorClock_;
  std::atomic<long long> nowMs_{1'750'000'000'000};
  std::atomic<long long> slept_{0};
};

}  // namespace kvr::testing
