// format(), which follows .NET's composite formatting, and uri(), which resolves a
// relative reference against a base URI as RFC 3986 section 5 describes.

#include <cstdio>
#include <optional>
#include <string>

#include "discovery/expression/function_support.h"
#include "discovery/expression/text.h"

namespace kvr::expr {
namespace {

// One "{index[,alignment][:format]}" item of a composite format string.
struct FormatItem {
  std::size_t index = 0;
  long long alignment = 0;
  std::string format;
};

std::string groupThousands(const std::string& digits) {
  std::string grouped;
  const std::size_t firstGroup = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  for (std::size_t position = 0; position < digits.size(); ++position) {
    if (position != 0 && (position - firstGroup) % 3 == 0) {
      grouped.push_back(',');
    }
    grouped.push_back(digits[position]);
  }
  return grouped;
}

std::string fixedDigits(double value, int precision, bool grouped) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, "%.*f", precision, value < 0 ? -value : value);
  std::string text = buffer;
  if (grouped) {
    const auto point = text.find('.');
    const std::string whole = text.substr(0, point);
    text = groupThousands(whole) + (point == std::string::npos ? "" : text.substr(point));
  }
  return (value < 0 ? "-" : "") + text;
}

std::string hexDigits(long long value, int precision, bool upper) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, upper ? "%llX" : "%llx", static_cast<unsigned long long>(value));
  std::string text = buffer;
  if (static_cast<int>(text.size()) < precision) {
    text.insert(0, static_cast<std::size_t>(precision) - text.size(), '0');
  }
  return text;
}

std::string decimalDigits(long long value, int precision) {
  std::string digits = std::to_string(value);
  const bool negative = value < 0;
  if (negative) {
    digits.erase(0, 1);
  }
  if (static_cast<int>(digits.size()) < precision) {
    digits.insert(0, static_cast<std::size_t>(precision) - digits.size(), '0');
  }
  return (negative ? "-" : "") + digits;
}

// Formats a number with a .NET standard numeric format string (D, N, F, X or G with an
// optional precision); nullopt for any other format string, such as a custom one.
std::optional<std::string> formatNumber(const Json& value, const std::string& format) {
  if (format.empty() || format.size() > 3) {
    return format.empty() ? std::optional<std::string>(dumpCompact(value)) : std::nullopt;
  }
  const char kind = static_cast<char>(format[0] & ~0x20);
  std::optional<int> precision;
  if (format.size() > 1) {
    const std::string digits = format.substr(1);
    if (digits.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    precision = std::stoi(digits);
  }
  const auto integer = asInteger(value);
  const double number = value.get<double>();
  switch (kind) {
    case 'D':
      return integer ? std::optional(decimalDigits(*integer, precision.value_or(0))) : std::nullopt;
    case 'X':
      return integer ? std::optional(hexDigits(*integer, precision.value_or(0), format[0] == 'X')) : std::nullopt;
    case 'N':
      return fixedDigits(number, precision.value_or(2), true);
    case 'F':
      return fixedDigits(number, precision.value_or(2), false);
    case 'G':
      return precision ? std::nullopt : std::optional<std::string>(dumpCompact(value));
    default:
      return std::nullopt;
  }
}

// Reads a run of digits at `position`; nullopt when there is none or it is too long to be
// a sensible index or width.
std::optional<long long> readNumber(const std::string& pattern, std::size_t& position) {
  const std::size_t begin = position;
  while (position < pattern.size() && pattern[position] >= '0' && pattern[position] <= '9') {
    ++position;
  }
  if (position == begin || position - begin > 7) {
    return std::nullopt;
  }
  return std::stoll(pattern.substr(begin, position - begin));
}

void skipSpaces(const std::string& pattern, std::size_t& position) {
  while (position < pattern.size() && pattern[position] == ' ') {
    ++position;
  }
}

[[noreturn]] void failPattern(Call& call, std::size_t position, const std::string& problem) {
  call.failArgument(0, "the format string is invalid at character " + std::to_string(position) + ": " + problem);
}

// Parses the item whose '{' is at `position`; leaves `position` after its '}'.
FormatItem parseItem(Call& call, const std::string& pattern, std::size_t& position) {
  const std::size_t open = position++;
  FormatItem item;
  skipSpaces(pattern, position);
  const auto index = readNumber(pattern, position);
  if (!index) {
    failPattern(call, open, "expected an argument index after '{'");
  }
  item.index = static_cast<std::size_t>(*index);
  skipSpaces(pattern, position);
  if (position < pattern.size() && pattern[position] == ',') {
    ++position;
    skipSpaces(pattern, position);
    const bool leftAligned = position < pattern.size() && pattern[position] == '-';
    position += leftAligned ? 1 : 0;
    const auto width = readNumber(pattern, position);
    if (!width) {
      failPattern(call, open, "expected an alignment width after ','");
    }
    item.alignment = leftAligned ? -*width : *width;
    skipSpaces(pattern, position);
  }
  if (position < pattern.size() && pattern[position] == ':') {
    const auto close = pattern.find('}', position);
    if (close == std::string::npos) {
      failPattern(call, open, "the item is not closed with '}'");
    }
    item.format = pattern.substr(position + 1, close - position - 1);
    position = close;
  }
  if (position >= pattern.size() || pattern[position] != '}') {
    failPattern(call, open, "the item is not closed with '}'");
  }
  ++position;
  return item;
}

std::string align(std::string text, long long alignment) {
  const auto width = static_cast<std::size_t>(alignment < 0 ? -alignment : alignment);
  const std::size_t length = text::toUtf16(text).size();
  if (length >= width) {
    return text;
  }
  const std::string padding(width - length, ' ');
  return alignment < 0 ? text + padding : padding + text;
}

struct UriParts {
  std::optional<std::string> scheme;
  std::optional<std::string> authority;
  std::string path;
  std::optional<std::string> query;
  std::optional<std::string> fragment;
};

std::optional<std::string> readScheme(const std::string& uri) {
  const auto colon = uri.find(':');
  if (colon == std::string::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(uri[0]))) {
    return std::nullopt;
  }
  for (std::size_t index = 1; index < colon; ++index) {
    const char character = uri[index];
    if (!std::isalnum(static_cast<unsigned char>(character)) && character != '+' && character != '-' &&
        character != '.') {
      return std::nullopt;
    }
  }
  return uri.substr(0, colon);
}

UriParts splitUri(const std::string& uri) {
  UriParts parts;
  std::size_t position = 0;
  parts.scheme = readScheme(uri);
  if (parts.scheme) {
    position = parts.scheme->size() + 1;
  }
  if (uri.compare(position, 2, "//") == 0) {
    const auto end = uri.find_first_of("/?#", position + 2);
    parts.authority = uri.substr(position + 2, end == std::string::npos ? std::string::npos : end - position - 2);
    position = end == std::string::npos ? uri.size() : end;
  }
  const auto pathEnd = std::min(uri.find_first_of("?#", position), uri.size());
  parts.path = uri.substr(position, pathEnd - position);
  position = pathEnd;
  if (position < uri.size() && uri[position] == '?') {
    const auto queryEnd = std::min(uri.find('#', position), uri.size());
    parts.query = uri.substr(position + 1, queryEnd - position - 1);
    position = queryEnd;
  }
  if (position < uri.size() && uri[position] == '#') {
    parts.fragment = uri.substr(position + 1);
  }
  return parts;
}

// RFC 3986 section 5.2.4.
std::string removeDotSegments(std::string input) {
  std::string output;
  while (!input.empty()) {
    if (input.rfind("../", 0) == 0) {
      input.erase(0, 3);
    } else if (input.rfind("./", 0) == 0) {
      input.erase(0, 2);
    } else if (input.rfind("/./", 0) == 0) {
      input.erase(0, 2);
    } else if (input == "/.") {
      input = "/";
    } else if (input.rfind("/../", 0) == 0 || input == "/..") {
      input = input == "/.." ? "/" : input.substr(3);
      const auto last = output.rfind('/');
      output.erase(last == std::string::npos ? 0 : last);
    } else if (input == "." || input == "..") {
      input.clear();
    } else {
      const auto next = input.find('/', 1);
      output += input.substr(0, next);
      input.erase(0, next == std::string::npos ? input.size() : next);
    }
  }
  return output;
}

// RFC 3986 section 5.2.3.
std::string mergePaths(const UriParts& base, const std::string& relativePath) {
  if (base.authority && base.path.empty()) {
    return "/" + relativePath;
  }
  const auto lastSlash = base.path.rfind('/');
  return lastSlash == std::string::npos ? relativePath : base.path.substr(0, lastSlash + 1) + relativePath;
}

UriParts resolve(const UriParts& base, const UriParts& reference) {
  if (reference.scheme) {
    UriParts target = reference;
    target.path = removeDotSegments(reference.path);
    return target;
  }
  UriParts target;
  target.scheme = base.scheme;
  target.fragment = reference.fragment;
  if (reference.authority) {
    target.authority = reference.authority;
    target.path = removeDotSegments(reference.path);
    target.query = reference.query;
    return target;
  }
  target.authority = base.authority;
  if (reference.path.empty()) {
    target.path = base.path;
    target.query = reference.query ? reference.query : base.query;
    return target;
  }
  target.path = removeDotSegments(reference.path[0] == '/' ? reference.path : mergePaths(base, reference.path));
  target.query = reference.query;
  return target;
}

// Recomposes a URI; like .NET's Uri it writes an empty path after an authority as "/".
std::string compose(const UriParts& parts) {
  std::string uri;
  if (parts.scheme) {
    uri += toLower(*parts.scheme) + ":";
  }
  if (parts.authority) {
    uri += "//" + *parts.authority;
  }
  uri += parts.authority && parts.path.empty() ? "/" : parts.path;
  if (parts.query) {
    uri += "?" + *parts.query;
  }
  if (parts.fragment) {
    uri += "#" + *parts.fragment;
  }
  return uri;
}

}  // namespace

Value formatFunction(Call& call) {
  const std::string& pattern = call.string(0);
  std::string result;
  std::size_t position = 0;
  while (position < pattern.size()) {
    const char character = pattern[position];
    if ((character == '{' || character == '}') && position + 1 < pattern.size() &&
        pattern[position + 1] == character) {
      result.push_back(character);
      position += 2;
      continue;
    }
    if (character == '}') {
      failPattern(call, position, "'}' must be written as '}}' outside an item");
    }
    if (character != '{') {
      result.push_back(character);
      ++position;
      continue;
    }
    const std::size_t itemPosition = position;
    const FormatItem item = parseItem(call, pattern, position);
    if (item.index + 1 >= call.count()) {
      failPattern(call, itemPosition, "the item refers to argument {" + std::to_string(item.index) + "} but only " +
                                          std::to_string(call.count() - 1) + " value(s) follow the format string");
    }
    const Json& value = call.json(item.index + 1);
    std::optional<std::string> formatted = value.is_number() ? formatNumber(value, item.format) : toText(value);
    if (!formatted) {
      call.warn("format: the format specifier '" + item.format +
                "' is not supported; the result is treated as unknown until deployment");
      return call.symbolic();
    }
    call.checkLength(result.size() + static_cast<std::size_t>(item.alignment < 0 ? -item.alignment : item.alignment));
    result += align(std::move(*formatted), item.alignment);
    call.checkLength(result.size());
  }
  return Value::of(result);
}

Value uriFunction(Call& call) {
  const UriParts base = splitUri(call.string(0));
  if (!base.scheme) {
    call.failArgument(0, "the base URI '" + call.string(0) + "' is not absolute; it needs a scheme such as 'https:'");
  }
  return Value::of(compose(resolve(base, splitUri(call.string(1)))));
}

}  // namespace kvr::expr
