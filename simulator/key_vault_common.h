#pragma once

// Rules and helpers that the Key Vault secrets and keys handlers share: object names,
// recovery levels, settable attributes and paged lists.

#include "simulator/http_message.h"
#include "simulator/resource_manager.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace kvr::sim {

// 1 to 127 letters, digits and hyphens, as Key Vault requires for every object name.
bool isValidObjectName(const std::string& name);

// The vault's deletion recovery level ("Recoverable+Purgeable", ...).
std::string recoveryLevel(const VaultInfo& vault);

// The body as a JSON object (an empty body is {}); nullopt for anything else.
std::optional<nlohmann::json> parseObject(const std::string& body);

// Copies the settable attributes (enabled, nbf, exp) from a request body into `target`;
// returns the problem when one is invalid.
std::optional<std::string> applyAttributes(nlohmann::json& target, const nlohmann::json& source);

// One page of `items` by the request's maxresults (1 to 25, else `defaultPageSize`) and
// $skiptoken, with a nextLink under `link` when more remain.
Response pageItems(const Request& request, const std::vector<nlohmann::json>& items, const std::string& link, int defaultPageSize);

}  // namespace kvr::sim
