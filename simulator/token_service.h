#pragma once

// Bearer tokens: the Microsoft identity platform's client-credentials endpoint, the
// managed-identity endpoints of App Service and of the instance metadata service, and the
// check that every Resource Manager and Key Vault request runs. Tokens are opaque random
// strings kept only in memory with their audience and expiry.

#include "simulator/clock.h"
#include "simulator/config.h"
#include "simulator/http_message.h"

#include <map>
#include <string>
#include <vector>

namespace kvr::sim {

struct IssuedToken {
  std::string value;
  std::string audience;  // normalised: no trailing slash, no "/.default"
  TimePoint expiresAt;
};

enum class TokenStatus { Valid, Missing, Malformed, Unknown, Expired, WrongAudience };

struct TokenCheck {
  TokenStatus status = TokenStatus::Missing;
  std::string audience;  // the token's audience, when the token is known
  TimePoint expiresAt;
};

// "https://vault.azure.net/.default" and "https://vault.azure.net/" both become
// "https://vault.azure.net".
std::string normalizeAudience(std::string_view audienceOrScope);

class TokenService {
 public:
  TokenService(const SimulatorConfig& config, const Clock& clock) : config_(config), clock_(clock) {}

  // GET /{tenant}/v2.0/.well-known/openid-configuration: the authority metadata that MSAL
  // clients read before their first token request, naming kvsim's own token endpoint.
  Response handleOpenIdConfiguration(const std::string& tenant, const std::string& baseUrl) const;
  // POST /{tenant}/oauth2/v2.0/token with a form-encoded client-credentials grant.
  Response handleClientCredentials(const Request& request);
  // GET /msi/token (App Service, api-version 2019-08-01, X-IDENTITY-HEADER).
  Response handleAppServiceIdentity(const Request& request);
  // GET /metadata/identity/oauth2/token (instance metadata service, Metadata: true).
  Response handleInstanceMetadataIdentity(const Request& request);

  IssuedToken issue(const std::string& audience);
  // Checks the request's "Authorization: Bearer" token against the allowed audiences.
  TokenCheck check(const Request& request, const std::vector<std::string>& allowedAudiences) const;

  std::size_t liveTokenCount() const { return tokens_.size(); }
  void clear() { tokens_.clear(); }

 private:
  void forgetExpired();

  const SimulatorConfig& config_;
  const Clock& clock_;
  std::map<std::string, IssuedToken> tokens_;
};

}  // namespace kvr::sim
