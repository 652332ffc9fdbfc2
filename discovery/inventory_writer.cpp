#include "discovery/inventory_writer.h"

#include <algorithm>
#include <tuple>

#include "discovery/inventory_reader.h"

namespace kvr {

namespace {

long long createdOf(const Json& version) {
  auto attributes = version.find("attributes");
  if (attributes == version.end() || !attributes->is_object()) return 0;
  auto created = attributes->find("created");
  return created != attributes->end() && created->is_number() ? created->get<long long>() : 0;
}

std::string stringMember(const Json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Json sortedByName(const Json& items) {
  std::vector<Json> sorted(items.begin(), items.end());
  std::sort(sorted.begin(), sorted.end(), [](const Json& a, const Json& b) {
    return toLower(stringMember(a, "name")) < toLower(stringMember(b, "name"));
  });
  Json out = Json::array();
  for (auto& item : sorted) out.push_back(std::move(item));
  return out;
}

}  // namespace

void sortVersionsOldestFirst(Json& versions) {
  if (!versions.is_array()) return;
  std::stable_sort(versions.begin(), versions.end(), [](const Json& a, const Json& b) {
    return std::make_tuple(createdOf(a), stringMember(a, "version")) <
           std::make_tuple(createdOf(b), stringMember(b, "version"));
  });
}

Json writeInventory(const InventoryContents& contents) {
  Json document = Json::object();
  document["kind"] = kInventoryKind;
  document["version"] = kInventoryVersion;
  if (!contents.asOf.empty()) document["asOf"] = contents.asOf;
  document["relocation"] = contents.relocation;

  // The map is keyed by the normalised id, so this is the order by id without case.
  document["resources"] = Json::array();
  for (const auto& [key, resource] : contents.resources) document["resources"].push_back(resource);

  Json dataPlane = Json::object();
  for (auto vault = contents.dataPlane.begin(); vault != contents.dataPlane.end(); ++vault) {
    Json entry = Json::object();
    for (const char* collection : {"secrets", "keys", "certificates"}) {
      // A second guard after the crawler's own: nothing that carries secret material leaves.
      Json items = withoutSecretValues(vault->value(collection, Json::array()));
      entry[collection] = sortedByName(items);
    }
    dataPlane[vault.key()] = entry;
  }
  document["dataPlane"] = dataPlane;

  document["blindSpots"] = Json::array();
  std::vector<BlindSpot> blindSpots = contents.blindSpots;
  std::sort(blindSpots.begin(), blindSpots.end(), [](const BlindSpot& a, const BlindSpot& b) {
    return std::tie(a.scope, a.reason) < std::tie(b.scope, b.reason);
  });
  blindSpots.erase(std::unique(blindSpots.begin(), blindSpots.end(),
                               [](const BlindSpot& a, const BlindSpot& b) {
                                 return a.scope == b.scope && a.reason == b.reason;
                               }),
                   blindSpots.end());
  for (const auto& spot : blindSpots) document["blindSpots"].push_back({{"scope", spot.scope}, {"reason", spot.reason}});

  if (!contents.discovery.empty()) document["discovery"] = contents.discovery;
  return sortedCopy(document);
}

}  // namespace kvr
