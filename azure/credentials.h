#pragma once

// Access tokens and where they come from. Tokens live only in memory: nothing here writes
// or logs one.

#include "azure/clock.h"

#include <memory>
#include <string>

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

}  // namespace kvr::azure
