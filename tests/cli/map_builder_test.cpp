#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tests/cli/sample_plan.h"
#include "viz/map_builder.h"
#include "viz/render.h"
#include "viz/report.h"

namespace kvr::viz {
namespace {

using kvr::testing::samplePlan;

const MapNode* findNode(const MapModel& model, const std::string& name) {
  for (const auto& node : model.nodes) {
    if (node.label.rfind(name + "\n", 0) == 0) return &node;
  }
  return nullptr;
}

TEST(MapBuilder, DrawsEveryResourceNode) {
  MapModel model = buildMapModel(samplePlan());
  EXPECT_EQ(model.nodes.size(), 6u);
  EXPECT_NE(findNode(model, "snet-pe"), nullptr);
  EXPECT_NE(findNode(model, "log-ops"), nullptr);
}

TEST(MapBuilder, LabelsWithLeafNameAndShortType) {
  MapModel model = buildMapModel(samplePlan());
  const MapNode* subnet = findNode(model, "snet-pe");
  ASSERT_NE(subnet, nullptr);
  EXPECT_EQ(subnet->label, "snet-pe\nvirtualNetworks/subnets");
  EXPECT_EQ(subnet->cluster, "rg-net");
  EXPECT_EQ(subnet->strategy, "redeploy");
}

TEST(MapBuilder, TooltipHasIdAndReason) {
  MapModel model = buildMapModel(samplePlan());
  const MapNode* vault = findNode(model, "kv-app-weu");
  ASSERT_NE(vault, nullptr);
  EXPECT_NE(vault->tooltip.find("/providers/Microsoft.KeyVault/vaults/kv-app-weu"), std::string::npos);
  EXPECT_NE(vault->tooltip.find("moves with its data"), std::string::npos);
}

TEST(MapBuilder, SortsNodesAndEdges) {
  MapModel model = buildMapModel(samplePlan());
  EXPECT_TRUE(std::is_sorted(model.nodes.begin(), model.nodes.end(),
                             [](const MapNode& a, const MapNode& b) { return a.id < b.id; }));
  EXPECT_TRUE(std::is_sorted(model.edges.begin(), model.edges.end(), [](const MapEdge& a, const MapEdge& b) {
    return std::tie(a.from, a.to, a.kind) < std::tie(b.from, b.to, b.kind);
  }));
  EXPECT_EQ(model.edges.size(), 4u);
}

TEST(MapBuilder, ExternalNodeWithoutGroupGoesToExternalCluster) {
  Plan plan = samplePlan();
  for (auto& node : plan.nodes) {
    if (node.external) node.resourceGroup.clear();
  }
  MapModel model = buildMapModel(plan);
  const MapNode* workspace = findNode(model, "log-ops");
  ASSERT_NE(workspace, nullptr);
  EXPECT_TRUE(workspace->external);
  EXPECT_EQ(workspace->cluster, kExternalCluster);
}

TEST(MapBuilder, AddedStepEdgesAttachToTheirResource) {
  Plan plan = samplePlan();
  PlanNode grant;
  grant.key = plan.nodes[0].key + "#access-policy";
  grant.strategy = Strategy::Reconfigure;
  plan.nodes.push_back(grant);
  plan.edges.push_back({grant.key, plan.nodes[1].key, "access-grant", "accessPolicies[0]"});
  MapModel model = buildMapModel(plan);
  EXPECT_EQ(model.nodes.size(), 6u);
  bool found = std::any_of(model.edges.begin(), model.edges.end(), [&](const MapEdge& edge) {
    return edge.from == plan.nodes[0].key && edge.to == plan.nodes[1].key && edge.kind == "access-grant";
  });
  EXPECT_TRUE(found);
}

TEST(MapBuilder, UnknownEdgeKindDrawnAsReference) {
  Plan plan = samplePlan();
  plan.edges = {{plan.nodes[0].key, plan.nodes[1].key, "telepathy", "x"}};
  MapModel model = buildMapModel(plan);
  ASSERT_EQ(model.edges.size(), 1u);
  EXPECT_EQ(model.edges[0].kind, "reference");
  EXPECT_EQ(model.edges[0].evidence, "telepathy: x");
}

TEST(MapBuilder, RendersAsDot) {
  std::string dot = renderDot(buildMapModel(samplePlan()));
  EXPECT_NE(dot.find("digraph"), std::string::npos);
}

TEST(MapJson, HasKindNodesEdgesClusters) {
  Json document = Json::parse(renderMapJson(samplePlan()));
  EXPECT_EQ(document["kind"], "kvrelocate.map");
  EXPECT_EQ(document["version"], "1.0");
  EXPECT_EQ(document["nodes"].size(), 6u);
  EXPECT_EQ(document["edges"].size(), 4u);
  ASSERT_EQ(document["clusters"].size(), 3u);
  EXPECT_EQ(document["clusters"][0]["name"], "rg-app-weu");
  EXPECT_EQ(document["clusters"][1]["name"], "rg-net");
  EXPECT_EQ(document["clusters"][1]["nodes"].size(), 2u);
}

TEST(MapJson, EndsWithNewline) {
  std::string text = renderMapJson(samplePlan());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace kvr::viz
