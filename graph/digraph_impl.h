#pragma once

// Internal to graph/: the Boost.Graph representation behind Digraph and the helpers that
// the algorithm files share. Code outside graph/ includes digraph.h only.

#include "graph/digraph.h"

#include <boost/graph/adjacency_list.hpp>

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

namespace kvr::graph {

struct NodeProperties {
  std::string key;
};

// vecS vertices make a vertex descriptor equal to its NodeIndex. Edges stay in Boost's
// default list so that removing one does not invalidate the others.
using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                         NodeProperties, EdgeLabel>;
using Vertex = boost::graph_traits<BoostGraph>::vertex_descriptor;
using BoostEdge = boost::graph_traits<BoostGraph>::edge_descriptor;

struct Digraph::Impl {
  BoostGraph graph;
  std::unordered_map<std::string, NodeIndex> indexByKey;
};

struct DigraphAccess {
  static const BoostGraph& boostGraph(const Digraph& graph) { return graph.impl_->graph; }
};

// Nodes in ascending key order, and the inverse: rank[node] is the node's position in
// that order, so comparing ranks compares keys without touching the strings.
struct KeyOrder {
  std::vector<NodeIndex> nodes;
  std::vector<std::size_t> rank;
};
KeyOrder computeKeyOrder(const BoostGraph& graph);

void sortByKey(const BoostGraph& graph, std::vector<NodeIndex>& nodes);

// Throws std::out_of_range unless `node` is a node of `graph`.
void requireNode(const BoostGraph& graph, NodeIndex node);

Edge toEdge(const BoostGraph& graph, const BoostEdge& edge);

// Sorts by (from, to, kind), with nodes compared by `nodeLess`.
template <typename NodeLess>
void sortEdges(std::vector<Edge>& edges, NodeLess nodeLess) {
  std::sort(edges.begin(), edges.end(), [&](const Edge& left, const Edge& right) {
    if (left.from != right.from) {
      return nodeLess(left.from, right.from);
    }
    if (left.to != right.to) {
      return nodeLess(left.to, right.to);
    }
    return left.label.kind < right.label.kind;
  });
}

// Kahn's algorithm one level at a time. A node joins level k + 1 when its last predecessor
// leaves level k, so its level is the edge count of the longest path that reaches it.
// Nodes on a cycle, or downstream of one, never become ready and are in no level.
std::vector<std::vector<NodeIndex>> readinessLevels(const BoostGraph& graph);

std::size_t countNodes(const std::vector<std::vector<NodeIndex>>& groups);

// Throws CycleError for the first cycle that findCycles returns. Callers use it after an
// ordering algorithm has established that the graph is cyclic.
[[noreturn]] void throwCycleError(const Digraph& graph);

}  // namespace kvr::graph
