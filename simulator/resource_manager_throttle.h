#pragma once

// Resource Manager throttling with token buckets: each principal in each subscription (or
// each subscription, when perPrincipal is off) has a bucket for reads, one for writes and
// one for deletes. A request takes one token from its bucket; when the bucket holds less
// than one, the request gets 429 with Retry-After and takes nothing. Buckets refill
// continuously on the simulator's clock. Not thread-safe: the Simulator serialises calls.

#include "simulator/clock.h"
#include "simulator/config.h"
#include "simulator/http_message.h"

#include <map>
#include <optional>
#include <string>

namespace kvr::sim {

struct ThrottleAdmission {
  std::optional<Response> rejection;  // the 429 to send instead of serving, when set
  std::string headerName;             // x-ms-ratelimit-remaining-subscription-<reads|writes|deletes>
  long long remaining = 0;            // whole tokens left in the bucket
};

class ResourceManagerThrottle {
 public:
  ResourceManagerThrottle(const ResourceManagerThrottleLimits& limits, const Clock& clock) : limits_(limits), clock_(clock) {}

  // Counts a request of `method` by `principal` against `subscription`. An admitted
  // response should carry `headerName: remaining` (see addHeader).
  ThrottleAdmission admit(const std::string& method, const std::string& subscription, const std::string& principal);
  static void addHeader(Response& response, const ThrottleAdmission& admission);

  // Flat counters "resourceManagerThrottle.<scope>.<kind>.<accepted|rejected|remaining|capacity>",
  // where scope is "subscription.<id>" or "subscription.<id>.principal.<principal>".
  std::map<std::string, long long> counters() const;
  void clear() { buckets_.clear(); }

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint refilled;
    long long acceptedTotal = 0;
    long long rejectedTotal = 0;
  };

  const TokenBucketLimits& limitsOf(const std::string& kind) const;
  Bucket& bucket(const std::string& scope, const std::string& kind, TimePoint now);
  void refill(Bucket& bucket, const TokenBucketLimits& limits, TimePoint now) const;

  const ResourceManagerThrottleLimits& limits_;
  const Clock& clock_;
  std::map<std::pair<std::string, std::string>, Bucket> buckets_;  // by scope and kind
};

}  // namespace kvr::sim
