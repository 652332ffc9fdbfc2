#include "graph/digraph.h"

#include "graph_test_fixture.h"

#include <cstdio>

namespace kvr::graph {
namespace {

// A recursive depth-first search would need one stack frame per node on these graphs.
class LongChainTest : public GraphTest {
 protected:
  static constexpr std::size_t chainLength = 200'000;

  // Keys descend along the chain, so key order is the reverse of the chain order.
  static std::string keyAt(std::size_t position) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "n%07zu", chainLength - position);
    return buffer;
  }

  void buildChain() {
    for (std::size_t position = 0; position < chainLength; ++position) {
      node(keyAt(position));
    }
    for (std::size_t position = 0; position + 1 < chainLength; ++position) {
      graph.addEdge(position, position + 1, EdgeLabel{"declared", "next"});
    }
  }
};

TEST_F(LongChainTest, LongChainDoesNotOverflowStack) {
  buildChain();

  const std::vector<NodeIndex> order = topologicalOrder(graph);

  ASSERT_EQ(order.size(), chainLength);
  EXPECT_EQ(order.front(), 0u);
  EXPECT_EQ(order.back(), chainLength - 1);
}

TEST_F(LongChainTest, LongChainHasOneWavePerNode) {
  buildChain();

  const auto result = waves(graph);

  ASSERT_EQ(result.size(), chainLength);
  EXPECT_EQ(result.back(), std::vector<NodeIndex>{chainLength - 1});
}

TEST_F(LongChainTest, LongChainCriticalPathIsWholeChain) {
  buildChain();

  const CriticalPath path = criticalPath(graph, std::vector<double>(chainLength, 1.0));

  EXPECT_EQ(path.nodes.size(), chainLength);
  EXPECT_DOUBLE_EQ(path.length, static_cast<double>(chainLength));
}

TEST_F(LongChainTest, LongChainHasNoCycle) {
  buildChain();

  EXPECT_TRUE(findCycles(graph).empty());
}

TEST_F(LongChainTest, LongRingIsOneCycle) {
  buildChain();
  graph.addEdge(chainLength - 1, 0, EdgeLabel{"declared", "back"});

  const std::vector<Cycle> cycles = findCycles(graph);

  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles.front().edges.size(), chainLength);
  EXPECT_EQ(graph.key(cycles.front().edges.front().from), keyAt(chainLength - 1));
}

TEST_F(LongChainTest, LongRingThrowsCycleError) {
  buildChain();
  graph.addEdge(chainLength - 1, 0, EdgeLabel{"declared", "back"});

  EXPECT_THROW(topologicalOrder(graph), CycleError);
}

TEST_F(LongChainTest, LongChainNeighbourhoodReachesEnd) {
  buildChain();

  EXPECT_EQ(neighbourhood(graph, 0, Direction::Downstream).size(), chainLength);
  EXPECT_EQ(neighbourhood(graph, chainLength - 1, Direction::Upstream, 10).size(), 11u);
}

}  // namespace
}  // namespace kvr::graph
