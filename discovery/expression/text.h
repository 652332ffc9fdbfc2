#pragma once

// Text encodings the string functions need. ARM runs on .NET, whose strings are UTF-16, so
// lengths and indexes count UTF-16 code units; the conversions below let the functions
// count the same way. Private to discovery/expression.

#include <optional>
#include <string>
#include <string_view>

namespace kvr::expr::text {

// Invalid UTF-8 becomes U+FFFD, one per invalid byte.
std::u16string toUtf16(std::string_view utf8);
// An unpaired surrogate becomes U+FFFD.
std::string toUtf8(std::u16string_view utf16);

std::string base64Encode(std::string_view bytes);
// Returns nullopt for characters outside the base64 alphabet or a wrong length;
// whitespace is skipped, as .NET's Convert.FromBase64String does.
std::optional<std::string> base64Decode(std::string_view encoded);

// Percent-encodes every byte except the RFC 3986 unreserved characters, as .NET's
// Uri.EscapeDataString does.
std::string percentEncode(std::string_view text);
// Decodes %XX sequences; a '%' not followed by two hex digits stays as it is.
std::string percentDecode(std::string_view text);

char16_t asciiLower(char16_t character);
char16_t asciiUpper(char16_t character);
// White space as .NET's Char.IsWhiteSpace defines it, for characters in the BMP.
bool isWhiteSpace(char16_t character);

}  // namespace kvr::expr::text
