#pragma once

// Azure Resource Manager ids:
//   /subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{childType}/{childName}...]
// and extension resources, which append /providers/{ns}/{type}/{name} to another id.
// Ids compare case-insensitively; normalizeId() gives the comparison key.

#include <optional>
#include <string>
#include <string_view>

namespace kvr {

struct ResourceId {
  std::string subscription;   // empty for tenant-level ids
  std::string resourceGroup;  // empty for subscription-level ids
  std::string type;           // full type, for example Microsoft.Network/virtualNetworks/subnets
  std::string name;           // full name, for example vnet-app/snet-pe
  std::string scope;          // for an extension resource, the id it is attached to; else empty

  std::string str() const;
};

// Parses an id; nullopt when the text is not a well-formed resource id (odd segment
// count, missing provider namespace, empty segments).
std::optional<ResourceId> parseResourceId(std::string_view text);

// The comparison key: lower case, no trailing slash, no doubled slashes.
std::string normalizeId(std::string_view text);

// Builds an id from its parts; `type` and `name` must have matching segment counts
// (one name segment per type segment after the namespace).
std::string makeResourceId(std::string_view subscription, std::string_view resourceGroup, std::string_view type,
                           std::string_view name);

// The id of the parent of a child resource (a subnet's VNet); nullopt for a top-level one.
std::optional<std::string> parentId(std::string_view id);

// The last segment of a resource name ("snet-pe" for "vnet-app/snet-pe").
std::string leafName(std::string_view name);

// The last segment of a type ("subnets" for "Microsoft.Network/virtualNetworks/subnets").
std::string leafType(std::string_view type);

// Number of name segments a type needs: one per type segment after the namespace.
std::size_t typeDepth(std::string_view type);

// True when `text` looks like an absolute resource id ("/subscriptions/..." or a
// provider-level "/providers/...").
bool looksLikeResourceId(std::string_view text);

}  // namespace kvr
