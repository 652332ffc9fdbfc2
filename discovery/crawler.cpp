#include "discovery/crawler.h"

#include <spdlog/spdlog.h>

#include "discovery/crawler_session.h"
#include "discovery/resource_id.h"

namespace kvr {

namespace crawl {

namespace {

std::string stringAt(const Json& node, std::initializer_list<const char*> path) {
  const Json* current = &node;
  for (const char* step : path) {
    if (!current->is_object()) return {};
    auto it = current->find(step);
    if (it == current->end()) return {};
    current = &*it;
  }
  return current->is_string() ? current->get<std::string>() : std::string();
}

std::string hostOf(const std::string& url) {
  auto start = url.find("://");
  if (start == std::string::npos) return {};
  start += 3;
  auto end = url.find_first_of(":/", start);
  return toLower(url.substr(start, end == std::string::npos ? std::string::npos : end - start));
}

}  // namespace

std::string reasonOf(const azure::ApiError& error) {
  std::string reason = std::to_string(error.status());
  if (!error.code().empty()) reason += " " + error.code();
  if (!error.serviceMessage().empty()) reason += ": " + error.serviceMessage();
  return reason;
}

CrawlSession::CrawlSession(azure::AzureClient& client, const CrawlOptions& options, CrawlSummary& summary)
    : client_(client), options_(options), summary_(summary) {}

Json CrawlSession::run() {
  vault_ = readVault();
  record(vault_);
  std::string location = toLower(vault_.value("location", std::string()));
  contents_.relocation = {{"sourceLocation", location}};

  spdlog::info("discover: reading the network around {}", vaultName_);
  crawlNetwork();
  crawlExtensions();
  if (options_.readDataPlane) {
    spdlog::info("discover: listing the data plane of {} (attributes only, never values)", vaultName_);
    crawlDataPlane();
  }
  spdlog::info("discover: searching {} subscription(s) for consumers", scopes_.size());
  crawlConsumers();
  crawlIdentities();
  if (options_.readAppSettings) crawlWebApps();
  crawlDependents();
  crawlForwardReferences();

  contents_.discovery["vaultId"] = vault_.value("id", options_.vaultId);
  contents_.discovery["scopes"] = scopes_;
  contents_.discovery["consumers"] = consumerEvidence_;
  summary_.resources = contents_.resources.size();
  summary_.consumers = consumers_.size();
  summary_.blindSpots = contents_.blindSpots.size();
  return writeInventory(contents_);
}

Json CrawlSession::readVault() {
  auto parsed = parseResourceId(options_.vaultId);
  if (!parsed || !iequals(parsed->type, "Microsoft.KeyVault/vaults")) {
    throw CrawlError("'" + options_.vaultId +
                     "' is not a vault id; expected /subscriptions/ID/resourceGroups/GROUP/providers/"
                     "Microsoft.KeyVault/vaults/NAME");
  }
  Json vault;
  try {
    vault = client_.get(azure::Service::ResourceManager, client_.resourceUrl(options_.vaultId, kVaultApiVersion));
  } catch (const azure::ApiError& error) {
    throw CrawlError("cannot read vault " + options_.vaultId + ": " + reasonOf(error));
  } catch (const azure::TransportError& error) {
    throw CrawlError("cannot read vault " + options_.vaultId + ": " + error.what());
  }
  vaultKey_ = normalizeId(vault.value("id", options_.vaultId));
  vaultName_ = toLower(vault.value("name", parsed->name));
  vaultUri_ = stringAt(vault, {"properties", "vaultUri"});
  if (vaultUri_.empty()) vaultUri_ = "https://" + vaultName_ + "." + client_.cloud().keyVaultDnsSuffix + "/";
  if (vaultUri_.back() != '/') vaultUri_ += '/';
  vaultHosts_ = {hostOf(vaultUri_), vaultName_ + "." + toLower(client_.cloud().keyVaultDnsSuffix)};
  scopes_ = options_.scopes.empty() ? std::vector<std::string>{parsed->subscription} : options_.scopes;
  return vault;
}

// The vault's private endpoints with their subnets, networks, NSGs and DNS, and the
// subnets its network rules allow.
void CrawlSession::crawlNetwork() {
  const Json properties = vault_.value("properties", Json::object());
  for (const auto& connection : properties.value("privateEndpointConnections", Json::array())) {
    std::string endpoint = stringAt(connection, {"properties", "privateEndpoint", "id"});
    if (!endpoint.empty()) crawlPrivateEndpoint(endpoint);
  }
  const Json acls = properties.value("networkAcls", Json::object());
  for (const auto& rule : acls.value("virtualNetworkRules", Json::array())) {
    std::string subnet = rule.value("id", std::string());
    if (!subnet.empty()) crawlSubnet(subnet);
  }
}

void CrawlSession::crawlPrivateEndpoint(const std::string& id) {
  if (recorded(id)) return;
  auto endpoint = getResource(id, kNetworkApiVersion);
  if (!endpoint) return;
  std::string subnet = stringAt(*endpoint, {"properties", "subnet", "id"});
  if (!subnet.empty()) crawlSubnet(subnet);

  auto groups = list(azure::Service::ResourceManager, armUrl(id + "/privateDnsZoneGroups", kNetworkApiVersion),
                     id + "/privateDnsZoneGroups");
  if (!groups) return;
  for (const auto& group : *groups) {
    record(group);
    const Json configs = group.value("properties", Json::object()).value("privateDnsZoneConfigs", Json::array());
    for (const auto& config : configs) {
      std::string zone = stringAt(config, {"properties", "privateDnsZoneId"});
      if (!zone.empty()) crawlZone(zone);
    }
  }
}

// Reads the subnet's VNet, which lists its subnets inline, and the NSGs and route tables on
// all of its subnets: the VNet is re-created with every subnet, so it needs them all.
void CrawlSession::crawlSubnet(const std::string& subnetId) {
  auto vnetId = parentId(subnetId);
  if (!vnetId) return;
  if (recorded(*vnetId)) return;
  auto vnet = getResource(*vnetId, kNetworkApiVersion);
  if (!vnet) return;
  Json subnets = vnet->value("properties", Json::object()).value("subnets", Json::array());
  bool inlined = false;
  for (const auto& subnet : subnets) {
    if (normalizeId(subnet.value("id", std::string())) == normalizeId(subnetId)) inlined = true;
  }
  if (!inlined) {
    if (auto subnet = getResource(subnetId, kNetworkApiVersion)) subnets.push_back(*subnet);
  }
  for (const auto& subnet : subnets) {
    for (const char* attached : {"networkSecurityGroup", "routeTable"}) {
      std::string id = stringAt(subnet, {"properties", attached, "id"});
      if (!id.empty() && !recorded(id)) getResource(id, kNetworkApiVersion);
    }
  }
}

void CrawlSession::crawlZone(const std::string& id) {
  if (recorded(id)) return;
  if (!getResource(id, kPrivateDnsApiVersion)) return;
  auto links = list(azure::Service::ResourceManager, armUrl(id + "/virtualNetworkLinks", kPrivateDnsApiVersion),
                    id + "/virtualNetworkLinks");
  if (!links) return;
  for (const auto& link : *links) record(link);
}

// Diagnostic settings, locks and role assignments attached to the vault itself.
void CrawlSession::crawlExtensions() {
  const std::string vaultId = vault_.value("id", options_.vaultId);
  struct Extension {
    const char* path;
    const char* apiVersion;
    const char* filter;
  };
  const Extension extensions[] = {
      {"/providers/Microsoft.Insights/diagnosticSettings", kDiagnosticSettingsApiVersion, ""},
      {"/providers/Microsoft.Authorization/locks", kLocksApiVersion, ""},
      {"/providers/Microsoft.Authorization/roleAssignments", kRoleAssignmentsApiVersion, "atScope()"},
  };
  for (const auto& extension : extensions) {
    std::string url = armUrl(vaultId + extension.path, extension.apiVersion);
    if (*extension.filter != '\0') url = azure::withQuery(url, "$filter", extension.filter);
    auto items = list(azure::Service::ResourceManager, url, vaultId + extension.path);
    if (!items) continue;
    for (const auto& item : *items) {
      // atScope() also returns assignments inherited from above the vault; those stay
      // where they are and are not the vault's to relocate.
      if (normalizeId(item.value("id", std::string())).rfind(vaultKey_ + "/", 0) != 0) continue;
      record(item);
      std::string principal = stringAt(item, {"properties", "principalId"});
      if (!principal.empty()) principals_.insert(toLower(principal));
    }
  }
  for (const auto& policy : vault_.value("properties", Json::object()).value("accessPolicies", Json::array())) {
    std::string objectId = policy.value("objectId", std::string());
    if (!objectId.empty()) principals_.insert(toLower(objectId));
  }
}

std::optional<Json> CrawlSession::get(azure::Service service, const std::string& url, const std::string& scope) {
  return guarded(scope, [&] { return client_.get(service, url); });
}

std::optional<Json> CrawlSession::getResource(const std::string& id, const char* apiVersion) {
  auto resource = get(azure::Service::ResourceManager, client_.resourceUrl(id, apiVersion), id);
  if (resource) record(*resource);
  return resource;
}

std::optional<std::vector<Json>> CrawlSession::list(azure::Service service, const std::string& url,
                                                    const std::string& scope) {
  return guarded(scope, [&] { return client_.list(service, url); });
}

std::optional<std::vector<Json>> CrawlSession::query(const std::string& kql, const std::string& purpose) {
  return guarded("Resource Graph: " + purpose, [&] { return client_.queryResourceGraph(kql, scopes_); });
}

void CrawlSession::record(const Json& resource) {
  std::string id = resource.value("id", std::string());
  if (id.empty()) return;
  contents_.resources[normalizeId(id)] = resource;
}

bool CrawlSession::recorded(const std::string& id) const { return contents_.resources.count(normalizeId(id)) > 0; }

void CrawlSession::blind(const std::string& scope, const std::string& reason) {
  spdlog::warn("discover: cannot read {}: {}", scope, reason);
  contents_.blindSpots.push_back({scope, reason});
}

std::string CrawlSession::armUrl(const std::string& path, const char* apiVersion) const {
  return client_.resourceUrl(path, apiVersion);
}

}  // namespace crawl

Crawler::Crawler(azure::AzureClient& client, CrawlOptions options) : client_(client), options_(std::move(options)) {}

Json Crawler::run() {
  summary_ = {};
  crawl::CrawlSession session(client_, options_, summary_);
  return session.run();
}

}  // namespace kvr
