#pragma once

// The inventory: a JSON snapshot of an estate as Resource Manager and the Key Vault data
// plane return it. docs/inventory-format.md documents it. `discover` writes it; `plan`
// and `map` read it; kvsim is seeded from the same shape with (test) secret values.

#include <string>

#include "discovery/json.h"
#include "discovery/model.h"

namespace kvr {

inline constexpr const char* kInventoryKind = "kvrelocate.inventory";
inline constexpr const char* kInventoryVersion = "1.0";

// Reads an inventory into `estate`. Secret values are dropped on reading. Every problem
// is reported with the file and JSON pointer; reading goes on past each one.
void readInventory(const std::string& file, const Json& document, Estate& estate);

// Returns a copy of a data-plane item (a secret, key or certificate) with every secret
// value and private key removed.
Json withoutSecretValues(const Json& item);

}  // namespace kvr
