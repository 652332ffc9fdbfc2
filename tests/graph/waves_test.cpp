#include "graph/digraph.h"

#include "graph_test_fixture.h"

#include <algorithm>
#include <limits>

namespace kvr::graph {
namespace {

class WavesTest : public GraphTest {};

TEST_F(WavesTest, EmptyGraphHasNoWaves) { EXPECT_TRUE(waves(graph).empty()); }

TEST_F(WavesTest, WavesAreLongestPathLevels) {
  // "app" is one edge from "net" but two from "net" through "db", so it waits for "db".
  edge("net", "db");
  edge("db", "app");
  edge("net", "app");

  EXPECT_EQ(keys(waves(graph)), (std::vector<Keys>{{"net"}, {"db"}, {"app"}}));
}

TEST_F(WavesTest, WavesAreSortedByKey) {
  edge("net", "zone");
  edge("net", "app");
  edge("b", "app");
  node("a");

  EXPECT_EQ(keys(waves(graph)), (std::vector<Keys>{{"a", "b", "net"}, {"app", "zone"}}));
}

TEST_F(WavesTest, WaveHasNoInternalEdge) {
  edge("a", "b");
  edge("a", "c");
  edge("b", "d");
  edge("c", "d");
  edge("x", "c");

  const std::vector<std::vector<NodeIndex>> result = waves(graph);

  for (const Edge& dependency : graph.edges()) {
    for (const auto& wave : result) {
      const bool hasFrom = std::find(wave.begin(), wave.end(), dependency.from) != wave.end();
      const bool hasTo = std::find(wave.begin(), wave.end(), dependency.to) != wave.end();
      EXPECT_FALSE(hasFrom && hasTo) << graph.key(dependency.from) << " -> " << graph.key(dependency.to);
    }
  }
}

TEST_F(WavesTest, CycleThrowsCycleError) {
  edge("a", "b", "declared", "dependsOn[0]");
  edge("b", "a", "reference", "properties.x");

  try {
    waves(graph);
    FAIL() << "expected CycleError";
  } catch (const CycleError& error) {
    EXPECT_STREQ(error.what(), "dependency cycle: a -> b (declared: dependsOn[0]) -> a (reference: properties.x)");
  }
}

TEST_F(WavesTest, SelfLoopThrowsCycleError) {
  edge("a", "a");

  EXPECT_THROW(waves(graph), CycleError);
}

class CriticalPathTest : public GraphTest {
 protected:
  std::vector<double> weightsByKey(const std::vector<std::pair<std::string, double>>& entries) {
    std::vector<double> weights(graph.nodeCount(), 0.0);
    for (const auto& [key, weight] : entries) {
      weights.at(*graph.find(key)) = weight;
    }
    return weights;
  }
};

TEST_F(CriticalPathTest, EmptyGraphHasEmptyPath) {
  const CriticalPath path = criticalPath(graph, {});

  EXPECT_TRUE(path.nodes.empty());
  EXPECT_EQ(path.length, 0.0);
}

TEST_F(CriticalPathTest, FollowsHeaviestPathNotLongest) {
  edge("a", "b");
  edge("b", "c");
  edge("c", "d");
  edge("a", "slow");
  edge("slow", "d");
  const std::vector<double> weights = weightsByKey({{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}, {"slow", 10}});

  const CriticalPath path = criticalPath(graph, weights);

  EXPECT_EQ(keys(path.nodes), (Keys{"a", "slow", "d"}));
  EXPECT_DOUBLE_EQ(path.length, 12.0);
}

TEST_F(CriticalPathTest, EqualPathsGoToSmallerKeys) {
  edge("a", "y");
  edge("a", "x");
  edge("x", "end");
  edge("y", "end");
  node("solo");
  const std::vector<double> weights = weightsByKey({{"a", 1}, {"x", 2}, {"y", 2}, {"end", 1}, {"solo", 4}});

  const CriticalPath path = criticalPath(graph, weights);

  EXPECT_EQ(keys(path.nodes), (Keys{"a", "x", "end"}));
  EXPECT_DOUBLE_EQ(path.length, 4.0);
}

TEST_F(CriticalPathTest, SingleHeavyNodeIsThePath) {
  edge("a", "b");
  node("heavy");
  const std::vector<double> weights = weightsByKey({{"a", 1}, {"b", 1}, {"heavy", 5}});

  EXPECT_EQ(keys(criticalPath(graph, weights).nodes), (Keys{"heavy"}));
}

TEST_F(CriticalPathTest, RejectsWrongWeightCount) {
  edge("a", "b");

  EXPECT_THROW(criticalPath(graph, {1.0}), std::invalid_argument);
}

TEST_F(CriticalPathTest, RejectsNegativeWeight) {
  node("a");

  EXPECT_THROW(criticalPath(graph, {-1.0}), std::invalid_argument);
}

TEST_F(CriticalPathTest, RejectsNotANumberWeight) {
  node("a");

  EXPECT_THROW(criticalPath(graph, {std::numeric_limits<double>::quiet_NaN()}), std::invalid_argument);
}

TEST_F(CriticalPathTest, CycleThrowsCycleError) {
  edge("a", "b");
  edge("b", "a");

  EXPECT_THROW(criticalPath(graph, {1.0, 1.0}), CycleError);
}

}  // namespace
}  // namespace kvr::graph
