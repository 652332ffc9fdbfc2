#include "graph/digraph.h"

#include "graph_test_fixture.h"

namespace kvr::graph {
namespace {

class FindCyclesTest : public GraphTest {
 protected:
  std::vector<std::string> describeAll(const std::vector<Cycle>& cycles) {
    std::vector<std::string> texts;
    for (const Cycle& cycle : cycles) {
      texts.push_back(describeCycle(graph, cycle));
    }
    return texts;
  }
};

TEST_F(FindCyclesTest, AcyclicGraphHasNoCycles) {
  edge("a", "b");
  edge("b", "c");
  edge("a", "c");

  EXPECT_TRUE(findCycles(graph).empty());
}

TEST_F(FindCyclesTest, SelfLoopIsACycle) {
  edge("app", "app", "reference", "properties.self");

  EXPECT_EQ(describeAll(findCycles(graph)), (Keys{"dependency cycle: app -> app (reference: properties.self)"}));
}

TEST_F(FindCyclesTest, TwoNodeCycleStartsAtSmallestKey) {
  edge("b", "a", "reference", "properties.x");
  edge("a", "b", "declared", "dependsOn[0]");

  EXPECT_EQ(describeAll(findCycles(graph)),
            (Keys{"dependency cycle: a -> b (declared: dependsOn[0]) -> a (reference: properties.x)"}));
}

TEST_F(FindCyclesTest, OneCyclePerComponentSortedByKey) {
  edge("y", "z", "declared", "1");
  edge("z", "y", "declared", "2");
  edge("b", "c", "declared", "3");
  edge("c", "b", "declared", "4");
  edge("c", "y", "declared", "5");

  EXPECT_EQ(describeAll(findCycles(graph)), (Keys{"dependency cycle: b -> c (declared: 3) -> b (declared: 4)",
                                                  "dependency cycle: y -> z (declared: 1) -> y (declared: 2)"}));
}

TEST_F(FindCyclesTest, WalkFollowsSmallestKeySuccessor) {
  edge("a", "c", "declared", "ac");
  edge("a", "b", "declared", "ab");
  edge("b", "a", "declared", "ba");
  edge("c", "a", "declared", "ca");

  EXPECT_EQ(describeAll(findCycles(graph)), (Keys{"dependency cycle: a -> b (declared: ab) -> a (declared: ba)"}));
}

TEST_F(FindCyclesTest, WalkIgnoresSuccessorsOutsideComponent) {
  edge("a", "out", "declared", "leaves");
  edge("a", "z", "declared", "az");
  edge("z", "a", "declared", "za");

  EXPECT_EQ(describeAll(findCycles(graph)), (Keys{"dependency cycle: a -> z (declared: az) -> a (declared: za)"}));
}

TEST_F(FindCyclesTest, WalkPrefersSmallestKindBetweenSamePair) {
  edge("a", "b", "reference", "properties.x");
  edge("a", "b", "declared", "dependsOn[0]");
  edge("b", "a", "declared", "dependsOn[1]");

  EXPECT_EQ(describeAll(findCycles(graph)),
            (Keys{"dependency cycle: a -> b (declared: dependsOn[0]) -> a (declared: dependsOn[1])"}));
}

TEST_F(FindCyclesTest, InnerLoopStartsAtItsSmallestKey) {
  // The walk from "a" reaches "b" and then circles between "b" and "c".
  edge("a", "c", "declared", "ac");
  edge("c", "b", "declared", "cb");
  edge("b", "c", "declared", "bc");
  edge("b", "d", "declared", "bd");
  edge("d", "a", "declared", "da");

  EXPECT_EQ(describeAll(findCycles(graph)), (Keys{"dependency cycle: b -> c (declared: bc) -> b (declared: cb)"}));
}

TEST_F(FindCyclesTest, CycleEdgesAreChained) {
  edge("a", "b");
  edge("b", "c");
  edge("c", "d");
  edge("d", "a");

  const std::vector<Cycle> cycles = findCycles(graph);

  ASSERT_EQ(cycles.size(), 1u);
  const std::vector<Edge>& edges = cycles.front().edges;
  ASSERT_EQ(edges.size(), 4u);
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
    EXPECT_EQ(edges[i].to, edges[i + 1].from) << "edge " << i;
  }
  EXPECT_EQ(edges.back().to, edges.front().from);
}

class DescribeCycleTest : public GraphTest {};

TEST_F(DescribeCycleTest, FormatsEveryEdgeWithKindAndEvidence) {
  const Cycle cycle{{Edge{node("a"), node("b"), {"declared", "dependsOn[0]"}},
                     Edge{node("b"), node("a"), {"reference", "properties.x"}}}};

  EXPECT_EQ(describeCycle(graph, cycle),
            "dependency cycle: a -> b (declared: dependsOn[0]) -> a (reference: properties.x)");
}

TEST_F(DescribeCycleTest, OmitsEmptyEvidence) {
  const Cycle cycle{{Edge{node("a"), node("a"), {"declared", ""}}}};

  EXPECT_EQ(describeCycle(graph, cycle), "dependency cycle: a -> a (declared)");
}

TEST_F(DescribeCycleTest, EmptyCycleSaysSo) { EXPECT_EQ(describeCycle(graph, Cycle{}), "dependency cycle: (no edges)"); }

class StronglyConnectedComponentsTest : public GraphTest {};

TEST_F(StronglyConnectedComponentsTest, EmptyGraphHasNoComponents) {
  EXPECT_TRUE(stronglyConnectedComponents(graph).empty());
}

TEST_F(StronglyConnectedComponentsTest, ComponentsAreSortedByKey) {
  edge("z", "y");
  edge("y", "z");
  edge("c", "a");
  edge("a", "c");
  edge("a", "b");
  node("m");

  EXPECT_EQ(keys(stronglyConnectedComponents(graph)),
            (std::vector<Keys>{{"a", "c"}, {"b"}, {"m"}, {"y", "z"}}));
}

TEST_F(StronglyConnectedComponentsTest, AcyclicGraphHasSingletonComponents) {
  edge("a", "b");
  edge("b", "c");

  EXPECT_EQ(keys(stronglyConnectedComponents(graph)), (std::vector<Keys>{{"a"}, {"b"}, {"c"}}));
}

}  // namespace
}  // namespace kvr::graph
