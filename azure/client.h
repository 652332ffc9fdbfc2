#pragma once

// The Azure REST client that discovery and apply share: bearer tokens per audience, Key
// Vault challenge authentication, retries with exponential backoff and jitter that honour
// Retry-After, client-side pacing, nextLink and $skipToken paging, and Resource Manager
// long-running operations. It works with URLs and JSON, not with the resources behind them.

#include "azure/clock.h"
#include "azure/cloud.h"
#include "azure/credentials.h"
#include "azure/http.h"
#include "discovery/json.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace kvr::azure {

enum class Service { ResourceManager, ResourceGraph, KeyVault };
const char* serviceName(Service service);

struct RetryOptions {
  int maxAttempts = 8;                  // first try included
  Milliseconds initialDelay{500};       // doubled per attempt, with +-20% jitter
  Milliseconds maxDelay{30'000};
  Milliseconds maxRetryAfter{120'000};  // a longer Retry-After is cut to this
};

struct LongRunningOptions {
  Milliseconds pollInterval{2'000};  // when the service sends no Retry-After
  Milliseconds timeout{3'600'000};
};

// Paces requests so the tool stays under the services' published limits instead of living
// on 429s. The client calls it before every attempt and after every throttled response.
class RequestPacer {
 public:
  virtual ~RequestPacer() = default;
  // Blocks until the request may be sent.
  virtual void beforeSend(Service service, const HttpRequest& request) = 0;
  // Reports a 429 response; `retryAfter` is what it asked for (zero when it gave none).
  virtual void onThrottled(Service service, const HttpRequest& request, Milliseconds retryAfter) = 0;
  // Reports every response, for the budget counts some services send in headers.
  virtual void onResponse(Service /*service*/, const HttpRequest& /*request*/, const HttpResponse& /*response*/) {}
};

struct ClientOptions {
  CloudEndpoints cloud;
  RetryOptions retry;
  LongRunningOptions longRunning;
  std::string userAgent = "kvrelocate";
  RequestPacer* pacer = nullptr;    // not owned; null sends without pacing
  std::uint64_t jitterSeed = 0;     // 0 seeds from the random device
};

// An error status from a service. The message is one line: method, URL without
// its query, status, the service's error code and message, and the request id.
class ApiError : public std::runtime_error {
 public:
  ApiError(std::string method, std::string url, int status, std::string code, std::string serviceMessage,
           std::string requestId);

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::string& serviceMessage() const { return serviceMessage_; }
  const std::string& requestId() const { return requestId_; }
  const std::string& url() const { return url_; }

 private:
  std::string method_;
  std::string url_;
  int status_;
  std::string code_;
  std::string serviceMessage_;
  std::string requestId_;
};

struct ClientStats {
  long long requests = 0;          // attempts sent, retries included
  long long retries = 0;           // attempts after the first
  long long throttled = 0;         // 429 answers
  long long transportErrors = 0;   // attempts that got no answer
};

struct RequestOptions {
  // Whether sending the request twice is harmless. A request that is not (a secret set
  // creates a version, a key create a key) is retried only after a 429, which Azure
  // answers before doing anything; any other failure is returned to the caller, who can
  // look before trying again.
  std::optional<bool> idempotent;  // unset: GET, PUT, PATCH, DELETE and HEAD are
  std::map<std::string, std::string> headers;
};

class AzureClient {
 public:
  AzureClient(HttpTransport& transport, TokenCredential& credential, ClientOptions options = {},
              Timer& timer = systemTimer());

  // One request with authentication and retries. Returns the last response whatever its
  // status; throws TransportError when the last attempt got no answer.
  HttpResponse send(Service service, const std::string& method, const std::string& url, const Json* body = nullptr,
                    const RequestOptions& options = {});

  // The JSON helpers throw ApiError for a status outside 200-299.
  Json get(Service service, const std::string& url);
  // nullopt for 404.
  std::optional<Json> getIfExists(Service service, const std::string& url);
  // Every item of a paged list: follows nextLink until the last page.
  std::vector<Json> list(Service service, const std::string& url);
  Json post(Service service, const std::string& url, const Json& body, const RequestOptions& options = {});
  Json put(Service service, const std::string& url, const Json& body, const RequestOptions& options = {});
  Json patch(Service service, const std::string& url, const Json& body);

  // Resource Manager PUT that waits for a long-running operation and returns the resource
  // as a GET returns it afterwards.
  Json putResource(const std::string& url, const Json& body);
  // Resource Manager DELETE that waits for a long-running operation; a 404 counts as done.
  void deleteResource(const std::string& url);

  // Every row of a Resource Graph query over `subscriptions`, following $skipToken.
  std::vector<Json> queryResourceGraph(const std::string& query, const std::vector<std::string>& subscriptions);

  // https://<resource manager><id>?api-version=<version>
  std::string resourceUrl(const std::string& resourceId, const std::string& apiVersion) const;

  const CloudEndpoints& cloud() const { return options_.cloud; }
  ClientStats stats() const;

 private:
  HttpResponse attempt(Service service, HttpRequest& request);
  std::string bearerFor(Service service);
  std::string tokenFor(const std::string& scope);
  bool adoptChallenge(const HttpResponse& response);
  Milliseconds backoff(int attempt, const HttpResponse* response);
  Json parseBody(const HttpRequest& request, const HttpResponse& response);
  [[noreturn]] void throwApiError(const HttpRequest& request, const HttpResponse& response);
  void waitForOperation(const std::string& url, const HttpResponse& accepted);

  HttpTransport& transport_;
  TokenCredential& credential_;
  ClientOptions options_;
  Timer& timer_;

  std::mutex mutex_;  // guards the members below
  std::map<std::string, AccessToken> tokens_;  // by scope
  std::string keyVaultScope_;
  std::mt19937_64 jitter_;

  std::atomic<long long> requests_{0};
  std::atomic<long long> retries_{0};
  std::atomic<long long> throttled_{0};
  std::atomic<long long> transportErrors_{0};
};

// Milliseconds a response asks to wait: Retry-After (seconds or an HTTP date),
// retry-after-ms or x-ms-retry-after-ms; nullopt when it asks nothing.
std::optional<Milliseconds> retryAfter(const HttpResponse& response, TimePoint now);

}  // namespace kvr::azure
