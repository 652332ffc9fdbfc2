#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tests/viz/parsed_dot.h"
#include "tests/viz/sample_maps.h"
#include "viz/render.h"

namespace kvr::viz {
namespace {

using testing::ParsedDot;
using testing::endpointId;
using testing::subnetId;
using testing::vaultId;
using testing::vaultMap;
using testing::webAppId;
using testing::workspaceId;

const std::string strategyEntry = "kvr-legend:strategy:";
const std::string edgeEntry = "kvr-legend:edge:";

std::string attributeOf(const ParsedDot& dot, const std::string& nodeName, const std::string& name) {
  return ParsedDot::attribute(dot.node(nodeName), name);
}

std::size_t countOccurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto position = text.find(part); position != std::string::npos; position = text.find(part, position + 1)) {
    ++count;
  }
  return count;
}

MapModel twoNodeMap(const std::string& edgeKind) {
  MapModel model;
  model.nodes = {{"/a", "a", "", "redeploy", "", false}, {"/b", "b", "", "redeploy", "", false}};
  model.edges = {{"/a", "/b", edgeKind, "evidence"}};
  return model;
}

TEST(RenderDot, WritesClusterPerResourceGroup) {
  ParsedDot dot(renderDot(vaultMap()));

  EXPECT_EQ(ParsedDot::attribute(dot.subgraph("cluster_0"), "label"), "rg-app");
  EXPECT_EQ(ParsedDot::attribute(dot.subgraph("cluster_1"), "label"), "rg-net");
  EXPECT_EQ(ParsedDot::attribute(dot.subgraph("cluster_2"), "label"), "rg-shared");
  EXPECT_EQ(dot.subgraph("cluster_3"), nullptr);
  EXPECT_NE(agsubnode(dot.subgraph("cluster_0"), dot.node(vaultId), 0), nullptr);
  EXPECT_NE(agsubnode(dot.subgraph("cluster_0"), dot.node(webAppId), 0), nullptr);
  EXPECT_NE(agsubnode(dot.subgraph("cluster_1"), dot.node(subnetId), 0), nullptr);
  EXPECT_EQ(agsubnode(dot.subgraph("cluster_1"), dot.node(vaultId), 0), nullptr);
}

TEST(RenderDot, WritesClustersInFirstSeenOrder) {
  MapModel model;
  // Reverse alphabetical names, so neither name order nor creation order of strings
  // matches by accident.
  for (int i = 0; i < 40; ++i) {
    const std::string group = "rg-" + std::to_string(99 - i);
    model.nodes.push_back({"/node/" + std::to_string(i), "n", group, "reuse", "", false});
  }

  const std::string text = renderDot(model, {.legend = false});
  ParsedDot dot(text);

  std::size_t previous = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string name = "cluster_" + std::to_string(i);
    EXPECT_EQ(ParsedDot::attribute(dot.subgraph(name), "label"), "rg-" + std::to_string(99 - i));
    const std::size_t position = text.find("subgraph " + name + " {");
    ASSERT_NE(position, std::string::npos) << name;
    EXPECT_GT(position, previous) << name;
    previous = position;
  }
}

TEST(RenderDot, LeavesNodeWithoutClusterAtTopLevel) {
  MapModel model = twoNodeMap("reference");
  ParsedDot dot(renderDot(model, {.legend = false}));

  EXPECT_EQ(dot.subgraph("cluster_0"), nullptr);
  EXPECT_NE(dot.node("/a"), nullptr);
}

TEST(RenderDot, UsesResourceIdsAsNodeNames) {
  const std::string text = renderDot(vaultMap());
  ParsedDot dot(text);

  EXPECT_NE(text.find('"' + vaultId + '"'), std::string::npos);
  EXPECT_EQ(attributeOf(dot, vaultId, "label"), "kv-app-weu\\nvault");
}

TEST(RenderDot, FillsNodeByStrategyColour) {
  MapModel model;
  for (const std::string& strategy : strategyNames()) {
    model.nodes.push_back({"/" + strategy + "/1", strategy, "", strategy, "", false});
    model.nodes.push_back({"/" + strategy + "/2", strategy, "", strategy, "", false});
  }
  ParsedDot dot(renderDot(model));

  std::set<std::string> colours;
  for (const std::string& strategy : strategyNames()) {
    const std::string fill = attributeOf(dot, "/" + strategy + "/1", "fillcolor");
    EXPECT_EQ(fill.size(), 7u) << strategy << ": " << fill;
    EXPECT_EQ(fill.front(), '#') << strategy;
    EXPECT_EQ(attributeOf(dot, "/" + strategy + "/2", "fillcolor"), fill) << strategy;
    EXPECT_EQ(attributeOf(dot, strategyEntry + strategy, "fillcolor"), fill) << strategy;
    EXPECT_NE(attributeOf(dot, "/" + strategy + "/1", "style").find("filled"), std::string::npos) << strategy;
    colours.insert(fill);
  }
  EXPECT_EQ(colours.size(), strategyNames().size());
}

TEST(RenderDot, DrawsRoundedBoxes) {
  ParsedDot dot(renderDot(vaultMap()));

  EXPECT_EQ(attributeOf(dot, vaultId, "shape"), "box");
  EXPECT_NE(attributeOf(dot, vaultId, "style").find("rounded"), std::string::npos);
}

TEST(RenderDot, DrawsExternalNodeDashed) {
  ParsedDot dot(renderDot(vaultMap()));

  EXPECT_EQ(attributeOf(dot, workspaceId, "style"), "filled,rounded,dashed");
  EXPECT_EQ(attributeOf(dot, vaultId, "style"), "filled,rounded");
}

TEST(RenderDot, StylesEdgesByKind) {
  const std::vector<std::pair<std::string, std::string>> expectedStyles = {
      {"endpoint-to-vault", "bold"},
      {"secret-reference", "solid"},
      {"certificate-reference", "dashed"},
      {"diagnostics-target", "dotted"},
  };
  for (const auto& [kind, style] : expectedStyles) {
    ParsedDot dot(renderDot(twoNodeMap(kind)));
    EXPECT_EQ(ParsedDot::attribute(dot.edge("/a", "/b"), "style"), style) << kind;
  }
}

TEST(RenderDot, GivesEachEdgeKindDistinctLook) {
  std::set<std::pair<std::string, std::string>> looks;
  const std::set<std::string> lineStyles = {"solid", "dashed", "dotted", "bold"};
  for (const std::string& kind : edgeKindNames()) {
    ParsedDot dot(renderDot(twoNodeMap(kind)));
    Agedge_t* edge = dot.edge("/a", "/b");
    const std::string style = ParsedDot::attribute(edge, "style");
    const std::string colour = ParsedDot::attribute(edge, "color");
    EXPECT_TRUE(lineStyles.contains(style)) << kind << ": " << style;
    EXPECT_EQ(colour.size(), 7u) << kind << ": " << colour;
    looks.insert({style, colour});
  }
  EXPECT_EQ(looks.size(), edgeKindNames().size());
}

TEST(RenderDot, PutsEvidenceInEdgeTooltip) {
  ParsedDot dot(renderDot(vaultMap()));

  EXPECT_EQ(ParsedDot::attribute(dot.edge(webAppId, vaultId), "tooltip"),
            "secret-reference: appSettings.DB_PASSWORD uses a Key Vault reference");
}

TEST(RenderDot, PutsStrategyInNodeTooltip) {
  ParsedDot dot(renderDot(vaultMap()));

  EXPECT_EQ(attributeOf(dot, vaultId, "tooltip"), "Key Vault kv-app-weu\\nstrategy: redeploy-with-data");
}

TEST(RenderDot, LegendListsOnlyUsedStrategies) {
  const std::string text = renderDot(vaultMap());
  ParsedDot dot(text);

  const std::set<std::string> used = {"redeploy-with-data", "repoint", "redeploy", "reuse", "external"};
  for (const std::string& strategy : strategyNames()) {
    const bool listed = dot.node(strategyEntry + strategy) != nullptr;
    EXPECT_EQ(listed, used.contains(strategy)) << strategy;
  }
  // Each entry is declared once and tied once to the anchor that places the legend.
  EXPECT_EQ(countOccurrences(text, strategyEntry), 2 * used.size());
  EXPECT_NE(agsubnode(dot.subgraph("cluster_legend"), dot.node(strategyEntry + "reuse"), 0), nullptr);
  EXPECT_EQ(ParsedDot::attribute(dot.subgraph("cluster_legend"), "label"), "Legend");
}

TEST(RenderDot, LegendListsStrategiesInLegendOrder) {
  const std::string text = renderDot(vaultMap());

  const std::vector<std::string> expectedOrder = {"redeploy", "redeploy-with-data", "repoint", "reuse", "external"};
  std::size_t previous = 0;
  for (const std::string& strategy : expectedOrder) {
    const std::size_t position = text.find('"' + strategyEntry + strategy + '"');
    ASSERT_NE(position, std::string::npos) << strategy;
    EXPECT_GT(position, previous) << strategy;
    previous = position;
  }
}

TEST(RenderDot, LegendListsOnlyUsedEdgeKinds) {
  const std::string text = renderDot(vaultMap());
  ParsedDot dot(text);

  const std::set<std::string> used = {"endpoint-to-vault", "endpoint-in-subnet", "secret-reference",
                                       "diagnostics-target"};
  for (const std::string& kind : edgeKindNames()) {
    const bool listed = dot.node(edgeEntry + kind) != nullptr;
    EXPECT_EQ(listed, used.contains(kind)) << kind;
  }
  Agedge_t* sample = dot.edge(edgeEntry + "diagnostics-target", "kvr-legend:edge-end:diagnostics-target");
  EXPECT_EQ(ParsedDot::attribute(sample, "style"), "dotted");
}

TEST(RenderDot, LegendShowsDashedOutlineOnlyWithExternalNodes) {
  ParsedDot withExternal(renderDot(vaultMap()));
  ParsedDot withoutExternal(renderDot(twoNodeMap("reference")));

  EXPECT_EQ(attributeOf(withExternal, "kvr-legend:external-outline", "style"), "filled,rounded,dashed");
  EXPECT_EQ(withoutExternal.node("kvr-legend:external-outline"), nullptr);
}

TEST(RenderDot, LegendAnchorFollowsEveryNodeWithoutSuccessors) {
  const MapModel model = vaultMap();
  ParsedDot dot(renderDot(model));
  std::set<std::string> withSuccessors;
  for (const MapEdge& edge : model.edges) withSuccessors.insert(edge.from);

  for (const MapNode& node : model.nodes) {
    Agedge_t* tie = dot.edge(node.id, "kvr-legend:anchor");
    if (withSuccessors.contains(node.id)) {
      EXPECT_EQ(tie, nullptr) << node.id;
    } else {
      ASSERT_NE(tie, nullptr) << node.id;
      EXPECT_EQ(ParsedDot::attribute(tie, "style"), "invis");
    }
  }
  EXPECT_NE(dot.edge("kvr-legend:anchor", strategyEntry + "reuse"), nullptr);
  EXPECT_NE(dot.edge("kvr-legend:edge-anchor", edgeEntry + "diagnostics-target"), nullptr);
}

TEST(RenderDot, OmitsLegendWhenDisabled) {
  const std::string text = renderDot(vaultMap(), {.legend = false});

  EXPECT_EQ(text.find("cluster_legend"), std::string::npos);
  EXPECT_EQ(text.find("kvr-legend:"), std::string::npos);
}

TEST(RenderDot, OmitsLegendForEmptyMap) {
  const std::string text = renderDot(MapModel{});

  EXPECT_EQ(text.find("cluster_legend"), std::string::npos);
  EXPECT_NO_THROW(ParsedDot{text});
}

TEST(RenderDot, SetsGraphAttributes) {
  ParsedDot dot(renderDot(vaultMap()));

  EXPECT_EQ(ParsedDot::attribute(dot.graph(), "rankdir"), "LR");
  EXPECT_EQ(ParsedDot::attribute(dot.graph(), "fontname"), "Helvetica");
  EXPECT_EQ(ParsedDot::attribute(dot.graph(), "label"), "kv-app-weu dependencies");
}

TEST(RenderDot, IsByteIdenticalAcrossRenders) {
  const std::string first = renderDot(vaultMap());
  const std::string second = renderDot(vaultMap());
  // An SVG render in between creates a gvc context, which changes Graphviz's
  // process-wide default attributes.
  renderSvg(vaultMap());
  const std::string third = renderDot(vaultMap());

  EXPECT_EQ(first, second);
  EXPECT_EQ(first, third);
}

TEST(RenderDot, EscapesQuotesBackslashesAndNewlines) {
  MapModel model;
  model.nodes = {{"/quoted", "say \"hi\"\nC:\\temp\\", "rg \"main\"", "reuse", "tip \"x\"\\", false}};
  const std::string text = renderDot(model);
  ParsedDot dot(text);

  EXPECT_NE(text.find("say \\\"hi\\\""), std::string::npos) << text;
  EXPECT_EQ(attributeOf(dot, "/quoted", "label"), "say \"hi\"\\nC:\\\\temp\\\\");
  EXPECT_EQ(attributeOf(dot, "/quoted", "tooltip"), "tip \"x\"\\\\\\nstrategy: reuse");
  EXPECT_EQ(ParsedDot::attribute(dot.subgraph("cluster_0"), "label"), "rg \"main\"");
}

TEST(RenderDot, DropsCarriageReturns) {
  MapModel model;
  model.nodes = {{"/crlf", "first\r\nsecond", "", "reuse", "", false}};
  ParsedDot dot(renderDot(model));

  EXPECT_EQ(attributeOf(dot, "/crlf", "label"), "first\\nsecond");
}

TEST(RenderDot, FallsBackToIdForEmptyLabel) {
  MapModel model;
  model.nodes = {{"/unlabelled", "", "", "reuse", "", false}};
  ParsedDot dot(renderDot(model));

  EXPECT_EQ(attributeOf(dot, "/unlabelled", "label"), "/unlabelled");
}

TEST(RenderDot, KeepsParallelEdgesOfDifferentKinds) {
  MapModel model = twoNodeMap("reference");
  model.edges.push_back({"/a", "/b", "access-grant", "role assignment"});
  const std::string text = renderDot(model, {.legend = false});

  EXPECT_EQ(countOccurrences(text, "\"/a\" -> \"/b\""), 2u) << text;
}

TEST(RenderDot, RejectsEdgeToUnknownNode) {
  MapModel model = twoNodeMap("reference");
  model.edges.push_back({"/a", "/missing", "reference", ""});

  EXPECT_THROW(renderDot(model), std::invalid_argument);
}

TEST(RenderDot, RejectsDuplicateNodeId) {
  MapModel model = twoNodeMap("reference");
  model.nodes.push_back(model.nodes.front());

  EXPECT_THROW(renderDot(model), std::invalid_argument);
}

TEST(RenderDot, RejectsUnknownStrategy) {
  MapModel model = twoNodeMap("reference");
  model.nodes.front().strategy = "teleport";

  EXPECT_THROW(renderDot(model), std::invalid_argument);
}

TEST(RenderDot, RejectsUnknownEdgeKind) {
  EXPECT_THROW(renderDot(twoNodeMap("wormhole")), std::invalid_argument);
}

}  // namespace
}  // namespace kvr::viz
