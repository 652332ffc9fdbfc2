// Neighbourhoods and induced subgraphs.

#include "graph/digraph.h"

#include "graph/digraph_impl.h"

#include <limits>

namespace kvr::graph {

namespace {

// Calls `visit` with every node one edge away from `node` in `direction`.
template <typename Visit>
void forEachNeighbour(const BoostGraph& graph, Vertex node, Direction direction, Visit visit) {
  if (direction != Direction::Upstream) {
    for (const auto& edge : boost::make_iterator_range(boost::out_edges(node, graph))) {
      visit(boost::target(edge, graph));
    }
  }
  if (direction != Direction::Downstream) {
    for (const auto& edge : boost::make_iterator_range(boost::in_edges(node, graph))) {
      visit(boost::source(edge, graph));
    }
  }
}

}  // namespace

// A level-by-level breadth-first search. Boost's breadth_first_search has no depth limit
// and no view that follows edges both ways, so the search is written out here.
std::vector<NodeIndex> neighbourhood(const Digraph& digraph, NodeIndex center, Direction direction,
                                     std::optional<std::size_t> maxDepth) {
  const BoostGraph& graph = DigraphAccess::boostGraph(digraph);
  requireNode(graph, center);
  const std::size_t depthLimit = maxDepth.value_or(std::numeric_limits<std::size_t>::max());

  std::vector<bool> reached(boost::num_vertices(graph), false);
  reached[center] = true;
  std::vector<NodeIndex> result{center};
  std::vector<Vertex> frontier{center};
  for (std::size_t depth = 0; depth < depthLimit && !frontier.empty(); ++depth) {
    std::vector<Vertex> next;
    for (const Vertex node : frontier) {
      forEachNeighbour(graph, node, direction, [&](Vertex neighbour) {
        if (!reached[neighbour]) {
          reached[neighbour] = true;
          next.push_back(neighbour);
          result.push_back(neighbour);
        }
      });
    }
    frontier = std::move(next);
  }

  std::sort(result.begin(), result.end(),
            [&graph](NodeIndex left, NodeIndex right) { return graph[left].key < graph[right].key; });
  return result;
}

// The copy numbers its nodes in the order of `nodes`, and keeps a repeated entry once.
Digraph inducedSubgraph(const Digraph& digraph, const std::vector<NodeIndex>& nodes) {
  const BoostGraph& graph = DigraphAccess::boostGraph(digraph);
  constexpr NodeIndex notKept = std::numeric_limits<NodeIndex>::max();
  std::vector<NodeIndex> copyIndex(boost::num_vertices(graph), notKept);
  Digraph copy;
  std::vector<Vertex> kept;
  for (const NodeIndex node : nodes) {
    requireNode(graph, node);
    if (copyIndex[node] == notKept) {
      copyIndex[node] = copy.addNode(graph[node].key);
      kept.push_back(node);
    }
  }

  for (const Vertex node : kept) {
    for (const auto& edge : boost::make_iterator_range(boost::out_edges(node, graph))) {
      const Vertex target = boost::target(edge, graph);
      if (copyIndex[target] != notKept) {
        copy.addEdge(copyIndex[node], copyIndex[target], graph[edge]);
      }
    }
  }
  return copy;
}

}  // namespace kvr::graph
