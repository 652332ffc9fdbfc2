#pragma once

// Time and waiting for the Azure client and the executor, so tests move time instead of
// sleeping.

#include <chrono>

namespace kvr::azure {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;
using Milliseconds = std::chrono::milliseconds;

class Timer {
 public:
  virtual ~Timer() = default;
  virtual TimePoint now() const = 0;
  virtual void sleepFor(Milliseconds duration) = 0;
};

class SystemTimer : public Timer {
 public:
  TimePoint now() const override;
  void sleepFor(Milliseconds duration) override;
};

// The process-wide real timer.
Timer& systemTimer();

}  // namespace kvr::azure
