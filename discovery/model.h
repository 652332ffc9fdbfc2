#pragma once

// The estate: every resource the inputs define or name, the references between them, and
// the relocation request. Templates, inventories and the live crawler all produce it;
// the planner and the map read it.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "discovery/diagnostics.h"
#include "discovery/json.h"

namespace kvr {

// The reason one resource must exist before another. The names match the map's legend.
enum class EdgeKind {
  Declared,              // a dependsOn entry
  ParentChild,           // a child resource and its parent
  SubnetInVnet,          // a subnet and its virtual network
  EndpointInSubnet,      // a private endpoint and the subnet it sits in
  EndpointToVault,       // a private endpoint and the resource it connects to
  ZoneGroupToZone,       // a private DNS zone group and its zone
  ZoneLinkToVnet,        // a private DNS zone link and the virtual network it links
  NetworkRuleSubnet,     // a vault network rule and the subnet it allows
  NsgOnSubnet,           // a subnet and its network security group
  KeyUse,                // a customer-managed key and the service that uses it
  SecretReference,       // a secret and the setting that references it
  CertificateReference,  // a certificate and the service that references it
  AccessGrant,           // an access policy or role assignment and its principal
  Identity,              // a managed identity and the resource that uses it
  DiagnosticsTarget,     // a diagnostic setting and its destination
  Scope,                 // an extension resource and the resource it is attached to
  Reference,             // any other property that names a resource
};

const char* edgeKindName(EdgeKind kind);

struct Resource {
  std::string id;    // as written by the input, with its casing
  std::string key;   // normalizeId(id): the identity for lookups and sorting
  std::string type;  // full type, for example Microsoft.KeyVault/vaults/secrets
  std::string name;  // full name, for example kv-app/db-password
  std::string location;
  std::string subscription;
  std::string resourceGroup;
  std::string apiVersion;
  // The evaluated definition as Resource Manager GET returns it: properties, sku, kind,
  // identity, tags, plus "config" for App Service settings. Secret values are removed on
  // reading and never stored here.
  Json body = Json::object();
  SourceLocation origin;     // where it is defined, or first named when external
  bool external = false;     // named by the inputs but defined in none of them
  bool dataPlane = false;    // a secret, key or certificate in a vault
  // JSON pointers of resource ids written as literals in a template (not through a
  // parameter or expression): they keep naming the source after relocation.
  std::vector<std::string> hardcodedIds;
};

// "from must exist in the target before to is created", with the evidence for it.
struct Reference {
  std::string from;  // key of the resource that is needed
  std::string to;    // key of the resource that needs it
  EdgeKind kind = EdgeKind::Reference;
  std::string evidence;  // "dependsOn[0]", or the path of the property that contains the id
  SourceLocation location;
  std::string value;     // the referencing text (an id, URI or @Microsoft.KeyVault(...)), if any
};

// The administrator's request. Everything except the target region may be left empty,
// and the planner then derives it and reports what it chose.
struct RelocationRequest {
  std::string sourceLocation;
  std::string targetLocation;
  std::string targetSubscriptionId;
  std::string targetResourceGroup;
  std::map<std::string, std::string> vaultNameMap;  // source vault name -> target vault name
  std::map<std::string, std::string> subnetMap;     // source subnet id -> target subnet id
  std::vector<std::string> outOfScope;              // normalised ids the administrator excluded
  Json options = Json::object();  // allowSubnetModification, secretVersions, ...
};

struct Estate {
  std::vector<Resource> resources;
  std::vector<Reference> references;
  RelocationRequest relocation;
  // Per vault name: {"secrets": [...], "keys": [...], "certificates": [...]} as the
  // inventory gives them, values removed.
  Json dataPlane = Json::object();
  // Case-specific facts an inventory may carry: deletedVaults, nameAvailability,
  // targetState, geographyHints.
  Json facts = Json::object();
  std::vector<std::string> files;
  Diagnostics diagnostics;

  // Adds a resource, or merges it into an existing one with the same key (an external
  // placeholder is replaced by a definition). Returns the stored resource.
  Resource& upsert(Resource resource);
  const Resource* find(const std::string& key) const;
  Resource* find(const std::string& key);
  void addReference(Reference reference);

  // Sorts resources by key and references by (from, to, kind, evidence) and drops
  // duplicate references, so every later stage reads them in a deterministic order.
  void normalize();

 private:
  std::map<std::string, std::size_t> index_;
  void reindex();
};

// A placeholder for a resource the inputs name by id but do not define; nullopt when the
// text is not a resource id.
std::optional<Resource> makeExternalResource(const std::string& id, const SourceLocation& namedAt);

// True for the types that live in a vault's data plane.
bool isDataPlaneType(const std::string& type);

}  // namespace kvr
