#include <gtest/gtest.h>

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
