#include "simulator/token_service.h"

#include "simulator/random_text.h"

#include <nlohmann/json.hpp>

namespace kvr::sim {

namespace {

using nlohmann::json;

constexpr std::size_t kTokenBytes = 32;

// An error in the shape the Microsoft identity platform returns.
Response identityError(int status, const std::string& error, int code, const std::string& description) {
  return Response::json(status, {{"error", error},
                                 {"error_description", "AADSTS" + std::to_string(code) + ": " + description},
                                 {"error_codes", json::array({code})}});
}

bool isFormEncoded(const Request& request) {
  return toLower(request.header("Content-Type")).find("application/x-www-form-urlencoded") != std::string::npos;
}

std::string bearerValue(const Request& request, bool& malformed) {
  std::string header = request.header("Authorization");
  malformed = false;
  if (header.empty()) return {};
  constexpr std::string_view prefix = "bearer ";
  if (header.size() <= prefix.size() || toLower(header.substr(0, prefix.size())) != prefix) {
    malformed = true;
    return {};
  }
  return header.substr(prefix.size());
}

}  // namespace

std::string normalizeAudience(std::string_view audienceOrScope) {
  std::string audience(audienceOrScope);
  constexpr std::string_view suffix = "/.default";
  if (audience.size() >= suffix.size() && audience.compare(audience.size() - suffix.size(), suffix.size(), suffix) == 0) {
    audience.resize(audience.size() - suffix.size());
  }
  while (!audience.empty() && audience.back() == '/') audience.pop_back();
  return toLower(audience);
}

void TokenService::forgetExpired() {
  TimePoint now = clock_.now();
  for (auto iterator = tokens_.begin(); iterator != tokens_.end();) {
    if (iterator->second.expiresAt <= now) iterator = tokens_.erase(iterator);
    else ++iterator;
  }
}

IssuedToken TokenService::issue(const std::string& audience) {
  forgetExpired();
  IssuedToken token{randomToken(kTokenBytes), normalizeAudience(audience),
                    clock_.now() + std::chrono::seconds(config_.tokenLifetimeSeconds)};
  tokens_[token.value] = token;
  return token;
}

Response TokenService::handleOpenIdConfiguration(const std::string& tenant, const std::string& baseUrl) const {
  std::string authority = baseUrl + "/" + tenant;
  return Response::json(200, {{"issuer", authority + "/v2.0"},
                              {"authorization_endpoint", authority + "/oauth2/v2.0/authorize"},
                              {"token_endpoint", authority + "/oauth2/v2.0/token"},
                              {"jwks_uri", authority + "/discovery/v2.0/keys"},
                              {"response_types_supported", json::array({"code", "token"})},
                              {"grant_types_supported", json::array({"client_credentials"})},
                              {"token_endpoint_auth_methods_supported", json::array({"client_secret_post"})}});
}

Response TokenService::handleClientCredentials(const Request& request) {
  if (!isFormEncoded(request)) {
    return identityError(400, "invalid_request", 900144,
                         "The request body must be application/x-www-form-urlencoded.");
  }
  auto form = parseFormEncoded(request.body);
  if (form["grant_type"] != "client_credentials") {
    return identityError(400, "unsupported_grant_type", 70003,
                         "kvsim supports only grant_type=client_credentials on this endpoint.");
  }
  if (form["client_id"].empty()) {
    return identityError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
  }
  if (form["client_secret"].empty() && form["client_assertion"].empty()) {
    return identityError(401, "invalid_client", 7000218,
                         "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  const std::string& scope = form["scope"];
  if (scope.empty()) {
    return identityError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
  }
  if (scope.find("/.default") == std::string::npos || scope.find(' ') != std::string::npos) {
    return identityError(400, "invalid_scope", 70011,
                         "The provided value for the input parameter 'scope' is not valid: client credentials need one "
                         "scope ending in /.default.");
  }

  IssuedToken token = issue(scope);
  int lifetime = config_.tokenLifetimeSeconds;
  return Response::json(200, {{"token_type", "Bearer"},
                              {"expires_in", lifetime},
                              {"ext_expires_in", lifetime},
                              {"access_token", token.value}});
}

Response TokenService::handleAppServiceIdentity(const Request& request) {
  // NOTE: the status and body kvsim returns for a missing or wrong identity header are a
  // guess; App Service documents only that the header is required.
  if (request.header("X-IDENTITY-HEADER") != config_.identityHeader) {
    return Response::json(401, {{"error", "invalid_request"},
                                {"error_description", "X-IDENTITY-HEADER is missing or does not match IDENTITY_HEADER"}});
  }
  if (request.queryValue("api-version") != "2019-08-01") {
    return Response::json(400, {{"error", "invalid_request"}, {"error_description", "api-version must be 2019-08-01"}});
  }
  std::string resource = request.queryValue("resource");
  if (resource.empty()) {
    return Response::json(400, {{"error", "invalid_request"}, {"error_description", "the resource parameter is required"}});
  }
  IssuedToken token = issue(resource);
  return Response::json(200, {{"access_token", token.value},
                              {"expires_on", std::to_string(unixSeconds(token.expiresAt))},
                              {"resource", resource},
                              {"token_type", "Bearer"},
                              {"client_id", request.queryValue("client_id")}});
}

Response TokenService::handleInstanceMetadataIdentity(const Request& request) {
  if (toLower(request.header("Metadata")) != "true") {
    return Response::json(400, {{"error", "invalid_request"}, {"error_description", "Required metadata header not specified"}});
  }
  std::string resource = request.queryValue("resource");
  if (request.queryValue("api-version").empty() || resource.empty()) {
    return Response::json(400, {{"error", "invalid_request"},
                                {"error_description", "the api-version and resource parameters are required"}});
  }
  IssuedToken token = issue(resource);
  TimePoint now = clock_.now();
  return Response::json(200, {{"access_token", token.value},
                              {"expires_in", std::to_string(config_.tokenLifetimeSeconds)},
                              {"expires_on", std::to_string(unixSeconds(token.expiresAt))},
                              {"not_before", std::to_string(unixSeconds(now))},
                              {"resource", resource},
                              {"token_type", "Bearer"}});
}

TokenCheck TokenService::check(const Request& request, const std::vector<std::string>& allowedAudiences) const {
  TokenCheck result;
  bool malformed = false;
  std::string value = bearerValue(request, malformed);
  if (malformed) {
    result.status = TokenStatus::Malformed;
    return result;
  }
  if (value.empty()) return result;

  auto found = tokens_.find(value);
  if (found == tokens_.end()) {
    result.status = TokenStatus::Unknown;
    return result;
  }
  result.audience = found->second.audience;
  result.expiresAt = found->second.expiresAt;
  if (found->second.expiresAt <= clock_.now()) {
    result.status = TokenStatus::Expired;
    return result;
  }
  for (const std::string& allowed : allowedAudiences) {
    if (normalizeAudience(allowed) == found->second.audience) {
      result.status = TokenStatus::Valid;
      return result;
    }
  }
  result.status = TokenStatus::WrongAudience;
  return result;
}

}  // namespace kvr::sim
