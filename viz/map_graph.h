#pragma once

#include "viz/cgraph_support.h"
#include "viz/map_model.h"
#include "viz/render.h"

namespace kvr::viz {

// Builds the cgraph graph that renderDot writes and renderSvg lays out: one cluster per
// MapNode::cluster, styled nodes and edges, and the legend when options.legend is set.
// Throws std::invalid_argument for a duplicate node id, an edge to an unknown node, an
// unknown strategy or an unknown edge kind.
GraphHandle buildMapGraph(const MapModel& model, const RenderOptions& options);

// Escapes text for a Graphviz escString attribute (label, tooltip): a backslash is
// doubled so it shows as itself, a newline becomes a centred line break, a carriage
// return is dropped. cgraph quotes the result when writing DOT.
std::string escapeLabelText(const std::string& text);

}  // namespace kvr::viz
