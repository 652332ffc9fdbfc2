// Orderings of acyclic graphs: topological order, waves and the critical path.

#include "graph/digraph.h"

#include "graph/digraph_impl.h"

#include <boost/graph/topological_sort.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <stdexcept>

namespace kvr::graph {

namespace {

// Any topological order, from Boost's iterative depth-first topological_sort. Callers whose
// result must not depend on it use it only for values that every order gives alike.
std::vector<Vertex> anyTopologicalOrder(const Digraph& digraph) {
  const BoostGraph& graph = DigraphAccess::boostGraph(digraph);
  std::vector<Vertex> order;
  order.reserve(boost::num_vertices(graph));
  try {
    boost::topological_sort(graph, std::back_inserter(order));
  } catch (const boost::not_a_dag&) {
    throwCycleError(digraph);
  }
  // topological_sort writes the reverse order: every node after all of its successors.
  std::reverse(order.begin(), order.end());
  return order;
}

// A set of ranks in [0, size) that removes its smallest rank cheaply. It is a tree of
// 64-bit words in which every bit of a higher level marks a non-empty word below it. So
// push and popSmallest touch one word per level, which is four levels for 16 million ranks.
class RankQueue {
 public:
  explicit RankQueue(std::size_t size) {
    std::size_t wordCount = std::max<std::size_t>(size, 1);
    do {
      wordCount = (wordCount + wordBits - 1) / wordBits;
      levels_.emplace_back(wordCount, 0);
    } while (wordCount > 1);
  }

  bool empty() const { return levels_.back().front() == 0; }

  void push(std::size_t rank) {
    for (std::vector<std::uint64_t>& words : levels_) {
      words[rank / wordBits] |= std::uint64_t{1} << (rank % wordBits);
      rank /= wordBits;
    }
  }

  // Requires !empty().
  std::size_t popSmallest() {
    std::size_t index = 0;
    for (auto level = levels_.rbegin(); level != levels_.rend(); ++level) {
      index = index * wordBits + static_cast<std::size_t>(std::countr_zero((*level)[index]));
    }
    const std::size_t smallest = index;
    for (std::vector<std::uint64_t>& words : levels_) {
      std::uint64_t& word = words[index / wordBits];
      word &= ~(std::uint64_t{1} << (index % wordBits));
      if (word != 0) {
        break;
      }
      index /= wordBits;
    }
    return smallest;
  }

 private:
  static constexpr std::size_t wordBits = 64;
  std::vector<std::vector<std::uint64_t>> levels_;  // levels_[0] has one bit per rank
};

void requireWeights(const BoostGraph& graph, const std::vector<double>& weights) {
  const std::size_t nodeCount = boost::num_vertices(graph);
  if (weights.size() != nodeCount) {
    throw std::invalid_argument("criticalPath needs one weight per node: got " + std::to_string(weights.size()) +
                                " weights for " + std::to_string(nodeCount) + " nodes");
  }
  for (NodeIndex node = 0; node < nodeCount; ++node) {
    if (!std::isfinite(weights[node]) || weights[node] < 0) {
      throw std::invalid_argument("criticalPath weight of node '" + graph[node].key +
                                  "' is invalid: expected a finite number >= 0, got " + std::to_string(weights[node]));
    }
  }
}

// Returns whether `candidate` ends a longer path than `current`. Equal lengths go to the
// smaller key.
bool endsLongerPath(const BoostGraph& graph, const std::vector<double>& length, std::optional<Vertex> current,
                    Vertex candidate) {
  if (!current || length[candidate] > length[*current]) {
    return true;
  }
  return length[candidate] == length[*current] && graph[candidate].key < graph[*current].key;
}

}  // namespace

std::vector<std::vector<NodeIndex>> readinessLevels(const BoostGraph& graph) {
  const std::size_t nodeCount = boost::num_vertices(graph);
  std::vector<std::size_t> unplacedPredecessors(nodeCount);
  std::vector<std::vector<NodeIndex>> levels(1);
  for (Vertex node = 0; node < nodeCount; ++node) {
    unplacedPredecessors[node] = boost::in_degree(node, graph);
    if (unplacedPredecessors[node] == 0) {
      levels.front().push_back(node);
    }
  }

  while (!levels.back().empty()) {
    std::vector<NodeIndex> next;
    for (const NodeIndex node : levels.back()) {
      for (const auto& edge : boost::make_iterator_range(boost::out_edges(node, graph))) {
        const Vertex successor = boost::target(edge, graph);
        if (--unplacedPredecessors[successor] == 0) {
          next.push_back(successor);
        }
      }
    }
    levels.push_back(std::move(next));
  }
  levels.pop_back();
  return levels;
}

std::size_t countNodes(const std::vector<std::vector<NodeIndex>>& groups) {
  std::size_t count = 0;
  for (const auto& group : groups) {
    count += group.size();
  }
  return count;
}

namespace {

// The out-edges with both ends replaced by key ranks, stored contiguously in rank order
// (compressed sparse rows). Kahn's algorithm below visits ranks roughly in ascending
// order, so it reads this memory almost in sequence instead of jumping through the vertex
// storage.
struct RankAdjacency {
  std::vector<std::size_t> firstSuccessor;    // indexed by rank, plus one end entry
  std::vector<std::size_t> successors;        // ranks
  std::vector<std::size_t> predecessorCount;  // indexed by rank
};

// Walks the vertex storage in node order, which the hardware prefetches well, and
// scatters each node's row to its rank position.
RankAdjacency buildRankAdjacency(const BoostGraph& graph, const KeyOrder& keyOrder) {
  const std::size_t nodeCount = keyOrder.nodes.size();
  RankAdjacency adjacency;
  adjacency.firstSuccessor.assign(nodeCount + 1, 0);
  adjacency.predecessorCount.resize(nodeCount);
  for (Vertex node = 0; node < nodeCount; ++node) {
    adjacency.firstSuccessor[keyOrder.rank[node] + 1] = boost::out_degree(node, graph);
    adjacency.predecessorCount[keyOrder.rank[node]] = boost::in_degree(node, graph);
  }
  std::partial_sum(adjacency.firstSuccessor.begin(), adjacency.firstSuccessor.end(),
                   adjacency.firstSuccessor.begin());

  adjacency.successors.resize(adjacency.firstSuccessor.back());
  for (Vertex node = 0; node < nodeCount; ++node) {
    std::size_t slot = adjacency.firstSuccessor[keyOrder.rank[node]];
    for (const auto& edge : boost::make_iterator_range(boost::out_edges(node, graph))) {
      adjacency.successors[slot++] = keyOrder.rank[boost::target(edge, graph)];
    }
  }
  return adjacency;
}

}  // namespace

// Kahn's algorithm with a priority queue of key ranks: the queue contains the nodes whose
// predecessors are all placed, and the smallest key among them goes next.
std::vector<NodeIndex> topologicalOrder(const Digraph& digraph) {
  const BoostGraph& graph = DigraphAccess::boostGraph(digraph);
  const KeyOrder keyOrder = computeKeyOrder(graph);
  RankAdjacency adjacency = buildRankAdjacency(graph, keyOrder);
  std::vector<std::size_t>& unplacedPredecessors = adjacency.predecessorCount;

  RankQueue readyRanks(keyOrder.nodes.size());
  for (std::size_t rank = 0; rank < keyOrder.nodes.size(); ++rank) {
    if (unplacedPredecessors[rank] == 0) {
      readyRanks.push(rank);
    }
  }

  std::vector<NodeIndex> order;
  order.reserve(keyOrder.nodes.size());
  while (!readyRanks.empty()) {
    const std::size_t rank = readyRanks.popSmallest();
    order.push_back(keyOrder.nodes[rank]);
    for (std::size_t slot = adjacency.firstSuccessor[rank]; slot < adjacency.firstSuccessor[rank + 1]; ++slot) {
      const std::size_t successor = adjacency.successors[slot];
      if (--unplacedPredecessors[successor] == 0) {
        readyRanks.push(successor);
      }
    }
  }
  if (order.size() != keyOrder.nodes.size()) {
    throwCycleError(digraph);
  }
  return order;
}

std::vector<std::vector<NodeIndex>> waves(const Digraph& digraph) {
  const BoostGraph& graph = DigraphAccess::boostGraph(digraph);
  std::vector<std::vector<NodeIndex>> result = readinessLevels(graph);
  if (countNodes(result) != boost::num_vertices(graph)) {
    throwCycleError(digraph);
  }
  for (std::vector<NodeIndex>& wave : result) {
    sortByKey(graph, wave);
  }
  return result;
}

// Longest path by dynamic programming over a topological order: length[node] is the
// weight of the heaviest path that ends at node. Ties go to the smaller key, both for the
// last node and for each predecessor, so the path does not depend on the order used.
CriticalPath criticalPath(const Digraph& digraph, const std::vector<double>& weights) {
  const BoostGraph& graph = DigraphAccess::boostGraph(digraph);
  requireWeights(graph, weights);
  const std::size_t nodeCount = boost::num_vertices(graph);
  std::vector<double> length(nodeCount, 0);
  std::vector<std::optional<Vertex>> bestPredecessor(nodeCount);
  std::optional<Vertex> last;
  for (const Vertex node : anyTopologicalOrder(digraph)) {
    for (const auto& edge : boost::make_iterator_range(boost::in_edges(node, graph))) {
      const Vertex predecessor = boost::source(edge, graph);
      if (endsLongerPath(graph, length, bestPredecessor[node], predecessor)) {
        bestPredecessor[node] = predecessor;
      }
    }
    length[node] = weights[node] + (bestPredecessor[node] ? length[*bestPredecessor[node]] : 0.0);
    if (endsLongerPath(graph, length, last, node)) {
      last = node;
    }
  }

  CriticalPath path;
  for (std::optional<Vertex> node = last; node; node = bestPredecessor[*node]) {
    path.nodes.push_back(*node);
  }
  std::reverse(path.nodes.begin(), path.nodes.end());
  path.length = last ? length[*last] : 0.0;
  return path;
}

}  // namespace kvr::graph
