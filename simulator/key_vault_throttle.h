#pragma once

// Per-vault Key Vault throttling: each vault has one sliding 10-second window per budget,
// and a request that would exceed its budget gets 429 with Retry-After instead of being
// served. Rejected requests do not count against the budget, as in Azure.
// Not thread-safe: the Simulator serialises calls.

#include "simulator/clock.h"
#include "simulator/config.h"
#include "simulator/http_message.h"

#include <nlohmann/json.hpp>

#include <deque>
#include <map>
#include <optional>
#include <string>

namespace kvr::sim {

// The budget a Key Vault request counts against, or nullopt when kvsim does not throttle
// it. Bucket names are the members of the keyVaultThrottle setting.
std::optional<std::string> keyVaultThrottleBucket(const Request& request);

class KeyVaultThrottle {
 public:
  KeyVaultThrottle(const KeyVaultThrottleLimits& limits, const Clock& clock) : limits_(limits), clock_(clock) {}

  // Counts the request against its bucket in `vaultName`, or returns the 429 response when
  // the bucket's window is full.
  std::optional<Response> admit(const Request& request, const std::string& vaultName);

  // Flat counters "throttle.<vault>.<bucket>.<accepted|rejected|inWindow|limit>".
  std::map<std::string, long long> counters() const;
  void clear() { buckets_.clear(); }

 private:
  struct Bucket {
    std::deque<TimePoint> accepted;  // times of the requests inside the window, oldest first
    long long acceptedTotal = 0;
    long long rejectedTotal = 0;
  };

  int limitOf(const std::string& bucket) const;
  void dropExpired(Bucket& bucket, TimePoint now) const;

  const KeyVaultThrottleLimits& limits_;
  const Clock& clock_;
  std::map<std::pair<std::string, std::string>, Bucket> buckets_;  // by lower-case vault name and bucket
};

}  // namespace kvr::sim
