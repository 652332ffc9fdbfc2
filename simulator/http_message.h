#pragma once

// The transport-neutral HTTP request and response that the simulator core handles.
// The listener adapter converts to and from cpprestsdk; tests build them directly.

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kvr::sim {

struct Request {
  std::string method;                           // upper case: GET, PUT, POST, PATCH, DELETE
  std::string path;                             // percent-decoded, without the query
  std::map<std::string, std::string> query;     // percent-decoded names and values
  std::map<std::string, std::string> headers;   // names in lower case
  std::string body;

  // Builds a request from a request target such as "/a%20b?x=1&y=2".
  static Request fromTarget(std::string method, std::string_view target);

  // The header value, or "" when absent. `name` is matched without regard to case.
  std::string header(std::string_view name) const;
  // The query value, or "" when absent. Names are matched exactly, as Azure does.
  std::string queryValue(std::string_view name) const;
  bool hasQuery(std::string_view name) const;

  Request& withHeader(std::string_view name, std::string value);
  Request& withBody(std::string text);
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Transport instructions for the listener, set by injected faults: wait this long before
  // answering, or close the connection instead of answering.
  std::chrono::milliseconds delay{0};
  bool dropConnection = false;

  static Response json(int status, const nlohmann::json& body);
  static Response empty(int status);

  // The first header with that name, matched without regard to case, or "".
  std::string header(std::string_view name) const;
  Response& withHeader(std::string name, std::string value);
};

using Handler = std::function<Response(const Request&)>;

std::string percentDecode(std::string_view text, bool plusIsSpace = false);
std::string percentEncode(std::string_view text);
std::string toLower(std::string_view text);
bool equalsIgnoreCase(std::string_view left, std::string_view right);

// Parses "a=1&b=x%20y" (query strings and application/x-www-form-urlencoded bodies).
std::map<std::string, std::string> parseFormEncoded(std::string_view text);

// Splits "/a/b/c" into {"a", "b", "c"}; empty segments are dropped.
std::vector<std::string> splitPath(std::string_view path);

}  // namespace kvr::sim
