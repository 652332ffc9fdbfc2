#pragma once

// A directed graph of named nodes and labelled edges on Boost.Graph, with the
// algorithms a dependency planner needs. Nothing here knows what the nodes stand for:
// an edge A -> B only means "A comes before B".

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace kvr::graph {

using NodeIndex = std::size_t;

struct EdgeLabel {
  std::string kind;      // caller-defined category, for example "declared"
  std::string evidence;  // why the edge exists, shown in cycle errors and reports
};

struct Edge {
  NodeIndex from;
  NodeIndex to;
  EdgeLabel label;
};

// A cycle as the ordered list of its edges: edges[i].to == edges[i+1].from, and the last
// edge returns to the first edge's source.
struct Cycle {
  std::vector<Edge> edges;
};

class Digraph {
 public:
  Digraph();
  ~Digraph();
  Digraph(const Digraph&);
  Digraph& operator=(const Digraph&);
  Digraph(Digraph&&) noexcept;
  Digraph& operator=(Digraph&&) noexcept;

  // Adds a node, or returns the existing index for a key already present. Keys compare
  // exactly; callers normalise them first.
  NodeIndex addNode(const std::string& key);
  std::optional<NodeIndex> find(const std::string& key) const;
  const std::string& key(NodeIndex node) const;
  std::size_t nodeCount() const;

  // Adds an edge. A second edge between the same pair with the same kind is ignored; one
  // with another kind is kept, so every reason for an ordering stays visible.
  void addEdge(NodeIndex from, NodeIndex to, EdgeLabel label);
  // Removes every edge from -> to; returns how many were removed.
  std::size_t removeEdges(NodeIndex from, NodeIndex to);
  std::vector<Edge> edges() const;  // sorted by (from key, to key, kind)
  std::vector<Edge> outEdges(NodeIndex node) const;
  std::vector<Edge> inEdges(NodeIndex node) const;
  std::size_t edgeCount() const;

 private:
  struct Impl;
  // The algorithms below read the Boost graph directly instead of copying edges out.
  friend struct DigraphAccess;
  Impl* impl_;
};

// Every elementary cycle would be exponential; this returns one cycle per strongly
// connected component with more than one node (or a self loop), found by a depth-first
// walk from the component's smallest key. Sorted by that key. Empty when acyclic.
std::vector<Cycle> findCycles(const Digraph& graph);

// Strongly connected components, each sorted by key, the list sorted by first key.
std::vector<std::vector<NodeIndex>> stronglyConnectedComponents(const Digraph& graph);

// A topological order; among nodes that are ready at the same time the smallest key comes
// first, so the order is deterministic. Throws CycleError when the graph has a cycle.
std::vector<NodeIndex> topologicalOrder(const Digraph& graph);

// Waves: wave(n) = 0 for a node without predecessors, else 1 + max wave of its
// predecessors. Nodes of one wave do not depend on each other. Each wave sorted by key.
// Throws CycleError when the graph has a cycle.
std::vector<std::vector<NodeIndex>> waves(const Digraph& graph);

// The longest path by summed node weight (weights indexed by NodeIndex, in any unit),
// and its length. Throws CycleError when the graph has a cycle.
struct CriticalPath {
  std::vector<NodeIndex> nodes;
  double length = 0;
};
CriticalPath criticalPath(const Digraph& graph, const std::vector<double>& weights);

enum class Direction { Upstream, Downstream, Both };

// The nodes reachable from `center` against edges (Upstream), along edges (Downstream) or
// either way, at most `maxDepth` edges away (nullopt: no limit); `center` included.
// Sorted by key.
std::vector<NodeIndex> neighbourhood(const Digraph& graph, NodeIndex center, Direction direction,
                                     std::optional<std::size_t> maxDepth = std::nullopt);

// A copy that keeps only `nodes` and the edges between them. Node keys are preserved.
Digraph inducedSubgraph(const Digraph& graph, const std::vector<NodeIndex>& nodes);

class CycleError : public std::exception {
 public:
  explicit CycleError(Cycle cycle, std::string text);
  const char* what() const noexcept override { return text_.c_str(); }
  const Cycle& cycle() const { return cycle_; }

 private:
  Cycle cycle_;
  std::string text_;
};

// Formats a cycle on one line, for example
// "dependency cycle: a -> b (declared: dependsOn[0]) -> a (reference: properties.x)".
std::string describeCycle(const Digraph& graph, const Cycle& cycle);

}  // namespace kvr::graph
