// Orders the plan: which steps wait for which, the waves that may run in parallel, and a
// lower bound on the duration.

#include <algorithm>
#include <set>

#include "discovery/resource_id.h"
#include "graph/digraph.h"
#include "strategies/planner_internal.h"

namespace kvr::planning {

namespace {

constexpr double kSecretWritesPerSecond = 30.0;  // 300 per 10 s per vault, shared with imports

bool isStep(const PlanNode& node) {
  switch (node.strategy) {
    case Strategy::OutOfScope:
    case Strategy::Drop:
    case Strategy::Reuse:
      return false;
    default:
      return node.foldedInto.empty();
  }
}

// Rough durations in seconds per step, from observed Azure behaviour: a vault takes about
// three minutes, a private endpoint one to four, a DNS link up to a minute.
double stepSeconds(const PlanNode& node) {
  const std::string& type = node.type;
  if (iequals(type, "Microsoft.KeyVault/vaults")) return 180;
  if (iequals(type, "Microsoft.Network/privateEndpoints")) return 120;
  if (iequals(type, "Microsoft.Network/privateDnsZones/virtualNetworkLinks")) return 60;
  if (iequals(type, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")) return 30;
  if (iequals(type, "Microsoft.Network/virtualNetworks")) return 30;
  if (iequals(type, "Microsoft.Compute/diskEncryptionSets")) return 60;
  switch (node.strategy) {
    case Strategy::CopySecret:
      return 1 + node.parameters.value("versionsToCopy", 1.0) / kSecretWritesPerSecond;
    case Strategy::BackupRestore:
    case Strategy::ExportImportPfx:
      return 2;
    case Strategy::ReissueCertificate:
    case Strategy::RegenerateKey:
      return 10;
    case Strategy::Reconfigure:
      return 30;  // includes waiting for an access grant to propagate
    case Strategy::Repoint:
      return 20;
    case Strategy::External:
      return 0;  // done by its own procedure; the plan only waits
    default:
      return 15;
  }
}

class Ordering {
 public:
  explicit Ordering(Context& context) : context_(context) {}

  void run() {
    addGrantSteps();
    for (auto& [key, node] : context_.nodes) {
      if (isStep(node)) graph_.addNode(key);
    }
    for (const auto& reference : context_.estate.references) addReference(reference);
    addGrantEdges();
    addPrivateAccessEdges();
    if (reportCycles()) return;
    number();
    estimate();
  }

 private:
  // The step that stands for a node: itself, the VNet that creates a subnet, or nothing.
  std::optional<std::string> stepOf(const std::string& key) const {
    auto it = context_.nodes.find(key);
    if (it == context_.nodes.end()) return std::nullopt;
    if (!it->second.foldedInto.empty()) return stepOf(it->second.foldedInto);
    if (!isStep(it->second)) return std::nullopt;
    return key;
  }

  void addEdge(const std::string& from, const std::string& to, const std::string& kind, const std::string& evidence) {
    auto a = graph_.find(from);
    auto b = graph_.find(to);
    if (!a || !b || *a == *b) return;
    graph_.addEdge(*a, *b, {kind, evidence});
    context_.plan.edges.push_back({from, to, kind, evidence});
  }

  void addReference(const Reference& reference) {
    auto from = context_.nodes.find(reference.from);
    auto to = context_.nodes.find(reference.to);
    if (from == context_.nodes.end() || to == context_.nodes.end()) return;
    bool bothInScope = from->second.strategy != Strategy::OutOfScope && to->second.strategy != Strategy::OutOfScope;
    if (bothInScope) {
      context_.plan.edges.push_back({reference.from, reference.to, edgeKindName(reference.kind), reference.evidence});
    }
    // A changed principal is granted by its own step, after both exist.
    if (reference.kind == EdgeKind::AccessGrant) return;
    auto a = stepOf(reference.from);
    auto b = stepOf(reference.to);
    if (!a || !b) return;
    // A regenerated key comes after the services that use it have moved by their own
    // procedure; they are pointed at the new key afterwards.
    if (reference.kind == EdgeKind::KeyUse && context_.nodes.at(*a).strategy == Strategy::RegenerateKey &&
        context_.nodes.at(*b).strategy == Strategy::External) {
      addEdge(*b, *a, "key-use", reference.evidence + " (key regenerated after the service moved)");
      context_.nodes.at(*b).manualSteps.push_back("After the new key '" + leafName(context_.nodes.at(*a).name) +
                                                  "' exists, point " + leafName(context_.nodes.at(*b).name) +
                                                  " at it.");
      return;
    }
    graph_.addNode(*a);
    addEdge(*a, *b, edgeKindName(reference.kind), reference.evidence);
  }

  // Grants for principals that change: after the new vault and after the resource that
  // carries the new identity; before anything that uses the vault through that identity.
  void addGrantSteps() {
    for (const auto& holderKey : context_.changingPrincipals) {
      for (const auto& vaultKey : context_.vaults) {
        if (!grants(holderKey, vaultKey)) continue;
        addGrant(vaultKey, holderKey, "grants the new identity of " + leafName(context_.nodes.at(holderKey).name) +
                                          " the permissions its old principal had, then reads the grant back until "
                                          "Resource Manager lists it",
                 {});
      }
    }
    addConsumerGrants();
  }

  // A vault in RBAC mode loses its role assignments with its resource id: every consumer
  // that reads it needs a data-plane role on the new vault before it is re-pointed.
  void addConsumerGrants() {
    for (const auto& vaultKey : context_.vaults) {
      const Resource& vault = *context_.resource(vaultKey);
      if (!vault.body.value("properties", Json::object()).value("enableRbacAuthorization", false)) continue;
      for (const auto& [key, node] : context_.nodes) {
        if (node.strategy != Strategy::Repoint || !context_.hasRole(key, Role::Consumer)) continue;
        if (!readsFrom(key, vaultKey)) continue;
        std::string identity = consumerIdentity(key);
        std::string role = roleFor(key);
        if (identity == key && !hasSystemIdentity(*context_.resource(key))) {
          const Resource& consumer = *context_.resource(key);
          context_.plan.diagnostics.warning(
              "W-CONSUMER-WITHOUT-IDENTITY",
              "'" + leafName(node.name) + "' reads vault '" + leafName(context_.nodes.at(vaultKey).name) +
                  "' but has no managed identity, so no role can be granted to it on the new vault; its references "
                  "are re-pointed, and resolve once an identity with the '" + role + "' role is assigned",
              consumer.id, consumer.origin);
          continue;
        }
        addGrant(vaultKey, identity,
                 "grants " + leafName(context_.nodes.at(identity).name) + " the '" + role +
                     "' role on the new vault, which its references need before they are re-pointed",
                 {key});
        context_.nodes.at(vaultKey + "#grant/" + identity).parameters["role"] = role;
      }
    }
  }

  bool readsFrom(const std::string& consumerKey, const std::string& vaultKey) const {
    auto range = context_.incoming.equal_range(consumerKey);
    for (auto it = range.first; it != range.second; ++it) {
      const std::string& from = it->second->from;
      if (from == vaultKey || context_.vaultOf(from) == vaultKey) return true;
    }
    return false;
  }

  // The identity a consumer reaches the vault with: App Service's keyVaultReferenceIdentity
  // or a user-assigned identity when it has one, else its own system-assigned identity.
  std::string consumerIdentity(const std::string& consumerKey) const {
    const Resource& consumer = *context_.resource(consumerKey);
    std::string referenceIdentity =
        consumer.body.value("properties", Json::object()).value("keyVaultReferenceIdentity", std::string());
    if (!referenceIdentity.empty() && context_.nodes.count(normalizeId(referenceIdentity))) {
      return normalizeId(referenceIdentity);
    }
    auto range = context_.incoming.equal_range(consumerKey);
    for (auto it = range.first; it != range.second; ++it) {
      if (it->second->kind == EdgeKind::Identity && context_.nodes.count(it->second->from)) return it->second->from;
    }
    return consumerKey;
  }

  // A resource whose identity block is missing or of type "None" has no principal to grant.
  static bool hasSystemIdentity(const Resource& resource) {
    auto identity = resource.body.find("identity");
    if (identity == resource.body.end() || !identity->is_object()) return false;
    return identity->value("type", std::string()).find("SystemAssigned") != std::string::npos ||
           identity->contains("principalId");
  }

  std::string roleFor(const std::string& consumerKey) const {
    bool keys = false;
    auto range = context_.incoming.equal_range(consumerKey);
    for (auto it = range.first; it != range.second; ++it) keys = keys || it->second->kind == EdgeKind::KeyUse;
    return keys ? "Key Vault Crypto Service Encryption User" : "Key Vault Secrets User";
  }

  void addGrant(const std::string& vaultKey, const std::string& holderKey, const std::string& reason,
                std::vector<std::string> before) {
    std::string key = vaultKey + "#grant/" + holderKey;
    for (auto& grant : grants_) {
      if (grant.key != key) continue;
      grant.before.insert(grant.before.end(), before.begin(), before.end());
      return;
    }
    const PlanNode& holder = context_.nodes.at(holderKey);
    PlanNode grant;
    grant.key = key;
    const Resource& vault = *context_.resource(vaultKey);
    bool rbac = vault.body.value("properties", Json::object()).value("enableRbacAuthorization", false);
    grant.type = rbac ? "Microsoft.Authorization/roleAssignments" : "Microsoft.KeyVault/vaults/accessPolicies";
    grant.name = leafName(context_.nodes.at(vaultKey).name) + "/grant-" + leafName(holder.name);
    grant.resourceGroup = context_.nodes.at(vaultKey).resourceGroup;
    grant.strategy = Strategy::Reconfigure;
    grant.rule = "grant-principal";
    grant.reason = reason;
    grant.targetName = context_.targetVaultName.count(vaultKey) ? context_.targetVaultName.at(vaultKey) : "";
    grant.targetLocation = context_.targetLocation;
    grant.parameters["principalOf"] = holder.id;
    grants_.push_back({key, vaultKey, holderKey, std::move(before)});
    context_.nodes[key] = std::move(grant);
  }

  bool grants(const std::string& holderKey, const std::string& vaultKey) const {
    auto range = context_.incoming.equal_range(vaultKey);
    for (auto it = range.first; it != range.second; ++it) {
      if (it->second->kind == EdgeKind::AccessGrant && it->second->from == holderKey) return true;
    }
    return false;
  }

  void addGrantEdges() {
    for (const auto& grant : grants_) {
      graph_.addNode(grant.key);
      addEdge(grant.vault, grant.key, "access-grant", "the new vault must exist");
      for (const auto& consumer : grant.before) {
        if (auto step = stepOf(consumer)) addEdge(grant.key, *step, "access-grant", "reads the vault with this identity");
      }
      if (!context_.changingPrincipals.count(grant.holder)) continue;  // the principal exists already
      if (auto holder = stepOf(grant.holder)) {
        addEdge(*holder, grant.key, "access-grant", "the new identity must exist");
        // A resource moved by its own procedure follows the new vault, so its new identity
        // is granted as soon as it exists.
        if (context_.nodes.at(*holder).strategy == Strategy::External) {
          addEdge(grant.vault, *holder, "access-grant", "moves after the new vault exists");
        }
        // What the holder's key use enables (disks on an encryption set) waits for the grant.
        for (const auto& edge : graph_.outEdges(*graph_.find(*holder))) {
          if (edge.label.kind == "key-use" && graph_.key(edge.to) != grant.key) {
            addEdge(grant.key, graph_.key(edge.to), "access-grant", "the identity needs its grant first");
          }
        }
      }
    }
  }

  // When the target vault denies public traffic, its data plane is reachable only once
  // the private endpoint and its DNS record exist.
  void addPrivateAccessEdges() {
    for (const auto& vaultKey : context_.vaults) {
      const Resource& vault = *context_.resource(vaultKey);
      const Json properties = vault.body.value("properties", Json::object());
      bool denies = properties.value("networkAcls", Json::object()).value("defaultAction", std::string()) == "Deny" ||
                    iequals(properties.value("publicNetworkAccess", std::string()), "Disabled");
      if (!denies) continue;
      std::vector<std::string> gates;
      for (const auto& [key, node] : context_.nodes) {
        bool endpointSide = context_.hasRole(key, Role::Endpoint) ||
                            iequals(node.type, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups");
        if (endpointSide && isStep(node) && context_.inScope(key)) gates.push_back(key);
      }
      for (const auto& [key, node] : context_.nodes) {
        if (!context_.hasRole(key, Role::DataPlane) || !isStep(node) || context_.vaultOf(key) != vaultKey) continue;
        for (const auto& gate : gates) {
          addEdge(gate, key, "private-access", "the target vault denies public network access");
        }
      }
    }
  }

  bool reportCycles() {
    auto cycles = graph::findCycles(graph_);
    for (const auto& cycle : cycles) {
      std::string first = graph_.key(cycle.edges.front().from);
      context_.plan.diagnostics.error("E-DEPENDENCY-CYCLE", graph::describeCycle(graph_, cycle),
                                      context_.nodes.count(first) ? context_.nodes.at(first).id : first);
    }
    return !cycles.empty();
  }

  void number() {
    auto order = graph::topologicalOrder(graph_);
    auto levels = graph::waves(graph_);
    std::map<graph::NodeIndex, std::size_t> waveOf;
    for (std::size_t w = 0; w < levels.size(); ++w) {
      for (auto index : levels[w]) waveOf[index] = w + 1;
    }
    // Steps sorted by wave, then by the deterministic topological position.
    std::vector<std::pair<std::size_t, std::size_t>> ranked;
    for (std::size_t position = 0; position < order.size(); ++position) {
      ranked.emplace_back(waveOf[order[position]], position);
    }
    std::sort(ranked.begin(), ranked.end());
    std::map<std::string, std::size_t> orderOf;
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      const std::string& key = graph_.key(order[ranked[i].second]);
      orderOf[key] = i + 1;
      PlanNode& node = context_.nodes.at(key);
      node.order = i + 1;
      node.wave = ranked[i].first;
    }
    context_.plan.waveCount = levels.size();
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      graph::NodeIndex index = order[ranked[i].second];
      PlanStep step;
      step.order = i + 1;
      step.wave = ranked[i].first;
      step.node = graph_.key(index);
      for (const auto& edge : graph_.inEdges(index)) {
        step.dependsOn.push_back(orderOf.at(graph_.key(edge.from)));
        context_.nodes.at(step.node).after.push_back(graph_.key(edge.from) + " (" + edge.label.kind + ": " +
                                                     edge.label.evidence + ")");
      }
      std::sort(step.dependsOn.begin(), step.dependsOn.end());
      step.dependsOn.erase(std::unique(step.dependsOn.begin(), step.dependsOn.end()), step.dependsOn.end());
      context_.plan.steps.push_back(std::move(step));
    }
    // Folded subnets take the order and wave of the VNet step that creates them.
    for (auto& [key, node] : context_.nodes) {
      if (node.foldedInto.empty()) continue;
      auto step = stepOf(key);
      if (!step) continue;
      node.order = context_.nodes.at(*step).order;
      node.wave = context_.nodes.at(*step).wave;
    }
  }

  void estimate() {
    std::vector<double> weights(graph_.nodeCount(), 0);
    double secretWrites = 0;
    for (graph::NodeIndex i = 0; i < graph_.nodeCount(); ++i) {
      const PlanNode& node = context_.nodes.at(graph_.key(i));
      weights[i] = stepSeconds(node);
      if (node.strategy == Strategy::CopySecret) secretWrites += node.parameters.value("versionsToCopy", 1.0);
      if (node.strategy == Strategy::ExportImportPfx) secretWrites += 1;
    }
    auto path = graph::criticalPath(graph_, weights);
    auto& estimate = context_.plan.estimate;
    estimate.criticalPathSeconds = path.length;
    for (auto index : path.nodes) estimate.criticalPath.push_back(graph_.key(index));
    estimate.dataPlaneSeconds = secretWrites / kSecretWritesPerSecond;
    estimate.totalSeconds = std::max(estimate.criticalPathSeconds, estimate.dataPlaneSeconds);
  }

  struct Grant {
    std::string key;
    std::string vault;
    std::string holder;
    std::vector<std::string> before;  // consumers that wait for the grant
  };

  Context& context_;
  graph::Digraph graph_;
  std::vector<Grant> grants_;
};

}  // namespace

void orderSteps(Context& context) { Ordering(context).run(); }

}  // namespace kvr::planning
