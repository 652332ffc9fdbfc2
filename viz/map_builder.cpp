#include "viz/map_builder.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "discovery/json.h"
#include "discovery/resource_id.h"

namespace kvr::viz {

namespace {

bool isKnownEdgeKind(const std::string& kind) {
  const auto& names = edgeKindNames();
  return std::find(names.begin(), names.end(), kind) != names.end();
}

// Resource groups compare case-insensitively, so "rg-App" and "rg-app" share one cluster,
// spelled as the first node (in key order) spells it.
class ClusterNames {
 public:
  std::string nameFor(const PlanNode& node) {
    if (node.resourceGroup.empty()) return node.external ? kExternalCluster : std::string();
    auto [entry, inserted] = spellings_.emplace(toLower(node.resourceGroup), node.resourceGroup);
    return entry->second;
  }

 private:
  std::map<std::string, std::string> spellings_;
};

MapNode mapNodeFor(const PlanNode& node, ClusterNames& clusters) {
  MapNode out;
  out.id = node.key;
  out.label = leafName(node.name) + "\n" + shortTypeName(node.type);
  out.cluster = clusters.nameFor(node);
  out.strategy = strategyName(node.strategy);
  out.tooltip = node.id;
  if (!node.reason.empty()) out.tooltip += "\n" + node.reason;
  out.external = node.external;
  return out;
}

// Maps a plan key to the map node that shows it: an added step ("<resource key>#<step>")
// is shown by its resource. Returns an empty string when no map node shows the key.
std::string mapKeyFor(const std::string& planKey, const std::set<std::string>& mapKeys) {
  if (mapKeys.count(planKey) > 0) return planKey;
  auto hash = planKey.find('#');
  if (hash == std::string::npos) return {};
  std::string resourceKey = planKey.substr(0, hash);
  return mapKeys.count(resourceKey) > 0 ? resourceKey : std::string();
}

std::vector<MapEdge> mapEdgesFor(const Plan& plan, const std::set<std::string>& mapKeys) {
  std::vector<MapEdge> edges;
  for (const auto& edge : plan.edges) {
    std::string from = mapKeyFor(edge.from, mapKeys);
    std::string to = mapKeyFor(edge.to, mapKeys);
    if (from.empty() || to.empty() || from == to) continue;
    // The renderers reject kinds without a line style; such an edge is still drawn, as a
    // generic reference that names its real kind on hover.
    if (isKnownEdgeKind(edge.kind)) {
      edges.push_back({from, to, edge.kind, edge.evidence});
    } else {
      edges.push_back({from, to, "reference", edge.kind + ": " + edge.evidence});
    }
  }
  auto sortKey = [](const MapEdge& e) { return std::tie(e.from, e.to, e.kind, e.evidence); };
  std::sort(edges.begin(), edges.end(), [&](const MapEdge& a, const MapEdge& b) { return sortKey(a) < sortKey(b); });
  edges.erase(std::unique(edges.begin(), edges.end(),
                          [&](const MapEdge& a, const MapEdge& b) { return sortKey(a) == sortKey(b); }),
              edges.end());
  return edges;
}

std::string mapTitle(const Plan& plan) {
  std::string title = "kvrelocate map";
  if (!plan.source.resourceGroup.empty()) title += ": " + plan.source.resourceGroup;
  if (!plan.source.location.empty()) title += " (" + plan.source.location + ")";
  if (!plan.target.location.empty()) title += " to " + plan.target.location;
  return title;
}

}  // namespace

std::string shortTypeName(std::string_view type) {
  auto slash = type.find('/');
  if (slash == std::string_view::npos) return std::string(type);
  return std::string(type.substr(slash + 1));
}

MapModel buildMapModel(const Plan& plan) {
  std::vector<const PlanNode*> resources;
  for (const auto& node : plan.nodes) {
    if (!node.id.empty()) resources.push_back(&node);
  }
  std::sort(resources.begin(), resources.end(), [](const PlanNode* a, const PlanNode* b) { return a->key < b->key; });

  MapModel model;
  model.title = mapTitle(plan);
  ClusterNames clusters;
  std::set<std::string> mapKeys;
  for (const PlanNode* node : resources) {
    if (!mapKeys.insert(node->key).second) continue;
    model.nodes.push_back(mapNodeFor(*node, clusters));
  }
  model.edges = mapEdgesFor(plan, mapKeys);
  return model;
}

}  // namespace kvr::viz
