#pragma once

// The time source of the simulator, so tests can move time forward instead of sleeping.

#include <chrono>
#include <ctime>
#include <mutex>
#include <string>

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

// The time in UTC as ISO 8601 with seconds, such as 2026-12-04T22:44:56Z.
inline std::string isoTime(TimePoint time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace kvr::sim
