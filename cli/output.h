#pragma once

#include <string>

namespace kvr::cli {

// Writes `content` to standard output when `path` is empty, else to `path` through a
// temporary file in the same folder that is renamed over it, so a failed run never
// leaves a partial file. Throws UsageError naming the file when it cannot be written.
void writeOutput(const std::string& path, const std::string& content);

}  // namespace kvr::cli
