#pragma once

// Everything a command needs to talk to Azure (or kvsim), built once from the command
// line: the cloud's endpoints, the HTTPS transport, the credential and the Azure client.
// discover, apply and verify share one Connection.

#include "azure/client.h"
#include "azure/cloud.h"
#include "azure/credentials.h"
#include "azure/pacer.h"
#include "azure/transport.h"
#include "discovery/diagnostics.h"

#include <memory>
#include <string>

namespace kvr::azure {

struct ConnectionOptions {
  std::string cloudName = "AzureCloud";  // AzureCloud, AzureUSGovernment or AzureChinaCloud
  std::string cloudFile;                 // a cloud file (see readCloudFile); overrides cloudName
  std::string caFile;                    // PEM CA to trust in addition to the system store
  AuthMethod auth = AuthMethod::Auto;
  std::string tenantId;                  // overrides AZURE_TENANT_ID
  std::string clientId;                  // overrides AZURE_CLIENT_ID
  Milliseconds connectTimeout{30'000};
  Milliseconds requestTimeout{120'000};
  RetryOptions retry;
  LongRunningOptions longRunning;
  PacerOptions pacing;                   // the request budgets; sustainedRates() sizes parallelism
  std::string userAgent = "kvrelocate";
};

// Replacements for the real transport, timer and environment, for tests.
struct ConnectionSeams {
  std::unique_ptr<HttpTransport> transport;  // null: the cpprestsdk transport
  Timer* timer = nullptr;                    // null: the system timer
  Environment environment;                   // empty: the process environment
};

class Connection {
 public:
  // Checks every option and adds each problem to `problems` (an unknown cloud name, an
  // invalid cloud file member, an unreadable CA file, missing credential settings);
  // returns null when there was one. Throws InputError when the cloud file cannot be read
  // or parsed.
  static std::unique_ptr<Connection> open(const ConnectionOptions& options, Diagnostics& problems,
                                          ConnectionSeams seams = {});

  AzureClient& client() { return *client_; }
  const CloudEndpoints& cloud() const { return cloud_; }
  HttpTransport& transport() { return *transport_; }
  TokenCredential& credential() { return *credential_; }
  Timer& timer() { return *timer_; }
  LimitPacer& pacer() { return *pacer_; }

 private:
  Connection() = default;

  CloudEndpoints cloud_;
  Timer* timer_ = nullptr;
  std::unique_ptr<HttpTransport> transport_;
  std::unique_ptr<TokenCredential> credential_;
  std::unique_ptr<LimitPacer> pacer_;
  std::unique_ptr<AzureClient> client_;
};

// The endpoints that `options` names: the cloud file when given, else the named cloud.
// Adds a problem for an unknown name; throws InputError for an unreadable cloud file.
CloudEndpoints resolveCloud(const ConnectionOptions& options, Diagnostics& problems);

}  // namespace kvr::azure
