#include "discovery/json.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "discovery/diagnostics.h"

namespace kvr {

namespace {

// Converts a byte offset into 1-based line and column numbers.
std::pair<std::size_t, std::size_t> lineAndColumn(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// ARM's parser accepts raw line breaks and tabs inside strings (deployment scripts are
// often written that way); strict JSON does not. Escapes them, and records where each
// added character went so error positions still point into the original text.
std::string escapeControlCharactersInStrings(std::string_view text, std::vector<std::size_t>& added) {
  enum class State { Code, String, LineComment, BlockComment };
  State state = State::Code;
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (state) {
      case State::Code:
        if (c == '"') state = State::String;
        if (c == '/' && next == '/') state = State::LineComment;
        if (c == '/' && next == '*') state = State::BlockComment;
        out += c;
        break;
      case State::String:
        if (c == '\\') {
          out += c;
          if (i + 1 < text.size()) out += text[++i];
        } else if (c == '"') {
          state = State::Code;
          out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
          static const char* const kHex = "0123456789abcdef";
          std::string escape;
          if (c == '\n') {
            escape = "\\n";
          } else if (c == '\r') {
            escape = "\\r";
          } else if (c == '\t') {
            escape = "\\t";
          } else {
            escape = std::string("\\u00") + kHex[(c >> 4) & 0xF] + kHex[c & 0xF];
          }
          for (std::size_t k = 1; k < escape.size(); ++k) added.push_back(out.size() + k);
          out += escape;
        } else {
          out += c;
        }
        break;
      case State::LineComment:
        if (c == '\n') state = State::Code;
        out += c;
        break;
      case State::BlockComment:
        if (c == '*' && next == '/') {
          out += c;
          out += text[++i];
          state = State::Code;
        } else {
          out += c;
        }
        break;
    }
  }
  return out;
}

}  // namespace

Json parseJsonText(std::string_view text, const std::string& file) {
  std::string_view original = text;
  if (original.substr(0, 3) == "\xEF\xBB\xBF") original.remove_prefix(3);
  std::vector<std::size_t> added;
  std::string body = escapeControlCharactersInStrings(original, added);
  try {
    return Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann reports the byte after the offending token; point at the token itself.
    std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    offset -= static_cast<std::size_t>(std::count_if(added.begin(), added.end(), [&](std::size_t at) { return at <= offset; }));
    auto [line, column] = lineAndColumn(original, offset);
    std::string detail = e.what();
    auto colon = detail.find("syntax error");
    if (colon != std::string::npos) detail = detail.substr(colon);
    throw InputError({file, {}, -1}, "invalid JSON at line " + std::to_string(line) + ", column " +
                                         std::to_string(column) + ": " + detail);
  }
}

Json readJsonFile(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw InputError({path, {}, -1}, "is a directory; pass the JSON files in it");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path, {}, -1}, std::string("cannot open file for reading: ") + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw InputError({path, {}, -1}, "the file is empty; expected a JSON document");
  }
  return parseJsonText(text, path);
}

Json sortedCopy(const Json& value) {
  if (value.is_object()) {
    std::vector<std::string> keys;
    keys.reserve(value.size());
    for (auto it = value.begin(); it != value.end(); ++it) keys.push_back(it.key());
    std::sort(keys.begin(), keys.end());
    Json out = Json::object();
    for (const auto& key : keys) out[key] = sortedCopy(value.at(key));
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& item : value) out.push_back(sortedCopy(item));
    return out;
  }
  return value;
}

std::string pointerAppend(const std::string& pointer, std::string_view token) {
  std::string out = pointer;
  out += '/';
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointerAppend(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

std::string toLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool istartsWith(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

}  // namespace kvr
