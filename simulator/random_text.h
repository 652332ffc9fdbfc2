#pragma once

#include <string>

namespace kvr::sim {

// `byteCount` random bytes from OpenSSL's generator, as unpadded base64url text.
std::string randomToken(std::size_t byteCount);
// 32 lower-case hexadecimal digits, the shape of Key Vault object versions.
std::string randomHexId();
// A random RFC 4122 version-4 GUID in lower case.
std::string randomGuid();

std::string base64UrlEncode(const std::string& bytes);
// Accepts base64url and standard base64, with or without padding; nullopt when invalid.
bool base64UrlDecode(const std::string& text, std::string& bytes);

}  // namespace kvr::sim
