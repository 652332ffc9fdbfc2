// Times renderSvg on generated maps of 500, 2,000 and 10,000 nodes. Each map has about
// 1.5 edges per node between random nodes (fixed seed, so every run draws the same maps)
// and one resource group per 25 nodes. Prints one line per map, then one more for a
// 500-node map laid out with dot.

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include "viz/map_model.h"
#include "viz/render.h"

namespace {

kvr::viz::MapModel generateMap(std::size_t nodeCount, std::mt19937& random) {
  const auto& strategies = kvr::viz::strategyNames();
  const auto& kinds = kvr::viz::edgeKindNames();
  std::uniform_int_distribution<std::size_t> pickNode(0, nodeCount - 1);
  std::uniform_int_distribution<std::size_t> pickStrategy(0, strategies.size() - 1);
  std::uniform_int_distribution<std::size_t> pickKind(0, kinds.size() - 1);

  kvr::viz::MapModel model;
  model.title = "generated map of " + std::to_string(nodeCount) + " nodes";
  for (std::size_t i = 0; i < nodeCount; ++i) {
    const std::string group = "rg-" + std::to_string(i / 25);
    const std::string name = "res" + std::to_string(i);
    const std::string& strategy = strategies[pickStrategy(random)];
    model.nodes.push_back({"/subscriptions/0/resourceGroups/" + group + "/providers/Microsoft.Web/sites/" + name,
                           name + "\nweb app", group, strategy, "generated " + name, strategy == "external"});
  }
  for (std::size_t i = 0; i < nodeCount * 3 / 2; ++i) {
    const std::size_t from = pickNode(random);
    const std::size_t to = pickNode(random);
    model.edges.push_back({model.nodes[from].id, model.nodes[to].id, kinds[pickKind(random)], "generated"});
  }
  return model;
}

void timeRender(const kvr::viz::MapModel& model, const kvr::viz::RenderOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::string svg = kvr::viz::renderSvg(model, options);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("%6zu nodes %6zu edges  %-4s  %8.2f s  %9zu bytes of SVG\n", model.nodes.size(), model.edges.size(),
              kvr::viz::chooseLayoutEngine(model, options).c_str(), elapsed.count(), svg.size());
  std::fflush(stdout);
}

}  // namespace

int main() {
  std::mt19937 random(20240611);
  for (std::size_t nodeCount : {500, 2000, 10000}) {
    timeRender(generateMap(nodeCount, random), {});
  }

  // The same 500-node size laid out with dot, for comparison with the sfdp threshold.
  kvr::viz::RenderOptions dotOnly;
  dotOnly.sfdpThreshold = std::numeric_limits<std::size_t>::max();
  timeRender(generateMap(500, random), dotOnly);
  return 0;
}
