// String functions. Lengths and indexes count UTF-16 code units, as ARM's .NET strings do.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "discovery/expression/function_support.h"
#include "discovery/expression/text.h"

namespace kvr::expr {
namespace {

std::u16string foldCase(std::u16string value) {
  for (auto& unit : value) {
    unit = text::asciiLower(unit);
  }
  return value;
}

// NOTE: ARM compares with .NET's OrdinalIgnoreCase, which folds all of Unicode; this
// folds ASCII letters only, so non-ASCII letters compare case-sensitively here.
std::u16string folded(Call& call, std::size_t index) {
  return foldCase(text::toUtf16(call.string(index)));
}

Value startsWithFunction(Call& call) {
  const auto haystack = folded(call, 0);
  const auto needle = folded(call, 1);
  return Value::of(haystack.size() >= needle.size() && haystack.compare(0, needle.size(), needle) == 0);
}

Value endsWithFunction(Call& call) {
  const auto haystack = folded(call, 0);
  const auto needle = folded(call, 1);
  return Value::of(haystack.size() >= needle.size() &&
                   haystack.compare(haystack.size() - needle.size(), needle.size(), needle) == 0);
}

long long arrayIndexOf(const Json& array, const Json& item, bool last) {
  const auto size = static_cast<long long>(array.size());
  for (long long step = 0; step < size; ++step) {
    const long long index = last ? size - 1 - step : step;
    if (deepEquals(array[static_cast<std::size_t>(index)], item)) {
      return index;
    }
  }
  return -1;
}

// indexOf() and lastIndexOf(): strings compare ignoring case, array items exactly.
Value findPosition(Call& call, bool last) {
  if (call.json(0).is_array()) {
    return Value::of(arrayIndexOf(call.json(0), call.json(1), last));
  }
  const auto haystack = folded(call, 0);
  const auto needle = folded(call, 1);
  const auto found = last ? haystack.rfind(needle) : haystack.find(needle);
  return Value::of(found == std::u16string::npos ? -1LL : static_cast<long long>(found));
}

Value indexOfFunction(Call& call) { return findPosition(call, false); }
Value lastIndexOfFunction(Call& call) { return findPosition(call, true); }

Value padLeftFunction(Call& call) {
  const Json& value = call.json(0);
  if (!value.is_string() && !asInteger(value)) {
    call.failType(0, "a string or integer");
  }
  const std::u16string original = text::toUtf16(toText(value));
  const long long totalLength = call.integer(1);
  if (totalLength < 0) {
    call.failArgument(1, "the total length " + std::to_string(totalLength) + " is negative");
  }
  char16_t padding = u' ';
  if (call.count() > 2) {
    const std::u16string paddingText = text::toUtf16(call.string(2));
    if (paddingText.size() != 1) {
      call.failArgument(2, "the padding character '" + call.string(2) + "' must be exactly one character");
    }
    padding = paddingText.front();
  }
  const auto target = static_cast<unsigned long long>(totalLength);
  if (target <= original.size()) {
    return Value::of(toText(value));
  }
  call.checkLength(target);
  return Value::of(text::toUtf8(std::u16string(target - original.size(), padding) + original));
}

Value replaceFunction(Call& call) {
  const std::string& original = call.string(0);
  const std::string& oldText = call.string(1);
  const std::string& newText = call.string(2);
  if (oldText.empty()) {
    call.failArgument(1, "the string to replace is empty");
  }
  std::string result;
  std::size_t start = 0;
  for (std::size_t found = original.find(oldText); found != std::string::npos;
       found = original.find(oldText, start)) {
    result.append(original, start, found - start);
    result += newText;
    call.checkLength(result.size());
    start = found + oldText.size();
  }
  result.append(original, start);
  return Value::of(result);
}

std::vector<std::u16string> delimiters(Call& call) {
  std::vector<std::u16string> result;
  const Json& value = call.json(1);
  if (value.is_string()) {
    result.push_back(text::toUtf16(value.get_ref<const std::string&>()));
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (!item.is_string()) {
        call.failArgument(1, "every delimiter must be a string, got " + typeName(item));
      }
      result.push_back(text::toUtf16(item.get_ref<const std::string&>()));
    }
  } else {
    call.failType(1, "a string or an array of strings");
  }
  std::erase_if(result, [](const std::u16string& delimiter) { return delimiter.empty(); });
  return result;
}

// Splits as .NET's String.Split(string[], None): at each position the first delimiter in
// the list that matches wins, and empty parts are kept. With no non-empty delimiter .NET
// splits on white space.
Value splitFunction(Call& call) {
  const std::u16string input = text::toUtf16(call.string(0));
  const auto separators = delimiters(call);
  Json parts = Json::array();
  std::size_t partStart = 0;
  std::size_t position = 0;
  while (position < input.size()) {
    std::size_t matched = 0;
    if (separators.empty()) {
      matched = text::isWhiteSpace(input[position]) ? 1 : 0;
    }
    for (const auto& separator : separators) {
      if (input.compare(position, separator.size(), separator) == 0) {
        matched = separator.size();
        break;
      }
    }
    if (matched == 0) {
      ++position;
      continue;
    }
    parts.push_back(text::toUtf8(input.substr(partStart, position - partStart)));
    position += matched;
    partStart = position;
  }
  parts.push_back(text::toUtf8(input.substr(partStart)));
  return Value::of(std::move(parts));
}

Value stringFunction(Call& call) { return Value::of(toText(call.json(0))); }

Value substringFunction(Call& call) {
  const std::u16string input = text::toUtf16(call.string(0));
  const auto size = static_cast<long long>(input.size());
  const long long start = call.count() > 1 ? call.integer(1) : 0;
  const long long length = call.count() > 2 ? call.integer(2) : size - start;
  if (start < 0 || start > size || length < 0 || length > size - start) {
    call.fail("the start index " + std::to_string(start) + " and length " + std::to_string(length) +
              " must refer to a location within the string, whose length is " + std::to_string(size));
  }
  return Value::of(text::toUtf8(input.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(length))));
}

// NOTE: .NET's ToLowerInvariant and ToUpperInvariant map all of Unicode; these map ASCII
// letters only.
Value toLowerFunction(Call& call) { return Value::of(toLower(call.string(0))); }

Value toUpperFunction(Call& call) {
  std::string value = call.string(0);
  for (auto& character : value) {
    if (character >= 'a' && character <= 'z') {
      character = static_cast<char>(character - 32);
    }
  }
  return Value::of(value);
}

Value trimFunction(Call& call) {
  const std::u16string input = text::toUtf16(call.string(0));
  std::size_t begin = 0;
  std::size_t end = input.size();
  while (begin < end && text::isWhiteSpace(input[begin])) {
    ++begin;
  }
  while (end > begin && text::isWhiteSpace(input[end - 1])) {
    --end;
  }
  return Value::of(text::toUtf8(input.substr(begin, end - begin)));
}

Value base64Function(Call& call) { return Value::of(text::base64Encode(call.string(0))); }

std::string decodeBase64Argument(Call& call, std::size_t index) {
  const auto decoded = text::base64Decode(call.string(index));
  if (!decoded) {
    call.failArgument(index, "the value '" + call.string(index) + "' is not valid base64");
  }
  return *decoded;
}

Value base64ToStringFunction(Call& call) { return Value::of(decodeBase64Argument(call, 0)); }

Value dataUriFunction(Call& call) {
  return Value::of("data:text/plain;charset=utf8;base64," + text::base64Encode(call.string(0)));
}

Value dataUriToStringFunction(Call& call) {
  const std::string& uri = call.string(0);
  const auto comma = uri.find(',');
  if (!istartsWith(uri, "data:") || comma == std::string::npos) {
    call.failArgument(0, "the value '" + uri + "' is not a data URI; expected 'data:[<media type>][;base64],<data>'");
  }
  const std::string metadata = toLower(std::string_view(uri).substr(5, comma - 5));
  const std::string data = uri.substr(comma + 1);
  const bool isBase64 = metadata.size() >= 7 && metadata.compare(metadata.size() - 7, 7, ";base64") == 0;
  if (!isBase64) {
    return Value::of(text::percentDecode(data));
  }
  const auto decoded = text::base64Decode(data);
  if (!decoded) {
    call.failArgument(0, "the data of the URI '" + uri + "' is not valid base64");
  }
  return Value::of(*decoded);
}

Value uriComponentFunction(Call& call) { return Value::of(text::percentEncode(call.string(0))); }
Value uriComponentToStringFunction(Call& call) { return Value::of(text::percentDecode(call.string(0))); }

std::vector<std::string> stringArguments(Call& call) {
  std::vector<std::string> parts;
  for (std::size_t index = 0; index < call.count(); ++index) {
    parts.push_back(call.string(index));
  }
  return parts;
}

Value guidFunction(Call& call) { return Value::of(guid(stringArguments(call))); }
Value uniqueStringFunction(Call& call) { return Value::of(uniqueString(stringArguments(call))); }

}  // namespace

Value formatFunction(Call& call);
Value uriFunction(Call& call);

void addStringFunctions(FunctionTable& table) {
  table["startswith"] = {2, 2, startsWithFunction};
  table["endswith"] = {2, 2, endsWithFunction};
  table["indexof"] = {2, 2, indexOfFunction};
  table["lastindexof"] = {2, 2, lastIndexOfFunction};
  table["padleft"] = {2, 3, padLeftFunction};
  table["replace"] = {3, 3, replaceFunction};
  table["split"] = {2, 2, splitFunction};
  table["string"] = {1, 1, stringFunction};
  table["substring"] = {1, 3, substringFunction};
  table["tolower"] = {1, 1, toLowerFunction};
  table["toupper"] = {1, 1, toUpperFunction};
  table["trim"] = {1, 1, trimFunction};
  table["base64"] = {1, 1, base64Function};
  table["base64tostring"] = {1, 1, base64ToStringFunction};
  table["datauri"] = {1, 1, dataUriFunction};
  table["datauritostring"] = {1, 1, dataUriToStringFunction};
  table["uricomponent"] = {1, 1, uriComponentFunction};
  table["uricomponenttostring"] = {1, 1, uriComponentToStringFunction};
  table["guid"] = {1, kUnlimited, guidFunction};
  table["uniquestring"] = {1, kUnlimited, uniqueStringFunction};
  table["format"] = {1, kUnlimited, formatFunction};
  table["uri"] = {2, 2, uriFunction};
}

}  // namespace kvr::expr
