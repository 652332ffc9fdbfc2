#pragma once

// Colours and line styles of the map, one entry per name in strategyNames() and
// edgeKindNames(). Internal to viz/.

#include <optional>
#include <string_view>

namespace kvr::viz {

// Returns the fill colour ("#RRGGBB") of a node with this strategy, or std::nullopt for
// an unknown name.
std::optional<std::string_view> strategyFillColor(std::string_view strategy);

struct EdgeLook {
  std::string_view style;  // Graphviz edge style: solid, dashed, dotted or bold
  std::string_view color;  // "#RRGGBB"
};

// Returns the line style of an edge of this kind, or std::nullopt for an unknown kind.
std::optional<EdgeLook> edgeLook(std::string_view kind);

}  // namespace kvr::viz
