#pragma once

#include <cstddef>
#include <string>

#include "viz/map_model.h"

namespace kvr::viz {

struct RenderOptions {
  // Above this many nodes the SVG is laid out with sfdp instead of dot: dot takes minutes
  // past a few thousand nodes while sfdp stays within seconds.
  std::size_t sfdpThreshold = 400;
  bool legend = true;
};

// NOTE: Graphviz keeps process-wide state (error handler, default attributes), so call
// the functions below from one thread at a time.

// Writes the map as DOT text through Graphviz's cgraph. Deterministic for a given model.
// Throws std::invalid_argument for a duplicate node id, an edge to an unknown node, or a
// strategy or edge kind missing from strategyNames() or edgeKindNames().
std::string renderDot(const MapModel& model, const RenderOptions& options = {});

// Lays the map out and renders SVG in process through Graphviz's gvc.
// Throws std::runtime_error when Graphviz reports a failure, and std::invalid_argument
// for the model errors listed at renderDot.
std::string renderSvg(const MapModel& model, const RenderOptions& options = {});

// Returns the Graphviz layout engine renderSvg uses for this model: "sfdp" when the map
// has more than options.sfdpThreshold nodes, "dot" otherwise.
std::string chooseLayoutEngine(const MapModel& model, const RenderOptions& options = {});

}  // namespace kvr::viz
