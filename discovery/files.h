#pragma once

#include <string>

namespace kvr {

// Writes `content` to `path` through a temporary file in the same folder, fsync and
// rename, so a reader never sees a partial file and a failure leaves the old one intact.
// The file gets the mode a plain open() would give (0666 less the umask). Throws
// std::system_error with the errno of the failing call.
void writeFileAtomically(const std::string& path, const std::string& content);

}  // namespace kvr
