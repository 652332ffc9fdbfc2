#pragma once

// One crawl's state, shared by the crawler's three parts: crawler.cpp (the vault and its
// network through Resource Manager), crawler_data_plane.cpp (secrets, keys, certificates)
// and crawler_consumers.cpp (consumers and identities through Resource Graph).

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "azure/client.h"
#include "discovery/crawler.h"
#include "discovery/inventory_writer.h"

namespace kvr::crawl {

// Resource Manager api-versions the crawler reads with.
inline constexpr const char* kVaultApiVersion = "2023-07-01";
inline constexpr const char* kNetworkApiVersion = "2024-05-01";
inline constexpr const char* kPrivateDnsApiVersion = "2024-06-01";
inline constexpr const char* kDiagnosticSettingsApiVersion = "2021-05-01-preview";
inline constexpr const char* kLocksApiVersion = "2020-05-01";
inline constexpr const char* kRoleAssignmentsApiVersion = "2022-04-01";
inline constexpr const char* kWebApiVersion = "2023-12-01";
inline constexpr const char* kKeyVaultApiVersion = "7.5";

// "403 AuthorizationFailed: <the service's message>".
std::string reasonOf(const azure::ApiError& error);

class CrawlSession {
 public:
  CrawlSession(azure::AzureClient& client, const CrawlOptions& options, CrawlSummary& summary);
  Json run();

  // Resource Manager, in crawler.cpp.
  Json readVault();
  void crawlNetwork();
  void crawlPrivateEndpoint(const std::string& id);
  void crawlSubnet(const std::string& subnetId);
  void crawlZone(const std::string& id);
  void crawlExtensions();

  // The Key Vault data plane, in crawler_data_plane.cpp.
  void crawlDataPlane();
  Json readSecrets();
  Json readKeys();
  Json readCertificates();
  Json readVersions(const std::string& collection, const std::string& name);
  std::string dataPlaneUrl(const std::string& path) const;

  // Consumers and identities, in crawler_consumers.cpp.
  void crawlConsumers();
  void crawlIdentities();
  void crawlWebApps();
  void crawlDependents();
  void crawlForwardReferences();
  // Records the rows whose properties mention the vault; returns the ids recorded.
  std::vector<std::string> recordMentioningRows(const std::vector<Json>& rows);
  bool mentionsVault(const std::string& text) const;

  // Helpers shared by the parts.
  std::optional<Json> get(azure::Service service, const std::string& url, const std::string& scope);
  std::optional<Json> getResource(const std::string& id, const char* apiVersion);
  std::optional<std::vector<Json>> list(azure::Service service, const std::string& url, const std::string& scope);
  std::optional<std::vector<Json>> query(const std::string& kql, const std::string& purpose);
  // Runs one query per batch of terms; `makeQuery` builds the query for a batch.
  std::vector<Json> queryInBatches(const std::vector<std::string>& terms,
                                   const std::function<std::string(const std::vector<std::string>&)>& makeQuery,
                                   const std::string& purpose);
  void record(const Json& resource);
  bool recorded(const std::string& id) const;
  void blind(const std::string& scope, const std::string& reason);
  std::string armUrl(const std::string& path, const char* apiVersion) const;

  // Returns what `call` returns, or nullopt after recording a blind spot on `scope` when the
  // service rejected the request or sent no response.
  template <typename Call>
  auto guarded(const std::string& scope, Call&& call) -> std::optional<decltype(call())> {
    try {
      return call();
    } catch (const azure::ApiError& error) {
      blind(scope, reasonOf(error));
    } catch (const azure::TransportError& error) {
      blind(scope, std::string("no answer: ") + error.what());
    }
    return std::nullopt;
  }

  azure::AzureClient& client_;
  const CrawlOptions& options_;
  CrawlSummary& summary_;
  InventoryContents contents_;
  Json vault_;                    // the vault as Resource Manager GET returns it
  std::string vaultKey_;          // normalised vault id
  std::string vaultName_;         // lower case
  std::string vaultUri_;          // with a trailing slash
  std::set<std::string> vaultHosts_;  // host names (lower case, no port) that address the vault
  std::vector<std::string> scopes_;
  std::set<std::string> principals_;  // object ids granted access, lower case
  std::set<std::string> consumers_;   // normalised ids of resources that use the vault
  Json consumerEvidence_ = Json::object();  // id -> matching property paths
};

// Quotes a KQL string literal.
std::string kqlString(const std::string& text);

// Json without the Resource Graph columns that Resource Manager GET does not return.
Json asResourceManagerResource(const Json& row);

}  // namespace kvr::crawl
