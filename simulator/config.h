#pragma once

// Settings of a kvsim instance. Every member has a default; a JSON config file sets any
// of them by the same name, and command-line options override the file.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

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

// A Resource Manager token bucket: it holds at most `capacity` requests and regains
// `refillPerSecond` of them every second. A capacity of 0 turns the bucket off.
struct TokenBucketLimits {
  double capacity = 0;
  double refillPerSecond = 0;
};

// Resource Manager throttling. The defaults are Azure's published limits for the token
// bucket algorithm as of 2025 (buckets per region, subscription and principal), which
// Azure may change. kvsim has one region, so its buckets are per subscription and
// principal, or per subscription alone when `perPrincipal` is false.
struct ResourceManagerThrottleLimits {
  TokenBucketLimits reads{250, 25};    // GET and HEAD
  TokenBucketLimits writes{200, 10};   // PUT, PATCH and POST
  TokenBucketLimits deletes{200, 10};  // DELETE
  bool perPrincipal = true;
};

// Resource Graph paging and the per-user query quota. Defaults are Azure's documented
// values: pages of at most 1,000 rows and about 15 queries per 5 seconds per user.
struct ResourceGraphSettings {
  // Rows per page when the request gives no $top; at most 1000.
  int pageSize = 1000;
  // Queries per user per window; 0 turns the quota off.
  int quotaRequests = 15;
  int quotaWindowSeconds = 5;
};

// One injected fault. A request matches when its method, path and host match; a match
// fires with probability `rate` until the rule has fired `count` times.
struct FaultRule {
  std::string name;                 // counter name; "fault<N>" by position when empty
  std::string method;               // "" matches any; compared without regard to case
  std::string path;                 // ECMAScript regex searched in the path; "" matches any
  std::string host;                 // ECMAScript regex searched in the Host header; "" matches any
  double rate = 1.0;                // 0 to 1
  long long count = 0;              // fires at most this often; 0 means no limit
  int status = 0;                   // 400 to 599 answers with that status; 0 serves the request
  int retryAfterSeconds = -1;       // with a status: adds Retry-After; -1 leaves it out
  bool drop = false;                // close the connection without a response
  int delayMilliseconds = 0;        // wait this long before answering
};

struct FaultSettings {
  unsigned long long seed = 1;      // seeds the generator that `rate` draws from
  std::vector<FaultRule> rules;     // the first rule that fires wins
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
  ResourceManagerThrottleLimits resourceManagerThrottle;
  ResourceGraphSettings resourceGraph;
  FaultSettings faults;

  // Where kvsim writes its state (the snapshot with test secret values) when it stops on
  // SIGINT or SIGTERM; "" writes nothing.
  std::filesystem::path saveState;
};

// Reads a JSON config file. Throws std::runtime_error naming the file and the member for
// unreadable files, unknown members and values of the wrong type.
SimulatorConfig loadConfig(const std::filesystem::path& file);

// Throws std::invalid_argument unless `address` is 127.0.0.1 or ::1.
void requireLoopbackAddress(const std::string& address);

}  // namespace kvr::sim
