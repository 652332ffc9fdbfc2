#pragma once

// The dependency map as the renderers see it: plain nodes, edges and clusters. The
// planner fills it; viz/ only draws it.

#include <string>
#include <vector>

namespace kvr::viz {

struct MapNode {
  std::string id;        // unique key, for example a normalised resource id
  std::string label;     // short text shown in the box, for example "kv-app-weu\nvault"
  std::string cluster;   // group drawn as a box around its nodes, for example a resource group
  std::string strategy;  // one of the strategy names in strategyNames(); decides the colour
  std::string tooltip;   // longer text, shown on hover in SVG
  bool external = false; // referenced by the inputs but not defined in them: dashed outline
};

struct MapEdge {
  std::string from;
  std::string to;
  std::string kind;      // one of edgeKindNames(); decides the line style
  std::string evidence;  // shown on hover in SVG
};

struct MapModel {
  std::string title;
  std::vector<MapNode> nodes;  // rendered in this order: the caller sorts them
  std::vector<MapEdge> edges;  // rendered in this order: the caller sorts them
};

// Strategy names that have a colour in the legend, in legend order.
const std::vector<std::string>& strategyNames();
// Edge kinds that have a line style in the legend, in legend order.
const std::vector<std::string>& edgeKindNames();

}  // namespace kvr::viz
