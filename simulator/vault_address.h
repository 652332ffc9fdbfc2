#pragma once

// Where kvsim serves each vault's data plane. Every vault shares the one loopback
// listener and is told apart by the Host header: vault "kv1" is served at
// https://kv1.<vault DNS suffix>:<port>/. A path prefix would not work, because Azure's
// client libraries read the vault URL back from object ids such as
// https://kv1.vault.azure.net/secrets/name/version and expect exactly three path segments.

#include <optional>
#include <string>

namespace kvr::sim {

// "https://kv1.vault.localhost:8443/" for vault "kv1" and base URL "https://127.0.0.1:8443".
std::string vaultUriFor(const std::string& vaultName, const std::string& baseUrl, const std::string& vaultDnsSuffix);

// The vault name in a Host header such as "kv1.vault.localhost:8443", in lower case, or
// nullopt when the host is not under the suffix.
std::optional<std::string> vaultNameFromHost(const std::string& host, const std::string& vaultDnsSuffix);

}  // namespace kvr::sim
