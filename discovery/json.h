#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace kvr {

// Keeps object members in document order, so that a rewritten template diffs cleanly
// against its source. Documents written for machines (plans, inventories) are sorted
// explicitly with sortedCopy().
using Json = nlohmann::ordered_json;

// Parses JSON as ARM accepts it: a UTF-8 byte-order mark, CRLF line ends, and `//` and
// `/* */` comments. Throws InputError naming `file`, line and column on malformed input.
Json parseJsonText(std::string_view text, const std::string& file);

// Reads and parses a file; throws InputError when it cannot be opened or parsed.
Json readJsonFile(const std::string& path);

// Returns a deep copy whose object members are sorted by key at every level.
Json sortedCopy(const Json& value);

// Appends one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 asks.
std::string pointerAppend(const std::string& pointer, std::string_view token);
std::string pointerAppend(const std::string& pointer, std::size_t index);

// Case-insensitive ASCII helpers; resource ids, types and names in ARM compare this way.
std::string toLower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
bool istartsWith(std::string_view text, std::string_view prefix);

}  // namespace kvr
