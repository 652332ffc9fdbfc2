#include "discovery/model.h"

#include <algorithm>
#include <tuple>

#include "discovery/resource_id.h"

namespace kvr {

const char* edgeKindName(EdgeKind kind) {
  switch (kind) {
    case EdgeKind::Declared: return "declared";
    case EdgeKind::ParentChild: return "parent-child";
    case EdgeKind::SubnetInVnet: return "subnet-in-vnet";
    case EdgeKind::EndpointInSubnet: return "endpoint-in-subnet";
    case EdgeKind::EndpointToVault: return "endpoint-to-vault";
    case EdgeKind::ZoneGroupToZone: return "zone-group-to-zone";
    case EdgeKind::ZoneLinkToVnet: return "zone-link-to-vnet";
    case EdgeKind::NetworkRuleSubnet: return "network-rule-subnet";
    case EdgeKind::NsgOnSubnet: return "nsg-on-subnet";
    case EdgeKind::KeyUse: return "key-use";
    case EdgeKind::SecretReference: return "secret-reference";
    case EdgeKind::CertificateReference: return "certificate-reference";
    case EdgeKind::AccessGrant: return "access-grant";
    case EdgeKind::Identity: return "identity";
    case EdgeKind::DiagnosticsTarget: return "diagnostics-target";
    case EdgeKind::Scope: return "scope";
    case EdgeKind::Reference: return "reference";
  }
  return "reference";
}

Resource& Estate::upsert(Resource resource) {
  auto it = index_.find(resource.key);
  if (it == index_.end()) {
    index_[resource.key] = resources.size();
    resources.push_back(std::move(resource));
    return resources.back();
  }
  Resource& existing = resources[it->second];
  if (existing.external && !resource.external) existing = std::move(resource);
  return existing;
}

const Resource* Estate::find(const std::string& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &resources[it->second];
}

Resource* Estate::find(const std::string& key) {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &resources[it->second];
}

void Estate::addReference(Reference reference) { references.push_back(std::move(reference)); }

void Estate::normalize() {
  std::sort(resources.begin(), resources.end(), [](const Resource& a, const Resource& b) { return a.key < b.key; });
  reindex();
  auto key = [](const Reference& r) { return std::tie(r.from, r.to, r.kind, r.evidence); };
  std::sort(references.begin(), references.end(),
            [&](const Reference& a, const Reference& b) { return key(a) < key(b); });
  references.erase(std::unique(references.begin(), references.end(),
                               [&](const Reference& a, const Reference& b) { return key(a) == key(b); }),
                   references.end());
  diagnostics.normalize();
}

void Estate::reindex() {
  index_.clear();
  for (std::size_t i = 0; i < resources.size(); ++i) index_[resources[i].key] = i;
}

std::optional<Resource> makeExternalResource(const std::string& id, const SourceLocation& namedAt) {
  auto parsed = parseResourceId(id);
  if (!parsed) return std::nullopt;
  Resource placeholder;
  placeholder.id = id;
  placeholder.key = normalizeId(id);
  placeholder.type = parsed->type;
  placeholder.name = parsed->name;
  placeholder.subscription = parsed->subscription;
  placeholder.resourceGroup = parsed->resourceGroup;
  placeholder.origin = namedAt;
  placeholder.external = true;
  placeholder.dataPlane = isDataPlaneType(parsed->type);
  return placeholder;
}

bool isDataPlaneType(const std::string& type) {
  return iequals(type, "Microsoft.KeyVault/vaults/secrets") || iequals(type, "Microsoft.KeyVault/vaults/keys") ||
         iequals(type, "Microsoft.KeyVault/vaults/certificates");
}

}  // namespace kvr
