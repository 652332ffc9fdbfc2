#include "viz/render.h"

#include <cstdlib>

#include <stdexcept>
#include <string>

#include "viz/cgraph_support.h"
#include "viz/map_graph.h"

namespace kvr::viz {

namespace {

// Collects the messages Graphviz reports while an instance is alive, instead of letting
// Graphviz print them to stderr, so a failure can carry them in its exception.
class GraphvizMessages {
 public:
  GraphvizMessages() : previousHandler_(agseterrf(&GraphvizMessages::collect)) {
    collected().clear();
    agreseterrors();
  }
  ~GraphvizMessages() { agseterrf(previousHandler_); }
  GraphvizMessages(const GraphvizMessages&) = delete;
  GraphvizMessages& operator=(const GraphvizMessages&) = delete;

  // Returns the collected messages on one line, or a fallback when Graphviz gave none.
  std::string summary() const {
    std::string text = collected();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
      text.pop_back();
    }
    for (char& character : text) {
      if (character == '\n') {
        character = ' ';
      }
    }
    return text.empty() ? "Graphviz gave no message" : text;
  }

 private:
  static std::string& collected() {
    static std::string messages;
    return messages;
  }
  static int collect(char* message) {
    collected().append(message);
    return 0;
  }

  agusererrf previousHandler_;
};

// Frees a layout before its graph is closed, so declare it after the graph's handle.
class LayoutGuard {
 public:
  LayoutGuard(GVC_t* context, Agraph_t* graph) : context_(context), graph_(graph) {}
  ~LayoutGuard() { gvFreeLayout(context_, graph_); }
  LayoutGuard(const LayoutGuard&) = delete;
  LayoutGuard& operator=(const LayoutGuard&) = delete;

 private:
  GVC_t* context_;
  Agraph_t* graph_;
};

struct RenderDataFree {
  void operator()(char* data) const { gvFreeRenderData(data); }
};

}  // namespace

std::string chooseLayoutEngine(const MapModel& model, const RenderOptions& options) {
  return model.nodes.size() > options.sfdpThreshold ? "sfdp" : "dot";
}

std::string renderDot(const MapModel& model, const RenderOptions& options) {
  GraphHandle graph = buildMapGraph(model, options);
  return writeDot(graph.get());
}

namespace {
constexpr std::size_t kPrismMaxNodes = 3000;
}  // namespace

std::string renderSvg(const MapModel& model, const RenderOptions& options) {
  GraphvizMessages messages;
  ContextHandle context{gvContext()};
  if (!context) {
    throw std::runtime_error("Graphviz failed to create a rendering context: " + messages.summary());
  }
  GraphHandle graph = buildMapGraph(model, options);

  const std::string engine = chooseLayoutEngine(model, options);
  if (engine == "sfdp") {
    // sfdp starts from random positions: a fixed seed keeps the SVG byte-identical.
    declareAttribute(graph.get(), AGRAPH, "start", "1");
    // Without overlap removal sfdp places many nodes on top of each other. "prism"
    // removes the overlaps after the layout, but on 10,000 nodes it took 85 s instead of
    // 12 s (viz_bench, 2 cores), so the largest maps keep the overlaps.
    // NOTE: above kPrismMaxNodes nodes some boxes overlap; the DOT output is unaffected.
    if (model.nodes.size() <= kPrismMaxNodes) declareAttribute(graph.get(), AGRAPH, "overlap", "prism");
  }
  // Graphviz 2.43's force-directed layouts draw from the C library's generators without
  // reseeding them between layouts in one process; reseed so every render starts alike.
  srand48(1);
  std::srand(1);
  if (gvLayout(context.get(), graph.get(), engine.c_str()) != 0) {
    throw std::runtime_error("Graphviz " + engine + " layout failed: " + messages.summary());
  }
  LayoutGuard layout{context.get(), graph.get()};

  char* data = nullptr;
  unsigned int length = 0;
  const int status = gvRenderData(context.get(), graph.get(), "svg", &data, &length);
  std::unique_ptr<char, RenderDataFree> ownedData{data};
  if (status != 0 || data == nullptr) {
    throw std::runtime_error("Graphviz failed to render SVG: " + messages.summary());
  }
  return std::string(data, length);
}

}  // namespace kvr::viz
