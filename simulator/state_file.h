#pragma once

#include <filesystem>
#include <string>

namespace kvr::sim {

// Writes `content` to `file` with mode 0600, through a temporary file in the same folder
// that is synced and renamed over `file`, so a reader sees either the old or the new
// content. kvsim's state holds test secret values, hence the private mode. Throws
// std::system_error naming the file and the failing call.
void writePrivateFileAtomically(const std::filesystem::path& file, const std::string& content);

}  // namespace kvr::sim
