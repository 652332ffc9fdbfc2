#include "discovery/inventory_reader.h"

#include "discovery/resource_id.h"

namespace kvr {

namespace {

// Members that carry secret material in the data-plane shapes: a secret's value, a
// certificate's PFX or PEM with its private key, a key's private parts.
bool isSecretMember(const std::string& name) {
  static const char* const kNames[] = {"value", "pfx", "pem", "privateKey", "d", "dp", "dq", "p", "q", "qi", "k",
                                       "backup"};
  for (const char* secret : kNames) {
    if (name == secret) return true;
  }
  return false;
}

std::string stringOr(const Json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

class InventoryReader {
 public:
  InventoryReader(const std::string& file, const Json& document, Estate& estate)
      : file_(file), document_(document), estate_(estate) {}

  void run() {
    if (!checkHeader()) return;
    readRelocation();
    readResources();
    readDataPlane();
    checkBlindSpots();
    for (const char* fact : {"deletedVaults", "nameAvailability", "targetState", "geographyHints", "armExportOfKeys",
                             "mock", "asOf", "blindSpots"}) {
      if (document_.contains(fact)) estate_.facts[fact] = document_[fact];
    }
  }

 private:
  bool checkHeader() {
    std::string kind = stringOr(document_, "kind");
    if (kind != kInventoryKind && kind != "kvreloc.inventory") {
      error("E-INVENTORY-INVALID", "\"kind\" must be \"kvrelocate.inventory\", got \"" + kind + "\"", "/kind");
      return false;
    }
    std::string version = stringOr(document_, "version");
    if (version.empty() || (version.rfind("1.", 0) != 0 && version != "0.1")) {
      error("E-INVENTORY-VERSION", "inventory version \"" + version + "\" is not supported; this build reads 1.x",
            "/version");
      return false;
    }
    if (!document_.contains("resources") || !document_["resources"].is_array()) {
      error("E-INVENTORY-INVALID", "\"resources\" must be an array", "/resources");
      return false;
    }
    return true;
  }

  void readRelocation() {
    auto it = document_.find("relocation");
    if (it == document_.end()) return;
    if (!it->is_object()) {
      error("E-INVENTORY-INVALID", "\"relocation\" must be an object", "/relocation");
      return;
    }
    RelocationRequest& request = estate_.relocation;
    const Json& r = *it;
    auto setIfEmpty = [&](std::string& field, const char* name) {
      if (field.empty()) field = toLower(stringOr(r, name));
    };
    setIfEmpty(request.sourceLocation, "sourceLocation");
    setIfEmpty(request.targetLocation, "targetLocation");
    if (request.targetSubscriptionId.empty()) request.targetSubscriptionId = stringOr(r, "targetSubscriptionId");
    if (request.targetResourceGroup.empty()) request.targetResourceGroup = stringOr(r, "targetResourceGroup");
    readStringMap(r, "vaultNameMap", request.vaultNameMap);
    readStringMap(r, "subnetMap", request.subnetMap);
    if (auto outOfScope = r.find("outOfScope"); outOfScope != r.end() && outOfScope->is_array()) {
      for (const auto& id : *outOfScope) {
        if (id.is_string()) request.outOfScope.push_back(normalizeId(id.get<std::string>()));
      }
    }
    if (auto options = r.find("options"); options != r.end() && options->is_object()) {
      for (auto o = options->begin(); o != options->end(); ++o) {
        if (!request.options.contains(o.key())) request.options[o.key()] = *o;
      }
      if (auto limit = options->find("maxParallelDataPlaneRequests"); limit != options->end() &&
                                                                        !(limit->is_number_integer() && limit->get<long long>() > 0)) {
        error("E-INVENTORY-INVALID", "\"maxParallelDataPlaneRequests\" must be a positive integer",
              "/relocation/options/maxParallelDataPlaneRequests");
      }
    }
    for (const char* flag : {"decommissionSource", "runner", "resume", "alternativeRequest"}) {
      if (r.contains(flag) && !request.options.contains(flag)) request.options[flag] = r[flag];
    }
  }

  // blindSpots: [{"scope": "<id or URL>", "reason": "..."}], as `discover` writes them.
  void checkBlindSpots() {
    auto it = document_.find("blindSpots");
    if (it == document_.end()) return;
    if (!it->is_array()) {
      error("E-INVENTORY-INVALID", "\"blindSpots\" must be an array", "/blindSpots");
      return;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const Json& spot = (*it)[i];
      if (!spot.is_object() || stringOr(spot, "scope").empty()) {
        error("E-INVENTORY-INVALID", "a blind spot needs a \"scope\" string", pointerAppend("/blindSpots", i));
      }
    }
  }

  void readStringMap(const Json& object, const char* name, std::map<std::string, std::string>& out) {
    auto it = object.find(name);
    if (it == object.end()) return;
    if (!it->is_object()) {
      error("E-INVENTORY-INVALID", std::string("\"") + name + "\" must be an object", pointerAppend("/relocation", name));
      return;
    }
    for (auto entry = it->begin(); entry != it->end(); ++entry) {
      if (!entry->is_string()) {
        error("E-INVENTORY-INVALID", "map values must be strings",
              pointerAppend(pointerAppend("/relocation", name), entry.key()));
        continue;
      }
      out.emplace(toLower(entry.key()), entry->get<std::string>());
    }
  }

  void readResources() {
    const Json& resources = document_["resources"];
    for (std::size_t i = 0; i < resources.size(); ++i) readResource(resources[i], pointerAppend("/resources", i));
  }

  void readResource(const Json& item, const std::string& pointer) {
    if (!item.is_object()) {
      error("E-INVENTORY-INVALID", "a resource must be a JSON object", pointer);
      return;
    }
    auto idMember = item.find("id");
    if (idMember != item.end() && !idMember->is_string()) {
      error("E-INVENTORY-INVALID",
            std::string("\"id\" must be a string, but it is a JSON ") + idMember->type_name() +
                "; write the resource id in quotes",
            pointerAppend(pointer, "id"));
      return;
    }
    std::string id = stringOr(item, "id");
    auto parsed = parseResourceId(id);
    if (!parsed) {
      error("E-INVENTORY-INVALID",
            id.empty() ? "the resource has no \"id\"" : "\"" + id + "\" is not a valid resource id",
            pointerAppend(pointer, "id"));
      return;
    }
    std::string type = stringOr(item, "type");
    if (!type.empty() && !iequals(type, parsed->type)) {
      error("E-INVENTORY-INVALID", "\"type\" is " + type + " but the id names a " + parsed->type,
            pointerAppend(pointer, "type"));
    }
    Resource resource;
    resource.id = id;
    resource.key = normalizeId(id);
    resource.type = parsed->type;
    resource.name = parsed->name;
    resource.location = toLower(stringOr(item, "location"));
    resource.subscription = parsed->subscription;
    resource.resourceGroup = parsed->resourceGroup;
    if (!parsed->scope.empty()) {
      if (auto target = parseResourceId(parsed->scope)) resource.resourceGroup = target->resourceGroup;
    }
    resource.origin = {file_, pointer, -1};
    resource.dataPlane = isDataPlaneType(resource.type);
    resource.body = item;
    resource.body.erase("id");
    resource.body.erase("type");
    resource.body.erase("name");
    if (resource.dataPlane) resource.body = withoutSecretValues(resource.body);
    if (estate_.find(resource.key) && !estate_.find(resource.key)->external) {
      estate_.diagnostics.error("E-RESOURCE-CONFLICT", "the inventory lists this resource twice", id, {file_, pointer, -1});
      return;
    }
    estate_.upsert(std::move(resource));
  }

  void readDataPlane() {
    auto it = document_.find("dataPlane");
    if (it == document_.end()) return;
    if (!it->is_object()) {
      error("E-INVENTORY-INVALID", "\"dataPlane\" must be an object keyed by vault name", "/dataPlane");
      return;
    }
    for (auto vault = it->begin(); vault != it->end(); ++vault) {
      std::string pointer = pointerAppend("/dataPlane", vault.key());
      // A copy: adding objects to the estate may move its resources in memory.
      const Resource* found = findVault(vault.key());
      if (!found) {
        error("E-INVENTORY-INVALID", "data plane given for vault '" + vault.key() + "', which no resource defines",
              pointer);
        continue;
      }
      const Resource owner = *found;
      Json stripped = Json::object();
      for (const char* collection : {"secrets", "keys", "certificates"}) {
        stripped[collection] = Json::array();
        auto items = vault->find(collection);
        if (items == vault->end()) continue;
        if (!items->is_array()) {
          error("E-INVENTORY-INVALID", std::string("\"") + collection + "\" must be an array",
                pointerAppend(pointer, collection));
          continue;
        }
        for (std::size_t i = 0; i < items->size(); ++i) {
          std::string itemPointer = pointerAppend(pointerAppend(pointer, collection), i);
          Json item = withoutSecretValues((*items)[i]);
          stripped[collection].push_back(item);
          addObject(owner, collection, item, itemPointer);
        }
      }
      estate_.dataPlane[toLower(vault.key())] = stripped;
    }
  }

  const Resource* findVault(const std::string& name) const {
    for (const auto& resource : estate_.resources) {
      if (iequals(resource.type, "Microsoft.KeyVault/vaults") && iequals(resource.name, name)) return &resource;
    }
    return nullptr;
  }

  void addObject(const Resource& vault, const std::string& collection, const Json& item, const std::string& pointer) {
    std::string name = stringOr(item, "name");
    if (name.empty()) {
      error("E-INVENTORY-INVALID", "a data-plane object has no \"name\"", pointerAppend(pointer, "name"));
      return;
    }
    Resource object;
    object.id = vault.id + "/" + collection + "/" + name;
    object.key = normalizeId(object.id);
    object.type = "Microsoft.KeyVault/vaults/" + collection;
    object.name = vault.name + "/" + name;
    object.location = vault.location;
    object.subscription = vault.subscription;
    object.resourceGroup = vault.resourceGroup;
    object.origin = {file_, pointer, -1};
    object.dataPlane = true;
    object.body = item;
    object.body["source"] = "dataPlane";
    estate_.upsert(std::move(object));
  }

  void error(const std::string& code, const std::string& message, const std::string& pointer) {
    estate_.diagnostics.error(code, message, {}, {file_, pointer, -1});
  }

  const std::string& file_;
  const Json& document_;
  Estate& estate_;
};

}  // namespace

Json withoutSecretValues(const Json& item) {
  if (item.is_object()) {
    Json out = Json::object();
    for (auto it = item.begin(); it != item.end(); ++it) {
      if (isSecretMember(it.key())) continue;
      // Tags are plain metadata; a tag may well be called "p" or "value".
      out[it.key()] = it.key() == "tags" ? *it : withoutSecretValues(*it);
    }
    return out;
  }
  if (item.is_array()) {
    Json out = Json::array();
    for (const auto& child : item) out.push_back(withoutSecretValues(child));
    return out;
  }
  return item;
}

void readInventory(const std::string& file, const Json& document, Estate& estate) {
  InventoryReader(file, document, estate).run();
}

}  // namespace kvr
