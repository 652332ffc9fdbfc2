#pragma once

#include <string>
#include <string_view>

namespace kvr::sim {

struct ResourceType {
  std::string_view canonical;  // as Azure spells it
  bool tracked;                // tracked resources carry a location
};

// The resource types kvsim serves; nullptr for any other. Matched without regard to case.
const ResourceType* findResourceType(std::string_view fullType);

}  // namespace kvr::sim
