#pragma once

// Settings of a kvsim instance. Every member has a default; a JSON config file sets any
// of them by the same name, and command-line options override the file.

#include <filesystem>
#include <map>
#include <string>

namespace kvr::sim {

// Per-vault Key Vault budgets, as requests per window. The defaults are Azure's published
// per-vault service limits as of 2025, which Azure may change. 0 turns a budget off.
struct KeyVaultThrottleLimits {
  int windowSeconds = 10;
  // Secret create (PUT /secrets/{name}), certificate import and key import share one budget.
  int secretCreateAndImport = 300;
  // Every other secret, certificate and vault transaction: get, list, delete, backup, ...
  int secretAndVaultOther = 4000;
  // Key create and rotate, by whether the key type ends in -HSM.
  int softwareKeyCreate = 20;
  int hsmKeyCreate = 10;
};

struct SimulatorConfig {
  // Only loopback addresses are accepted (127.0.0.1 or ::1).
  std::string bindAddress = "127.0.0.1";
  // 0 picks any free port.
  int port = 0;
  std::filesystem::path stateDir = "./kvsim-state";
  // Serve plain HTTP instead of HTTPS.
  bool insecureHttp = false;

  // Key Vault data planes are served by Host header: vault "kv1" answers at
  // https://kv1.<vaultDnsSuffix>:<port>/. The name must resolve to the loopback address.
  std::string vaultDnsSuffix = "vault.localhost";

  // Multiplies every simulated duration: 0.01 turns a 180-second vault creation into 1.8 s.
  double timeScale = 0.01;
  // Unscaled duration of long-running operations, in seconds, by resource type (lower case).
  std::map<std::string, double> operationSeconds = {
      {"microsoft.keyvault/vaults", 180.0},
      {"microsoft.network/privateendpoints", 90.0},
  };

  int tokenLifetimeSeconds = 3600;
  // Resource Manager list pages when the request gives no $top.
  int resourceManagerPageSize = 100;
  // Key Vault list pages when the request gives no maxresults; Azure's default is 25.
  int keyVaultPageSize = 25;

  // The audience that the Key Vault challenge names and data-plane tokens must carry.
  std::string keyVaultResource = "https://vault.azure.net";
  // The value that managed-identity token requests must send in X-IDENTITY-HEADER.
  std::string identityHeader = "kvsim-identity-header";
  // The tenant named in challenges when a vault has no tenantId.
  std::string defaultTenantId = "11111111-1111-1111-1111-111111111111";

  KeyVaultThrottleLimits keyVaultThrottle;
};

// Reads a JSON config file. Throws std::runtime_error naming the file and the member for
// unreadable files, unknown members and values of the wrong type.
SimulatorConfig loadConfig(const std::filesystem::path& file);

// Throws std::invalid_argument unless `address` is 127.0.0.1 or ::1.
void requireLoopbackAddress(const std::string& address);

}  // namespace kvr::sim
