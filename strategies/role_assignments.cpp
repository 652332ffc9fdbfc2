#include "strategies/role_assignments.h"

#include <cctype>

#include "discovery/expression/expression.h"
#include "discovery/json.h"
#include "strategies/built_in_roles.h"

namespace kvr::planning {

namespace {

constexpr std::string_view kDefinitionsSegment = "/providers/microsoft.authorization/roledefinitions/";

// Whether `text` has the 8-4-4-4-12 hexadecimal form of a GUID.
bool isGuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

std::string stringMember(const Json& object, const char* name) {
  if (!object.is_object()) return "";
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string builtInRoleDefinitionGuid(const std::string& roleName) {
  for (const auto& [name, guid] : kKeyVaultBuiltInRoles) {
    if (iequals(roleName, name)) return std::string(guid);
  }
  return "";
}

bool isRoleDefinitionId(const std::string& id) {
  std::string lower = toLower(id);
  std::size_t at = lower.rfind(kDefinitionsSegment);
  if (at == std::string::npos) return false;
  std::string prefix = lower.substr(0, at);
  if (!prefix.empty() && (prefix.rfind("/subscriptions/", 0) != 0 || prefix.size() == 15)) return false;
  return isGuid(std::string_view(lower).substr(at + kDefinitionsSegment.size()));
}

std::string resolveRoleDefinitionId(const Json& properties, const std::string& targetSubscription) {
  std::string id = stringMember(properties, "roleDefinitionId");
  if (isRoleDefinitionId(id)) return id;
  std::string guid = builtInRoleDefinitionGuid(stringMember(properties, "roleDefinitionName"));
  if (guid.empty() || targetSubscription.empty()) return "";
  return "/subscriptions/" + targetSubscription + "/providers/Microsoft.Authorization/roleDefinitions/" + guid;
}

bool roleDefinitionResolves(const Json& properties) {
  return isRoleDefinitionId(stringMember(properties, "roleDefinitionId")) ||
         !builtInRoleDefinitionGuid(stringMember(properties, "roleDefinitionName")).empty();
}

std::string derivedRoleAssignmentId(const std::string& scope, const std::string& principalId,
                                    const std::string& roleDefinitionId) {
  return scope + "/providers/Microsoft.Authorization/roleAssignments/" +
         expr::guid({toLower(scope), toLower(principalId), toLower(roleDefinitionId)});
}

}  // namespace kvr::planning
