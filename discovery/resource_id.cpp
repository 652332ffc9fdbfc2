#include "discovery/resource_id.h"

#include <vector>

#include "discovery/json.h"

namespace kvr {

namespace {

std::vector<std::string> splitSegments(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) slash = text.size();
    if (slash > start) out.emplace_back(text.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

std::string joinSegments(const std::vector<std::string>& parts, std::size_t from, std::size_t to,
                         std::size_t step) {
  std::string out;
  for (std::size_t i = from; i < to; i += step) {
    if (!out.empty()) out += '/';
    out += parts[i];
  }
  return out;
}

// Reads "{ns}/{type}/{name}[/{type}/{name}...]" from parts[at] up to `end` (exclusive).
bool readProviderPart(const std::vector<std::string>& parts, std::size_t at, std::size_t end, ResourceId& out) {
  std::size_t count = end - at;
  // Namespace plus at least one type/name pair, and pairs after that.
  if (count < 3 || (count - 1) % 2 != 0) return false;
  out.type = parts[at];
  for (std::size_t i = at + 1; i < end; i += 2) out.type += "/" + parts[i];
  out.name = joinSegments(parts, at + 2, end, 2);
  return true;
}

}  // namespace

std::string ResourceId::str() const {
  std::string out;
  if (!scope.empty()) {
    out = scope;
  } else {
    if (!subscription.empty()) out += "/subscriptions/" + subscription;
    if (!resourceGroup.empty()) out += "/resourceGroups/" + resourceGroup;
  }
  auto typeParts = splitSegments(type);
  auto nameParts = splitSegments(name);
  if (typeParts.empty()) return out;
  out += "/providers/" + typeParts[0];
  for (std::size_t i = 1; i < typeParts.size(); ++i) {
    out += "/" + typeParts[i];
    if (i - 1 < nameParts.size()) out += "/" + nameParts[i - 1];
  }
  return out;
}

std::optional<ResourceId> parseResourceId(std::string_view text) {
  if (text.empty() || text.front() != '/') return std::nullopt;
  auto parts = splitSegments(text);

  // The last "providers" segment starts the resource's own part; anything before it is
  // the scope (for extension resources) or the subscription and resource group.
  std::size_t providers = parts.size();
  for (std::size_t i = parts.size(); i-- > 0;) {
    if (iequals(parts[i], "providers")) {
      providers = i;
      break;
    }
  }

  ResourceId id;
  if (providers == parts.size()) {
    // A subscription or resource group id.
    if (parts.size() == 2 && iequals(parts[0], "subscriptions")) {
      id.subscription = parts[1];
      id.type = "Microsoft.Resources/subscriptions";
      id.name = parts[1];
      return id;
    }
    if (parts.size() == 4 && iequals(parts[0], "subscriptions") && iequals(parts[2], "resourceGroups")) {
      id.subscription = parts[1];
      id.resourceGroup = parts[3];
      id.type = "Microsoft.Resources/resourceGroups";
      id.name = parts[3];
      return id;
    }
    return std::nullopt;
  }
  if (!readProviderPart(parts, providers + 1, parts.size(), id)) return std::nullopt;

  std::size_t prefixEnd = providers;
  if (prefixEnd >= 2 && iequals(parts[0], "subscriptions")) id.subscription = parts[1];
  if (prefixEnd >= 4 && iequals(parts[2], "resourceGroups")) id.resourceGroup = parts[3];
  bool plainPrefix = prefixEnd == 0 || (prefixEnd == 2 && !id.subscription.empty()) ||
                     (prefixEnd == 4 && !id.resourceGroup.empty());
  if (!plainPrefix) {
    // An extension resource: everything before "/providers/{ns}/..." is another id.
    std::string scope;
    for (std::size_t i = 0; i < prefixEnd; ++i) scope += "/" + parts[i];
    if (!parseResourceId(scope)) return std::nullopt;
    id.scope = scope;
  }
  return id;
}

std::string normalizeId(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  out = toLower(out);
  // A resource group written as a subscription-level provider resource names the same
  // group: "/subscriptions/s/providers/Microsoft.Resources/resourceGroups/rg".
  constexpr std::string_view kProviderForm = "/providers/microsoft.resources/resourcegroups/";
  auto at = out.find(kProviderForm);
  if (out.rfind("/subscriptions/", 0) == 0 && at != std::string::npos &&
      out.find('/', std::string_view("/subscriptions/").size()) == at) {
    out.replace(at, kProviderForm.size(), "/resourcegroups/");
  }
  return out;
}

std::string makeResourceId(std::string_view subscription, std::string_view resourceGroup, std::string_view type,
                           std::string_view name) {
  ResourceId id;
  id.subscription = std::string(subscription);
  id.resourceGroup = std::string(resourceGroup);
  id.type = std::string(type);
  id.name = std::string(name);
  return id.str();
}

std::optional<std::string> parentId(std::string_view text) {
  auto id = parseResourceId(text);
  if (!id) return std::nullopt;
  auto typeParts = splitSegments(id->type);
  if (typeParts.size() <= 2) return std::nullopt;
  ResourceId parent = *id;
  parent.type = joinSegments(typeParts, 0, typeParts.size() - 1, 1);
  auto nameParts = splitSegments(id->name);
  parent.name = joinSegments(nameParts, 0, nameParts.size() - 1, 1);
  return parent.str();
}

std::string leafName(std::string_view name) {
  auto slash = name.rfind('/');
  return std::string(slash == std::string_view::npos ? name : name.substr(slash + 1));
}

std::string leafType(std::string_view type) { return leafName(type); }

std::size_t typeDepth(std::string_view type) {
  auto parts = splitSegments(type);
  return parts.empty() ? 0 : parts.size() - 1;
}

bool looksLikeResourceId(std::string_view text) {
  return istartsWith(text, "/subscriptions/") || istartsWith(text, "/providers/");
}

}  // namespace kvr
