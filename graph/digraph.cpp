#include "graph/digraph.h"

#include "graph/digraph_impl.h"

#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace kvr::graph {

namespace {

// Scans whichever adjacency list is shorter, so a node with many edges does not make
// every insertion next to it linear in its degree.
bool containsEdge(const BoostGraph& graph, Vertex from, Vertex to, const std::string& kind) {
  if (boost::out_degree(from, graph) <= boost::in_degree(to, graph)) {
    for (const auto& edge : boost::make_iterator_range(boost::out_edges(from, graph))) {
      if (boost::target(edge, graph) == to && graph[edge].kind == kind) {
        return true;
      }
    }
    return false;
  }
  for (const auto& edge : boost::make_iterator_range(boost::in_edges(to, graph))) {
    if (boost::source(edge, graph) == from && graph[edge].kind == kind) {
      return true;
    }
  }
  return false;
}

auto keyLess(const BoostGraph& graph) {
  return [&graph](NodeIndex left, NodeIndex right) { return graph[left].key < graph[right].key; };
}

}  // namespace

namespace {

// The first eight bytes of a key as a big-endian number, zero-padded. Comparing these
// numbers orders keys as std::string comparison does, except that equal numbers leave the
// order open (a longer shared prefix, or trailing zero bytes).
std::uint64_t keyPrefix(std::string_view key) {
  std::uint64_t prefix = 0;
  for (std::size_t index = 0; index < sizeof prefix; ++index) {
    const auto byte = index < key.size() ? static_cast<unsigned char>(key[index]) : 0u;
    prefix = (prefix << 8) | byte;
  }
  return prefix;
}

// 16 bytes, so the sort moves little memory. The key itself is read only when prefixes tie.
struct PrefixedNode {
  std::uint64_t prefix;
  NodeIndex node;
};

}  // namespace

// Sorting a contiguous array and comparing the prefixes first avoids most string
// comparisons, each of which reads keys from scattered vertex storage.
void sortByKey(const BoostGraph& graph, std::vector<NodeIndex>& nodes) {
  std::vector<PrefixedNode> prefixed;
  prefixed.reserve(nodes.size());
  for (const NodeIndex node : nodes) {
    prefixed.push_back(PrefixedNode{keyPrefix(graph[node].key), node});
  }
  std::sort(prefixed.begin(), prefixed.end(), [&graph](const PrefixedNode& left, const PrefixedNode& right) {
    if (left.prefix != right.prefix) {
      return left.prefix < right.prefix;
    }
    return graph[left.node].key < graph[right.node].key;
  });
  for (std::size_t position = 0; position < nodes.size(); ++position) {
    nodes[position] = prefixed[position].node;
  }
}

KeyOrder computeKeyOrder(const BoostGraph& graph) {
  const std::size_t nodeCount = boost::num_vertices(graph);
  KeyOrder order;
  order.nodes.resize(nodeCount);
  std::iota(order.nodes.begin(), order.nodes.end(), NodeIndex{0});
  sortByKey(graph, order.nodes);
  order.rank.resize(nodeCount);
  for (std::size_t position = 0; position < nodeCount; ++position) {
    order.rank[order.nodes[position]] = position;
  }
  return order;
}

void requireNode(const BoostGraph& graph, NodeIndex node) {
  const std::size_t nodeCount = boost::num_vertices(graph);
  if (node >= nodeCount) {
    throw std::out_of_range("node index " + std::to_string(node) + " is out of range: the graph has " +
                            std::to_string(nodeCount) + " nodes");
  }
}

Edge toEdge(const BoostGraph& graph, const BoostEdge& edge) {
  return Edge{boost::source(edge, graph), boost::target(edge, graph), graph[edge]};
}

// NOTE: a moved-from Digraph owns no state; it may only be assigned to or destroyed.
Digraph::Digraph() : impl_(new Impl) {}
Digraph::~Digraph() { delete impl_; }
Digraph::Digraph(const Digraph& other) : impl_(new Impl(*other.impl_)) {}
Digraph::Digraph(Digraph&& other) noexcept : impl_(std::exchange(other.impl_, nullptr)) {}

Digraph& Digraph::operator=(const Digraph& other) {
  Digraph copy(other);
  std::swap(impl_, copy.impl_);
  return *this;
}

Digraph& Digraph::operator=(Digraph&& other) noexcept {
  std::swap(impl_, other.impl_);
  return *this;
}

NodeIndex Digraph::addNode(const std::string& key) {
  const NodeIndex next = boost::num_vertices(impl_->graph);
  const auto [position, inserted] = impl_->indexByKey.try_emplace(key, next);
  if (!inserted) {
    return position->second;
  }
  try {
    boost::add_vertex(NodeProperties{key}, impl_->graph);
  } catch (...) {
    impl_->indexByKey.erase(position);
    throw;
  }
  return next;
}

std::optional<NodeIndex> Digraph::find(const std::string& key) const {
  const auto position = impl_->indexByKey.find(key);
  if (position == impl_->indexByKey.end()) {
    return std::nullopt;
  }
  return position->second;
}

const std::string& Digraph::key(NodeIndex node) const {
  requireNode(impl_->graph, node);
  return impl_->graph[node].key;
}

std::size_t Digraph::nodeCount() const { return boost::num_vertices(impl_->graph); }

void Digraph::addEdge(NodeIndex from, NodeIndex to, EdgeLabel label) {
  requireNode(impl_->graph, from);
  requireNode(impl_->graph, to);
  if (containsEdge(impl_->graph, from, to, label.kind)) {
    return;
  }
  boost::add_edge(from, to, std::move(label), impl_->graph);
}

std::size_t Digraph::removeEdges(NodeIndex from, NodeIndex to) {
  requireNode(impl_->graph, from);
  requireNode(impl_->graph, to);
  std::size_t removed = 0;
  for (const auto& edge : boost::make_iterator_range(boost::out_edges(from, impl_->graph))) {
    removed += boost::target(edge, impl_->graph) == to ? 1 : 0;
  }
  boost::remove_edge(from, to, impl_->graph);
  return removed;
}

std::vector<Edge> Digraph::edges() const {
  const BoostGraph& graph = impl_->graph;
  std::vector<Edge> result;
  result.reserve(boost::num_edges(graph));
  for (const auto& edge : boost::make_iterator_range(boost::edges(graph))) {
    result.push_back(toEdge(graph, edge));
  }
  const KeyOrder order = computeKeyOrder(graph);
  sortEdges(result, [&order](NodeIndex left, NodeIndex right) { return order.rank[left] < order.rank[right]; });
  return result;
}

// Sorted by (from key, to key, kind) like edges(), so callers see a stable order.
std::vector<Edge> Digraph::outEdges(NodeIndex node) const {
  const BoostGraph& graph = impl_->graph;
  requireNode(graph, node);
  std::vector<Edge> result;
  for (const auto& edge : boost::make_iterator_range(boost::out_edges(node, graph))) {
    result.push_back(toEdge(graph, edge));
  }
  sortEdges(result, keyLess(graph));
  return result;
}

// Sorted by (from key, to key, kind) like edges(), so callers see a stable order.
std::vector<Edge> Digraph::inEdges(NodeIndex node) const {
  const BoostGraph& graph = impl_->graph;
  requireNode(graph, node);
  std::vector<Edge> result;
  for (const auto& edge : boost::make_iterator_range(boost::in_edges(node, graph))) {
    result.push_back(toEdge(graph, edge));
  }
  sortEdges(result, keyLess(graph));
  return result;
}

std::size_t Digraph::edgeCount() const { return boost::num_edges(impl_->graph); }

CycleError::CycleError(Cycle cycle, std::string text) : cycle_(std::move(cycle)), text_(std::move(text)) {}

std::string describeCycle(const Digraph& graph, const Cycle& cycle) {
  std::string text = "dependency cycle: ";
  if (cycle.edges.empty()) {
    return text + "(no edges)";
  }
  text += graph.key(cycle.edges.front().from);
  for (const Edge& edge : cycle.edges) {
    text += " -> " + graph.key(edge.to) + " (" + edge.label.kind;
    // An edge without evidence prints as "(kind)" rather than with a dangling colon.
    if (!edge.label.evidence.empty()) {
      text += ": " + edge.label.evidence;
    }
    text += ")";
  }
  return text;
}

}  // namespace kvr::graph
