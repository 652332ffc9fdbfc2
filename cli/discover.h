#pragma once

// The `discover` command, free of any argument parser: main.cpp fills DiscoverArguments
// from the command line, builds the Azure client from the connection options and calls
// runDiscover().

#include <string>
#include <vector>

#include "cli/commands.h"

namespace kvr::azure {
class AzureClient;
}

namespace kvr::cli {

// Where Azure is and how to sign in to it.
struct ConnectionArguments {
  std::string cloud = "AzureCloud";  // AzureCloud, AzureUSGovernment or AzureChinaCloud
  std::string cloudFile;             // a cloud file, as kvsim writes one, overriding `cloud`
  std::string caFile;                // PEM file of an extra CA to trust
  std::string auth;                  // credential source; empty: the default chain
};

struct DiscoverArguments {
  std::string vaultId;              // Resource Manager id of the vault to start from
  std::vector<std::string> scopes;  // subscription ids to search; default: the vault's
  std::string outputFile;           // empty: standard output
  ConnectionArguments connection;
};

// Crawls from the vault with `client`, writes the inventory and prints one warning line
// per blind spot. Returns kExitSuccess, or kExitInvalidInput when the vault cannot be
// read. Throws UsageError when the output cannot be written.
int runDiscover(const DiscoverArguments& arguments, azure::AzureClient& client);

}  // namespace kvr::cli
