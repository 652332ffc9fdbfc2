#include "graph/digraph.h"

#include "graph_test_fixture.h"

#include <stdexcept>
#include <utility>

namespace kvr::graph {
namespace {

class DigraphTest : public GraphTest {};

TEST_F(DigraphTest, AddNodeReturnsExistingIndexForKnownKey) {
  const NodeIndex first = graph.addNode("app");
  const NodeIndex second = graph.addNode("app");

  EXPECT_EQ(first, second);
  EXPECT_EQ(graph.nodeCount(), 1u);
}

TEST_F(DigraphTest, KeysCompareExactly) {
  graph.addNode("app");
  graph.addNode("App");

  EXPECT_EQ(graph.nodeCount(), 2u);
}

TEST_F(DigraphTest, FindReturnsIndexOfKnownKey) {
  const NodeIndex net = graph.addNode("net");

  ASSERT_TRUE(graph.find("net").has_value());
  EXPECT_EQ(*graph.find("net"), net);
}

TEST_F(DigraphTest, FindReturnsNulloptForUnknownKey) { EXPECT_FALSE(graph.find("missing").has_value()); }

TEST_F(DigraphTest, KeyOfUnknownIndexThrows) {
  graph.addNode("a");

  EXPECT_THROW(graph.key(1), std::out_of_range);
}

TEST_F(DigraphTest, AddEdgeRejectsUnknownNode) {
  const NodeIndex a = graph.addNode("a");

  EXPECT_THROW(graph.addEdge(a, 7, EdgeLabel{"declared", "x"}), std::out_of_range);
  EXPECT_THROW(graph.addEdge(7, a, EdgeLabel{"declared", "x"}), std::out_of_range);
  EXPECT_EQ(graph.edgeCount(), 0u);
}

TEST_F(DigraphTest, DuplicateEdgeKeepsFirstEvidence) {
  edge("a", "b", "declared", "dependsOn[0]");
  edge("a", "b", "declared", "dependsOn[1]");

  ASSERT_EQ(graph.edgeCount(), 1u);
  EXPECT_EQ(graph.edges().front().label.evidence, "dependsOn[0]");
}

TEST_F(DigraphTest, DuplicateEdgeIsFoundFromEitherEnd) {
  // "hub" has more out-edges than "b" has in-edges, so the check scans the in-edges of "b".
  edge("hub", "a");
  edge("hub", "c");
  edge("hub", "d");
  edge("hub", "b", "declared", "first");
  edge("hub", "b", "declared", "second");
  // "x" has no more out-edges than "hub" has in-edges, so the check scans the out-edges of "x".
  edge("x", "hub", "declared", "first");
  edge("x", "hub", "declared", "second");

  EXPECT_EQ(graph.edgeCount(), 5u);
}

TEST_F(DigraphTest, EdgeOfAnotherKindIsKept) {
  edge("a", "b", "declared", "dependsOn[0]");
  edge("a", "b", "reference", "properties.x");

  EXPECT_EQ(graph.edgeCount(), 2u);
}

TEST_F(DigraphTest, EdgesAreSortedByKeysThenKind) {
  edge("net", "app", "reference", "r");
  edge("b", "net", "declared", "d");
  edge("a", "net", "reference", "r");
  edge("a", "net", "declared", "d");
  edge("a", "app", "declared", "d");

  const std::vector<Edge> edges = graph.edges();

  ASSERT_EQ(edges.size(), 5u);
  EXPECT_EQ(graph.key(edges[0].from) + ">" + graph.key(edges[0].to) + ":" + edges[0].label.kind, "a>app:declared");
  EXPECT_EQ(graph.key(edges[1].from) + ">" + graph.key(edges[1].to) + ":" + edges[1].label.kind, "a>net:declared");
  EXPECT_EQ(graph.key(edges[2].from) + ">" + graph.key(edges[2].to) + ":" + edges[2].label.kind, "a>net:reference");
  EXPECT_EQ(graph.key(edges[3].from) + ">" + graph.key(edges[3].to) + ":" + edges[3].label.kind, "b>net:declared");
  EXPECT_EQ(graph.key(edges[4].from) + ">" + graph.key(edges[4].to) + ":" + edges[4].label.kind, "net>app:reference");
}

TEST_F(DigraphTest, RemoveEdgesRemovesEveryKind) {
  edge("a", "b", "declared", "d");
  edge("a", "b", "reference", "r");
  edge("b", "a", "declared", "d");

  EXPECT_EQ(graph.removeEdges(node("a"), node("b")), 2u);
  EXPECT_EQ(graph.edgeCount(), 1u);
  EXPECT_EQ(graph.key(graph.edges().front().from), "b");
}

TEST_F(DigraphTest, RemoveEdgesWithoutEdgeReturnsZero) {
  node("a");
  node("b");

  EXPECT_EQ(graph.removeEdges(node("a"), node("b")), 0u);
}

TEST_F(DigraphTest, RemovedEdgeCanBeAddedAgain) {
  edge("a", "b", "declared", "old");
  graph.removeEdges(node("a"), node("b"));
  edge("a", "b", "declared", "new");

  ASSERT_EQ(graph.edgeCount(), 1u);
  EXPECT_EQ(graph.edges().front().label.evidence, "new");
}

TEST_F(DigraphTest, OutEdgesAreSortedByTargetKey) {
  edge("app", "net");
  edge("app", "db");
  edge("app", "cache");

  const std::vector<Edge> outgoing = graph.outEdges(node("app"));

  ASSERT_EQ(outgoing.size(), 3u);
  EXPECT_EQ(graph.key(outgoing[0].to), "cache");
  EXPECT_EQ(graph.key(outgoing[1].to), "db");
  EXPECT_EQ(graph.key(outgoing[2].to), "net");
  EXPECT_EQ(graph.key(outgoing[0].from), "app");
}

TEST_F(DigraphTest, InEdgesAreSortedBySourceKey) {
  edge("net", "app");
  edge("db", "app");

  const std::vector<Edge> incoming = graph.inEdges(node("app"));

  ASSERT_EQ(incoming.size(), 2u);
  EXPECT_EQ(graph.key(incoming[0].from), "db");
  EXPECT_EQ(graph.key(incoming[1].from), "net");
  EXPECT_EQ(graph.key(incoming[0].to), "app");
}

TEST_F(DigraphTest, InEdgesOfUnknownNodeThrows) { EXPECT_THROW(graph.inEdges(3), std::out_of_range); }

TEST_F(DigraphTest, CopyIsIndependentOfOriginal) {
  edge("a", "b");
  Digraph copy = graph;
  copy.addEdge(copy.addNode("c"), *copy.find("a"), EdgeLabel{"declared", "x"});

  EXPECT_EQ(graph.nodeCount(), 2u);
  EXPECT_EQ(graph.edgeCount(), 1u);
  EXPECT_EQ(copy.nodeCount(), 3u);
  EXPECT_EQ(copy.edgeCount(), 2u);
}

TEST_F(DigraphTest, CopyAssignmentReplacesContent) {
  edge("a", "b");
  Digraph other;
  other.addNode("z");

  other = graph;

  EXPECT_EQ(other.nodeCount(), 2u);
  EXPECT_FALSE(other.find("z").has_value());
  EXPECT_EQ(other.edgeCount(), 1u);
}

TEST_F(DigraphTest, MoveTransfersContent) {
  edge("a", "b");

  Digraph moved = std::move(graph);
  graph = Digraph();

  EXPECT_EQ(moved.nodeCount(), 2u);
  EXPECT_EQ(moved.edgeCount(), 1u);
  EXPECT_EQ(graph.nodeCount(), 0u);
}

TEST_F(DigraphTest, MoveAssignmentTransfersContent) {
  edge("a", "b");
  Digraph target;
  target.addNode("z");

  target = std::move(graph);

  EXPECT_EQ(target.nodeCount(), 2u);
  EXPECT_TRUE(target.find("a").has_value());
  EXPECT_FALSE(target.find("z").has_value());
}

}  // namespace
}  // namespace kvr::graph
