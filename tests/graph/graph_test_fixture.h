#pragma once

// A fixture base that builds graphs by key, so each test reads like the graph it builds.

#include "graph/digraph.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kvr::graph {

class GraphTest : public ::testing::Test {
 protected:
  NodeIndex node(const std::string& key) { return graph.addNode(key); }

  void edge(const std::string& from, const std::string& to, const std::string& kind = "declared",
            const std::string& evidence = "dependsOn[0]") {
    graph.addEdge(node(from), node(to), EdgeLabel{kind, evidence});
  }

  std::vector<std::string> keys(const std::vector<NodeIndex>& nodes) const {
    std::vector<std::string> result;
    for (const NodeIndex index : nodes) {
      result.push_back(graph.key(index));
    }
    return result;
  }

  std::vector<std::vector<std::string>> keys(const std::vector<std::vector<NodeIndex>>& groups) const {
    std::vector<std::vector<std::string>> result;
    for (const auto& group : groups) {
      result.push_back(keys(group));
    }
    return result;
  }

  Digraph graph;
};

using Keys = std::vector<std::string>;

}  // namespace kvr::graph
