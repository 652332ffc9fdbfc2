#pragma once

// The `discover` command, free of any argument parser: main.cpp fills DiscoverArguments
// from the command line and calls runDiscover().

#include <string>
#include <vector>

#include "azure/connection.h"

namespace kvr::azure {
class AzureClient;
}

namespace kvr::cli {

struct DiscoverArguments {
  std::string vaultId;              // Resource Manager id of the vault to start from
  std::vector<std::string> scopes;  // subscription ids to search; default: the vault's
  std::string outputFile;           // empty: standard output
  azure::ConnectionOptions connection;
};

// Opens the connection that the arguments describe and crawls with it. Returns
// kExitUsage when the connection options are invalid; otherwise as the overload below.
int runDiscover(const DiscoverArguments& arguments);

// Crawls from the vault with `client`, writes the inventory and prints one warning line
// per blind spot. Returns kExitSuccess, or kExitInvalidInput when the vault cannot be
// read. Throws UsageError when the output cannot be written.
int runDiscover(const DiscoverArguments& arguments, azure::AzureClient& client);

}  // namespace kvr::cli
