#pragma once

// Turns a source resource, as Resource Manager GET returns it, into the body that creates
// its counterpart in the target: the target name and location, every reference to a
// relocated resource rewritten to the target's id, and the members Azure sets itself
// (provisioningState, resourceGuid, etag, back-references such as a subnet's
// ipConfigurations) left out.

#include "discovery/json.h"
#include "executor/step.h"
#include "strategies/plan.h"

#include <map>
#include <optional>
#include <string>

namespace kvr::executor {

// Source id -> target id for every resource the run relocates, in lower case: plan nodes
// with a target id, and what the run state learnt (ids an operator supplied included).
using IdMap = std::map<std::string, std::string>;
IdMap relocatedIds(const Plan& plan, const RunState& state);

// Replaces every string (and object member name) that is a source id in `ids`, or a path
// under one, with the target id.
Json rewriteIds(const Json& value, const IdMap& ids);

// The body for the PUT that creates `node`'s target, from its source `resource`. Vault URIs
// and key ids are not handled here (see targetObjectUrl).
Json targetBody(const Plan& plan, const PlanNode& node, const Json& resource, const IdMap& ids);

// A Key Vault object URL split into its parts; vaultName is the host's first label.
struct VaultObjectUrl {
  std::string vaultName;
  std::string collection;  // secrets, keys or certificates
  std::string name;
  std::string version;     // empty for a versionless URL
};
std::optional<VaultObjectUrl> parseVaultObjectUrl(const std::string& url);

// The target's URL for a source vault object URL (https://<vault>.../keys/<name>[/<version>]):
// the target vault's URI, and the version's copy from the run state. A version missing
// from the run state keeps its id when the object moved by backup and restore, which
// keeps version ids. Returns nullopt when the URL names no relocated vault; throws
// std::runtime_error when the version's copy is not recorded.
std::optional<std::string> targetObjectUrl(const std::string& url, const Plan& plan, const RunState& state);

// The target vault URI of a relocated source vault, by the source vault's name; nullopt
// when the name is not a relocated vault or the target vault does not exist yet.
std::optional<std::string> targetVaultUriByName(const std::string& sourceVaultName, const Plan& plan, const RunState& state);

}  // namespace kvr::executor
