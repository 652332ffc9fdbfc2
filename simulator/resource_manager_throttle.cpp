#include "simulator/resource_manager_throttle.h"

#include "simulator/resource_manager.h"

#include <algorithm>
#include <cmath>

namespace kvr::sim {

namespace {

std::string requestKind(const std::string& method) {
  if (method == "GET" || method == "HEAD") return "reads";
  if (method == "DELETE") return "deletes";
  return "writes";
}

std::string singular(const std::string& kind) { return kind.substr(0, kind.size() - 1); }

// "25" or "0.5": up to three decimals, without trailing zeros.
std::string formatNumber(double value) {
  std::string text = std::to_string(std::round(value * 1000) / 1000);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

const TokenBucketLimits& ResourceManagerThrottle::limitsOf(const std::string& kind) const {
  if (kind == "reads") return limits_.reads;
  if (kind == "deletes") return limits_.deletes;
  return limits_.writes;
}

void ResourceManagerThrottle::refill(Bucket& bucket, const TokenBucketLimits& limits, TimePoint now) const {
  double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
  if (elapsed > 0) bucket.tokens = std::min(limits.capacity, bucket.tokens + elapsed * limits.refillPerSecond);
  bucket.refilled = now;
}

ResourceManagerThrottle::Bucket& ResourceManagerThrottle::bucket(const std::string& scope, const std::string& kind, TimePoint now) {
  auto [found, created] = buckets_.try_emplace({scope, kind});
  if (created) {
    found->second.tokens = limitsOf(kind).capacity;
    found->second.refilled = now;
  }
  refill(found->second, limitsOf(kind), now);
  return found->second;
}

ThrottleAdmission ResourceManagerThrottle::admit(const std::string& method, const std::string& subscription, const std::string& principal) {
  std::string kind = requestKind(method);
  const TokenBucketLimits& limits = limitsOf(kind);
  ThrottleAdmission admission;
  admission.headerName = "x-ms-ratelimit-remaining-subscription-" + kind;
  if (limits.capacity <= 0) {
    admission.headerName.clear();
    return admission;
  }

  TimePoint now = clock_.now();
  std::string scope = "subscription." + toLower(subscription);
  if (limits_.perPrincipal) scope += ".principal." + principal;
  Bucket& current = bucket(scope, kind, now);
  if (current.tokens >= 1.0) {
    current.tokens -= 1.0;
    ++current.acceptedTotal;
    admission.remaining = static_cast<long long>(std::floor(current.tokens));
    return admission;
  }

  // The bucket holds a whole token again after (1 - tokens) / refill seconds.
  ++current.rejectedTotal;
  double wait = limits.refillPerSecond > 0 ? (1.0 - current.tokens) / limits.refillPerSecond : 3600.0;
  long long retryAfter = std::max(1LL, static_cast<long long>(std::ceil(wait)));
  std::string who = limits_.perPrincipal ? "principal '" + principal + "' in subscription '" + subscription + "'"
                                         : "subscription '" + subscription + "'";
  Response response = armError(429, "SubscriptionRequestsThrottled",
                               "Number of " + singular(kind) + " requests for " + who + " exceeded the limit of " +
                                   formatNumber(limits.capacity) + " (refilled at " + formatNumber(limits.refillPerSecond) + " per second); retry after " +
                                   std::to_string(retryAfter) + " seconds.");
  response.withHeader("Retry-After", std::to_string(retryAfter));
  response.withHeader(admission.headerName, "0");
  admission.rejection = std::move(response);
  return admission;
}

void ResourceManagerThrottle::addHeader(Response& response, const ThrottleAdmission& admission) {
  if (admission.headerName.empty() || !response.header(admission.headerName).empty()) return;
  response.withHeader(admission.headerName, std::to_string(admission.remaining));
}

std::map<std::string, long long> ResourceManagerThrottle::counters() const {
  std::map<std::string, long long> result;
  TimePoint now = clock_.now();
  for (const auto& [key, stored] : buckets_) {
    Bucket current = stored;
    refill(current, limitsOf(key.second), now);
    std::string prefix = "resourceManagerThrottle." + key.first + "." + key.second + ".";
    result[prefix + "accepted"] = current.acceptedTotal;
    result[prefix + "rejected"] = current.rejectedTotal;
    result[prefix + "remaining"] = static_cast<long long>(std::floor(current.tokens));
    result[prefix + "capacity"] = static_cast<long long>(limitsOf(key.second).capacity);
  }
  return result;
}

}  // namespace kvr::sim
