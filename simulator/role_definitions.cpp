#include "simulator/role_definitions.h"

#include <regex>

#include "simulator/http_message.h"
#include "strategies/built_in_roles.h"

namespace kvr::sim {

std::string builtInKeyVaultRoleGuid(const std::string& roleName) {
  for (const auto& [name, guid] : kKeyVaultBuiltInRoles) {
    if (equalsIgnoreCase(roleName, name)) return std::string(guid);
  }
  return "";
}

bool isRoleDefinitionId(const std::string& id) {
  static const std::regex pattern(
      "(/subscriptions/[^/]+)?/providers/Microsoft\\.Authorization/roleDefinitions/"
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
      std::regex::icase);
  return std::regex_match(id, pattern);
}

}  // namespace kvr::sim
