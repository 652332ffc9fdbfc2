#pragma once

// The endpoints of one Azure cloud, and the file format that overrides them (kvsim writes
// one for itself).

#include "discovery/diagnostics.h"

#include <map>
#include <optional>
#include <string>

namespace kvr::azure {

struct CloudEndpoints {
  std::string name = "AzureCloud";
  std::string resourceManager = "https://management.azure.com";          // no trailing slash
  std::string resourceManagerAudience = "https://management.azure.com";  // token scope root
  std::string authority = "https://login.microsoftonline.com";           // identity authority
  std::string keyVaultAudience = "https://vault.azure.net";
  std::string keyVaultDnsSuffix = "vault.azure.net";
  // Host name suffix -> loopback address to connect to instead of resolving the name.
  // Only for a local stand-in such as kvsim; every address must be a loopback address.
  std::map<std::string, std::string> hostAddresses;
};

// AzureCloud, AzureUSGovernment or AzureChinaCloud; nullopt for an unknown name.
std::optional<CloudEndpoints> knownCloud(const std::string& name);

// Reads a cloud file: {"name", "resourceManager", "resourceManagerAudience", "authority",
// "keyVaultAudience", "keyVaultDnsSuffix", "hostAddresses": {suffix: address}}; members
// left out keep the values of the named base cloud (AzureCloud when "name" is unknown).
// Each problem is added to `problems` with the file and JSON pointer; InputError is thrown
// only when the file cannot be read or parsed.
CloudEndpoints readCloudFile(const std::string& path, Diagnostics& problems);

// Whether `address` is an IPv4 address in 127.0.0.0/8 or the IPv6 address ::1.
bool isLoopbackAddress(const std::string& address);

// The scope to ask a token for: "<audience>/.default".
std::string defaultScope(const std::string& audience);

}  // namespace kvr::azure
