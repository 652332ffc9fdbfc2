// Times the graph algorithms on a random acyclic graph.
//
// Usage: kvr_graph_bench [nodes] [edges]   (defaults: 1000000 nodes, 3000000 edges)
// The graph is the same on every run of one build because the generator seed is fixed.

#include "graph/digraph.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace {

using kvr::graph::Digraph;
using kvr::graph::EdgeLabel;
using kvr::graph::NodeIndex;

constexpr std::uint64_t seed = 20240601;

// Edges run from an earlier to a later position of a shuffled order, so the graph is
// acyclic and its topological order is unrelated to key order.
Digraph buildRandomAcyclicGraph(std::size_t nodeCount, std::size_t edgeCount) {
  std::mt19937_64 generator(seed);
  Digraph graph;
  for (std::size_t index = 0; index < nodeCount; ++index) {
    graph.addNode("n" + std::to_string(index));
  }
  std::vector<NodeIndex> hiddenOrder(nodeCount);
  std::iota(hiddenOrder.begin(), hiddenOrder.end(), NodeIndex{0});
  std::shuffle(hiddenOrder.begin(), hiddenOrder.end(), generator);

  std::uniform_int_distribution<std::size_t> position(0, nodeCount - 1);
  // Duplicate pairs are dropped by addEdge, so draw until the count is reached.
  while (graph.edgeCount() < edgeCount) {
    std::size_t first = position(generator);
    std::size_t second = position(generator);
    if (first == second) {
      continue;
    }
    if (first > second) {
      std::swap(first, second);
    }
    graph.addEdge(hiddenOrder[first], hiddenOrder[second], EdgeLabel{"declared", "random"});
  }
  return graph;
}

template <typename Work>
void timeIt(const char* name, Work work) {
  const auto start = std::chrono::steady_clock::now();
  const std::size_t resultSize = work();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("%-17s %8.3f s  (result size %zu)\n", name, elapsed.count(), resultSize);
}

std::size_t parseCount(const char* text, const char* name) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || value == 0) {
    std::fprintf(stderr, "invalid %s '%s': expected a positive integer\n", name, text);
    std::exit(2);
  }
  return static_cast<std::size_t>(value);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t nodeCount = argc > 1 ? parseCount(argv[1], "node count") : 1'000'000;
  const std::size_t edgeCount = argc > 2 ? parseCount(argv[2], "edge count") : 3'000'000;
  if (nodeCount < 2 || edgeCount > nodeCount * (nodeCount - 1) / 2) {
    std::fprintf(stderr, "invalid edge count %zu: an acyclic graph of %zu nodes has at most %zu edges\n", edgeCount,
                 nodeCount, nodeCount < 2 ? std::size_t{0} : nodeCount * (nodeCount - 1) / 2);
    return 2;
  }

  Digraph graph;
  timeIt("build", [&] {
    graph = buildRandomAcyclicGraph(nodeCount, edgeCount);
    return graph.edgeCount();
  });
  timeIt("topologicalOrder", [&] { return kvr::graph::topologicalOrder(graph).size(); });
  timeIt("waves", [&] { return kvr::graph::waves(graph).size(); });
  // findCycles stops after Kahn's algorithm on an acyclic graph, so the components are
  // timed on their own.
  timeIt("findCycles", [&] { return kvr::graph::findCycles(graph).size(); });
  timeIt("components", [&] { return kvr::graph::stronglyConnectedComponents(graph).size(); });
  return 0;
}
