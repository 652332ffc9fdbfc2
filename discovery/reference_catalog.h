#pragma once

// Which property paths of which resource types name another resource. The catalog is
// data (reference_catalog.json, compiled in); this file walks it over a resource body.

#include <optional>
#include <string>
#include <vector>

#include "discovery/json.h"
#include "discovery/model.h"

namespace kvr {

enum class ReferenceTarget {
  ResourceId,         // an ARM resource id
  VaultUri,           // https://{vault}.vault.azure.net/
  ObjectUri,          // a secret, key or certificate URI, with or without a version
  KeyVaultReference,  // App Service's @Microsoft.KeyVault(...) syntax
  PrincipalId,        // an Entra object id
};

struct CatalogEntry {
  std::string type;  // resource type, or "*" for every type
  std::string path;
  ReferenceTarget target = ReferenceTarget::ResourceId;
  EdgeKind kind = EdgeKind::Reference;
  bool backReference = false;
  std::string keyNameSibling;  // for VaultUri: the sibling property naming the key
};

// One value found at a catalog path, with the concrete path ("properties.subnets[2].id").
struct CatalogMatch {
  const CatalogEntry* entry = nullptr;
  std::string path;
  std::string value;
  std::string keyName;  // the sibling key name, when the entry has one
};

class ReferenceCatalog {
 public:
  // The catalog compiled into the program.
  static const ReferenceCatalog& builtin();
  // Parses a catalog document; throws InputError naming `file` and the entry's pointer.
  static ReferenceCatalog fromJson(const Json& document, const std::string& file);

  std::vector<CatalogMatch> scan(const Resource& resource) const;
  const std::vector<CatalogEntry>& entries() const { return entries_; }

 private:
  std::vector<CatalogEntry> entries_;
};

// A Key Vault object URI: https://{vault}.{dns suffix}/{secrets|keys|certificates}/{name}[/{version}].
struct ObjectUri {
  std::string vaultName;
  std::string host;
  std::string collection;  // secrets, keys or certificates
  std::string name;
  std::string version;     // empty when versionless
};
std::optional<ObjectUri> parseObjectUri(std::string_view text);

// The vault name of https://{vault}.vault.azure.net[/...] (and the sovereign clouds' suffixes).
std::optional<std::string> vaultNameFromUri(std::string_view text);

// The parts of "@Microsoft.KeyVault(SecretUri=...)" or
// "@Microsoft.KeyVault(VaultName=...;SecretName=...;SecretVersion=...)".
struct KeyVaultReference {
  std::string vaultName;
  std::string secretName;
  std::string secretVersion;
  std::string secretUri;  // set for the SecretUri form
};
std::optional<KeyVaultReference> parseKeyVaultReference(std::string_view text);

}  // namespace kvr
