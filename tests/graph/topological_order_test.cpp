#include "graph/digraph.h"

#include "graph_test_fixture.h"

#include <algorithm>

namespace kvr::graph {
namespace {

class TopologicalOrderTest : public GraphTest {
 protected:
  std::size_t positionOf(const std::vector<NodeIndex>& order, const std::string& key) {
    return static_cast<std::size_t>(std::find(order.begin(), order.end(), node(key)) - order.begin());
  }
};

TEST_F(TopologicalOrderTest, EmptyGraphHasEmptyOrder) { EXPECT_TRUE(topologicalOrder(graph).empty()); }

TEST_F(TopologicalOrderTest, TopologicalOrderBreaksTiesByKey) {
  node("d");
  node("c");
  node("b");
  node("a");

  EXPECT_EQ(keys(topologicalOrder(graph)), (Keys{"a", "b", "c", "d"}));
}

TEST_F(TopologicalOrderTest, ReadyNodeWithSmallerKeyGoesFirst) {
  // Placing "a" makes "b" ready, and "b" goes before "c" and "d", which were ready earlier.
  node("d");
  node("c");
  edge("a", "b");

  EXPECT_EQ(keys(topologicalOrder(graph)), (Keys{"a", "b", "c", "d"}));
}

TEST_F(TopologicalOrderTest, PlacesEveryNodeAfterItsPredecessors) {
  edge("net", "app");
  edge("db", "app");
  edge("app", "dns");
  edge("net", "db");

  const std::vector<NodeIndex> order = topologicalOrder(graph);

  ASSERT_EQ(order.size(), graph.nodeCount());
  for (const Edge& dependency : graph.edges()) {
    EXPECT_LT(positionOf(order, graph.key(dependency.from)), positionOf(order, graph.key(dependency.to)))
        << graph.key(dependency.from) << " -> " << graph.key(dependency.to);
  }
}

TEST_F(TopologicalOrderTest, ParallelEdgesOfTwoKindsOrderOnce) {
  edge("b", "a", "declared", "dependsOn[0]");
  edge("b", "a", "reference", "properties.x");

  EXPECT_EQ(keys(topologicalOrder(graph)), (Keys{"b", "a"}));
}

TEST_F(TopologicalOrderTest, CycleErrorNamesEveryEdge) {
  edge("a", "b", "declared", "dependsOn[0]");
  edge("b", "c", "reference", "properties.x");
  edge("c", "a", "declared", "dependsOn[2]");
  edge("start", "a");

  try {
    topologicalOrder(graph);
    FAIL() << "expected CycleError";
  } catch (const CycleError& error) {
    EXPECT_STREQ(error.what(),
                 "dependency cycle: a -> b (declared: dependsOn[0]) -> c (reference: properties.x)"
                 " -> a (declared: dependsOn[2])");
    EXPECT_EQ(error.cycle().edges.size(), 3u);
  }
}

TEST_F(TopologicalOrderTest, CycleErrorCarriesCycleEdges) {
  edge("a", "b", "declared", "dependsOn[0]");
  edge("b", "a", "reference", "properties.x");

  try {
    topologicalOrder(graph);
    FAIL() << "expected CycleError";
  } catch (const CycleError& error) {
    ASSERT_EQ(error.cycle().edges.size(), 2u);
    EXPECT_EQ(graph.key(error.cycle().edges[0].from), "a");
    EXPECT_EQ(graph.key(error.cycle().edges[0].to), "b");
    EXPECT_EQ(error.cycle().edges[1].label.kind, "reference");
    EXPECT_EQ(error.cycle().edges[1].label.evidence, "properties.x");
  }
}

TEST_F(TopologicalOrderTest, SelfLoopThrowsCycleError) {
  edge("a", "a", "reference", "properties.self");

  EXPECT_THROW(topologicalOrder(graph), CycleError);
}

TEST_F(TopologicalOrderTest, CycleErrorNamesSmallestKeyCycle) {
  edge("x", "y", "declared", "first");
  edge("y", "x", "declared", "second");
  edge("m", "n", "declared", "third");
  edge("n", "m", "declared", "fourth");

  try {
    topologicalOrder(graph);
    FAIL() << "expected CycleError";
  } catch (const CycleError& error) {
    EXPECT_STREQ(error.what(), "dependency cycle: m -> n (declared: third) -> m (declared: fourth)");
  }
}

}  // namespace
}  // namespace kvr::graph
