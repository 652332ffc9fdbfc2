// linkEstate(): turns the resources the readers produced into a linked estate.

#include <algorithm>
#include <map>
#include <set>

#include "discovery/estate.h"
#include "discovery/expression/expression.h"
#include "discovery/reference_catalog.h"
#include "discovery/resource_id.h"

namespace kvr {

namespace {

// Members that Resource Manager sets itself; two definitions that differ only in these
// are the same definition.
bool isReadOnlyMember(const std::string& name) {
  return name == "id" || name == "etag" || name == "provisioningState" || name == "type" ||
         name == "resourceGuid" || name == "ipConfigurations" || name == "privateEndpoints" ||
         name == "purpose" || name == "serviceAssociationLinks";
}

Json withoutReadOnly(const Json& node) {
  if (!node.is_object()) return node;
  Json out = Json::object();
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (isReadOnlyMember(it.key())) continue;
    out[it.key()] = withoutReadOnly(*it);
  }
  return out;
}

// The first JSON path at which two values differ, for a conflict message.
std::string firstDifference(const Json& a, const Json& b, const std::string& path) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
    for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
    for (const auto& key : keys) {
      std::string childPath = path.empty() ? key : path + "." + key;
      if (!a.contains(key) || !b.contains(key)) return childPath;
      auto diff = firstDifference(a[key], b[key], childPath);
      if (!diff.empty()) return diff;
    }
    return {};
  }
  return a == b ? std::string() : (path.empty() ? "(value)" : path);
}

class Linker {
 public:
  explicit Linker(Estate& estate) : estate_(estate) {}

  void run() {
    mergeInlineSubnets();
    linkParents();
    indexVaultsAndPrincipals();
    std::size_t defined = estate_.resources.size();
    for (std::size_t i = 0; i < defined; ++i) {
      if (estate_.resources[i].external) continue;
      // Copy: scanning may add resources and invalidate references into the vector.
      Resource holder = estate_.resources[i];
      scanCatalog(holder);
      scanGeneric(holder);
    }
    dropBackReferences();
    estate_.references.erase(std::remove_if(estate_.references.begin(), estate_.references.end(),
                                            [](const Reference& r) { return r.from == r.to; }),
                             estate_.references.end());
    estate_.normalize();
  }

 private:
  // Turns a VNet's inline subnets into subnet resources. A subnet also defined as a child
  // resource is merged when both bodies agree and reported when they differ.
  void mergeInlineSubnets() {
    std::size_t count = estate_.resources.size();
    for (std::size_t i = 0; i < count; ++i) {
      const Resource vnet = estate_.resources[i];
      if (!iequals(vnet.type, "Microsoft.Network/virtualNetworks") || vnet.external) continue;
      const Json subnets = vnet.body.value("properties", Json::object()).value("subnets", Json::array());
      if (!subnets.is_array()) continue;
      for (std::size_t s = 0; s < subnets.size(); ++s) mergeSubnet(vnet, subnets[s], s);
    }
  }

  void mergeSubnet(const Resource& vnet, const Json& inline_, std::size_t index) {
    std::string name = inline_.is_object() ? inline_.value("name", std::string()) : std::string();
    std::string pointer = pointerAppend(pointerAppend(pointerAppend(vnet.origin.pointer, "properties"), "subnets"), index);
    if (name.empty() || expr::isExpression(name)) return;
    Resource subnet;
    subnet.type = "Microsoft.Network/virtualNetworks/subnets";
    subnet.name = vnet.name + "/" + name;
    subnet.id = vnet.id + "/subnets/" + name;
    subnet.key = normalizeId(subnet.id);
    subnet.location = vnet.location;
    subnet.subscription = vnet.subscription;
    subnet.resourceGroup = vnet.resourceGroup;
    subnet.apiVersion = vnet.apiVersion;
    subnet.origin = {vnet.origin.file, pointer, -1};
    subnet.body = Json::object();
    subnet.body["properties"] = inline_.value("properties", Json::object());
    subnet.body["definedInline"] = true;

    Resource* child = estate_.find(subnet.key);
    if (!child || child->external) {
      estate_.upsert(std::move(subnet));
      return;
    }
    Json inlineProperties = withoutReadOnly(subnet.body["properties"]);
    Json childProperties = withoutReadOnly(child->body.value("properties", Json::object()));
    if (inlineProperties == childProperties) {
      child->body["definedInline"] = true;
      estate_.diagnostics.info("I-SUBNET-DUPLICATE-MERGED",
                               "subnet '" + name + "' is defined inline in its VNet and as a child resource with "
                               "identical properties; merged into one",
                               child->id, subnet.origin);
    } else {
      estate_.diagnostics.error("E-SUBNET-CONFLICT",
                                "subnet '" + name + "' is defined inline (" + subnet.origin.str() +
                                    ") and as a child resource (" + child->origin.str() + ") with different values at " +
                                    firstDifference(inlineProperties, childProperties, "properties") +
                                    "; keep one definition",
                                child->id, subnet.origin);
    }
  }

  void linkParents() {
    std::size_t count = estate_.resources.size();
    for (std::size_t i = 0; i < count; ++i) {
      const Resource child = estate_.resources[i];
      if (child.external) continue;
      auto parsed = parseResourceId(child.id);
      if (!parsed) continue;
      if (!parsed->scope.empty()) {
        std::string scopeKey = ensureResource(parsed->scope, child.origin);
        if (scopeKey.empty()) continue;
        estate_.addReference({scopeKey, child.key, EdgeKind::Scope, "scope", child.origin, {}});
        // Resource Manager repeats the scope in properties.scope; that is the same edge.
        covered_.insert({child.key, scopeKey});
        continue;
      }
      auto parent = parentId(child.id);
      if (!parent) continue;
      std::string parentKey = ensureResource(*parent, child.origin);
      if (parentKey.empty()) continue;
      EdgeKind kind = iequals(child.type, "Microsoft.Network/virtualNetworks/subnets") ? EdgeKind::SubnetInVnet
                                                                                       : EdgeKind::ParentChild;
      estate_.addReference({parentKey, child.key, kind, "child of parent", child.origin, {}});
    }
  }

  // Returns the key of the resource with this id, adding an external placeholder when the
  // inputs do not define it. Returns empty for ids that are not resources (subscriptions).
  std::string ensureResource(const std::string& id, const SourceLocation& where) {
    std::string key = normalizeId(id);
    if (estate_.find(key)) return key;
    auto parsed = parseResourceId(id);
    if (!parsed || parsed->type.empty() || iequals(parsed->type, "Microsoft.Resources/subscriptions") ||
        iequals(parsed->type, "Microsoft.Resources/resourceGroups")) {
      return {};
    }
    estate_.upsert(*makeExternalResource(id, where));
    return key;
  }

  void indexVaultsAndPrincipals() {
    // An input may name the owner of a principal id that appears nowhere else:
    // {"knownPrincipals": {"<object id>": {"ownerResource": "<resource name>"}}}.
    auto hints = estate_.relocation.options.find("knownPrincipals");
    if (hints != estate_.relocation.options.end() && hints->is_object()) {
      for (auto it = hints->begin(); it != hints->end(); ++it) {
        auto owner = it->is_object() ? it->find("ownerResource") : it->end();
        if (owner == it->end() || !owner->is_string()) continue;
        knownPrincipalOwners_[toLower(owner->get<std::string>())].push_back(toLower(it.key()));
      }
    }
    for (const auto& resource : estate_.resources) {
      if (iequals(resource.type, "Microsoft.KeyVault/vaults")) vaults_[toLower(leafName(resource.name))] = resource.key;
      const Json identity = resource.body.value("identity", Json::object());
      if (identity.is_object()) {
        std::string principal = identity.value("principalId", std::string());
        if (!principal.empty() && !expr::isExpression(principal)) principals_[toLower(principal)] = resource.key;
      }
      if (auto owner = knownPrincipalOwners_.find(toLower(leafName(resource.name))); owner != knownPrincipalOwners_.end()) {
        for (const auto& principal : owner->second) principals_[principal] = resource.key;
      }
      if (iequals(resource.type, "Microsoft.ManagedIdentity/userAssignedIdentities")) {
        std::string principal = resource.body.value("properties", Json::object()).value("principalId", std::string());
        if (!principal.empty() && !expr::isExpression(principal)) principals_[toLower(principal)] = resource.key;
      }
    }
  }

  // The key of a vault named in a URI; an external placeholder when the inputs do not hold
  // it, since the vault's resource group is then unknown.
  std::string vaultKeyByName(const std::string& name, const SourceLocation& where) {
    auto it = vaults_.find(toLower(name));
    if (it != vaults_.end()) return it->second;
    std::string id = "/subscriptions/unknown/resourceGroups/unknown/providers/Microsoft.KeyVault/vaults/" + name;
    std::string key = ensureResource(id, where);
    vaults_[toLower(name)] = key;
    return key;
  }

  // The data-plane object a URI or reference names. An object of a vault in the inputs is
  // part of that vault's data plane even when no input lists it.
  std::string objectKey(const std::string& vaultKey, std::string collection, const std::string& name,
                        const SourceLocation& where) {
    const Resource* vault = estate_.find(vaultKey);
    if (!vault) return vaultKey;
    // A certificate's key and secret carry the certificate's name and belong to it: Key
    // Vault serves the certificate with its private key as a secret of that name.
    if (collection != "certificates" && estate_.find(normalizeId(vault->id + "/certificates/" + name))) {
      collection = "certificates";
    }
    std::string id = vault->id + "/" + collection + "/" + name;
    std::string key = normalizeId(id);
    if (estate_.find(key)) return key;
    Resource object;
    object.id = id;
    object.key = key;
    object.type = "Microsoft.KeyVault/vaults/" + collection;
    object.name = vault->name + "/" + name;
    object.location = vault->location;
    object.subscription = vault->subscription;
    object.resourceGroup = vault->resourceGroup;
    object.origin = where;
    object.dataPlane = true;
    object.external = vault->external;
    object.body = Json{{"name", name}, {"source", "reference"}};
    estate_.upsert(std::move(object));
    estate_.addReference({vaultKey, key, EdgeKind::ParentChild, "child of parent", where, {}});
    return key;
  }

  void scanCatalog(const Resource& holder) {
    for (const auto& match : ReferenceCatalog::builtin().scan(holder)) {
      if (expr::isExpression(match.value)) continue;  // not known before deployment
      SourceLocation where = holder.origin;
      const CatalogEntry& entry = *match.entry;
      std::string target = resolveTarget(entry, match, where);
      if (target.empty()) continue;
      if (entry.backReference) {
        backReferences_.push_back({holder.key, target, match.path});
        covered_.insert({holder.key, target});  // the generic scan must not turn it into an edge either
        continue;
      }
      covered_.insert({holder.key, target});
      estate_.addReference({target, holder.key, entry.kind, match.path, where, match.value});
    }
  }

  std::string resolveTarget(const CatalogEntry& entry, const CatalogMatch& match, const SourceLocation& where) {
    switch (entry.target) {
      case ReferenceTarget::ResourceId:
        if (!looksLikeResourceId(match.value)) return {};
        return ensureResource(match.value, where);
      case ReferenceTarget::VaultUri: {
        auto vault = vaultNameFromUri(match.value);
        if (!vault) return {};
        std::string vaultKey = vaultKeyByName(*vault, where);
        if (!match.keyName.empty() && !expr::isExpression(match.keyName)) {
          return objectKey(vaultKey, "keys", match.keyName, where);
        }
        return vaultKey;
      }
      case ReferenceTarget::ObjectUri: {
        auto uri = parseObjectUri(match.value);
        if (!uri) return {};
        // A certificate is consumed through its secret's URL (with the private key), so a
        // certificate reference names the certificate whatever the URL's collection.
        std::string collection = entry.kind == EdgeKind::CertificateReference ? "certificates" : uri->collection;
        return objectKey(vaultKeyByName(uri->vaultName, where), collection, uri->name, where);
      }
      case ReferenceTarget::KeyVaultReference: {
        auto reference = parseKeyVaultReference(match.value);
        if (!reference) return {};
        return objectKey(vaultKeyByName(reference->vaultName, where), "secrets", reference->secretName, where);
      }
      case ReferenceTarget::PrincipalId: {
        auto it = principals_.find(toLower(match.value));
        return it == principals_.end() ? std::string() : it->second;
      }
    }
    return {};
  }

  // Any other string that holds the id of a resource in the estate, a vault URI or an App
  // Service Key Vault reference: the catalog cannot list every property of every type.
  void scanGeneric(const Resource& holder) {
    walkStrings(holder.body, "", [&](const std::string& path, const std::string& text) {
      std::string target;
      EdgeKind kind = EdgeKind::Reference;
      if (looksLikeResourceId(text)) {
        std::string key = normalizeId(text);
        if (!estate_.find(key) || estate_.find(key)->external) return;
        // A parent's body lists its children's ids (a VNet's subnets): not a dependency.
        if (key.rfind(holder.key + "/", 0) == 0) return;
        target = key;
      } else if (auto reference = parseKeyVaultReference(text)) {
        target = objectKey(vaultKeyByName(reference->vaultName, holder.origin), "secrets", reference->secretName,
                           holder.origin);
        kind = EdgeKind::SecretReference;
      } else if (auto uri = parseObjectUri(text)) {
        target = objectKey(vaultKeyByName(uri->vaultName, holder.origin), uri->collection, uri->name, holder.origin);
        kind = EdgeKind::SecretReference;
      } else if (auto vault = vaultNameFromUri(text)) {
        auto it = vaults_.find(*vault);
        if (it == vaults_.end()) return;
        target = it->second;
      } else {
        return;
      }
      if (target == holder.key || covered_.count({holder.key, target})) return;
      covered_.insert({holder.key, target});
      estate_.addReference({target, holder.key, kind, path, holder.origin, text});
    });
  }

  template <typename Visit>
  static void walkStrings(const Json& node, const std::string& path, Visit&& visit) {
    if (node.is_string()) {
      visit(path, node.get<std::string>());
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) walkStrings(node[i], path + "[" + std::to_string(i) + "]", visit);
    } else if (node.is_object()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        walkStrings(*it, path.empty() ? it.key() : path + "." + it.key(), visit);
      }
    }
  }

  // An exporter fills read-only properties (a NIC's virtualMachine, a vault's
  // privateEndpointConnections) with the id of a resource that depends on the holder,
  // and often adds a matching dependsOn. Both point the wrong way and are dropped.
  void dropBackReferences() {
    for (const auto& back : backReferences_) {
      auto before = estate_.references.size();
      estate_.references.erase(
          std::remove_if(estate_.references.begin(), estate_.references.end(),
                         [&](const Reference& r) { return r.from == back.target && r.to == back.holder; }),
          estate_.references.end());
      if (estate_.references.size() == before) continue;
      const Resource* holder = estate_.find(back.holder);
      const Resource* target = estate_.find(back.target);
      estate_.diagnostics.warning(
          "W-EXPORT-BACKREF-DROPPED",
          "dropped the dependency of " + (holder ? holder->name : back.holder) + " on " +
              (target ? target->name : back.target) + ": it comes from the read-only property " + back.path +
              ", which the platform sets, and would form a cycle",
          holder ? holder->id : back.holder, holder ? holder->origin : SourceLocation{});
    }
  }

  struct BackReference {
    std::string holder;
    std::string target;
    std::string path;
  };

  Estate& estate_;
  std::map<std::string, std::string> vaults_;
  std::map<std::string, std::string> principals_;
  std::map<std::string, std::vector<std::string>> knownPrincipalOwners_;
  std::set<std::pair<std::string, std::string>> covered_;
  std::vector<BackReference> backReferences_;
};

}  // namespace

void linkEstate(Estate& estate) { Linker(estate).run(); }

}  // namespace kvr
