#include "simulator/log.h"

#include <spdlog/spdlog.h>

namespace kvr::sim {

void logWarning(const std::string& message) { spdlog::warn("kvsim: {}", message); }

void logError(const std::string& message) { spdlog::error("kvsim: {}", message); }

}  // namespace kvr::sim
