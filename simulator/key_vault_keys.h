#pragma once

// The Key Vault data plane for keys: create (RSA 2048/3072/4096, EC P-256), import from a
// JSON Web Key, get, versions, lists with nextLink, update, delete with soft delete,
// recover, purge, backup, restore, rotation policy and rotate. Private key members stay in
// memory and in sealed backup blobs; responses and snapshots carry public members only.
// Not thread-safe: the Simulator serialises calls.

#include "simulator/backup_cipher.h"
#include "simulator/clock.h"
#include "simulator/config.h"
#include "simulator/http_message.h"
#include "simulator/key_material.h"
#include "simulator/resource_manager.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kvr::sim {

class KeyVaultKeys {
 public:
  KeyVaultKeys(const SimulatorConfig& config, const Clock& clock, const BackupCipher& cipher)
      : config_(config), clock_(clock), cipher_(cipher) {}

  // Serves paths whose first segment is "keys" or "deletedkeys".
  Response handle(const Request& request, const std::vector<std::string>& segments, const VaultInfo& vault, const std::string& vaultUri);

  // Loads the `keys` of one vault's `dataPlane` entry. Key material is generated when a
  // version is first read, so seeding large estates stays fast.
  void seedVault(const std::string& vaultName, const nlohmann::json& keys);
  void discardVault(const std::string& vaultName) { vaults_.erase(toLower(vaultName)); }

  // The 409 when an unmanaged or deleted key holds `name`, so no certificate may take it.
  std::optional<Response> checkManagedName(const std::string& vaultName, const std::string& name) const;
  // Adds a version to the managed key of a certificate, creating the key.
  void addManagedVersion(const std::string& vaultName, const std::string& name, const std::string& versionId, const KeyMaterial& material,
                         const nlohmann::json& attributes, const nlohmann::json& tags, bool exportable);
  // Drops a certificate's managed key; unmanaged keys of that name stay.
  void removeManaged(const std::string& vaultName, const std::string& name);
  // The `keys` array of one vault in the inventory shape, without key material.
  nlohmann::json snapshot(const std::string& vaultName) const;
  std::vector<std::string> vaultNames() const;
  void clear() { vaults_.clear(); }

 private:
  struct KeyVersion {
    std::string version;
    std::string kty;
    int keySize = 0;    // RSA only
    std::string curve;  // EC only
    // Generated on first read for seeded versions, which is why it may change on a const path.
    mutable std::optional<KeyMaterial> material;
    nlohmann::json keyOps = nlohmann::json::array();
    nlohmann::json tags = nlohmann::json::object();
    nlohmann::json attributes = nlohmann::json::object();  // enabled, nbf, exp, created, updated, exportable
  };

  struct Key {
    std::string name;
    bool managed = false;
    std::vector<KeyVersion> versions;  // oldest first
    nlohmann::json rotationPolicy;     // null until one is set
    bool deleted = false;
    long long deletedDate = 0;
    long long scheduledPurgeDate = 0;
  };

  using Keys = std::map<std::string, Key>;  // by lower-case name

  struct Target {
    Keys& keys;
    const VaultInfo& vault;
    const std::string& vaultUri;
  };

  Response routeKey(const Request& request, const std::vector<std::string>& segments, Target target);
  Response createKey(const Request& request, const std::string& name, Target target);
  Response importKey(const Request& request, const std::string& name, Target target);
  Response getKey(const std::string& name, const std::string& version, Target target);
  Response updateKey(const Request& request, const std::string& name, const std::string& version, Target target);
  Response deleteKey(const std::string& name, Target target);
  Response listKeys(const Request& request, Target target, bool deleted) const;
  Response listVersions(const Request& request, const std::string& name, Target target) const;
  Response deletedKey(const Request& request, const std::vector<std::string>& segments, Target target);
  Response backupKey(const std::string& name, Target target);
  Response restoreKey(const Request& request, Target target);
  Response getRotationPolicy(const std::string& name, Target target) const;
  Response putRotationPolicy(const Request& request, const std::string& name, Target target);
  Response rotateKey(const std::string& name, Target target);

  // Adds a version to the key (creating the key), or returns the 409 for a deleted name.
  std::optional<Response> addVersion(Keys& keys, const std::string& name, KeyVersion version);
  Key* findLive(Keys& keys, const std::string& name);
  const KeyMaterial& materialOf(const KeyVersion& version) const;
  nlohmann::json bundle(const Key& key, const KeyVersion& version, Target target) const;
  nlohmann::json item(const Key& key, Target target) const;
  nlohmann::json deletedBundle(const Key& key, Target target) const;
  nlohmann::json attributesFor(const KeyVersion& version, const VaultInfo& vault) const;
  nlohmann::json presentRotationPolicy(const Key& key, const std::string& vaultUri) const;

  const SimulatorConfig& config_;
  const Clock& clock_;
  const BackupCipher& cipher_;
  std::map<std::string, Keys> vaults_;  // by lower-case vault name
};

}  // namespace kvr::sim
