#pragma once

// Logging entry points for https_listener.cpp. spdlog's bundled fmt 9 does not compile in
// a translation unit that includes cpprestsdk's listener headers (its format_as lookup
// breaks), so that file logs through these functions instead.

#include <string>

namespace kvr::sim {

void logWarning(const std::string& message);
void logError(const std::string& message);

}  // namespace kvr::sim
