#pragma once

// Rules and helpers that the Key Vault secrets, keys and certificates handlers share:
// object names, recovery levels, name conflicts, backup blobs, settable attributes and
// paged lists.

#include "simulator/backup_cipher.h"
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

// 409 Conflict with inner error ObjectIsDeletedButRecoverable, as Key Vault returns when
// a new object would take the name of a soft-deleted one. `kind` is Secret, Key or Certificate.
Response deletedButRecoverable(const std::string& kind, const std::string& name);

// The payload of the sealed backup blob in a restore request's "value"; null when the body
// has no blob, or the blob was not sealed by `cipher` or was altered.
nlohmann::json openBackupPayload(const Request& request, const BackupCipher& cipher);

// The 403 when a backup payload's subscription or geography differs from `vault`'s, as a
// backup restores only within one subscription and geography.
std::optional<Response> checkRestoreTarget(const nlohmann::json& payload, const VaultInfo& vault);

// The body as a JSON object (an empty body is {}); nullopt for anything else.
std::optional<nlohmann::json> parseObject(const std::string& body);

// Copies the settable attributes (enabled, nbf, exp) from a request body into `target`;
// returns the problem when one is invalid.
std::optional<std::string> applyAttributes(nlohmann::json& target, const nlohmann::json& source);

// One page of `items` by the request's maxresults (1 to 25, else `defaultPageSize`) and
// $skiptoken, with a nextLink under `link` when more remain.
Response pageItems(const Request& request, const std::vector<nlohmann::json>& items, const std::string& link, int defaultPageSize);

}  // namespace kvr::sim
