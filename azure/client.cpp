#include "azure/client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <set>

namespace kvr::azure {

namespace {

constexpr auto kTokenRefreshMargin = std::chrono::minutes(5);
constexpr const char* kResourceGraphApiVersion = "2022-10-01";

bool isRetryableStatus(int status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool defaultIdempotent(const std::string& method) {
  return method == "GET" || method == "PUT" || method == "PATCH" || method == "DELETE" || method == "HEAD";
}

// Reads `key="value"` or `key=value` out of a WWW-Authenticate header.
std::string challengeParameter(const std::string& header, const std::string& key) {
  std::string lower = toLower(header);
  std::size_t position = 0;
  while ((position = lower.find(key + "=", position)) != std::string::npos) {
    bool atStart = position == 0 || lower[position - 1] == ' ' || lower[position - 1] == ',';
    position += key.size() + 1;
    if (!atStart) continue;
    if (position < header.size() && header[position] == '"') {
      auto end = header.find('"', position + 1);
      return header.substr(position + 1, end == std::string::npos ? std::string::npos : end - position - 1);
    }
    auto end = header.find_first_of(", ", position);
    return header.substr(position, end == std::string::npos ? std::string::npos : end - position);
  }
  return "";
}

std::string withoutTrailingSlash(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

std::optional<TimePoint> parseHttpDate(const std::string& text) {
  std::tm parts{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &parts);
  if (end == nullptr) return std::nullopt;
  return Clock::from_time_t(timegm(&parts));
}

}  // namespace

const char* serviceName(Service service) {
  switch (service) {
    case Service::ResourceManager: return "resource-manager";
    case Service::ResourceGraph: return "resource-graph";
    case Service::KeyVault: return "key-vault";
  }
  return "unknown";
}

ApiError::ApiError(std::string method, std::string url, int status, std::string code, std::string serviceMessage,
                   std::string requestId)
    : std::runtime_error(method + " " + url + ": " + std::to_string(status) + (code.empty() ? "" : " " + code) +
                         (serviceMessage.empty() ? "" : ": " + serviceMessage) +
                         (requestId.empty() ? "" : " (request id " + requestId + ")")),
      method_(std::move(method)),
      url_(std::move(url)),
      status_(status),
      code_(std::move(code)),
      serviceMessage_(std::move(serviceMessage)),
      requestId_(std::move(requestId)) {}

std::optional<Milliseconds> retryAfter(const HttpResponse& response, TimePoint now) {
  for (const char* name : {"retry-after-ms", "x-ms-retry-after-ms"}) {
    std::string value = response.header(name);
    if (!value.empty() && std::all_of(value.begin(), value.end(), ::isdigit)) return Milliseconds(std::stoll(value));
  }
  std::string value = response.header("Retry-After");
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), ::isdigit)) return Milliseconds(std::stoll(value) * 1000);
  if (auto date = parseHttpDate(value)) {
    auto wait = std::chrono::duration_cast<Milliseconds>(*date - now);
    return std::max(wait, Milliseconds(0));
  }
  return std::nullopt;
}

AzureClient::AzureClient(HttpTransport& transport, TokenCredential& credential, ClientOptions options, Timer& timer)
    : transport_(transport),
      credential_(credential),
      options_(std::move(options)),
      timer_(timer),
      keyVaultScope_(defaultScope(options_.cloud.keyVaultAudience)),
      jitter_(options_.jitterSeed != 0 ? options_.jitterSeed : std::random_device{}()) {}

ClientStats AzureClient::stats() const {
  return ClientStats{requests_.load(), retries_.load(), throttled_.load(), transportErrors_.load()};
}

std::string AzureClient::tokenFor(const std::string& scope) {
  {
    std::lock_guard lock(mutex_);
    auto cached = tokens_.find(scope);
    if (cached != tokens_.end() && cached->second.expiresOn - kTokenRefreshMargin > timer_.now()) {
      return cached->second.token;
    }
  }
  // NOTE: two threads that both find the token stale both ask the credential; the second
  // answer replaces the first, and both are valid.
  AccessToken fresh = credential_.getToken(scope);
  spdlog::debug("token for {} from {}, valid until {}", scope, credential_.describe(),
                std::chrono::duration_cast<std::chrono::seconds>(fresh.expiresOn.time_since_epoch()).count());
  std::lock_guard lock(mutex_);
  tokens_[scope] = fresh;
  return fresh.token;
}

std::string AzureClient::bearerFor(Service service) {
  std::string scope;
  if (service == Service::KeyVault) {
    std::lock_guard lock(mutex_);
    scope = keyVaultScope_;
  } else {
    scope = defaultScope(options_.cloud.resourceManagerAudience);
  }
  return "Bearer " + tokenFor(scope);
}

// A Key Vault 401 names the audience it wants. The client only adopts an audience the
// configured cloud already trusts, so a token is never sent to a resource it was not
// meant for; it returns whether a retry with a new token makes sense.
bool AzureClient::adoptChallenge(const HttpResponse& response) {
  std::string header = response.header("WWW-Authenticate");
  if (header.empty()) return false;
  std::string resource = challengeParameter(header, "resource");
  if (resource.empty()) {
    std::string scope = challengeParameter(header, "scope");
    if (scope.ends_with("/.default")) resource = scope.substr(0, scope.size() - 9);
  }
  if (resource.empty() || !iequals(withoutTrailingSlash(resource), withoutTrailingSlash(options_.cloud.keyVaultAudience))) {
    spdlog::warn("key vault asked for a token for {}, which is not this cloud's key vault audience {}", resource,
                 options_.cloud.keyVaultAudience);
    return false;
  }
  std::lock_guard lock(mutex_);
  keyVaultScope_ = defaultScope(resource);
  tokens_.erase(keyVaultScope_);
  return true;
}

Milliseconds AzureClient::backoff(int attempt, const HttpResponse* response) {
  if (response != nullptr) {
    if (auto asked = retryAfter(*response, timer_.now())) return std::min(*asked, options_.retry.maxRetryAfter);
  }
  double base = static_cast<double>(options_.retry.initialDelay.count()) * std::pow(2.0, attempt - 1);
  base = std::min(base, static_cast<double>(options_.retry.maxDelay.count()));
  double factor;
  {
    std::lock_guard lock(mutex_);
    factor = std::uniform_real_distribution<double>(0.8, 1.2)(jitter_);
  }
  return Milliseconds(static_cast<long long>(base * factor));
}

HttpResponse AzureClient::attempt(Service service, HttpRequest& request) {
  request.setHeader("Authorization", bearerFor(service));
  if (options_.pacer != nullptr) options_.pacer->beforeSend(service, request);
  auto started = timer_.now();
  ++requests_;
  HttpResponse response = transport_.send(request);
  if (options_.pacer != nullptr) options_.pacer->onResponse(service, request, response);
  auto took = std::chrono::duration_cast<Milliseconds>(timer_.now() - started);
  spdlog::debug("{} {} {} {} ms request-id {}", request.method, redactUrl(request.url), response.status, took.count(),
                response.header("x-ms-request-id"));
  return response;
}

HttpResponse AzureClient::send(Service service, const std::string& method, const std::string& url, const Json* body,
                               const RequestOptions& options) {
  HttpRequest request{method, url, {}, {}};
  request.setHeader("User-Agent", options_.userAgent);
  request.setHeader("Accept", "application/json");
  if (body != nullptr) {
    request.body = body->dump();
    request.setHeader("Content-Type", "application/json");
  }
  for (const auto& [name, value] : options.headers) request.setHeader(name, value);
  bool idempotent = options.idempotent.value_or(defaultIdempotent(method));

  bool challengeAnswered = false;
  for (int attemptNumber = 1;; ++attemptNumber) {
    HttpResponse response;
    try {
      response = attempt(service, request);
    } catch (const TransportError& error) {
      ++transportErrors_;
      bool retry = idempotent && error.kind() != TransportError::Kind::Tls && attemptNumber < options_.retry.maxAttempts;
      spdlog::debug("{} {} failed: {}{}", method, redactUrl(url), error.what(), retry ? ", retrying" : "");
      if (!retry) throw;
      ++retries_;
      timer_.sleepFor(backoff(attemptNumber, nullptr));
      continue;
    }

    if (response.status == 401 && service == Service::KeyVault && !challengeAnswered) {
      challengeAnswered = true;
      if (adoptChallenge(response)) {
        --attemptNumber;  // the retry with the challenged audience belongs to the first attempt
        continue;
      }
      return response;
    }
    if (response.status == 429) {
      ++throttled_;
      if (options_.pacer != nullptr) {
        options_.pacer->onThrottled(service, request, retryAfter(response, timer_.now()).value_or(Milliseconds(0)));
      }
    }
    bool retry = isRetryableStatus(response.status) && (idempotent || response.status == 429) &&
                 attemptNumber < options_.retry.maxAttempts;
    if (!retry) return response;
    ++retries_;
    Milliseconds wait = backoff(attemptNumber, &response);
    spdlog::info("{} {} answered {}; retry {} in {} ms", method, redactUrl(url), response.status, attemptNumber,
                 wait.count());
    timer_.sleepFor(wait);
  }
}

void AzureClient::throwApiError(const HttpRequest& request, const HttpResponse& response) {
  std::string code;
  std::string message;
  try {
    Json body = Json::parse(response.body);
    if (body.contains("error") && body["error"].is_object()) {
      code = body["error"].value("code", "");
      message = body["error"].value("message", "");
    }
  } catch (const std::exception&) {
    // The body is not JSON, so the error carries the status alone.
  }
  std::string requestId = response.header("x-ms-request-id");
  if (requestId.empty()) requestId = response.header("x-ms-correlation-request-id");
  throw ApiError(request.method, redactUrl(request.url), response.status, code, message, requestId);
}

Json AzureClient::parseBody(const HttpRequest& request, const HttpResponse& response) {
  if (!response.ok()) throwApiError(request, response);
  if (response.body.empty()) return Json::object();
  try {
    return Json::parse(response.body);
  } catch (const Json::parse_error&) {
    throw ApiError(request.method, redactUrl(request.url), response.status, "InvalidResponse",
                   "the response body is not JSON", response.header("x-ms-request-id"));
  }
}

Json AzureClient::get(Service service, const std::string& url) {
  return parseBody(HttpRequest{"GET", url, {}, {}}, send(service, "GET", url));
}

std::optional<Json> AzureClient::getIfExists(Service service, const std::string& url) {
  HttpResponse response = send(service, "GET", url);
  if (response.status == 404) return std::nullopt;
  return parseBody(HttpRequest{"GET", url, {}, {}}, response);
}

std::vector<Json> AzureClient::list(Service service, const std::string& url) {
  std::vector<Json> items;
  std::set<std::string> seen;
  std::string next = url;
  while (!next.empty()) {
    if (!seen.insert(next).second) {
      throw ApiError("GET", redactUrl(next), 200, "PagingLoop", "the service returned a nextLink it had already given",
                     "");
    }
    Json page = get(service, next);
    if (page.contains("value") && page["value"].is_array()) {
      for (auto& item : page["value"]) items.push_back(std::move(item));
    }
    next = page.contains("nextLink") && page["nextLink"].is_string() ? page["nextLink"].get<std::string>() : "";
  }
  return items;
}

Json AzureClient::post(Service service, const std::string& url, const Json& body, const RequestOptions& options) {
  return parseBody(HttpRequest{"POST", url, {}, {}}, send(service, "POST", url, &body, options));
}

Json AzureClient::put(Service service, const std::string& url, const Json& body, const RequestOptions& options) {
  return parseBody(HttpRequest{"PUT", url, {}, {}}, send(service, "PUT", url, &body, options));
}

Json AzureClient::patch(Service service, const std::string& url, const Json& body) {
  return parseBody(HttpRequest{"PATCH", url, {}, {}}, send(service, "PATCH", url, &body));
}

// Polls Azure-AsyncOperation (a status document) or Location (202 until done) until the
// operation ends; throws ApiError when it failed or took longer than allowed.
void AzureClient::waitForOperation(const std::string& url, const HttpResponse& accepted) {
  std::string statusUrl = accepted.header("Azure-AsyncOperation");
  bool statusDocument = !statusUrl.empty();
  if (!statusDocument) statusUrl = accepted.header("Location");
  if (statusUrl.empty()) return;

  auto deadline = timer_.now() + options_.longRunning.timeout;
  Milliseconds wait = retryAfter(accepted, timer_.now()).value_or(options_.longRunning.pollInterval);
  while (true) {
    if (timer_.now() > deadline) {
      throw ApiError("GET", redactUrl(statusUrl), 0, "OperationTimedOut",
                     "the operation on " + redactUrl(url) + " did not finish in time", "");
    }
    timer_.sleepFor(wait);
    HttpResponse poll = send(Service::ResourceManager, "GET", statusUrl);
    HttpRequest pollRequest{"GET", statusUrl, {}, {}};
    wait = retryAfter(poll, timer_.now()).value_or(options_.longRunning.pollInterval);
    if (!statusDocument) {
      if (poll.status == 202) continue;
      if (!poll.ok()) throwApiError(pollRequest, poll);
      return;
    }
    Json status = parseBody(pollRequest, poll);
    std::string state = status.value("status", "");
    if (iequals(state, "Succeeded")) return;
    if (iequals(state, "Failed") || iequals(state, "Canceled") || iequals(state, "Cancelled")) {
      std::string code = state;
      std::string message = "the operation on " + redactUrl(url) + " ended " + state;
      if (status.contains("error") && status["error"].is_object()) {
        code = status["error"].value("code", code);
        message += ": " + status["error"].value("message", std::string());
      }
      throw ApiError("PUT", redactUrl(url), 200, code, message, poll.header("x-ms-request-id"));
    }
  }
}

Json AzureClient::putResource(const std::string& url, const Json& body) {
  HttpRequest request{"PUT", url, {}, {}};
  HttpResponse response = send(Service::ResourceManager, "PUT", url, &body);
  if (!response.ok()) throwApiError(request, response);
  bool running = response.status == 201 || response.status == 202;
  if (running && (!response.header("Azure-AsyncOperation").empty() || !response.header("Location").empty())) {
    waitForOperation(url, response);
    return get(Service::ResourceManager, url);
  }
  return parseBody(request, response);
}

void AzureClient::deleteResource(const std::string& url) {
  HttpRequest request{"DELETE", url, {}, {}};
  HttpResponse response = send(Service::ResourceManager, "DELETE", url);
  if (response.status == 404 || response.status == 204) return;
  if (!response.ok()) throwApiError(request, response);
  if (response.status == 202) waitForOperation(url, response);
}

std::vector<Json> AzureClient::queryResourceGraph(const std::string& query,
                                                  const std::vector<std::string>& subscriptions) {
  std::string url = options_.cloud.resourceManager + "/providers/Microsoft.ResourceGraph/resources?api-version=" +
                    kResourceGraphApiVersion;
  std::vector<Json> rows;
  std::string skipToken;
  std::set<std::string> seen;
  do {
    Json body = {{"subscriptions", subscriptions},
                 {"query", query},
                 {"options", {{"resultFormat", "objectArray"}}}};
    if (!skipToken.empty()) body["options"]["$skipToken"] = skipToken;
    Json page = post(Service::ResourceGraph, url, body, RequestOptions{.idempotent = true});
    if (page.contains("data") && page["data"].is_array()) {
      for (auto& row : page["data"]) rows.push_back(std::move(row));
    }
    skipToken = page.contains("$skipToken") && page["$skipToken"].is_string() ? page["$skipToken"].get<std::string>()
                                                                              : "";
    if (!skipToken.empty() && !seen.insert(skipToken).second) {
      throw ApiError("POST", redactUrl(url), 200, "PagingLoop", "Resource Graph returned a $skipToken twice", "");
    }
  } while (!skipToken.empty());
  return rows;
}

std::string AzureClient::resourceUrl(const std::string& resourceId, const std::string& apiVersion) const {
  return options_.cloud.resourceManager + resourceId + "?api-version=" + apiVersion;
}

}  // namespace kvr::azure
