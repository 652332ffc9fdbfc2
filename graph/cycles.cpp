// Strongly connected components and one representative cycle per cyclic component.

#include "graph/digraph.h"

#include "graph/digraph_impl.h"

#include <boost/graph/strong_components.hpp>

#include <limits>
#include <stdexcept>
#include <unordered_map>

namespace kvr::graph {

namespace {

constexpr std::size_t noNode = std::numeric_limits<std::size_t>::max();

struct Components {
  std::vector<std::size_t> componentOf;  // indexed by node
  std::size_t count = 0;
};

// Boost's strong_components runs an iterative depth-first search, so long chains do not
// exhaust the call stack.
Components computeComponents(const BoostGraph& graph) {
  Components components;
  components.componentOf.resize(boost::num_vertices(graph));
  const auto componentMap = boost::make_iterator_property_map(components.componentOf.begin(),
                                                             boost::get(boost::vertex_index, graph));
  components.count = boost::strong_components(graph, componentMap);
  return components;
}

// A component is cyclic when it has more than one node or a node with a self loop.
std::vector<bool> findCyclicComponents(const BoostGraph& graph, const Components& components) {
  std::vector<std::size_t> sizes(components.count, 0);
  for (const std::size_t component : components.componentOf) {
    ++sizes[component];
  }
  std::vector<bool> cyclic(components.count, false);
  for (std::size_t component = 0; component < components.count; ++component) {
    cyclic[component] = sizes[component] > 1;
  }
  for (const auto& edge : boost::make_iterator_range(boost::edges(graph))) {
    if (boost::source(edge, graph) == boost::target(edge, graph)) {
      cyclic[components.componentOf[boost::source(edge, graph)]] = true;
    }
  }
  return cyclic;
}

// The smallest-key node of every cyclic component, sorted by key.
std::vector<Vertex> findCycleStarts(const BoostGraph& graph, const Components& components) {
  const std::vector<bool> cyclic = findCyclicComponents(graph, components);
  std::vector<std::size_t> smallest(components.count, noNode);
  for (Vertex node = 0; node < boost::num_vertices(graph); ++node) {
    if (!cyclic[components.componentOf[node]]) {
      continue;
    }
    std::size_t& current = smallest[components.componentOf[node]];
    if (current == noNode || graph[node].key < graph[current].key) {
      current = node;
    }
  }
  std::vector<Vertex> starts;
  for (std::size_t component = 0; component < components.count; ++component) {
    if (cyclic[component]) {
      starts.push_back(smallest[component]);
    }
  }
  std::sort(starts.begin(), starts.end(),
            [&graph](Vertex left, Vertex right) { return graph[left].key < graph[right].key; });
  return starts;
}

// The out-edge of `node` that stays in its component and has the smallest (target key,
// kind). Every node of a cyclic component has one.
BoostEdge smallestEdgeInComponent(const BoostGraph& graph, const Components& components, Vertex node) {
  const std::size_t component = components.componentOf[node];
  std::optional<BoostEdge> best;
  for (const auto& edge : boost::make_iterator_range(boost::out_edges(node, graph))) {
    const Vertex target = boost::target(edge, graph);
    if (components.componentOf[target] != component) {
      continue;
    }
    if (!best) {
      best = edge;
      continue;
    }
    const std::string& bestKey = graph[boost::target(*best, graph)].key;
    const std::string& targetKey = graph[target].key;
    if (targetKey < bestKey || (targetKey == bestKey && graph[edge].kind < graph[*best].kind)) {
      best = edge;
    }
  }
  if (!best) {
    throw std::logic_error("node '" + graph[node].key + "' has no edge inside its cyclic component");
  }
  return *best;
}

// Rotates the cycle so that it starts at its smallest key, which gives one text per cycle.
void rotateToSmallestKey(const BoostGraph& graph, std::vector<Edge>& edges) {
  const auto first = std::min_element(edges.begin(), edges.end(), [&graph](const Edge& left, const Edge& right) {
    return graph[left.from].key < graph[right.from].key;
  });
  std::rotate(edges.begin(), first, edges.end());
}

// Follows the smallest-key successor inside the component until the walk meets itself.
// If the walk closes a loop that does not pass through `start`, it returns that loop.
Cycle walkCycle(const BoostGraph& graph, const Components& components, Vertex start) {
  std::unordered_map<Vertex, std::size_t> positionOnWalk;  // node -> index of its edge in `walk`
  std::vector<Edge> walk;
  Vertex current = start;
  while (!positionOnWalk.contains(current)) {
    positionOnWalk.emplace(current, walk.size());
    const BoostEdge next = smallestEdgeInComponent(graph, components, current);
    walk.push_back(toEdge(graph, next));
    current = boost::target(next, graph);
  }
  const auto loopBegin = walk.begin() + static_cast<std::ptrdiff_t>(positionOnWalk.at(current));
  std::vector<Edge> loop(loopBegin, walk.end());
  rotateToSmallestKey(graph, loop);
  return Cycle{std::move(loop)};
}

}  // namespace

std::vector<std::vector<NodeIndex>> stronglyConnectedComponents(const Digraph& digraph) {
  const BoostGraph& graph = DigraphAccess::boostGraph(digraph);
  const Components components = computeComponents(graph);

  // Visiting nodes in key order fills each component in key order, and numbers the
  // components in order of their first key.
  std::vector<std::size_t> outputSlot(components.count, noNode);
  std::vector<std::vector<NodeIndex>> result;
  result.reserve(components.count);
  for (const NodeIndex node : computeKeyOrder(graph).nodes) {
    std::size_t& slot = outputSlot[components.componentOf[node]];
    if (slot == noNode) {
      slot = result.size();
      result.emplace_back();
    }
    result[slot].push_back(node);
  }
  return result;
}

std::vector<Cycle> findCycles(const Digraph& digraph) {
  const BoostGraph& graph = DigraphAccess::boostGraph(digraph);
  // Most graphs are acyclic, and Kahn's algorithm proves that faster than the components.
  if (countNodes(readinessLevels(graph)) == boost::num_vertices(graph)) {
    return {};
  }
  const Components components = computeComponents(graph);
  std::vector<Cycle> cycles;
  for (const Vertex start : findCycleStarts(graph, components)) {
    cycles.push_back(walkCycle(graph, components, start));
  }
  return cycles;
}

void throwCycleError(const Digraph& digraph) {
  std::vector<Cycle> cycles = findCycles(digraph);
  if (cycles.empty()) {
    throw std::logic_error("an ordering reported a cycle, but findCycles found none");
  }
  std::string text = describeCycle(digraph, cycles.front());
  throw CycleError(std::move(cycles.front()), std::move(text));
}

}  // namespace kvr::graph
