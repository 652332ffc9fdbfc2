#include "simulator/simulator.h"

#include "simulator/state_file.h"
#include "simulator/vault_address.h"

#include <spdlog/spdlog.h>

#include <ctime>

namespace kvr::sim {

namespace {

using nlohmann::json;

const std::vector<std::string> kResourceManagerAudiences = {"https://management.azure.com", "https://management.core.windows.net"};

bool isTokenPath(const std::vector<std::string>& segments) {
  return segments.size() == 4 && toLower(segments[1]) == "oauth2" && toLower(segments[2]) == "v2.0" &&
         toLower(segments[3]) == "token";
}

bool isAdminPath(const std::string& path) { return path.rfind("/_admin/", 0) == 0; }

bool isOpenIdConfigurationPath(const std::vector<std::string>& segments) {
  return segments.size() == 4 && toLower(segments[1]) == "v2.0" && segments[2] == ".well-known" &&
         segments[3] == "openid-configuration";
}

std::string area(const Request& request, bool keyVault) {
  if (keyVault) return "keyVault";
  if (isAdminPath(request.path)) return "admin";
  if (request.path.rfind("/subscriptions", 0) == 0) return "resourceManager";
  if (ResourceGraph::isQueryPath(request.path)) return "resourceGraph";
  return "identity";
}

}  // namespace

Simulator::Simulator(SimulatorConfig config, std::shared_ptr<const Clock> clock, BackupCipher cipher)
    : config_(std::move(config)),
      clock_(clock ? std::move(clock) : std::make_shared<SystemClock>()),
      tokens_(config_, *clock_),
      resources_(config_, *clock_),
      keyVault_(config_, *clock_, std::move(cipher)),
      keyVaultThrottle_(config_.keyVaultThrottle, *clock_),
      resourceManagerThrottle_(config_.resourceManagerThrottle, *clock_),
      resourceGraph_(config_.resourceGraph, *clock_, config_.defaultTenantId),
      faults_(config_.faults) {
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
  FaultDecision fault = vaultName || !isAdminPath(request.path) ? faults_.decide(request) : FaultDecision{};
  Response response;
  if (fault.drop) response.dropConnection = true;
  else if (fault.response) response = *fault.response;
  else response = vaultName ? handleKeyVault(request, *vaultName) : route(request);
  response.delay = fault.delay;

  std::string requestArea = area(request, vaultName.has_value());
  std::string outcome = response.dropConnection ? "dropped" : std::to_string(response.status);
  ++counters_[requestArea + "." + request.method];
  ++counters_["status." + outcome];
  // Paths name objects but never carry secret values or tokens, so they may be logged.
  spdlog::debug("kvsim: {} {}{} -> {}", request.method, vaultName ? *vaultName + " " : "", request.path, outcome);
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
  if (!segments.empty() && toLower(segments[0]) == "subscriptions") return handleResourceManager(request, segments);
  if (ResourceGraph::isQueryPath(request.path)) {
    std::string principal;
    if (auto rejected = authenticateResourceManager(request, principal)) return *rejected;
    return resourceGraph_.handle(request, principal, resources_);
  }
  return armError(404, "NotFound", "kvsim serves nothing at " + request.path + "; see docs/kvsim.md for its endpoints.");
}

Response Simulator::handleResourceManager(const Request& request, const std::vector<std::string>& segments) {
  std::string principal;
  if (auto rejected = authenticateResourceManager(request, principal)) return *rejected;
  std::string subscription = segments.size() > 1 ? segments[1] : "";
  ThrottleAdmission admission = resourceManagerThrottle_.admit(request.method, subscription, principal);
  if (admission.rejection) return *admission.rejection;
  Response response;
  if (AppServiceReferences::handles(request)) {
    response = appServiceReferences_.handle(request);
  } else {
    response = resources_.handle(request, baseUrl_);
    if (response.status < 300) appServiceReferences_.afterWrite(request);
  }
  ResourceManagerThrottle::addHeader(response, admission);
  return response;
}

std::optional<Response> Simulator::authenticateResourceManager(const Request& request, std::string& principal) const {
  TokenCheck check = tokens_.check(request, kResourceManagerAudiences);
  std::string code;
  std::string message;
  switch (check.status) {
    case TokenStatus::Valid:
      principal = check.principal;
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
  if (request.path == "/_admin/faults") return handleFaultsAdmin(request);
  return armError(404, "NotFound",
                  "the admin API serves GET /_admin/snapshot, POST /_admin/reset, GET /_admin/counters and "
                  "GET, POST and DELETE /_admin/faults");
}

Response Simulator::handleFaultsAdmin(const Request& request) {
  if (request.method == "GET") return Response::json(200, describeFaultSettings(faults_.settings()));
  if (request.method == "DELETE") {
    faults_.replace(FaultSettings{faults_.settings().seed, {}});
    spdlog::info("kvsim: fault rules cleared through the admin API");
    return Response::empty(204);
  }
  if (request.method != "POST") return armError(405, "MethodNotAllowed", "/_admin/faults supports GET, POST and DELETE");

  json body = json::parse(request.body.empty() ? "null" : request.body, nullptr, false);
  try {
    faults_.replace(parseFaultSettings(body, "body"));
  } catch (const std::invalid_argument& error) {
    return armError(400, "InvalidFaultSettings", error.what());
  }
  spdlog::info("kvsim: {} fault rule(s) installed through the admin API", faults_.settings().rules.size());
  return Response::json(200, describeFaultSettings(faults_.settings()));
}

void Simulator::resetToEstate() {
  resources_.clear();
  keyVault_.clear();
  appServiceReferences_.clear();
  keyVaultThrottle_.clear();
  resourceManagerThrottle_.clear();
  resourceGraph_.clear();
  faults_.replace(config_.faults);
  faults_.clearCounters();
  counters_.clear();  // tokens stay valid, so clients keep their cached tokens across a reset
  if (estate_.is_null()) return;
  for (const json& resource : estate_.value("resources", json::array())) resources_.seedResource(resource, baseUrl_);
  // targetState lists what already exists in the target, such as resources that another
  // team relocated by its own procedure.
  json targetState = estate_.value("targetState", json::object());
  for (const json& resource : targetState.value("resources", json::array())) resources_.seedResource(resource, baseUrl_);
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

std::string Simulator::issueToken(const std::string& audience, const std::string& principal) {
  std::lock_guard lock(mutex_);
  return tokens_.issue(audience, principal).value;
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
  for (const auto& [name, count] : resourceManagerThrottle_.counters()) result[name] = count;
  for (const auto& [name, count] : resourceGraph_.counters()) result[name] = count;
  for (const auto& [name, count] : faults_.counters()) result[name] = count;
  return result;
}

json Simulator::counters() const {
  std::lock_guard lock(mutex_);
  return buildCounters();
}

}  // namespace kvr::sim

namespace kvr::sim {

void Simulator::saveState(const std::filesystem::path& file) const {
  std::string text = snapshot(true).dump(2) + "\n";
  writePrivateFileAtomically(file, text);
}

}  // namespace kvr::sim
