#pragma once

// Role assignments of a relocated vault: which role definition the new assignment uses,
// and the id apply gives it at the new vault's scope. The planner and the executor both
// use these, so the plan shows the id that apply creates.

#include <string>

#include "discovery/model.h"

namespace kvr::planning {

// Returns the GUID of the built-in Azure role with this name (case-insensitive), or ""
// when the name is not one of the Key Vault built-in roles in strategies/built_in_roles.h.
std::string builtInRoleDefinitionGuid(const std::string& roleName);

// Whether `id` is a role definition id: ".../providers/Microsoft.Authorization/
// roleDefinitions/<GUID>", with or without a subscription in front.
bool isRoleDefinitionId(const std::string& id);

// Returns the role definition id to assign at the target: the assignment's own
// `roleDefinitionId` when it is one, else the built-in role its `roleDefinitionName`
// names, under the target subscription. Returns "" when neither resolves.
std::string resolveRoleDefinitionId(const Json& properties, const std::string& targetSubscription);

// Whether resolveRoleDefinitionId() finds a role definition for these properties.
bool roleDefinitionResolves(const Json& properties);

// Returns the id of the role assignment that apply writes. Its name is a GUID derived from
// scope, principal and role definition, so a retry writes the same assignment.
std::string derivedRoleAssignmentId(const std::string& scope, const std::string& principalId,
                                    const std::string& roleDefinitionId);

}  // namespace kvr::planning
