#pragma once

// kvsim's request handler: one pure function from Request to Response that routes to the
// token endpoints, the Resource Manager subset, the Key Vault data plane and the admin
// API. It keeps all state in memory and is safe to call from several threads.
//
// Routing:
//   Host <vault>.<vaultDnsSuffix>         Key Vault data plane of that vault
//   GET  /{tenant}/v2.0/.well-known/openid-configuration   authority metadata for MSAL
//   POST /{tenant}/oauth2/v2.0/token       client-credentials tokens
//   GET  /msi/token                        App Service managed identity
//   GET  /metadata/identity/oauth2/token   instance metadata managed identity
//   /subscriptions/...                     Resource Manager, with App Service's Key Vault
//                                          reference endpoints (app_service_references.h)
//   POST /providers/Microsoft.ResourceGraph/resources   Resource Graph queries
//   /_admin/snapshot, /_admin/reset, /_admin/counters, /_admin/faults   test support, no token needed
// Injected faults apply to every request except the admin API.

#include "simulator/app_service_references.h"
#include "simulator/clock.h"
#include "simulator/config.h"
#include "simulator/faults.h"
#include "simulator/http_message.h"
#include "simulator/key_vault_data_plane.h"
#include "simulator/key_vault_throttle.h"
#include "simulator/resource_graph.h"
#include "simulator/resource_manager.h"
#include "simulator/resource_manager_throttle.h"
#include "simulator/token_service.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace kvr::sim {

class Simulator {
 public:
  explicit Simulator(SimulatorConfig config, std::shared_ptr<const Clock> clock = nullptr, BackupCipher cipher = BackupCipher());

  Response handle(const Request& request);

  // The scheme, address and port the listener serves, such as https://127.0.0.1:8443.
  // Vault URIs, challenges and links are built from it. Set it before loading an estate.
  void setBaseUrl(std::string baseUrl);
  std::string baseUrl() const;

  // Replaces the state with an estate in the inventory shape (resources, dataPlane with
  // secret values, deletedVaults) and keeps it for /_admin/reset. Throws
  // std::runtime_error when the document is not an inventory.
  void loadEstate(const nlohmann::json& estate);

  // Issues a token as the token endpoint would; for tests and the admin API.
  std::string issueToken(const std::string& audience, const std::string& principal = "kvsim-test-client");

  // The state in the inventory shape; secret values only when `includeValues`.
  nlohmann::json snapshot(bool includeValues) const;
  // Request counts by area, method and status, the throttle buckets, the Resource Graph
  // query counts and the fault hits.
  nlohmann::json counters() const;

  // Writes snapshot(true) to `file` with mode 0600, replacing it atomically. Throws
  // std::system_error naming the file when it cannot be written.
  void saveState(const std::filesystem::path& file) const;

 private:
  Response route(const Request& request);
  Response handleAdmin(const Request& request);
  Response handleFaultsAdmin(const Request& request);
  Response handleResourceManager(const Request& request, const std::vector<std::string>& segments);
  Response handleKeyVault(const Request& request, const std::string& vaultName);
  // Returns the 401 to send, or nullopt and sets `principal` to the token's principal.
  std::optional<Response> authenticateResourceManager(const Request& request, std::string& principal) const;
  std::optional<Response> authenticateKeyVault(const Request& request, const VaultInfo& vault) const;
  void resetToEstate();
  nlohmann::json buildSnapshot(bool includeValues) const;
  nlohmann::json buildCounters() const;

  mutable std::mutex mutex_;
  SimulatorConfig config_;
  std::shared_ptr<const Clock> clock_;
  std::string baseUrl_ = "https://127.0.0.1:0";
  TokenService tokens_;
  ResourceManager resources_;
  KeyVaultDataPlane keyVault_;
  AppServiceReferences appServiceReferences_{resources_, keyVault_};
  KeyVaultThrottle keyVaultThrottle_;
  ResourceManagerThrottle resourceManagerThrottle_;
  ResourceGraph resourceGraph_;
  FaultInjector faults_;
  nlohmann::json estate_;
  std::map<std::string, long long> counters_;
};

}  // namespace kvr::sim
