#pragma once

// What the data-plane actions and verify share: where a plan node's object lives in the
// source and target vaults, its versions in creation order, and comparisons of values
// that never leave memory.

#include "executor/step.h"

#include <optional>
#include <string>
#include <vector>

namespace kvr::executor {

inline constexpr const char* kKeyVaultApiVersion = "7.6";

// A Key Vault object of the plan, with both vaults' data-plane URIs.
struct ObjectAddress {
  std::string collection;     // secrets, keys or certificates
  std::string name;           // the object name, the same in both vaults
  std::string sourceVaultId;  // resource ids
  std::string targetVaultId;
  std::string sourceVaultUri;  // with a trailing slash
  std::string targetVaultUri;

  // https://<vault>/<collection>/<name>[/<suffix>]?api-version=...
  std::string sourceUrl(const std::string& suffix = "") const;
  std::string targetUrl(const std::string& suffix = "") const;
  // https://<vault>/<collection>/<name>/<version>, the object id form RunState maps.
  std::string sourceVersionId(const std::string& version) const;
  std::string targetVersionId(const std::string& version) const;
  std::string describe() const;  // "secret db-connection"
};

// The address of a data-plane node; throws std::runtime_error naming the node when its id
// is not a Key Vault object or a vault URI is not in the run state.
ObjectAddress addressOf(const Plan& plan, const PlanNode& node, const RunState& state);

// The Key Vault URL for a vault-relative path: <vaultUri><path>?api-version=...
std::string keyVaultUrl(const std::string& vaultUri, const std::string& path);

// One version of an object as its version list shows it.
struct ObjectVersion {
  std::string version;
  std::string id;     // full id including the version
  Json item;          // the list item: attributes, tags, contentType, x5t...
  long long created = 0;
  bool enabled = true;
};

// Every version of the object at `url` (a .../versions list URL), oldest first: sorted by
// creation time, ties kept in list order. An object that does not exist has none.
std::vector<ObjectVersion> listVersions(azure::AzureClient& client, const std::string& url);

// The last segment of an object id ("<version>" of .../secrets/name/<version>).
std::string lastSegment(const std::string& id);

// The versions of a secret a versions policy copies: "all", "latest" or "last:N".
std::vector<ObjectVersion> selectVersions(const std::vector<ObjectVersion>& versions, const std::string& policy);

// SHA-256 of a value, as raw bytes. Used only to compare two values held in memory;
// never written anywhere.
std::string sha256(const std::string& value);

// The settable attributes of a version (enabled, nbf, exp), for a set or an update.
Json settableAttributes(const Json& attributes);

// True when an ApiError or a transport failure leaves unknown whether a write happened.
bool outcomeUnknown(const std::exception& error);

}  // namespace kvr::executor
