#include "azure/http.h"

#include "discovery/json.h"

#include <cstdio>

namespace kvr::azure {

namespace {

std::string findHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return "";
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const { return findHeader(headers, name); }

HttpRequest& HttpRequest::setHeader(std::string_view name, std::string value) {
  std::erase_if(headers, [&](const auto& header) { return iequals(header.first, name); });
  headers.emplace_back(std::string(name), std::move(value));
  return *this;
}

std::string HttpResponse::header(std::string_view name) const { return findHeader(headers, name); }

UrlParts splitUrl(std::string_view url) {
  UrlParts parts;
  auto schemeEnd = url.find("://");
  if (schemeEnd == std::string_view::npos) {
    parts.pathAndQuery = std::string(url);
    return parts;
  }
  parts.scheme = toLower(url.substr(0, schemeEnd));
  auto rest = url.substr(schemeEnd + 3);
  auto pathStart = rest.find_first_of("/?");
  auto authority = rest.substr(0, pathStart);
  parts.pathAndQuery = pathStart == std::string_view::npos ? "/" : std::string(rest.substr(pathStart));
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    parts.host = std::string(authority.substr(0, close + 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') parts.port = std::string(authority.substr(close + 2));
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    parts.host = std::string(authority.substr(0, colon));
    parts.port = std::string(authority.substr(colon + 1));
  } else {
    parts.host = std::string(authority);
  }
  parts.host = toLower(parts.host);
  return parts;
}

std::string percentEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

std::string withQuery(std::string url, std::string_view name, std::string_view value) {
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += name;
  url += '=';
  url += percentEncode(value);
  return url;
}

std::string redactUrl(std::string_view url) {
  auto query = url.find('?');
  if (query == std::string_view::npos) return std::string(url);
  // api-version is the one query parameter worth keeping in a log line.
  std::string kept(url.substr(0, query));
  auto rest = url.substr(query + 1);
  char separator = '?';
  while (!rest.empty()) {
    auto end = rest.find('&');
    auto pair = rest.substr(0, end);
    if (istartsWith(pair, "api-version=")) {
      kept += separator;
      kept += pair;
      separator = '&';
    }
    if (end == std::string_view::npos) break;
    rest = rest.substr(end + 1);
  }
  return kept;
}

}  // namespace kvr::azure
