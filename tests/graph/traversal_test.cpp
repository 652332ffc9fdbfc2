#include "graph/digraph.h"

#include "graph_test_fixture.h"

#include <stdexcept>

namespace kvr::graph {
namespace {

// net -> app -> dns, db -> app, app -> cache -> cdn, and an unrelated "island".
class NeighbourhoodTest : public GraphTest {
 protected:
  void SetUp() override {
    edge("net", "app");
    edge("db", "app");
    edge("app", "dns");
    edge("app", "cache");
    edge("cache", "cdn");
    node("island");
  }

  Keys around(const std::string& center, Direction direction, std::optional<std::size_t> maxDepth = std::nullopt) {
    return keys(neighbourhood(graph, node(center), direction, maxDepth));
  }
};

TEST_F(NeighbourhoodTest, DownstreamFollowsEdges) {
  EXPECT_EQ(around("app", Direction::Downstream), (Keys{"app", "cache", "cdn", "dns"}));
}

TEST_F(NeighbourhoodTest, UpstreamFollowsEdgesBackwards) {
  EXPECT_EQ(around("cdn", Direction::Upstream), (Keys{"app", "cache", "cdn", "db", "net"}));
}

TEST_F(NeighbourhoodTest, BothFollowsEitherWay) {
  EXPECT_EQ(around("net", Direction::Both), (Keys{"app", "cache", "cdn", "db", "dns", "net"}));
}

TEST_F(NeighbourhoodTest, DepthLimitStopsSearch) {
  EXPECT_EQ(around("net", Direction::Both, 1), (Keys{"app", "net"}));
  EXPECT_EQ(around("net", Direction::Both, 2), (Keys{"app", "cache", "db", "dns", "net"}));
}

TEST_F(NeighbourhoodTest, DepthZeroIsCenterOnly) { EXPECT_EQ(around("app", Direction::Both, 0), (Keys{"app"})); }

TEST_F(NeighbourhoodTest, IsolatedNodeIsAlone) { EXPECT_EQ(around("island", Direction::Both), (Keys{"island"})); }

TEST_F(NeighbourhoodTest, CycleIsVisitedOnce) {
  edge("cdn", "net");

  EXPECT_EQ(around("net", Direction::Downstream), (Keys{"app", "cache", "cdn", "dns", "net"}));
}

TEST_F(NeighbourhoodTest, UnknownCenterThrows) {
  EXPECT_THROW(neighbourhood(graph, 99, Direction::Both), std::out_of_range);
}

class InducedSubgraphTest : public GraphTest {};

TEST_F(InducedSubgraphTest, KeepsOnlyEdgesBetweenKeptNodes) {
  edge("a", "b", "declared", "ab");
  edge("b", "c", "declared", "bc");
  edge("c", "a", "reference", "ca");

  const Digraph subgraph = inducedSubgraph(graph, {node("c"), node("a")});

  EXPECT_EQ(subgraph.nodeCount(), 2u);
  ASSERT_EQ(subgraph.edgeCount(), 1u);
  const Edge kept = subgraph.edges().front();
  EXPECT_EQ(subgraph.key(kept.from), "c");
  EXPECT_EQ(subgraph.key(kept.to), "a");
  EXPECT_EQ(kept.label.kind, "reference");
  EXPECT_EQ(kept.label.evidence, "ca");
}

TEST_F(InducedSubgraphTest, NumbersNodesInRequestOrder) {
  node("a");
  node("b");

  const Digraph subgraph = inducedSubgraph(graph, {node("b"), node("a")});

  EXPECT_EQ(subgraph.key(0), "b");
  EXPECT_EQ(subgraph.key(1), "a");
}

TEST_F(InducedSubgraphTest, RepeatedNodeIsKeptOnce) {
  edge("a", "b");

  const Digraph subgraph = inducedSubgraph(graph, {node("a"), node("a"), node("b")});

  EXPECT_EQ(subgraph.nodeCount(), 2u);
  EXPECT_EQ(subgraph.edgeCount(), 1u);
}

TEST_F(InducedSubgraphTest, KeepsEveryKindAndSelfLoop) {
  edge("a", "b", "declared", "d");
  edge("a", "b", "reference", "r");
  edge("a", "a", "reference", "self");

  const Digraph subgraph = inducedSubgraph(graph, {node("a"), node("b")});

  EXPECT_EQ(subgraph.edgeCount(), 3u);
}

TEST_F(InducedSubgraphTest, UnknownNodeThrows) {
  node("a");

  EXPECT_THROW(inducedSubgraph(graph, {0, 5}), std::out_of_range);
}

TEST_F(InducedSubgraphTest, EmptySelectionIsEmptyGraph) {
  edge("a", "b");

  EXPECT_EQ(inducedSubgraph(graph, {}).nodeCount(), 0u);
}

}  // namespace
}  // namespace kvr::graph
