#pragma once

// The HTTP exchange the Azure client works with, and the transport interface behind which
// the real network (cpprestsdk, in one .cpp) and the in-process test transports sit.

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kvr::azure {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // upper case: GET, PUT, POST, PATCH, DELETE
  std::string url;     // absolute: https://host[:port]/path?query
  Headers headers;
  std::string body;

  // The first header with that name, matched without regard to case, or "".
  std::string header(std::string_view name) const;
  // Replaces any header of that name.
  HttpRequest& setHeader(std::string_view name, std::string value);
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;

  std::string header(std::string_view name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

// A request that got no HTTP answer: the connection failed or dropped, TLS verification
// failed, or the transport timed out.
class TransportError : public std::runtime_error {
 public:
  enum class Kind { Connection, Tls, Timeout };

  TransportError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends one request and returns whatever status came back. Throws TransportError when no
  // answer came. Safe to call from several threads.
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

// Splits an absolute URL into scheme, authority (host[:port]) and path with query.
struct UrlParts {
  std::string scheme;
  std::string host;
  std::string port;  // "" when the URL names none
  std::string pathAndQuery;
};
UrlParts splitUrl(std::string_view url);

// Appends `name=value` to a URL's query, percent-encoding the value.
std::string withQuery(std::string url, std::string_view name, std::string_view value);
std::string percentEncode(std::string_view text);

// The URL without its query string, for logs: queries can carry signatures or tokens.
std::string redactUrl(std::string_view url);

}  // namespace kvr::azure
