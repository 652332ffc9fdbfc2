#include "simulator/simulator.h"

#include "simulator/vault_address.h"

#include <spdlog/spdlog.h>

#include <ctime>

namespace kvr::sim {

namespace {

using nlohmann::json;

const std::vector<std::string> kResourceManagerAudiences = {"https://management.azure.com", "https://management.core.windows.net"};

std::string isoTime(TimePoint time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

bool isTokenPath(const std::vector<std::string>& segments) {
  return segments.size() == 4 && toLower(segments[1]) == "oauth2" && toLower(segments[2]) == "v2.0" &&
         toLower(segments[3]) == "token";
}

bool isOpenIdConfigurationPath(const std::vector<std::string>& segments) {
  return segments.size() == 4 && toLower(segments[1]) == "v2.0" && segments[2] == ".well-known" &&
         segments[3] == "openid-configuration";
}

std::string area(const Request& request, bool keyVault) {
  if (keyVault) return "keyVault";
  if (request.path.rfind("/_admin/", 0) == 0) return "admin";
  if (request.path.rfind("/subscriptions", 0) == 0) return "resourceManager";
  return "identity";
}

}  // namespace

Simulator::Simulator(SimulatorConfig config, std::shared_ptr<const Clock> clock, BackupCipher cipher)
    : config_(std::move(config)),
      clock_(clock ? std::move(clock) : std::make_shared<SystemClock>()),
      tokens_(config_, *clock_),
      resources_(config_, *clock_),
      keyVault_(config_, *clock_, std::move(cipher)),
      keyVaultThrottle_(config_.keyVaultThrottle, *clock_) {
  resources_.onVaultDataDiscarded = [this](const std::string& vaultName) { keyVault_.discardVault(vaultName); };
}

void Simulator::setBaseUrl(std::string baseUrl) {
  std::lock_guard lock(mutex_);
  baseUrl_ = std::move(baseUrl);
}

std::string Simulator::baseUrl() const {
  std::lock_guard lock(mutex_);
  return baseUrl_;
}

Response Simulator::handle(const Request& request) {
  std::lock_guard lock(mutex_);
  std::optional<std::string> vaultName = vaultNameFromHost(request.header("Host"), config_.vaultDnsSuffix);
  Response response = vaultName ? handleKeyVault(request, *vaultName) : route(request);

  std::string requestArea = area(request, vaultName.has_value());
  ++counters_[requestArea + "." + request.method];
  ++counters_["status." + std::to_string(response.status)];
  // Paths name objects but never carry secret values or tokens, so they may be logged.
  spdlog::debug("kvsim: {} {}{} -> {}", request.method, vaultName ? *vaultName + " " : "", request.path, response.status);
  return response;
}

Response Simulator::route(const Request& request) {
  std::vector<std::string> segments = splitPath(request.path);
  if (!segments.empty() && segments[0] == "_admin") return handleAdmin(request);
  if (request.method == "POST" && isTokenPath(segments)) {
    Response response = tokens_.handleClientCredentials(request);
    if (response.status == 200) ++counters_["tokens.issued"];
    return response;
  }
  if (request.method == "GET" && isOpenIdConfigurationPath(segments)) {
    return tokens_.handleOpenIdConfiguration(segments[0], baseUrl_);
  }
  if (request.method == "GET" && segments.size() == 2 && segments[0] == "msi" && segments[1] == "token") {
    return tokens_.handleAppServiceIdentity(request);
  }
  if (request.method == "GET" && request.path == "/metadata/identity/oauth2/token") {
    return tokens_.handleInstanceMetadataIdentity(request);
  }
  if (!segments.empty() && toLower(segments[0]) == "subscriptions") {
    if (auto rejected = authenticateResourceManager(request)) return *rejected;
    return resources_.handle(request, baseUrl_);
  }
  return armError(404, "NotFound", "kvsim serves nothing at " + request.path + "; see docs/kvsim.md for its endpoints.");
}

std::optional<Response> Simulator::authenticateResourceManager(const Request& request) const {
  TokenCheck check = tokens_.check(request, kResourceManagerAudiences);
  std::string code;
  std::string message;
  switch (check.status) {
    case TokenStatus::Valid:
      return std::nullopt;
    case TokenStatus::Missing:
      code = "AuthenticationFailed";
      message = "Authentication failed: the Authorization header is missing; send \"Authorization: Bearer <token>\".";
      break;
    case TokenStatus::Malformed:
      code = "AuthenticationFailed";
      message = "Authentication failed: the Authorization header is not in the form \"Bearer <token>\".";
      break;
    case TokenStatus::Unknown:
      code = "InvalidAuthenticationToken";
      message = "The access token is invalid; request a new one from the token endpoint.";
      break;
    case TokenStatus::Expired:
      code = "ExpiredAuthenticationToken";
      message = "The access token expired at " + isoTime(check.expiresAt) + " UTC; request a new one.";
      break;
    case TokenStatus::WrongAudience:
      code = "InvalidAuthenticationTokenAudience";
      message = "The access token was issued for audience '" + check.audience +
                "'; Resource Manager needs https://management.azure.com/.default.";
      break;
  }
  Response response = armError(401, code, message);
  response.withHeader("WWW-Authenticate", "Bearer authorization_uri=\"" + baseUrl_ + "/" + config_.defaultTenantId +
                                              "\", error=\"invalid_token\"");
  return response;
}

std::optional<Response> Simulator::authenticateKeyVault(const Request& request, const VaultInfo& vault) const {
  TokenCheck check = tokens_.check(request, {config_.keyVaultResource});
  if (check.status == TokenStatus::Valid) return std::nullopt;
  std::string message = "The request has no valid bearer token for " + config_.keyVaultResource + ".";
  if (check.status == TokenStatus::Missing) message = "The request is missing a bearer token.";
  else if (check.status == TokenStatus::Expired) message = "The bearer token has expired.";
  else if (check.status == TokenStatus::WrongAudience) message = "The bearer token's audience '" + check.audience + "' is not " + config_.keyVaultResource + ".";
  Response response = keyVaultError(401, "Unauthorized", message);
  response.withHeader("WWW-Authenticate", "Bearer authorization=\"" + baseUrl_ + "/" + vault.tenantId + "\", resource=\"" +
                                              config_.keyVaultResource + "\"");
  return response;
}

Response Simulator::handleKeyVault(const Request& request, const std::string& vaultName) {
  std::optional<VaultInfo> vault = resources_.findVault(vaultName);
  if (!vault) {
    // NOTE: for a vault that does not exist, Azure's DNS lookup fails before any HTTP
    // exchange. kvsim already received the request, so it returns 404 instead.
    return keyVaultError(404, "VaultNotFound", "No vault named '" + vaultName + "' exists in kvsim; create it through Resource Manager first.");
  }
  if (auto rejected = authenticateKeyVault(request, *vault)) return *rejected;
  if (auto throttled = keyVaultThrottle_.admit(request, vault->name)) return *throttled;
  return keyVault_.handle(request, *vault, vaultUriFor(vault->name, baseUrl_, config_.vaultDnsSuffix));
}

Response Simulator::handleAdmin(const Request& request) {
  if (request.path == "/_admin/snapshot" && request.method == "GET") {
    return Response::json(200, buildSnapshot(request.queryValue("includeValues") == "true"));
  }
  if (request.path == "/_admin/reset" && request.method == "POST") {
    resetToEstate();
    return Response::empty(204);
  }
  if (request.path == "/_admin/counters" && request.method == "GET") return Response::json(200, buildCounters());
  return armError(404, "NotFound", "the admin API serves GET /_admin/snapshot, POST /_admin/reset and GET /_admin/counters");
}

void Simulator::resetToEstate() {
  resources_.clear();
  keyVault_.clear();
  keyVaultThrottle_.clear();
  counters_.clear();  // tokens stay valid, so clients keep their cached tokens across a reset
  if (estate_.is_null()) return;
  for (const json& resource : estate_.value("resources", json::array())) resources_.seedResource(resource, baseUrl_);
  for (const json& deleted : estate_.value("deletedVaults", json::array())) resources_.seedDeletedVault(deleted);
  json dataPlanes = estate_.value("dataPlane", json::object());
  for (const auto& [vaultName, dataPlane] : dataPlanes.items()) keyVault_.seedVault(vaultName, dataPlane);
}

void Simulator::loadEstate(const json& estate) {
  std::string kind = estate.is_object() ? estate.value("kind", "") : "";
  if (kind != "kvrelocate.inventory" && kind != "kvreloc.inventory") {
    throw std::runtime_error("the estate is not an inventory: \"kind\" must be \"kvrelocate.inventory\"");
  }
  if (!estate.contains("resources") || !estate["resources"].is_array()) {
    throw std::runtime_error("the estate has no \"resources\" array");
  }
  std::lock_guard lock(mutex_);
  estate_ = estate;
  resetToEstate();
}

std::string Simulator::issueToken(const std::string& audience) {
  std::lock_guard lock(mutex_);
  return tokens_.issue(audience).value;
}

json Simulator::buildSnapshot(bool includeValues) const {
  json state = {{"kind", "kvrelocate.inventory"}, {"version", "1.0"}};
  state["resources"] = resources_.snapshotResources();
  state["dataPlane"] = keyVault_.snapshot(includeValues);
  state["deletedVaults"] = resources_.snapshotDeletedVaults();
  return state;
}

json Simulator::snapshot(bool includeValues) const {
  std::lock_guard lock(mutex_);
  return buildSnapshot(includeValues);
}

json Simulator::buildCounters() const {
  json result = counters_;
  for (const auto& [name, count] : keyVaultThrottle_.counters()) result[name] = count;
  return result;
}

json Simulator::counters() const {
  std::lock_guard lock(mutex_);
  return buildCounters();
}

}  // namespace kvr::sim
