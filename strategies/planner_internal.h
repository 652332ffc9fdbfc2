#pragma once

// State shared by the planner's phases: scope, strategy rules, feasibility checks and
// ordering. Not part of the public interface.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "discovery/model.h"
#include "strategies/geography.h"
#include "strategies/plan.h"
#include "strategies/planner.h"

namespace kvr::planning {

// The reason a resource is in the plan's scope.
enum class Role {
  Vault,        // a vault being relocated
  DataPlane,    // a secret, key or certificate of such a vault
  VaultChild,   // accessPolicies or privateEndpointConnections of such a vault
  Network,      // a network resource the relocated resources sit in
  Endpoint,     // a private endpoint to a relocated vault
  Dns,          // a private DNS zone, zone group or VNet link of such an endpoint
  Consumer,     // a resource that uses the vault or its objects
  RegionBound,  // a consumer that must live in the vault's region, so it moves too
  Principal,    // a resource whose identity the vault's access policies grant
  Identity,     // a managed identity a consumer uses to reach the vault
  Extension,    // a role assignment, lock or diagnostic setting on a relocated vault
  Parameters,   // a parameters file that references a vault secret
};

struct Context {
  const Estate& estate;
  const PlanOptions& options;
  Plan& plan;
  GeographyTable geographies;

  std::string sourceLocation;
  std::string targetLocation;
  bool sameSubscription = true;
  bool sameGeography = false;

  std::vector<std::string> vaults;                    // keys of the vaults to relocate
  std::map<std::string, std::set<Role>> scope;        // in-scope key -> roles
  std::map<std::string, std::string> targetVaultName; // vault key -> target name
  std::map<std::string, PlanNode> nodes;              // every plan node by key
  std::set<std::string> changingPrincipals;           // holder keys whose principal changes
  std::map<std::string, std::string> subnetMap;       // normalised source subnet id -> target id

  // Outgoing and incoming references by key, built once.
  std::multimap<std::string, const Reference*> outgoing;
  std::multimap<std::string, const Reference*> incoming;

  Context(const Estate& e, const PlanOptions& o, Plan& p) : estate(e), options(o), plan(p) {}

  bool inScope(const std::string& key) const { return scope.count(key) > 0; }
  bool hasRole(const std::string& key, Role role) const {
    auto it = scope.find(key);
    return it != scope.end() && it->second.count(role) > 0;
  }
  const Resource* resource(const std::string& key) const { return estate.find(key); }
  // The vault a data-plane object or vault child belongs to.
  std::string vaultOf(const std::string& key) const;
  Json relocationOption(const std::string& name) const;
};

void selectVaults(Context& context);
void computeScope(Context& context);
void assignStrategies(Context& context);
void runChecks(Context& context);
void orderSteps(Context& context);

// Type tests shared by the phases.
bool isType(const Resource& resource, const char* type);
bool isNetworkType(const std::string& type);

}  // namespace kvr::planning
