#pragma once

// The live crawler behind `kvrelocate discover`: starts from one vault and reads, through
// Resource Manager, Resource Graph and the Key Vault data plane, everything tied to it.
// It returns the inventory document that `plan` and `map` read
// (docs/inventory-format.md). It never reads a secret value: secrets are listed by
// version, which returns attributes only. What it may not or cannot read becomes a blind
// spot in the inventory instead of an error.

#include <stdexcept>
#include <string>
#include <vector>

#include "discovery/json.h"

namespace kvr::azure {
class AzureClient;
}

namespace kvr {

struct CrawlOptions {
  std::string vaultId;  // the vault's Resource Manager id
  // Subscription ids that Resource Graph searches for consumers and identities. Empty:
  // the vault's subscription.
  std::vector<std::string> scopes;
  // Resources whose dependents are followed too, because they pass the vault's key on: a
  // disk that names a disk encryption set, and the VM that names that disk.
  std::vector<std::string> dependentSourceTypes = {"Microsoft.Compute/diskEncryptionSets"};
  int dependentDepth = 2;        // hops from such a resource to its dependents
  std::size_t termsPerQuery = 40;  // ids or texts per Resource Graph query
  // A secret, key or certificate with more versions is summarised (versionCount and
  // versionsSummary) instead of listed. Key Vault backs up at most 500 versions.
  std::size_t maxVersionsListed = 500;
  bool readDataPlane = true;
  bool readAppSettings = true;
};

// The vault itself could not be read, so there is nothing to discover.
class CrawlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CrawlSummary {
  std::size_t resources = 0;
  std::size_t consumers = 0;
  std::size_t secrets = 0;
  std::size_t keys = 0;
  std::size_t certificates = 0;
  std::size_t blindSpots = 0;
};

class Crawler {
 public:
  Crawler(azure::AzureClient& client, CrawlOptions options);

  // Crawls and returns the inventory, with sorted keys and resources sorted by id. Throws
  // CrawlError when the vault cannot be read.
  Json run();
  const CrawlSummary& summary() const { return summary_; }

 private:
  azure::AzureClient& client_;
  CrawlOptions options_;
  CrawlSummary summary_;
};

}  // namespace kvr
