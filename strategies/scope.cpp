// The scope of a relocation: the vaults and their data plane, the network they sit in,
// their private endpoints and DNS, and the resources that use them.

#include <deque>

#include "discovery/resource_id.h"
#include "strategies/planner_internal.h"

namespace kvr::planning {

bool isType(const Resource& resource, const char* type) { return iequals(resource.type, type); }

bool isNetworkType(const std::string& type) {
  static const char* const kTypes[] = {
      "Microsoft.Network/virtualNetworks",     "Microsoft.Network/virtualNetworks/subnets",
      "Microsoft.Network/networkSecurityGroups", "Microsoft.Network/routeTables",
      "Microsoft.Network/networkInterfaces",   "Microsoft.Network/publicIPAddresses",
      "Microsoft.Network/natGateways",         "Microsoft.Network/applicationSecurityGroups"};
  for (const char* known : kTypes) {
    if (iequals(type, known)) return true;
  }
  return false;
}

std::string Context::vaultOf(const std::string& key) const {
  const Resource* object = estate.find(key);
  if (!object) return {};
  auto parsed = parseResourceId(object->id);
  if (!parsed) return {};
  auto slash = parsed->name.find('/');
  std::string vaultName = parsed->name.substr(0, slash);
  return normalizeId(makeResourceId(parsed->subscription, parsed->resourceGroup, "Microsoft.KeyVault/vaults", vaultName));
}

Json Context::relocationOption(const std::string& name) const {
  auto it = estate.relocation.options.find(name);
  return it == estate.relocation.options.end() ? Json() : *it;
}

void selectVaults(Context& context) {
  std::set<std::string> wanted;
  for (const auto& name : context.options.vaults) wanted.insert(toLower(name));
  for (const auto& resource : context.estate.resources) {
    if (!isType(resource, "Microsoft.KeyVault/vaults") || resource.external) continue;
    if (!wanted.empty() && !wanted.count(toLower(leafName(resource.name)))) continue;
    context.vaults.push_back(resource.key);
  }
  for (const auto& name : wanted) {
    bool found = false;
    for (const auto& key : context.vaults) found = found || iequals(leafName(context.estate.find(key)->name), name);
    if (!found) {
      context.plan.diagnostics.error("E-VAULT-NOT-FOUND", "no input defines a vault named '" + name + "'");
    }
  }
  // An input file that failed to load may be the one that defines the vault, and its
  // error already names the cause.
  bool fileFailedToLoad =
      context.estate.diagnostics.has("E-INPUT-INVALID") || context.estate.diagnostics.has("E-INPUT-UNKNOWN");
  if (context.vaults.empty() && wanted.empty() && !fileFailedToLoad) {
    std::string referenced;
    for (const auto& resource : context.estate.resources) {
      if (isType(resource, "Microsoft.KeyVault/vaults") && resource.external) {
        referenced += (referenced.empty() ? "" : ", ") + resource.id;
      }
    }
    context.plan.diagnostics.error("E-NO-VAULT",
                                   "the inputs define no Key Vault to relocate" +
                                       (referenced.empty() ? std::string() : " (they only reference " + referenced + ")") +
                                       "; add the template or inventory that defines it");
  }
}

namespace {

class ScopeWalk {
 public:
  explicit ScopeWalk(Context& context) : context_(context) {}

  void run() {
    for (const auto& vault : context_.vaults) add(vault, Role::Vault);
    while (!queue_.empty()) {
      auto [key, role] = queue_.front();
      queue_.pop_front();
      expand(key, role);
    }
  }

 private:
  void add(const std::string& key, Role role) {
    if (!context_.resource(key)) return;
    auto& roles = context_.scope[key];
    if (roles.insert(role).second) queue_.emplace_back(key, role);
  }

  template <typename Visit>
  void forOutgoing(const std::string& key, Visit&& visit) {
    auto range = context_.outgoing.equal_range(key);
    for (auto it = range.first; it != range.second; ++it) visit(*it->second, *context_.resource(it->second->to));
  }

  template <typename Visit>
  void forIncoming(const std::string& key, Visit&& visit) {
    auto range = context_.incoming.equal_range(key);
    for (auto it = range.first; it != range.second; ++it) visit(*it->second, *context_.resource(it->second->from));
  }

  void expand(const std::string& key, Role role) {
    switch (role) {
      case Role::Vault: expandVault(key); break;
      case Role::DataPlane: expandUsers(key); break;
      case Role::Network: expandNetwork(key); break;
      case Role::Endpoint: expandEndpoint(key); break;
      case Role::Dns: expandDns(key); break;
      case Role::Consumer: expandConsumer(key); break;
      case Role::RegionBound: expandRegionBound(key); break;
      default: break;
    }
  }

  void expandVault(const std::string& key) {
    forOutgoing(key, [&](const Reference& ref, const Resource& to) {
      if (ref.kind == EdgeKind::ParentChild) add(to.key, to.dataPlane ? Role::DataPlane : Role::VaultChild);
      if (ref.kind == EdgeKind::EndpointToVault) add(to.key, Role::Endpoint);
      if (ref.kind == EdgeKind::Scope) add(to.key, Role::Extension);
    });
    forIncoming(key, [&](const Reference& ref, const Resource& from) {
      if (ref.kind == EdgeKind::NetworkRuleSubnet) add(from.key, Role::Network);
      if (ref.kind == EdgeKind::AccessGrant) add(from.key, Role::Principal);
    });
    expandUsers(key);
  }

  // Resources that use a vault or one of its objects.
  void expandUsers(const std::string& key) {
    forOutgoing(key, [&](const Reference& ref, const Resource& to) {
      bool uses = ref.kind == EdgeKind::KeyUse || ref.kind == EdgeKind::SecretReference ||
                  ref.kind == EdgeKind::CertificateReference || ref.kind == EdgeKind::Reference;
      if (!uses || to.dataPlane || context_.hasRole(to.key, Role::Endpoint)) return;
      if (isType(to, "Microsoft.Resources/deploymentParameters")) {
        add(to.key, Role::Parameters);
      } else {
        add(to.key, Role::Consumer);
      }
    });
    // A vault child such as accessPolicies may also grant principals.
    forIncoming(key, [&](const Reference& ref, const Resource& from) {
      if (ref.kind == EdgeKind::AccessGrant) add(from.key, Role::Principal);
    });
  }

  void expandNetwork(const std::string& key) {
    const Resource& resource = *context_.resource(key);
    forIncoming(key, [&](const Reference& ref, const Resource& from) {
      bool needed = ref.kind == EdgeKind::SubnetInVnet || ref.kind == EdgeKind::NsgOnSubnet ||
                    (ref.kind == EdgeKind::ParentChild && isNetworkType(from.type)) ||
                    (ref.kind == EdgeKind::Reference && isNetworkType(from.type) &&
                     isType(resource, "Microsoft.Network/networkInterfaces"));
      if (needed) add(from.key, Role::Network);
    });
    // A VNet is written with all of its subnets in one request, so all of them come along.
    if (isType(resource, "Microsoft.Network/virtualNetworks")) {
      forOutgoing(key, [&](const Reference& ref, const Resource& to) {
        if (ref.kind == EdgeKind::SubnetInVnet) add(to.key, Role::Network);
      });
    }
  }

  void expandEndpoint(const std::string& key) {
    forIncoming(key, [&](const Reference& ref, const Resource& from) {
      if (ref.kind == EdgeKind::EndpointInSubnet) add(from.key, Role::Network);
    });
    forOutgoing(key, [&](const Reference& ref, const Resource& to) {
      if (ref.kind == EdgeKind::ParentChild) add(to.key, Role::Dns);
    });
  }

  void expandDns(const std::string& key) {
    const Resource& resource = *context_.resource(key);
    forIncoming(key, [&](const Reference& ref, const Resource& from) {
      if (ref.kind == EdgeKind::ZoneGroupToZone) add(from.key, Role::Dns);
    });
    if (isType(resource, "Microsoft.Network/privateDnsZones")) {
      forOutgoing(key, [&](const Reference& ref, const Resource& to) {
        if (ref.kind == EdgeKind::ParentChild) linkCandidates_.push_back(to.key);
      });
      resolveLinks();
    }
  }

  // A zone's VNet links come along when they link a VNet that is relocated; links to
  // other networks stay as they are.
  void resolveLinks() {
    for (const auto& link : linkCandidates_) {
      forIncoming(link, [&](const Reference& ref, const Resource& from) {
        if (ref.kind == EdgeKind::ZoneLinkToVnet && context_.inScope(from.key)) add(link, Role::Dns);
      });
    }
  }

  void expandConsumer(const std::string& key) {
    const Resource& resource = *context_.resource(key);
    forIncoming(key, [&](const Reference& ref, const Resource& from) {
      if (ref.kind == EdgeKind::Identity) add(from.key, Role::Identity);
    });
    if (mustShareRegion(resource)) add(key, Role::RegionBound);
  }

  // Azure requires a disk encryption set's vault, and a VM's certificate vault, to be in
  // the resource's own region: such consumers move with the vault.
  bool mustShareRegion(const Resource& resource) {
    if (isType(resource, "Microsoft.Compute/diskEncryptionSets")) return true;
    if (!isType(resource, "Microsoft.Compute/virtualMachines")) return false;
    bool usesVaultCertificates = false;
    forIncoming(resource.key, [&](const Reference& ref, const Resource&) {
      if (ref.kind == EdgeKind::CertificateReference && ref.evidence.rfind("properties.osProfile.secrets", 0) == 0) {
        usesVaultCertificates = true;
      }
    });
    return usesVaultCertificates;
  }

  void expandRegionBound(const std::string& key) {
    const Resource& resource = *context_.resource(key);
    // What uses a moving encryption set must move with it: disks, then their VMs.
    forOutgoing(key, [&](const Reference& ref, const Resource& to) {
      bool follows = ref.kind == EdgeKind::KeyUse ||
                     (ref.kind == EdgeKind::Reference && isType(resource, "Microsoft.Compute/disks") &&
                      isType(to, "Microsoft.Compute/virtualMachines"));
      if (follows) add(to.key, Role::RegionBound);
    });
    // A moving VM takes its network interfaces, and they their subnets.
    forIncoming(key, [&](const Reference& ref, const Resource& from) {
      if (ref.kind == EdgeKind::Reference && isType(from, "Microsoft.Network/networkInterfaces")) {
        add(from.key, Role::Network);
      }
      if (ref.kind == EdgeKind::Reference && isType(from, "Microsoft.Compute/disks")) add(from.key, Role::RegionBound);
    });
  }

  Context& context_;
  std::deque<std::pair<std::string, Role>> queue_;
  std::vector<std::string> linkCandidates_;
};

}  // namespace

void computeScope(Context& context) {
  for (const auto& reference : context.estate.references) {
    context.outgoing.emplace(reference.from, &reference);
    context.incoming.emplace(reference.to, &reference);
  }
  ScopeWalk(context).run();
  for (const auto& key : context.estate.relocation.outOfScope) {
    // Explicitly excluded resources are not relocated; consumers among them are still
    // re-pointed, which the strategy rules decide.
    auto it = context.scope.find(key);
    if (it != context.scope.end()) it->second.erase(Role::RegionBound);
  }
}

}  // namespace kvr::planning
