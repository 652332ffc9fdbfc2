#pragma once

// Writes the inventory document (docs/inventory-format.md) from what a crawl collected,
// in a deterministic form: object keys sorted at every level, resources sorted by id
// without regard to case, data-plane objects sorted by name, versions oldest first.

#include <map>
#include <string>
#include <vector>

#include "discovery/json.h"

namespace kvr {

// Something discovery could not read: a resource group without read permission, a vault
// whose firewall refused the data-plane list, a service that did not answer.
struct BlindSpot {
  std::string scope;   // the resource id, or the URL without its query
  std::string reason;  // one line: the status, the service's error code and message
};

struct InventoryContents {
  std::map<std::string, Json> resources;  // by normalised id, as Resource Manager GET returns them
  Json dataPlane = Json::object();        // per vault name: secrets, keys, certificates
  Json relocation = Json::object();
  std::vector<BlindSpot> blindSpots;
  Json discovery = Json::object();        // how the crawl found what it found
  std::string asOf;                       // ISO 8601 UTC; left out when empty
};

Json writeInventory(const InventoryContents& contents);

// Sorts the versions of a data-plane item oldest first: by attributes.created, then by
// version id.
void sortVersionsOldestFirst(Json& versions);

}  // namespace kvr
