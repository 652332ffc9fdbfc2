#pragma once

// Client-side pacing under Azure's published request limits, so that a run slows itself
// down before the services return 429: an evenly spaced stream per Key Vault budget and
// vault, a token bucket per Resource Manager subscription and operation kind, and one
// stream for Resource Graph. After a 429 the affected budget pauses for the Retry-After and
// runs at a reduced rate until no 429 has come for a while.

#include "azure/client.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace kvr::azure {

// N requests in any window of the given length.
struct WindowLimit {
  int requests = 0;  // 0 turns the limit off
  Milliseconds window{10'000};
};

// A bucket of `capacity` requests that refills at `refillPerSecond`.
struct BucketLimit {
  double capacity = 0;  // 0 turns the limit off
  double refillPerSecond = 0;
};

// The defaults are Azure's published limits as of 2025, which Azure may change.
struct PacerOptions {
  // Key Vault, per vault, per 10 seconds. Secret set, certificate import and key import
  // share one budget.
  WindowLimit keyVaultSecretCreateAndImport{300};
  WindowLimit keyVaultOther{4000};  // every other secret, certificate and vault request
  WindowLimit keyVaultSoftwareKeyCreate{20};  // key create and rotate, RSA and EC
  WindowLimit keyVaultHsmKeyCreate{10};       // key create, RSA-HSM and EC-HSM
  // Other key operations. Azure's limit depends on key type and size, from 4,000 for
  // software RSA-2048 down to 250 for HSM RSA-4096; the URL does not show which, so the
  // default is the lowest.
  WindowLimit keyVaultKeyOther{250};
  // Resource Manager, per subscription.
  BucketLimit resourceManagerReads{250, 25};
  BucketLimit resourceManagerWrites{200, 10};
  BucketLimit resourceManagerDeletes{200, 10};
  // Resource Graph: about 15 queries per 5 seconds per user.
  WindowLimit resourceGraphQueries{15, Milliseconds(5'000)};

  // A window budget is paced as an even stream at (1 - windowHeadroom) of its limit, after
  // a burst of a quarter of the headroom. The service counts requests when they arrive, and
  // requests arrive late by varying amounts (network, TLS, thread scheduling). A stream at
  // the full limit therefore draws a 429 whenever a request is delayed less than the one
  // sent a window before it.
  // With the defaults, the service counts no more than 300 secret creates in any 10-second
  // window as long as each request arrives within about 0.65 s of its paced send time.
  double windowHeadroom = 0.08;

  // After a 429, the budget waits at least this long when the response had no Retry-After.
  Milliseconds throttledPause{1'000};
  // Each 429 multiplies the budget's rate by this factor, down to `minimumRateFactor`...
  double throttledRateFactor = 0.75;
  // A budget whose requests reach the service later than they were paced can draw a few
  // 429s at any rate. The rate never falls below this floor, because a long copy would
  // otherwise crawl while the service had room.
  double minimumRateFactor = 0.5;
  // ...and each period this long (one Key Vault window) without a 429 takes back one such
  // step, up to the full rate.
  Milliseconds recoveryPeriod{10'000};
};

// Requests per second each budget allows over a long run, for choosing parallelism:
// with requests taking L seconds, about rate * L requests in flight keep a budget busy.
struct SustainedRates {
  double keyVaultSecretCreateAndImport = 0;
  double keyVaultOther = 0;
  double keyVaultSoftwareKeyCreate = 0;
  double keyVaultHsmKeyCreate = 0;
  double keyVaultKeyOther = 0;
  double resourceManagerReads = 0;
  double resourceManagerWrites = 0;
  double resourceManagerDeletes = 0;
  double resourceGraphQueries = 0;
};
SustainedRates sustainedRates(const PacerOptions& options);

// Which budget a request counts against, such as "key-vault/kv1.vault.azure.net/secret-create".
std::string budgetKey(Service service, const HttpRequest& request);

class LimitPacer : public RequestPacer {
 public:
  explicit LimitPacer(PacerOptions options = {}, Timer& timer = systemTimer());
  ~LimitPacer() override;

  void beforeSend(Service service, const HttpRequest& request) override;
  void onThrottled(Service service, const HttpRequest& request, Milliseconds retryAfter) override;
  // Lowers a Resource Manager bucket to what x-ms-ratelimit-remaining-subscription-reads,
  // -writes or -deletes reports, so a run that starts after another one spent the
  // subscription's budget does not send into 429s.
  void onResponse(Service service, const HttpRequest& request, const HttpResponse& response) override;

  const PacerOptions& options() const { return options_; }
  // The current rate factor of a budget (1 when it has not been throttled).
  double rateFactor(const std::string& budget) const;

 private:
  class Budget;
  // The budget that `request` counts against, created on first use; `key` receives its
  // name. The caller holds mutex_.
  Budget& budgetFor(Service service, const HttpRequest& request, std::string& key);

  PacerOptions options_;
  Timer& timer_;
  mutable std::mutex mutex_;  // guards budgets_ and every budget's state
  std::map<std::string, std::unique_ptr<Budget>> budgets_;
};

}  // namespace kvr::azure
