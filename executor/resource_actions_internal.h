#pragma once

// Helpers the resource actions share; not part of the executor's interface.

#include "executor/resource_actions.h"
#include "executor/resource_body.h"

#include <memory>
#include <string>

namespace kvr::executor::detail {

// https://<resource manager><id>?api-version=<the type's version>
std::string resourceUrl(azure::AzureClient& client, const std::string& id, const std::string& type);
// The resource type of an id: provider namespace and every type segment.
std::string typeOfId(const std::string& id);

// GET of a source resource; throws a one-line error naming the id when it is gone.
Json readSource(StepContext& context, const std::string& id, const std::string& type);

// The relocation of the vault a node belongs to: the node's own, or the one whose key
// starts the node's key ("<vault key>#grant/..." or "<vault key>/secrets/...").
const VaultRelocation* vaultOfNode(const Plan& plan, const PlanNode& node);

// The target vault URI, from the run state or else from a GET of the target vault, which
// then records it.
std::string targetVaultUri(StepContext& context, const VaultRelocation& vault, SourceWriteGuard& guard);

// The principal id of a resource's managed identity: identity.principalId, or
// properties.principalId for a user-assigned identity; empty when it has none.
std::string principalOf(const Json& resource);

std::unique_ptr<Action> makeReconfigureAction(const PlanNode& node, ResourceActionEnvironment& environment);
std::unique_ptr<Action> makeRepointAction(const PlanNode& node, ResourceActionEnvironment& environment);

}  // namespace kvr::executor::detail
