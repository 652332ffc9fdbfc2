#include "simulator/arm_path.h"

#include "simulator/http_message.h"

namespace kvr::sim {

std::string ArmPath::fullType() const {
  std::string type = providerNamespace;
  for (const std::string& segment : types) type += "/" + segment;
  return type;
}

std::string ArmPath::id() const {
  std::string id = scope + "/providers/" + providerNamespace;
  for (std::size_t index = 0; index < types.size(); ++index) {
    id += "/" + types[index];
    if (index < names.size()) id += "/" + names[index];
  }
  return id;
}

std::string ArmPath::parentId() const {
  ArmPath parent = *this;
  if (isCollection()) {
    if (names.empty()) return {};
    parent.types.pop_back();
    return parent.id();
  }
  if (names.size() < 2) return {};
  parent.types.pop_back();
  parent.names.pop_back();
  return parent.id();
}

bool ArmPath::scopeIsResource() const { return toLower(scope).find("/providers/") != std::string::npos; }

std::optional<ArmPath> parseArmPath(std::string_view path) {
  std::vector<std::string> segments = splitPath(path);
  if (segments.size() < 2 || toLower(segments[0]) != "subscriptions") return std::nullopt;

  ArmPath parsed;
  parsed.subscription = segments[1];
  if (segments.size() >= 4 && toLower(segments[2]) == "resourcegroups") parsed.resourceGroup = segments[3];

  std::size_t providers = segments.size();
  for (std::size_t index = segments.size(); index-- > 2;) {
    if (toLower(segments[index]) == "providers") {
      providers = index;
      break;
    }
  }

  std::string scope;
  for (std::size_t index = 0; index < providers && index < segments.size(); ++index) scope += "/" + segments[index];
  parsed.scope = scope;
  if (providers == segments.size()) return parsed;
  if (providers + 1 >= segments.size()) return std::nullopt;

  parsed.providerNamespace = segments[providers + 1];
  for (std::size_t index = providers + 2; index < segments.size(); ++index) {
    if ((index - providers) % 2 == 0) parsed.types.push_back(segments[index]);
    else parsed.names.push_back(segments[index]);
  }
  if (parsed.types.empty()) return std::nullopt;
  return parsed;
}

std::string idKey(std::string_view id) {
  std::string key = toLower(id);
  while (!key.empty() && key.back() == '/') key.pop_back();
  return key;
}

std::string lastSegment(std::string_view id) {
  std::vector<std::string> segments = splitPath(id);
  return segments.empty() ? std::string() : segments.back();
}

std::string normalizeLocation(std::string_view location) {
  std::string normalized;
  for (char character : toLower(location)) {
    if (character != ' ') normalized.push_back(character);
  }
  return normalized;
}

}  // namespace kvr::sim
