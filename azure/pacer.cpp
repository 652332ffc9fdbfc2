#include "azure/pacer.h"

#include "discovery/json.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <variant>

namespace kvr::azure {

namespace {

using Limit = std::variant<WindowLimit, BucketLimit>;

struct Classified {
  std::string key;
  Limit limit;
};

std::vector<std::string> pathSegments(const std::string& pathAndQuery) {
  std::string path = pathAndQuery.substr(0, pathAndQuery.find('?'));
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) segments.push_back(toLower(path.substr(start, end - start)));
    start = end + 1;
  }
  return segments;
}

// The Key Vault budget of a data-plane request, by its method and path.
std::pair<std::string, WindowLimit> keyVaultBudget(const HttpRequest& request, const std::vector<std::string>& segments,
                                                   const PacerOptions& options) {
  std::string collection = segments.empty() ? "" : segments[0];
  std::string last = segments.empty() ? "" : segments.back();
  bool secretSet = collection == "secrets" && request.method == "PUT" && segments.size() == 2;
  bool certificateImport = collection == "certificates" && request.method == "POST" && last == "import";
  bool keyImport = collection == "keys" && request.method == "PUT" && segments.size() == 2;
  if (secretSet || certificateImport || keyImport) return {"secret-create", options.keyVaultSecretCreateAndImport};
  if (collection == "keys" && request.method == "POST" && (last == "create" || last == "rotate")) {
    // The key type is in the body: {"kty": "RSA-HSM", ...}.
    if (request.body.find("-HSM\"") != std::string::npos) return {"hsm-key-create", options.keyVaultHsmKeyCreate};
    return {"key-create", options.keyVaultSoftwareKeyCreate};
  }
  if (collection == "keys" || collection == "deletedkeys") return {"key-other", options.keyVaultKeyOther};
  return {"other", options.keyVaultOther};
}

Classified classify(Service service, const HttpRequest& request, const PacerOptions& options) {
  UrlParts url = splitUrl(request.url);
  std::vector<std::string> segments = pathSegments(url.pathAndQuery);
  switch (service) {
    case Service::KeyVault: {
      auto [budget, limit] = keyVaultBudget(request, segments, options);
      return {"key-vault/" + url.host + "/" + budget, limit};
    }
    case Service::ResourceGraph:
      return {"resource-graph/queries", options.resourceGraphQueries};
    case Service::ResourceManager: {
      std::string subscription = segments.size() >= 2 && segments[0] == "subscriptions" ? segments[1] : "tenant";
      if (request.method == "GET" || request.method == "HEAD") {
        return {"resource-manager/" + subscription + "/reads", options.resourceManagerReads};
      }
      if (request.method == "DELETE") return {"resource-manager/" + subscription + "/deletes", options.resourceManagerDeletes};
      return {"resource-manager/" + subscription + "/writes", options.resourceManagerWrites};
    }
  }
  return {"unknown", WindowLimit{}};
}

double perSecond(const WindowLimit& limit) {
  return limit.window.count() > 0 ? limit.requests * 1000.0 / static_cast<double>(limit.window.count()) : 0;
}

}  // namespace

// One budget's state: the next free send time of an evenly spaced stream or a token
// bucket, a pause after a 429 and the current rate factor. The pacer's mutex guards it.
class LimitPacer::Budget {
 public:
  Budget(Limit limit, const PacerOptions& options, TimePoint now) : limit_(limit), options_(options), recovered_(now) {
    if (auto* bucket = std::get_if<BucketLimit>(&limit_)) {
      tokens_ = bucket->capacity;
      refilled_ = now;
    }
  }

  // Reserves a send slot and returns how long to wait for it, rounded up to whole
  // milliseconds so that no request leaves before its slot.
  Milliseconds reserve(TimePoint now) {
    recover(now);
    TimePoint start = std::max(now, pausedUntil_);
    TimePoint slot = std::holds_alternative<WindowLimit>(limit_) ? reserveInStream(start) : reserveInBucket(start);
    return std::chrono::ceil<Milliseconds>(slot - now);
  }

  void throttled(TimePoint now, Milliseconds retryAfter, const std::string& key) {
    pausedUntil_ = std::max(pausedUntil_, now + std::max(retryAfter, options_.throttledPause));
    factor_ = std::max(options_.minimumRateFactor, factor_ * options_.throttledRateFactor);
    recovered_ = now;
    ++pauses_;
    spdlog::info("{} was throttled; pausing {} ms and slowing to {:.0f}% of its rate", key,
                 std::chrono::duration_cast<Milliseconds>(pausedUntil_ - now).count(), factor_ * 100);
  }

  // Lowers a bucket's tokens to `remaining`, the count the service reported at `now`.
  void observeRemaining(TimePoint now, double remaining) {
    auto* bucket = std::get_if<BucketLimit>(&limit_);
    if (bucket == nullptr) return;
    if (now > refilled_) {
      double seconds = std::chrono::duration<double>(now - refilled_).count();
      tokens_ = std::min(bucket->capacity, tokens_ + seconds * bucket->refillPerSecond * factor_);
      refilled_ = now;
    }
    tokens_ = std::min(tokens_, remaining);
  }

  double factor() const { return factor_; }
  long long pauses() const { return pauses_; }
  TimePoint pausedUntil() const { return pausedUntil_; }

 private:
  void recover(TimePoint now) {
    while (factor_ < 1.0 && now - recovered_ >= options_.recoveryPeriod) {
      factor_ = std::min(1.0, factor_ / options_.throttledRateFactor);
      recovered_ += options_.recoveryPeriod;
    }
  }

  // Generic cell rate algorithm as a scheduler: slots are `interval` apart, and up to
  // `burst` slots may fall at once when the stream has been idle.
  TimePoint reserveInStream(TimePoint start) {
    const WindowLimit& limit = std::get<WindowLimit>(limit_);
    if (limit.requests <= 0 || limit.window.count() <= 0) return start;
    double share = 1.0 - options_.windowHeadroom;
    // The small epsilon keeps a product such as 300 x 0.08 from flooring to one less.
    double burst = std::max(1.0, std::floor(limit.requests * options_.windowHeadroom / 4 + 1e-9));
    std::chrono::duration<double> window = limit.window;
    auto interval = std::chrono::duration_cast<Clock::duration>(window / (limit.requests * share * factor_));
    TimePoint slot = std::max(start, nextFree_ - std::chrono::duration_cast<Clock::duration>(interval * (burst - 1)));
    nextFree_ = std::max(nextFree_, slot) + interval;
    return slot;
  }

  TimePoint reserveInBucket(TimePoint start) {
    const BucketLimit& limit = std::get<BucketLimit>(limit_);
    if (limit.capacity <= 0 || limit.refillPerSecond <= 0) return start;
    double rate = limit.refillPerSecond * factor_;
    if (start > refilled_) {
      double seconds = std::chrono::duration<double>(start - refilled_).count();
      tokens_ = std::min(limit.capacity, tokens_ + seconds * rate);
      refilled_ = start;
    }
    tokens_ -= 1;
    if (tokens_ >= 0) return refilled_;
    // In debt: the slot is when the refill has paid the debt back.
    return refilled_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / rate));
  }

  Limit limit_;
  const PacerOptions& options_;
  TimePoint nextFree_;  // the stream's earliest next slot once its burst is spent
  double tokens_ = 0;
  TimePoint refilled_;
  TimePoint pausedUntil_;
  long long pauses_ = 0;  // 429s seen, so a waiting request can tell that a pause began
  double factor_ = 1.0;
  TimePoint recovered_;
};

SustainedRates sustainedRates(const PacerOptions& options) {
  return SustainedRates{perSecond(options.keyVaultSecretCreateAndImport),
                        perSecond(options.keyVaultOther),
                        perSecond(options.keyVaultSoftwareKeyCreate),
                        perSecond(options.keyVaultHsmKeyCreate),
                        perSecond(options.keyVaultKeyOther),
                        options.resourceManagerReads.refillPerSecond,
                        options.resourceManagerWrites.refillPerSecond,
                        options.resourceManagerDeletes.refillPerSecond,
                        perSecond(options.resourceGraphQueries)};
}

std::string budgetKey(Service service, const HttpRequest& request) {
  return classify(service, request, PacerOptions{}).key;
}

LimitPacer::LimitPacer(PacerOptions options, Timer& timer) : options_(std::move(options)), timer_(timer) {}
LimitPacer::~LimitPacer() = default;

LimitPacer::Budget& LimitPacer::budgetFor(Service service, const HttpRequest& request, std::string& key) {
  Classified classified = classify(service, request, options_);
  key = classified.key;
  auto found = budgets_.find(key);
  if (found == budgets_.end()) {
    found = budgets_.emplace(key, std::make_unique<Budget>(classified.limit, options_, timer_.now())).first;
  }
  return *found->second;
}

void LimitPacer::beforeSend(Service service, const HttpRequest& request) {
  std::string key;
  for (;;) {
    Budget* budget = nullptr;
    Milliseconds wait{0};
    long long pauses = 0;
    {
      std::lock_guard lock(mutex_);
      budget = &budgetFor(service, request, key);
      wait = budget->reserve(timer_.now());
      pauses = budget->pauses();
    }
    if (wait.count() <= 0) return;
    spdlog::debug("pacing {}: waiting {} ms", key, wait.count());
    timer_.sleepFor(wait);

    // A 429 that came while this request waited paused the budget: its slot, reserved
    // before the pause, would send into the throttled window, so it reserves a new one.
    std::lock_guard lock(mutex_);
    if (budget->pauses() == pauses || budget->pausedUntil() <= timer_.now()) return;
  }
}

void LimitPacer::onThrottled(Service service, const HttpRequest& request, Milliseconds retryAfter) {
  std::string key;
  std::lock_guard lock(mutex_);
  budgetFor(service, request, key).throttled(timer_.now(), retryAfter, key);
}

void LimitPacer::onResponse(Service service, const HttpRequest& request, const HttpResponse& response) {
  if (service != Service::ResourceManager) return;
  std::string key = classify(service, request, options_).key;
  std::string kind = key.substr(key.rfind('/') + 1);  // reads, writes or deletes
  std::string remaining = response.header("x-ms-ratelimit-remaining-subscription-" + kind);
  if (remaining.empty()) return;
  char* end = nullptr;
  double count = std::strtod(remaining.c_str(), &end);
  if (end == remaining.c_str() || *end != '\0' || count < 0) return;
  std::lock_guard lock(mutex_);
  budgetFor(service, request, key).observeRemaining(timer_.now(), count);
}

double LimitPacer::rateFactor(const std::string& budget) const {
  std::lock_guard lock(mutex_);
  auto found = budgets_.find(budget);
  return found == budgets_.end() ? 1.0 : found->second->factor();
}

}  // namespace kvr::azure
