#pragma once

// The Key Vault data plane for certificates: create (issuer Self, or Unknown with a merge)
// through a pending operation, import of PFX and PEM, get, list, versions, update, policy
// get and update, delete with soft delete, recover, purge, backup and restore. As in
// Azure, every certificate version has a managed secret and a managed key of the same name
// and version; the secret's value is the PFX or PEM that the policy's secret_props names,
// with the private key only when key_props.exportable is true.
// Not thread-safe: the Simulator serialises calls.

#include "simulator/backup_cipher.h"
#include "simulator/certificate_material.h"
#include "simulator/clock.h"
#include "simulator/config.h"
#include "simulator/http_message.h"
#include "simulator/key_material.h"
#include "simulator/resource_manager.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kvr::sim {

// The managed secret and key versions that back a certificate version.
struct ManagedVersion {
  std::string name;
  std::string version;
  std::string secretValue;  // base64 PFX, or PEM text
  std::string contentType;  // application/x-pkcs12 or application/x-pem-file
  std::string kty;          // RSA or EC
  KeyMaterial key;
  bool exportable = true;
  nlohmann::json attributes;  // enabled, nbf, exp, created, updated
  nlohmann::json tags;
};

// Where the managed secrets and keys live: the secrets and keys handlers.
struct ManagedObjectStore {
  // Stores one managed secret and key version, or returns the 409 when an unmanaged or
  // deleted secret or key holds the name.
  std::function<std::optional<Response>(const std::string& vaultName, const ManagedVersion&)> add;
  // Drops the managed secret and key of a certificate, every version.
  std::function<void(const std::string& vaultName, const std::string& name)> remove;
};

// 404 CertificateNotFound for a name, or a name and version.
Response certificateNotFound(const std::string& name, const std::string& version);

class KeyVaultCertificates {
 public:
  KeyVaultCertificates(const SimulatorConfig& config, const Clock& clock, const BackupCipher& cipher, ManagedObjectStore managed)
      : config_(config), clock_(clock), cipher_(cipher), managed_(std::move(managed)) {}

  // Serves paths whose first segment is "certificates" or "deletedcertificates".
  Response handle(const Request& request, const std::vector<std::string>& segments, const VaultInfo& vault, const std::string& vaultUri);

  // Loads the `certificates` of one vault's `dataPlane` entry. A version's material comes
  // from its `pfx` (base64, no password) or `pem`, else from the value of the managed secret
  // version of the same name in `secrets`, else OpenSSL generates a self-signed certificate
  // from the policy and the version's nbf and exp.
  void seedVault(const std::string& vaultName, const nlohmann::json& certificates, const nlohmann::json& secrets);
  // The `certificates` array of one vault in the inventory shape, without key material.
  nlohmann::json snapshot(const std::string& vaultName) const;
  std::vector<std::string> vaultNames() const;
  void discardVault(const std::string& vaultName) { vaults_.erase(toLower(vaultName)); }
  void clear() { vaults_.clear(); }

 private:
  struct CertificateVersion {
    std::string version;
    CertificateMaterial material;
    std::string thumbprint;   // x5t: base64url SHA-1 of the DER certificate
    std::string contentType;  // of the managed secret
    nlohmann::json tags = nlohmann::json::object();
    nlohmann::json attributes = nlohmann::json::object();  // enabled, nbf, exp, created, updated
  };

  // A create request waiting for its issuer: Self finishes at `completeAt`, Unknown waits
  // for a merge.
  struct PendingOperation {
    std::string requestId;
    std::string issuer;
    std::string privateKeyDer;
    std::string csrDer;
    std::string status = "inProgress";  // inProgress, completed, failed or cancelled
    bool cancellationRequested = false;
    long long completeAt = 0;
    nlohmann::json attributes = nlohmann::json::object();
    nlohmann::json tags = nlohmann::json::object();
    nlohmann::json error;  // null unless failed
  };

  struct Certificate {
    std::string name;
    nlohmann::json policy;                     // without id
    std::vector<CertificateVersion> versions;  // oldest first
    std::optional<PendingOperation> pending;
    bool deleted = false;
    long long deletedDate = 0;
    long long scheduledPurgeDate = 0;
  };

  using Certificates = std::map<std::string, Certificate>;  // by lower-case name

  struct Target {
    Certificates& certificates;
    const VaultInfo& vault;
    const std::string& vaultUri;
  };

  Response routeCertificate(const Request& request, const std::vector<std::string>& segments, Target target);
  Response createCertificate(const Request& request, const std::string& name, Target target);
  Response importCertificate(const Request& request, const std::string& name, Target target);
  Response getCertificate(const std::string& name, const std::string& version, Target target) const;
  Response updateCertificate(const Request& request, const std::string& name, const std::string& version, Target target);
  Response getPolicy(const std::string& name, Target target) const;
  Response updatePolicy(const Request& request, const std::string& name, Target target);
  Response listCertificates(const Request& request, Target target) const;
  Response listVersions(const Request& request, const std::string& name, Target target) const;
  Response deleteCertificate(const std::string& name, Target target);
  Response deletedCertificate(const Request& request, const std::vector<std::string>& segments, Target target);
  Response backupCertificate(const std::string& name, Target target) const;
  Response restoreCertificate(const Request& request, Target target);
  Response pendingOperation(const Request& request, const std::string& name, Target target);
  Response mergeCertificate(const Request& request, const std::string& name, Target target);

  // Finishes every due Self operation of the vault.
  void completeDueOperations(Target target);
  // Adds a version with its managed secret and key; returns the error when they are refused.
  std::optional<Response> addVersion(Certificate& certificate, CertificateMaterial material, const nlohmann::json& attributes,
                                     const nlohmann::json& tags, Target target, const std::string& versionId = "");
  // Stores the managed secret and key of every version again, as recover and restore need.
  std::optional<Response> publishManaged(const Certificate& certificate, const std::string& vaultName);
  ManagedVersion managedVersionOf(const Certificate& certificate, const CertificateVersion& version) const;
  Certificate* findLive(Certificates& certificates, const std::string& name) const;

  nlohmann::json bundle(const Certificate& certificate, const CertificateVersion& version, Target target) const;
  nlohmann::json deletedBundle(const Certificate& certificate, Target target) const;
  nlohmann::json item(const CertificateVersion& version, const std::string& id, Target target) const;
  nlohmann::json operationBody(const Certificate& certificate, Target target) const;
  nlohmann::json attributesFor(const CertificateVersion& version, const VaultInfo& vault) const;
  long long createDelaySeconds() const;

  const SimulatorConfig& config_;
  const Clock& clock_;
  const BackupCipher& cipher_;
  ManagedObjectStore managed_;
  std::map<std::string, Certificates> vaults_;  // by lower-case vault name
};

}  // namespace kvr::sim
