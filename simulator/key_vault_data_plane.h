#pragma once

// The Key Vault data plane for secrets: set, get, versions, lists with nextLink, update,
// delete with soft delete, recover, purge, backup and restore. Keys and certificates
// are served by KeyVaultKeys and KeyVaultCertificates, which this class routes to and
// which share the managed secrets of certificates with it. One instance serves every
// vault; the Simulator authenticates the request and names the vault first.
// Not thread-safe: the Simulator serialises calls.

#include "simulator/backup_cipher.h"
#include "simulator/clock.h"
#include "simulator/config.h"
#include "simulator/http_message.h"
#include "simulator/key_vault_certificates.h"
#include "simulator/key_vault_keys.h"
#include "simulator/resource_manager.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace kvr::sim {

// A Key Vault error response: {"error": {"code": ..., "message": ...}}.
Response keyVaultError(int status, const std::string& code, const std::string& message);

class KeyVaultDataPlane {
 public:
  KeyVaultDataPlane(const SimulatorConfig& config, const Clock& clock, BackupCipher cipher = BackupCipher())
      : config_(config), clock_(clock), cipher_(std::move(cipher)) {}

  // `vaultUri` ends with "/", such as https://kv1.vault.localhost:8443/.
  Response handle(const Request& request, const VaultInfo& vault, const std::string& vaultUri);

  // Loads one vault's `dataPlane` entry of an estate file (secrets with their values, keys,
  // certificates). The managed secrets and keys of listed certificates come from the
  // certificates, not from the estate's secrets and keys.
  void seedVault(const std::string& vaultName, const nlohmann::json& dataPlane);
  void discardVault(const std::string& vaultName);

  // The outcome of reading one secret version, without its value.
  struct SecretLookup {
    bool secretFound = false;   // the secret exists and is not deleted
    bool versionFound = false;  // the version exists (the current one when none was named)
    std::string version;        // the version found
    bool enabled = false;
    bool valueReadable = false;  // false when the estate recorded no value or a read error
  };
  // Looks up secret `name` in vault `vaultName`; an empty `version` means the current one.
  SecretLookup lookupSecret(const std::string& vaultName, const std::string& name, const std::string& version) const;
  // The `dataPlane` member of an estate: secret values only when `includeValues`.
  nlohmann::json snapshot(bool includeValues) const;
  void clear() {
    vaults_.clear();
    keys_.clear();
    certificates_.clear();
  }

 private:
  struct SecretVersion {
    std::string version;
    std::string value;
    bool valueKnown = true;      // false when the estate recorded no value
    nlohmann::json readError;    // the estate's recorded refusal, if any
    std::string contentType;
    nlohmann::json tags = nlohmann::json::object();
    nlohmann::json attributes = nlohmann::json::object();  // enabled, nbf, exp, created, updated
    std::string keyId;  // a certificate's key, "keys/<name>/<version>"; empty for other secrets
  };

  struct Secret {
    std::string name;
    bool managed = false;
    std::vector<SecretVersion> versions;  // oldest first
    bool deleted = false;
    long long deletedDate = 0;
    long long scheduledPurgeDate = 0;
  };

  using Secrets = std::map<std::string, Secret>;  // by lower-case name

  Response setSecret(const Request& request, Secrets& secrets, const std::string& name, const VaultInfo& vault, const std::string& vaultUri);
  Response getSecret(Secrets& secrets, const std::string& name, const std::string& version, const VaultInfo& vault, const std::string& vaultUri);
  Response updateSecret(const Request& request, Secrets& secrets, const std::string& name, const std::string& version,
                        const VaultInfo& vault, const std::string& vaultUri);
  Response deleteSecret(Secrets& secrets, const std::string& name, const VaultInfo& vault, const std::string& vaultUri);
  Response listSecrets(const Request& request, const Secrets& secrets, const VaultInfo& vault, const std::string& vaultUri, bool deleted) const;
  Response listVersions(const Request& request, const Secrets& secrets, const std::string& name, const VaultInfo& vault,
                        const std::string& vaultUri) const;
  Response deletedSecret(Secrets& secrets, const Request& request, const std::vector<std::string>& segments,
                         const VaultInfo& vault, const std::string& vaultUri);
  Response backupSecret(const Secrets& secrets, const std::string& name, const VaultInfo& vault) const;
  Response restoreSecret(const Request& request, Secrets& secrets, const VaultInfo& vault, const std::string& vaultUri);
  // Adds the managed secret and key versions of a certificate version; 409 when an
  // unmanaged or deleted secret or key holds the name.
  std::optional<Response> storeManagedVersion(const std::string& vaultName, const ManagedVersion& managed);
  void removeManaged(const std::string& vaultName, const std::string& name);

  nlohmann::json bundle(const Secret& secret, const SecretVersion& version, const VaultInfo& vault, const std::string& vaultUri,
                        bool withValue) const;
  nlohmann::json deletedBundle(const Secret& secret, const VaultInfo& vault, const std::string& vaultUri) const;
  nlohmann::json attributesFor(const SecretVersion& version, const VaultInfo& vault) const;
  Response page(const Request& request, const std::vector<nlohmann::json>& items, const std::string& link) const;

  const SimulatorConfig& config_;
  const Clock& clock_;
  BackupCipher cipher_;
  KeyVaultKeys keys_{config_, clock_, cipher_};
  KeyVaultCertificates certificates_{
      config_, clock_, cipher_,
      ManagedObjectStore{[this](const std::string& vaultName, const ManagedVersion& managed) { return storeManagedVersion(vaultName, managed); },
                         [this](const std::string& vaultName, const std::string& name) { removeManaged(vaultName, name); }}};
  std::map<std::string, Secrets> vaults_;  // by lower-case vault name
};

}  // namespace kvr::sim
