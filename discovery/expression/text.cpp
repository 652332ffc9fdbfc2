#include "discovery/expression/text.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace kvr::expr::text {
namespace {

constexpr char16_t kReplacement = 0xFFFD;
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Decodes one UTF-8 sequence at `position`; returns the code point (or nullopt when the
// sequence is invalid) and advances `position` past what it consumed.
std::optional<char32_t> decodeUtf8(std::string_view utf8, std::size_t& position) {
  const auto lead = static_cast<unsigned char>(utf8[position++]);
  if (lead < 0x80) {
    return lead;
  }
  std::size_t length = 0;
  char32_t codePoint = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 1, codePoint = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 2, codePoint = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 3, codePoint = lead & 0x07, minimum = 0x10000;
  } else {
    return std::nullopt;
  }
  if (position + length > utf8.size()) {
    return std::nullopt;
  }
  for (std::size_t index = 0; index < length; ++index) {
    const auto continuation = static_cast<unsigned char>(utf8[position + index]);
    if ((continuation & 0xC0) != 0x80) {
      return std::nullopt;
    }
    codePoint = (codePoint << 6) | (continuation & 0x3F);
  }
  if (codePoint < minimum || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
    return std::nullopt;
  }
  position += length;
  return codePoint;
}

void appendUtf8(std::string& out, char32_t codePoint) {
  if (codePoint < 0x80) {
    out.push_back(static_cast<char>(codePoint));
  } else if (codePoint < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (codePoint >> 6)));
    out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
  } else if (codePoint < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (codePoint >> 12)));
    out.push_back(static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (codePoint >> 18)));
    out.push_back(static_cast<char>(0x80 | ((codePoint >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (codePoint & 0x3F)));
  }
}

int hexValue(char character) {
  if (character >= '0' && character <= '9') {
    return character - '0';
  }
  if (character >= 'a' && character <= 'f') {
    return character - 'a' + 10;
  }
  if (character >= 'A' && character <= 'F') {
    return character - 'A' + 10;
  }
  return -1;
}

bool isUnreserved(unsigned char character) {
  return (character >= 'A' && character <= 'Z') || (character >= 'a' && character <= 'z') ||
         (character >= '0' && character <= '9') || character == '-' || character == '_' ||
         character == '.' || character == '~';
}

}  // namespace

std::u16string toUtf16(std::string_view utf8) {
  std::u16string out;
  out.reserve(utf8.size());
  std::size_t position = 0;
  while (position < utf8.size()) {
    const std::size_t start = position;
    const auto codePoint = decodeUtf8(utf8, position);
    if (!codePoint) {
      position = start + 1;
      out.push_back(kReplacement);
    } else if (*codePoint >= 0x10000) {
      const char32_t offset = *codePoint - 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (offset >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (offset & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(*codePoint));
    }
  }
  return out;
}

std::string toUtf8(std::u16string_view utf16) {
  std::string out;
  out.reserve(utf16.size());
  for (std::size_t index = 0; index < utf16.size(); ++index) {
    const char16_t unit = utf16[index];
    const bool high = unit >= 0xD800 && unit <= 0xDBFF;
    const bool low = unit >= 0xDC00 && unit <= 0xDFFF;
    if (high && index + 1 < utf16.size() && utf16[index + 1] >= 0xDC00 && utf16[index + 1] <= 0xDFFF) {
      const char32_t codePoint = 0x10000 + ((static_cast<char32_t>(unit) - 0xD800) << 10) +
                                 (static_cast<char32_t>(utf16[index + 1]) - 0xDC00);
      appendUtf8(out, codePoint);
      ++index;
    } else if (high || low) {
      appendUtf8(out, kReplacement);
    } else {
      appendUtf8(out, unit);
    }
  }
  return out;
}

std::string base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t index = 0; index < bytes.size(); index += 3) {
    std::uint32_t group = static_cast<unsigned char>(bytes[index]) << 16;
    const std::size_t available = std::min<std::size_t>(3, bytes.size() - index);
    if (available > 1) {
      group |= static_cast<unsigned char>(bytes[index + 1]) << 8;
    }
    if (available > 2) {
      group |= static_cast<unsigned char>(bytes[index + 2]);
    }
    out.push_back(kBase64Alphabet[(group >> 18) & 0x3F]);
    out.push_back(kBase64Alphabet[(group >> 12) & 0x3F]);
    out.push_back(available > 1 ? kBase64Alphabet[(group >> 6) & 0x3F] : '=');
    out.push_back(available > 2 ? kBase64Alphabet[group & 0x3F] : '=');
  }
  return out;
}

std::optional<std::string> base64Decode(std::string_view encoded) {
  std::string symbols;
  for (const char character : encoded) {
    if (character != ' ' && character != '\t' && character != '\r' && character != '\n') {
      symbols.push_back(character);
    }
  }
  if (symbols.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out;
  for (std::size_t index = 0; index < symbols.size(); index += 4) {
    std::uint32_t group = 0;
    int padding = 0;
    for (std::size_t offset = 0; offset < 4; ++offset) {
      const char character = symbols[index + offset];
      const bool last = index + 4 == symbols.size();
      if (character == '=' && last && offset >= 2) {
        ++padding;
        group <<= 6;
        continue;
      }
      const auto found = kBase64Alphabet.find(character);
      if (found == std::string_view::npos || padding > 0) {
        return std::nullopt;
      }
      group = (group << 6) | static_cast<std::uint32_t>(found);
    }
    out.push_back(static_cast<char>((group >> 16) & 0xFF));
    if (padding < 2) {
      out.push_back(static_cast<char>((group >> 8) & 0xFF));
    }
    if (padding < 1) {
      out.push_back(static_cast<char>(group & 0xFF));
    }
  }
  return out;
}

std::string percentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char character : text) {
    const auto byte = static_cast<unsigned char>(character);
    if (isUnreserved(byte)) {
      out.push_back(character);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  return out;
}

std::string percentDecode(std::string_view text) {
  std::string out;
  for (std::size_t index = 0; index < text.size(); ++index) {
    if (text[index] == '%' && index + 2 < text.size()) {
      const int high = hexValue(text[index + 1]);
      const int low = hexValue(text[index + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        index += 2;
        continue;
      }
    }
    out.push_back(text[index]);
  }
  return out;
}

char16_t asciiLower(char16_t character) {
  return character >= u'A' && character <= u'Z' ? static_cast<char16_t>(character + 32) : character;
}

char16_t asciiUpper(char16_t character) {
  return character >= u'a' && character <= u'z' ? static_cast<char16_t>(character - 32) : character;
}

bool isWhiteSpace(char16_t character) {
  return (character >= 0x09 && character <= 0x0D) || character == 0x20 || character == 0x85 ||
         character == 0xA0 || character == 0x1680 || (character >= 0x2000 && character <= 0x200A) ||
         character == 0x2028 || character == 0x2029 || character == 0x202F || character == 0x205F ||
         character == 0x3000;
}

}  // namespace kvr::expr::text
