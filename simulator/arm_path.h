#pragma once

// Parsing of Resource Manager request paths and resource ids:
//   /subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}...]
// Extension resources (role assignments, locks, diagnostic settings) append
// /providers/{ns}/{type}/{name} to the id of their scope.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kvr::sim {

struct ArmPath {
  std::string subscription;
  std::string resourceGroup;        // empty at subscription scope
  std::string scope;                // the id before the last "/providers/"
  std::string providerNamespace;    // empty when the path has no "/providers/"
  std::vector<std::string> types;   // type segments after the namespace
  std::vector<std::string> names;   // one name per type, or one fewer for a collection

  bool isCollection() const { return names.size() + 1 == types.size(); }
  // "Microsoft.Network/virtualNetworks/subnets"
  std::string fullType() const;
  // The id of the item, or of the collection's parent followed by the collection type.
  std::string id() const;
  // For an item, the id of its parent (a subnet's VNet); for a collection, the id of the
  // resource that owns it. "" when there is none below the scope.
  std::string parentId() const;
  // True when the scope is itself a resource, so this is an extension resource on it.
  bool scopeIsResource() const;
};

// Parses a path that starts with /subscriptions/{id}; nullopt for anything else or for
// malformed paths (a name without a type, an empty namespace).
std::optional<ArmPath> parseArmPath(std::string_view path);

// The comparison key of an id: lower case without a trailing slash.
std::string idKey(std::string_view id);

// The id's last segment.
std::string lastSegment(std::string_view id);

// "westeurope" from "West Europe".
std::string normalizeLocation(std::string_view location);

}  // namespace kvr::sim
