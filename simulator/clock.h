#pragma once

// The time source of the simulator, so tests can move time forward instead of sleeping.

#include <chrono>
#include <mutex>

namespace kvr::sim {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to; safe to read from several threads.
class ManualClock : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint(std::chrono::seconds(1'750'000'000))) : current_(start) {}

  TimePoint now() const override {
    std::lock_guard lock(mutex_);
    return current_;
  }

  void advance(std::chrono::milliseconds step) {
    std::lock_guard lock(mutex_);
    current_ += step;
  }

 private:
  mutable std::mutex mutex_;
  TimePoint current_;
};

inline long long unixSeconds(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

}  // namespace kvr::sim
