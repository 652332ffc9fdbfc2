#pragma once

#include <string>

namespace kvr::cli {

// Sends spdlog's default logger to standard error. `verbosity` counts -v flags: 0 logs
// warnings and errors, 1 adds info, 2 or more adds debug. `format` is "text" or "json";
// "json" writes one object per line with time, level and message.
void configureLogging(int verbosity, const std::string& format);

}  // namespace kvr::cli
