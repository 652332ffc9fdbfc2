#include "viz/map_graph.h"

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "viz/render.h"
#include "viz/style.h"

namespace kvr::viz {

namespace {

const std::string fontName = "Helvetica";
// Legend node names share the namespace of MapNode::id. Azure resource ids start with
// "/", so this prefix cannot clash with them.
const std::string legendPrefix = "kvr-legend:";

void declareGraphAttributes(Agraph_t* root, const MapModel& model) {
  declareAttribute(root, AGRAPH, "label", "");
  declareAttribute(root, AGRAPH, "tooltip", "");
  declareAttribute(root, AGRAPH, "style", "");
  declareAttribute(root, AGRAPH, "color", "");
  declareAttribute(root, AGRAPH, "fillcolor", "");
  declareAttribute(root, AGRAPH, "fontname", fontName);
  declareAttribute(root, AGRAPH, "fontsize", "11");
  declareAttribute(root, AGRAPH, "labeljust", "l");
  declareAttribute(root, AGRAPH, "labelloc", "t");
  declareAttribute(root, AGRAPH, "rankdir", "LR");
  declareAttribute(root, AGRAPH, "nodesep", "0.25");
  declareAttribute(root, AGRAPH, "ranksep", "0.6");
  // Nodes drawn after edges stay readable where sfdp routes edges across them.
  declareAttribute(root, AGRAPH, "outputorder", "edgesfirst");

  setAttribute(root, "label", escapeLabelText(model.title));
  setAttribute(root, "tooltip", escapeLabelText(model.title));
  setAttribute(root, "fontsize", "14");
}

void declareNodeAttributes(Agraph_t* root) {
  declareAttribute(root, AGNODE, "label", "\\N");
  declareAttribute(root, AGNODE, "tooltip", "");
  declareAttribute(root, AGNODE, "shape", "box");
  declareAttribute(root, AGNODE, "style", "filled,rounded");
  declareAttribute(root, AGNODE, "fillcolor", "#FFFFFF");
  declareAttribute(root, AGNODE, "color", "#333333");
  declareAttribute(root, AGNODE, "fontname", fontName);
  declareAttribute(root, AGNODE, "fontsize", "10");
  declareAttribute(root, AGNODE, "width", "");
  declareAttribute(root, AGNODE, "height", "");
  declareAttribute(root, AGNODE, "margin", "");
}

void declareEdgeAttributes(Agraph_t* root) {
  declareAttribute(root, AGEDGE, "style", "solid");
  declareAttribute(root, AGEDGE, "color", "#000000");
  declareAttribute(root, AGEDGE, "tooltip", "");
  declareAttribute(root, AGEDGE, "label", "");
  declareAttribute(root, AGEDGE, "fontname", fontName);
  declareAttribute(root, AGEDGE, "fontsize", "9");
  declareAttribute(root, AGEDGE, "arrowsize", "0.7");
}

std::string_view fillColorOf(const MapNode& node) {
  auto color = strategyFillColor(node.strategy);
  if (!color) {
    throw std::invalid_argument("map node " + node.id + " has unknown strategy \"" + node.strategy +
                                "\"; use one of strategyNames()");
  }
  return *color;
}

EdgeLook lookOf(const MapEdge& edge) {
  auto look = edgeLook(edge.kind);
  if (!look) {
    throw std::invalid_argument("map edge from " + edge.from + " to " + edge.to + " has unknown kind \"" +
                                edge.kind + "\"; use one of edgeKindNames()");
  }
  return *look;
}

// Creates one "cluster_<n>" subgraph per distinct non-empty MapNode::cluster, numbered
// in first-seen order. The returned vector has one entry per node: its subgraph, or the
// root for a node without a cluster.
std::vector<Agraph_t*> createClusters(Agraph_t* root, const MapModel& model) {
  std::vector<std::string> names;
  std::vector<Agraph_t*> clusters;
  std::vector<Agraph_t*> parents;
  parents.reserve(model.nodes.size());

  for (const MapNode& node : model.nodes) {
    if (node.cluster.empty()) {
      parents.push_back(root);
      continue;
    }
    std::size_t index = 0;
    while (index < names.size() && names[index] != node.cluster) {
      ++index;
    }
    if (index == names.size()) {
      Agraph_t* cluster = agsubg(root, cgraphText("cluster_" + std::to_string(index)), 1);
      setAttribute(cluster, "label", escapeLabelText(node.cluster));
      setAttribute(cluster, "tooltip", escapeLabelText(node.cluster));
      setAttribute(cluster, "style", "rounded,filled");
      setAttribute(cluster, "color", "#999999");
      setAttribute(cluster, "fillcolor", "#F7F7F7");
      names.push_back(node.cluster);
      clusters.push_back(cluster);
    }
    parents.push_back(clusters[index]);
  }
  return parents;
}

std::string nodeTooltip(const MapNode& node) {
  const std::string& text = node.tooltip.empty() ? node.id : node.tooltip;
  return text + "\nstrategy: " + node.strategy;
}

void addNodes(Agraph_t* root, const MapModel& model) {
  std::vector<Agraph_t*> parents = createClusters(root, model);

  for (std::size_t i = 0; i < model.nodes.size(); ++i) {
    const MapNode& node = model.nodes[i];
    if (agnode(root, cgraphText(node.id), 0) != nullptr) {
      throw std::invalid_argument("map node id " + node.id + " occurs more than once");
    }
    Agnode_t* drawn = agnode(parents[i], cgraphText(node.id), 1);
    setAttribute(drawn, "label", escapeLabelText(node.label.empty() ? node.id : node.label));
    setAttribute(drawn, "tooltip", escapeLabelText(nodeTooltip(node)));
    setAttribute(drawn, "fillcolor", std::string(fillColorOf(node)));
    if (node.external) {
      setAttribute(drawn, "style", "filled,rounded,dashed");
    }
  }
}

Agnode_t* findEndpoint(Agraph_t* root, const MapEdge& edge, const std::string& id) {
  Agnode_t* node = agnode(root, cgraphText(id), 0);
  if (node == nullptr) {
    throw std::invalid_argument("map edge from " + edge.from + " to " + edge.to + " refers to node " + id +
                                ", which is not among the map's nodes");
  }
  return node;
}

void addEdges(Agraph_t* root, const MapModel& model) {
  for (const MapEdge& edge : model.edges) {
    EdgeLook look = lookOf(edge);
    Agnode_t* tail = findEndpoint(root, edge, edge.from);
    Agnode_t* head = findEndpoint(root, edge, edge.to);
    Agedge_t* drawn = agedge(root, tail, head, nullptr, 1);
    setAttribute(drawn, "style", std::string(look.style));
    setAttribute(drawn, "color", std::string(look.color));
    setAttribute(drawn, "tooltip", escapeLabelText(edge.kind + ": " + edge.evidence));
  }
}

// Names from `ordered` that occur in `used`, in the order of `ordered`.
std::vector<std::string> usedInOrder(const std::vector<std::string>& ordered, const std::set<std::string>& used) {
  std::vector<std::string> result;
  for (const std::string& name : ordered) {
    if (used.contains(name)) {
      result.push_back(name);
    }
  }
  return result;
}

// Legend entries are smaller than map nodes so the legend does not outgrow a small map.
Agnode_t* addLegendNode(Agraph_t* legend, const std::string& name, const std::string& label) {
  Agnode_t* node = agnode(legend, cgraphText(legendPrefix + name), 1);
  setAttribute(node, "label", escapeLabelText(label));
  setAttribute(node, "tooltip", escapeLabelText(label));
  setAttribute(node, "fontsize", "9");
  setAttribute(node, "height", "0.25");
  setAttribute(node, "margin", "0.08,0.02");
  return node;
}

void addStrategyEntries(Agraph_t* legend, const MapModel& model) {
  std::set<std::string> used;
  bool anyExternal = false;
  for (const MapNode& node : model.nodes) {
    used.insert(node.strategy);
    anyExternal = anyExternal || node.external;
  }

  for (const std::string& strategy : usedInOrder(strategyNames(), used)) {
    Agnode_t* entry = addLegendNode(legend, "strategy:" + strategy, strategy);
    setAttribute(entry, "fillcolor", std::string(*strategyFillColor(strategy)));
  }
  if (anyExternal) {
    Agnode_t* entry = addLegendNode(legend, "external-outline", "dashed outline:\nnot defined in the inputs");
    setAttribute(entry, "style", "filled,rounded,dashed");
  }
}

// Each edge kind is shown as a short edge from its name to a dot, so the legend line has
// the same style and colour as the edges in the map.
void addEdgeKindEntries(Agraph_t* root, Agraph_t* legend, const MapModel& model) {
  std::set<std::string> used;
  for (const MapEdge& edge : model.edges) {
    used.insert(edge.kind);
  }

  for (const std::string& kind : usedInOrder(edgeKindNames(), used)) {
    Agnode_t* name = addLegendNode(legend, "edge:" + kind, kind);
    setAttribute(name, "shape", "plaintext");
    setAttribute(name, "style", "");
    Agnode_t* end = addLegendNode(legend, "edge-end:" + kind, "");
    setAttribute(end, "shape", "point");
    setAttribute(end, "width", "0.06");
    setAttribute(end, "tooltip", escapeLabelText(kind));
    EdgeLook look = *edgeLook(kind);
    setAttribute(end, "color", std::string(look.color));
    setAttribute(end, "fillcolor", std::string(look.color));

    Agedge_t* sample = agedge(root, name, end, nullptr, 1);
    setAttribute(sample, "style", std::string(look.style));
    setAttribute(sample, "color", std::string(look.color));
    setAttribute(sample, "tooltip", escapeLabelText(kind));
  }
}

Agnode_t* addInvisibleNode(Agraph_t* legend, const std::string& name) {
  Agnode_t* node = agnode(legend, cgraphText(legendPrefix + name), 1);
  setAttribute(node, "label", "");
  setAttribute(node, "shape", "point");
  setAttribute(node, "style", "invis");
  setAttribute(node, "width", "0.01");
  return node;
}

void addInvisibleEdge(Agraph_t* root, Agnode_t* tail, Agnode_t* head) {
  Agedge_t* edge = agedge(root, tail, head, nullptr, 1);
  setAttribute(edge, "style", "invis");
}

// Places the legend to the right of the map, after the graph in reading order. Invisible
// edges from every map node without successors (the last rank holds only such nodes) to
// an anchor put the anchor after the map's last rank. The strategy entries follow the
// anchor, and the edge kinds follow a second anchor one rank later, so the legend is two
// columns rather than one tall one.
void placeLegendAfterMap(Agraph_t* root, Agraph_t* legend, const MapModel& model) {
  std::set<std::string> withSuccessors;
  for (const MapEdge& edge : model.edges) {
    withSuccessors.insert(edge.from);
  }
  Agnode_t* anchor = addInvisibleNode(legend, "anchor");
  Agnode_t* edgeAnchor = addInvisibleNode(legend, "edge-anchor");
  addInvisibleEdge(root, anchor, edgeAnchor);
  for (const MapNode& node : model.nodes) {
    if (!withSuccessors.contains(node.id)) {
      addInvisibleEdge(root, agnode(root, cgraphText(node.id), 0), anchor);
    }
  }

  const std::string strategyPrefix = legendPrefix + "strategy:";
  const std::string edgeKindPrefix = legendPrefix + "edge:";
  for (Agnode_t* entry = agfstnode(legend); entry != nullptr; entry = agnxtnode(legend, entry)) {
    std::string name = agnameof(entry);
    if (name.starts_with(strategyPrefix) || name == legendPrefix + "external-outline") {
      addInvisibleEdge(root, anchor, entry);
    } else if (name.starts_with(edgeKindPrefix)) {
      addInvisibleEdge(root, edgeAnchor, entry);
    }
  }
}

void addLegend(Agraph_t* root, const MapModel& model, const RenderOptions& options) {
  if (model.nodes.empty() && model.edges.empty()) {
    return;
  }
  Agraph_t* legend = agsubg(root, cgraphText("cluster_legend"), 1);
  setAttribute(legend, "label", "Legend");
  setAttribute(legend, "tooltip", "Legend");
  setAttribute(legend, "style", "rounded");
  setAttribute(legend, "color", "#999999");

  addStrategyEntries(legend, model);
  addEdgeKindEntries(root, legend, model);
  // sfdp ignores ranks, and the invisible edges would pull the legend into the map.
  if (chooseLayoutEngine(model, options) == "dot") placeLegendAfterMap(root, legend, model);
}

}  // namespace

std::string escapeLabelText(const std::string& text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char character : text) {
    switch (character) {
      case '\\':
        escaped += "\\\\";
        break;
      case '\n':
        escaped += "\\n";
        break;
      case '\r':
        break;
      default:
        escaped += character;
    }
  }
  return escaped;
}

GraphHandle buildMapGraph(const MapModel& model, const RenderOptions& options) {
  GraphHandle graph = openDirectedGraph(model.title.empty() ? "map" : model.title);
  Agraph_t* root = graph.get();
  declareGraphAttributes(root, model);
  declareNodeAttributes(root);
  declareEdgeAttributes(root);

  addNodes(root, model);
  addEdges(root, model);
  if (options.legend) {
    addLegend(root, model, options);
  }
  return graph;
}

}  // namespace kvr::viz
