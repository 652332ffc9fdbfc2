#pragma once

#include <string>

namespace kvr::sim {

// The Azure geography of a region ("Europe" for "westeurope"), from the same table the
// planner uses; "" for a region the table lacks.
std::string geographyOf(const std::string& region);

}  // namespace kvr::sim
