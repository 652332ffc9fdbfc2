#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

#include "tests/viz/sample_maps.h"
#include "viz/render.h"

namespace kvr::viz {
namespace {

using testing::chainMap;
using testing::vaultMap;

std::size_t countOccurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto position = text.find(part); position != std::string::npos; position = text.find(part, position + 1)) {
    ++count;
  }
  return count;
}

// Encodes text the way Graphviz 2.42 writes it into SVG: the XML entities, and "-" as
// "&#45;".
std::string asSvgText(const std::string& text) {
  std::string encoded;
  for (char character : text) {
    switch (character) {
      case '&':
        encoded += "&amp;";
        break;
      case '<':
        encoded += "&lt;";
        break;
      case '>':
        encoded += "&gt;";
        break;
      case '"':
        encoded += "&quot;";
        break;
      case '-':
        encoded += "&#45;";
        break;
      default:
        encoded += character;
    }
  }
  return encoded;
}

// Graphviz writes each label line as the content of its own <text> element.
bool containsTextLine(const std::string& svg, const std::string& line) {
  return svg.find(">" + asSvgText(line) + "</text>") != std::string::npos;
}

TEST(RenderSvg, ProducesSvgDocument) {
  const std::string svg = renderSvg(vaultMap());

  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(RenderSvg, ContainsEveryNodeLabel) {
  const std::string svg = renderSvg(vaultMap());

  for (const char* line : {"kv-app-weu", "vault", "app-web", "web app", "pe-kv", "private endpoint",
                                  "snet-pe", "subnet", "law-central", "workspace"}) {
    EXPECT_TRUE(containsTextLine(svg, line)) << line;
  }
}

TEST(RenderSvg, ContainsClusterAndLegendLabels) {
  const std::string svg = renderSvg(vaultMap());

  for (const char* line : {"rg-app", "rg-net", "rg-shared", "Legend", "redeploy-with-data", "secret-reference"}) {
    EXPECT_TRUE(containsTextLine(svg, line)) << line;
  }
  EXPECT_FALSE(containsTextLine(svg, "drop"));
}

// The x of the first <text> of each node, by node name (its <title>).
std::map<std::string, double> nodeTextX(const std::string& svg) {
  std::map<std::string, double> positions;
  const std::string start = "class=\"node\">\n<title>";
  for (auto at = svg.find(start); at != std::string::npos; at = svg.find(start, at + 1)) {
    auto titleEnd = svg.find("</title>", at);
    std::string title = svg.substr(at + start.size(), titleEnd - at - start.size());
    auto blockEnd = svg.find("class=\"", titleEnd);  // where the next node, edge or cluster starts
    const std::string textStart = "<text text-anchor=\"middle\" x=\"";
    auto x = svg.find(textStart, titleEnd);
    if (x == std::string::npos || x > blockEnd) continue;
    positions[title] = std::stod(svg.substr(x + textStart.size()));
  }
  return positions;
}

TEST(RenderSvg, DrawsLegendRightOfMap) {
  const std::string svg = renderSvg(vaultMap());
  std::map<std::string, double> positions = nodeTextX(svg);
  double rightmostMapNode = -1e9;
  double leftmostLegendEntry = 1e9;
  for (const auto& [title, x] : positions) {
    if (title.rfind(asSvgText("kvr-legend:"), 0) == 0) {
      leftmostLegendEntry = std::min(leftmostLegendEntry, x);
    } else {
      rightmostMapNode = std::max(rightmostMapNode, x);
    }
  }
  ASSERT_LT(rightmostMapNode, 1e9) << "no map node found";
  ASSERT_GT(leftmostLegendEntry, -1e9) << "no legend entry found";
  EXPECT_GT(leftmostLegendEntry, rightmostMapNode) << "the map comes first, the legend after it";
}

TEST(RenderSvg, CarriesTooltips) {
  const std::string svg = renderSvg(vaultMap());

  EXPECT_NE(svg.find(asSvgText("secret-reference: appSettings.DB_PASSWORD uses a Key Vault reference")),
            std::string::npos);
  EXPECT_NE(svg.find("xlink:title=\"" + asSvgText("Key Vault kv-app-weu")), std::string::npos);
}

TEST(RenderSvg, DrawsExternalNodeDashed) {
  MapModel model;
  model.nodes = {{"/external", "outside", "", "external", "", true}};
  const std::string svg = renderSvg(model, {.legend = false});

  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
}

TEST(RenderSvg, EscapesLabelText) {
  MapModel model;
  model.nodes = {{"/quoted", "say \"hi\" & <go>\nC:\\temp", "", "reuse", "", false}};
  const std::string svg = renderSvg(model, {.legend = false});

  EXPECT_TRUE(containsTextLine(svg, "say \"hi\" & <go>")) << svg;
  EXPECT_TRUE(containsTextLine(svg, "C:\\temp")) << svg;
}

TEST(RenderSvg, IsByteIdenticalAcrossRenders) {
  EXPECT_EQ(renderSvg(vaultMap()), renderSvg(vaultMap()));
}

TEST(RenderSvg, RejectsInvalidModel) {
  MapModel model = vaultMap();
  model.edges.push_back({testing::vaultId, "/missing", "reference", ""});

  EXPECT_THROW(renderSvg(model), std::invalid_argument);
}

TEST(ChooseLayoutEngine, UsesDotUpToThreshold) {
  RenderOptions options;
  options.sfdpThreshold = 10;

  EXPECT_EQ(chooseLayoutEngine(chainMap(10), options), "dot");
  EXPECT_EQ(chooseLayoutEngine(chainMap(11), options), "sfdp");
  EXPECT_EQ(chooseLayoutEngine(vaultMap()), "dot");
}

TEST(RenderSvg, LaysOutThousandNodesWithSfdp) {
  const MapModel model = chainMap(1000);
  ASSERT_EQ(chooseLayoutEngine(model), "sfdp");

  const std::string svg = renderSvg(model);

  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_TRUE(containsTextLine(svg, "st0"));
  EXPECT_TRUE(containsTextLine(svg, "st999"));
  // 1,000 map nodes plus the legend: one strategy entry and two nodes per edge kind.
  EXPECT_EQ(countOccurrences(svg, "class=\"node\""), 1000u + 1u + 2u * 2u);
}

TEST(RenderSvg, SfdpLayoutIsByteIdenticalAcrossRenders) {
  const MapModel model = chainMap(500);

  EXPECT_EQ(renderSvg(model), renderSvg(model));
}

}  // namespace
}  // namespace kvr::viz
