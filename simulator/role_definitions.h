#pragma once

// The built-in Key Vault roles that kvsim resolves by name, and the form of a role
// definition id, for checking role assignments as Azure Resource Manager does.

#include <string>

namespace kvr::sim {

// Returns the GUID of the built-in Key Vault role with this name (case-insensitive), or "".
std::string builtInKeyVaultRoleGuid(const std::string& roleName);

// Whether `id` is ".../providers/Microsoft.Authorization/roleDefinitions/<GUID>", either
// alone or after "/subscriptions/<id>".
bool isRoleDefinitionId(const std::string& id);

}  // namespace kvr::sim
