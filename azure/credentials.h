#pragma once

// Access tokens and where they come from. Tokens live only in memory: nothing here writes
// or logs one.

#include "azure/clock.h"
#include "azure/http.h"

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kvr::azure {

struct AccessToken {
  std::string token;
  TimePoint expiresOn;
};

// Raised when a credential cannot produce a token; the message names the source and why,
// never a secret.
class CredentialError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TokenCredential {
 public:
  virtual ~TokenCredential() = default;
  // A token for one scope such as "https://vault.azure.net/.default".
  virtual AccessToken getToken(const std::string& scope) = 0;
  // The source, for logs: "client secret", "managed identity", ...
  virtual std::string describe() const = 0;
};

// A fixed token, for tests and for an explicit token from the environment.
class StaticTokenCredential : public TokenCredential {
 public:
  StaticTokenCredential(std::string token, TimePoint expiresOn, std::string source = "static token")
      : token_{std::move(token), expiresOn}, source_(std::move(source)) {}
  AccessToken getToken(const std::string&) override { return token_; }
  std::string describe() const override { return source_; }

 private:
  AccessToken token_;
  std::string source_;
};

// Reads an environment variable; returns "" when it is unset. Tests pass a map instead of
// changing the process environment.
using Environment = std::function<std::string(const std::string& name)>;
Environment processEnvironment();

// Environment variables that kvrelocate reads besides the Azure SDKs' standard ones
// (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_FEDERATED_TOKEN_FILE,
// IDENTITY_ENDPOINT, IDENTITY_HEADER).
inline constexpr const char* kAccessTokenVariable = "KVRELOCATE_ACCESS_TOKEN";  // Resource Manager
inline constexpr const char* kKeyVaultAccessTokenVariable = "KVRELOCATE_KEYVAULT_ACCESS_TOKEN";
inline constexpr const char* kImdsEndpointVariable = "KVRELOCATE_IMDS_ENDPOINT";
// The instance metadata service's token endpoint, used when the variable above is unset.
inline constexpr const char* kDefaultImdsEndpoint = "http://169.254.169.254/metadata/identity/oauth2/token";

enum class AuthMethod { Auto, ClientSecret, WorkloadIdentity, ManagedIdentity, AzureCli, AccessToken };

// "auto", "client-secret", ...; nullopt for an unknown name.
std::optional<AuthMethod> parseAuthMethod(std::string_view name);
const char* authMethodName(AuthMethod method);

struct CredentialOptions {
  AuthMethod method = AuthMethod::Auto;
  // The identity authority (CloudEndpoints::authority) that client-secret and
  // workload-identity token requests go to.
  std::string authority = "https://login.microsoftonline.com";
  // The Key Vault audience (CloudEndpoints::keyVaultAudience), to tell a Key Vault scope
  // from a Resource Manager one for explicit access tokens.
  std::string keyVaultAudience = "https://vault.azure.net";
  // Override AZURE_TENANT_ID and AZURE_CLIENT_ID when set. With managed identity, a client
  // id picks a user-assigned identity.
  std::string tenantId;
  std::string clientId;
  // The Azure CLI program: a name looked up on PATH, or a path.
  std::string azureCliProgram = "az";
  Milliseconds azureCliTimeout{60'000};
};

// Creates the credential that `options.method` names, reading its settings from
// `environment`. Token requests go through `transport`. Auto tries, in this order, an
// explicit access token, a client secret, workload identity, App Service managed identity,
// the instance metadata service when KVRELOCATE_IMDS_ENDPOINT is set, and the Azure CLI
// when `az` is found; the first that returns a token is used from then on. Throws
// CredentialError naming what is missing when an explicit method's settings are incomplete.
std::unique_ptr<TokenCredential> makeCredential(const CredentialOptions& options, HttpTransport& transport,
                                                Timer& timer, Environment environment = processEnvironment());

}  // namespace kvr::azure
