#include "azure/connection.h"

#include <stdexcept>

namespace kvr::azure {

CloudEndpoints resolveCloud(const ConnectionOptions& options, Diagnostics& problems) {
  if (!options.cloudFile.empty()) return readCloudFile(options.cloudFile, problems);
  if (auto known = knownCloud(options.cloudName)) return *known;
  problems.error("E-CLOUD", "unknown cloud '" + options.cloudName +
                                "': use AzureCloud, AzureUSGovernment or AzureChinaCloud, or pass a cloud file");
  return CloudEndpoints{};
}

std::unique_ptr<Connection> Connection::open(const ConnectionOptions& options, Diagnostics& problems,
                                             ConnectionSeams seams) {
  std::size_t before = problems.all().size();
  std::unique_ptr<Connection> connection(new Connection());
  connection->cloud_ = resolveCloud(options, problems);
  connection->timer_ = seams.timer != nullptr ? seams.timer : &systemTimer();

  connection->transport_ = std::move(seams.transport);
  if (connection->transport_ == nullptr) {
    TransportOptions transport;
    transport.caFile = options.caFile;
    transport.hostAddresses = connection->cloud_.hostAddresses;
    transport.connectTimeout = options.connectTimeout;
    transport.requestTimeout = options.requestTimeout;
    try {
      connection->transport_ = makeHttpsTransport(std::move(transport));
    } catch (const std::invalid_argument& error) {
      problems.error("E-TLS", error.what(), {}, SourceLocation{options.caFile, ""});
    }
  }

  if (connection->transport_ != nullptr) {
    CredentialOptions credential;
    credential.method = options.auth;
    credential.authority = connection->cloud_.authority;
    credential.keyVaultAudience = connection->cloud_.keyVaultAudience;
    credential.tenantId = options.tenantId;
    credential.clientId = options.clientId;
    try {
      connection->credential_ = makeCredential(credential, *connection->transport_, *connection->timer_,
                                               seams.environment ? seams.environment : processEnvironment());
    } catch (const CredentialError& error) {
      problems.error("E-AUTH", error.what());
    }
  }
  for (std::size_t index = before; index < problems.all().size(); ++index) {
    if (problems.all()[index].severity == Severity::Error) return nullptr;
  }
  if (connection->credential_ == nullptr) return nullptr;

  connection->pacer_ = std::make_unique<LimitPacer>(options.pacing, *connection->timer_);
  ClientOptions client;
  client.cloud = connection->cloud_;
  client.pacer = connection->pacer_.get();
  client.retry = options.retry;
  client.longRunning = options.longRunning;
  client.userAgent = options.userAgent;
  connection->client_ =
      std::make_unique<AzureClient>(*connection->transport_, *connection->credential_, client, *connection->timer_);
  return connection;
}

}  // namespace kvr::azure
