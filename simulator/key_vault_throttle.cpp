#include "simulator/key_vault_throttle.h"

#include "simulator/key_vault_data_plane.h"

#include <chrono>

namespace kvr::sim {

namespace {

using nlohmann::json;

constexpr const char* kSecretCreateAndImport = "secretCreateAndImport";
constexpr const char* kSecretAndVaultOther = "secretAndVaultOther";
constexpr const char* kSoftwareKeyCreate = "softwareKeyCreate";
constexpr const char* kHsmKeyCreate = "hsmKeyCreate";

bool isHsmKeyType(const std::string& kty) { return kty.size() > 4 && kty.compare(kty.size() - 4, 4, "-HSM") == 0; }

std::string requestedKeyType(const Request& request) {
  json body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  if (!body.is_object() || !body.contains("kty") || !body["kty"].is_string()) return "";
  return body["kty"].get<std::string>();
}

std::optional<std::string> keyBucket(const Request& request, const std::vector<std::string>& segments) {
  std::string operation = segments.size() == 3 ? toLower(segments[2]) : "";
  if (segments.size() == 2 && request.method == "PUT") return kSecretCreateAndImport;
  if (request.method == "POST" && operation == "create") return isHsmKeyType(requestedKeyType(request)) ? kHsmKeyCreate : kSoftwareKeyCreate;
  // NOTE: rotate counts as a software key create even for an HSM key, because the request
  // does not name the key type and the bucket is chosen before the key is looked up.
  if (request.method == "POST" && operation == "rotate") return kSoftwareKeyCreate;
  // TODO: Azure gives other key operations budgets by key type and size (4,000, 1,000 or
  // 500 per 10 seconds for software keys); kvsim does not throttle them yet.
  return std::nullopt;
}

}  // namespace

std::optional<std::string> keyVaultThrottleBucket(const Request& request) {
  std::vector<std::string> segments = splitPath(request.path);
  if (segments.empty()) return std::nullopt;
  std::string collection = toLower(segments[0]);
  if (collection == "keys" || collection == "deletedkeys") {
    if (collection == "deletedkeys") return std::nullopt;
    return keyBucket(request, segments);
  }
  if (collection == "secrets" && segments.size() == 2 && request.method == "PUT") return kSecretCreateAndImport;
  if (collection == "certificates" && segments.size() == 3 && request.method == "POST" && toLower(segments[2]) == "import") {
    return kSecretCreateAndImport;
  }
  return kSecretAndVaultOther;
}

int KeyVaultThrottle::limitOf(const std::string& bucket) const {
  if (bucket == kSecretCreateAndImport) return limits_.secretCreateAndImport;
  if (bucket == kSoftwareKeyCreate) return limits_.softwareKeyCreate;
  if (bucket == kHsmKeyCreate) return limits_.hsmKeyCreate;
  return limits_.secretAndVaultOther;
}

void KeyVaultThrottle::dropExpired(Bucket& bucket, TimePoint now) const {
  TimePoint windowStart = now - std::chrono::seconds(limits_.windowSeconds);
  while (!bucket.accepted.empty() && bucket.accepted.front() <= windowStart) bucket.accepted.pop_front();
}

std::optional<Response> KeyVaultThrottle::admit(const Request& request, const std::string& vaultName) {
  std::optional<std::string> bucketName = keyVaultThrottleBucket(request);
  if (!bucketName) return std::nullopt;
  int limit = limitOf(*bucketName);
  if (limit == 0) return std::nullopt;

  Bucket& bucket = buckets_[{toLower(vaultName), *bucketName}];
  TimePoint now = clock_.now();
  dropExpired(bucket, now);
  if (bucket.accepted.size() < static_cast<std::size_t>(limit)) {
    bucket.accepted.push_back(now);
    ++bucket.acceptedTotal;
    return std::nullopt;
  }

  ++bucket.rejectedTotal;
  // The window frees a slot when its oldest request leaves it; round up to whole seconds.
  auto wait = bucket.accepted.front() + std::chrono::seconds(limits_.windowSeconds) - now;
  long long retryAfter = std::chrono::ceil<std::chrono::seconds>(wait).count();
  if (retryAfter < 1) retryAfter = 1;
  // NOTE: Azure returns code Throttled; its message text differs from kvsim's.
  Response response = keyVaultError(429, "Throttled", "Vault " + vaultName + " exceeded its " + *bucketName + " budget of " +
                                                          std::to_string(limit) + " requests per " + std::to_string(limits_.windowSeconds) +
                                                          " seconds; retry after " + std::to_string(retryAfter) + " seconds.");
  response.withHeader("Retry-After", std::to_string(retryAfter));
  return response;
}

std::map<std::string, long long> KeyVaultThrottle::counters() const {
  std::map<std::string, long long> result;
  TimePoint windowStart = clock_.now() - std::chrono::seconds(limits_.windowSeconds);
  for (const auto& [key, bucket] : buckets_) {
    std::string prefix = "throttle." + key.first + "." + key.second + ".";
    long long inWindow = 0;
    for (TimePoint accepted : bucket.accepted) inWindow += accepted > windowStart ? 1 : 0;
    result[prefix + "accepted"] = bucket.acceptedTotal;
    result[prefix + "rejected"] = bucket.rejectedTotal;
    result[prefix + "inWindow"] = inWindow;
    result[prefix + "limit"] = limitOf(key.second);
  }
  return result;
}

}  // namespace kvr::sim
