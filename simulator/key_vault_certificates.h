#pragma once

// The Key Vault data plane for certificates, so far: import of a PFX, get (latest or by
// version), list, list versions and the policy. As in Azure, every certificate version has
// a managed secret of the same name and version whose value is the PFX, without password;
// the private key is in it only when the policy marks the key exportable.
// Not thread-safe: the Simulator serialises calls.

#include "simulator/clock.h"
#include "simulator/config.h"
#include "simulator/http_message.h"
#include "simulator/resource_manager.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kvr::sim {

// The managed secret version that backs a certificate version.
struct ManagedSecretVersion {
  std::string name;
  std::string version;
  std::string value;        // base64 PFX
  std::string contentType;  // application/x-pkcs12
  nlohmann::json attributes;
  nlohmann::json tags;
  std::string keyId;        // "keys/<name>/<version>", relative to the vault URI
};

class KeyVaultCertificates {
 public:
  // Stores the managed secret version, or returns the error when the secret name is taken.
  using SecretWriter = std::function<std::optional<Response>(const VaultInfo&, const ManagedSecretVersion&)>;

  KeyVaultCertificates(const SimulatorConfig& config, const Clock& clock, SecretWriter writeSecret)
      : config_(config), clock_(clock), writeSecret_(std::move(writeSecret)) {}

  // Serves paths whose first segment is "certificates".
  Response handle(const Request& request, const std::vector<std::string>& segments, const VaultInfo& vault, const std::string& vaultUri);

  void discardVault(const std::string& vaultName) { vaults_.erase(toLower(vaultName)); }
  void clear() { vaults_.clear(); }

 private:
  struct CertificateVersion {
    std::string version;
    std::string certificateDer;
    std::string thumbprint;  // x5t: base64url SHA-1 of the DER certificate
    nlohmann::json tags = nlohmann::json::object();
    nlohmann::json attributes = nlohmann::json::object();  // enabled, nbf, exp, created, updated
  };

  struct Certificate {
    std::string name;
    nlohmann::json policy;               // without id
    std::vector<CertificateVersion> versions;  // oldest first
  };

  using Certificates = std::map<std::string, Certificate>;  // by lower-case name

  struct Target {
    Certificates& certificates;
    const VaultInfo& vault;
    const std::string& vaultUri;
  };

  Response importCertificate(const Request& request, const std::string& name, Target target);
  Response getCertificate(const std::string& name, const std::string& version, Target target) const;
  Response getPolicy(const std::string& name, Target target) const;
  Response listCertificates(const Request& request, Target target) const;
  Response listVersions(const Request& request, const std::string& name, Target target) const;

  nlohmann::json bundle(const Certificate& certificate, const CertificateVersion& version, Target target) const;
  nlohmann::json item(const CertificateVersion& version, const std::string& id, Target target) const;
  nlohmann::json attributesFor(const CertificateVersion& version, const VaultInfo& vault) const;

  const SimulatorConfig& config_;
  const Clock& clock_;
  SecretWriter writeSecret_;
  std::map<std::string, Certificates> vaults_;  // by lower-case vault name
};

}  // namespace kvr::sim
