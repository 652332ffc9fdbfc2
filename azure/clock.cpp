#include "azure/clock.h"

#include <thread>

namespace kvr::azure {

TimePoint SystemTimer::now() const { return Clock::now(); }

void SystemTimer::sleepFor(Milliseconds duration) {
  if (duration.count() > 0) std::this_thread::sleep_for(duration);
}

Timer& systemTimer() {
  static SystemTimer timer;
  return timer;
}

}  // namespace kvr::azure
