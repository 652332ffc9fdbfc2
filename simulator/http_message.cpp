#include "simulator/http_message.h"

#include <algorithm>
#include <cctype>

namespace kvr::sim {

namespace {

int hexValue(char character) {
  if (character >= '0' && character <= '9') return character - '0';
  if (character >= 'a' && character <= 'f') return character - 'a' + 10;
  if (character >= 'A' && character <= 'F') return character - 'A' + 10;
  return -1;
}

}  // namespace

std::string toLower(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char character) { return static_cast<char>(std::tolower(character)); });
  return lowered;
}

bool equalsIgnoreCase(std::string_view left, std::string_view right) {
  return left.size() == right.size() && toLower(left) == toLower(right);
}

std::string percentDecode(std::string_view text, bool plusIsSpace) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t index = 0; index < text.size(); ++index) {
    char character = text[index];
    if (character == '%' && index + 2 < text.size()) {
      int high = hexValue(text[index + 1]);
      int low = hexValue(text[index + 2]);
      if (high >= 0 && low >= 0) {
        decoded.push_back(static_cast<char>(high * 16 + low));
        index += 2;
        continue;
      }
    }
    decoded.push_back(plusIsSpace && character == '+' ? ' ' : character);
  }
  return decoded;
}

std::string percentEncode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char character : text) {
    if (std::isalnum(character) || character == '-' || character == '_' || character == '.' || character == '~') {
      encoded.push_back(static_cast<char>(character));
    } else {
      encoded.push_back('%');
      encoded.push_back(digits[character >> 4]);
      encoded.push_back(digits[character & 0x0F]);
    }
  }
  return encoded;
}

std::map<std::string, std::string> parseFormEncoded(std::string_view text) {
  std::map<std::string, std::string> fields;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view pair = text.substr(start, end - start);
    if (!pair.empty()) {
      std::size_t equals = pair.find('=');
      std::string name = percentDecode(pair.substr(0, equals), true);
      std::string value = equals == std::string_view::npos ? "" : percentDecode(pair.substr(equals + 1), true);
      fields.emplace(std::move(name), std::move(value));
    }
    start = end + 1;
  }
  return fields;
}

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) segments.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

Request Request::fromTarget(std::string method, std::string_view target) {
  Request request;
  request.method = std::move(method);
  std::size_t question = target.find('?');
  request.path = percentDecode(target.substr(0, question));
  if (question != std::string_view::npos) request.query = parseFormEncoded(target.substr(question + 1));
  return request;
}

std::string Request::header(std::string_view name) const {
  auto found = headers.find(toLower(name));
  return found == headers.end() ? std::string() : found->second;
}

std::string Request::queryValue(std::string_view name) const {
  auto found = query.find(std::string(name));
  return found == query.end() ? std::string() : found->second;
}

bool Request::hasQuery(std::string_view name) const { return query.count(std::string(name)) > 0; }

Request& Request::withHeader(std::string_view name, std::string value) {
  headers[toLower(name)] = std::move(value);
  return *this;
}

Request& Request::withBody(std::string text) {
  body = std::move(text);
  return *this;
}

Response Response::json(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  response.body = body.dump();
  response.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  return response;
}

Response Response::empty(int status) {
  Response response;
  response.status = status;
  return response;
}

std::string Response::header(std::string_view name) const {
  for (const auto& [headerName, value] : headers) {
    if (equalsIgnoreCase(headerName, name)) return value;
  }
  return {};
}

Response& Response::withHeader(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

}  // namespace kvr::sim
