#pragma once

// Scripted responses that a test returns in place of the service's, as a failure case's
// mock.responses describe them.

#include "azure/http.h"
#include "discovery/json.h"

#include <optional>
#include <string>
#include <vector>

namespace kvr::testing {

// A response that a test substitutes for the service's, `times` times in a row, for
// requests with this method whose host starts with `hostLabel` and whose path starts with
// `pathPrefix`. The host label of a vault is its name; "management" matches Resource
// Manager, which tests serve from 127.0.0.1.
struct ScriptedResponse {
  std::string method;
  std::string hostLabel;
  std::string pathPrefix;
  int times = 1;
  azure::HttpResponse response;
};

// Reads a case's mock.responses into scripted responses.
inline std::vector<ScriptedResponse> scriptFromCase(const Json& document) {
  std::vector<ScriptedResponse> script;
  for (const auto& item : document.value("mock", Json::object()).value("responses", Json::array())) {
    const Json match = item.value("match", Json::object());
    std::string host = match.value("host", std::string());
    ScriptedResponse scripted;
    scripted.method = match.value("method", std::string());
    scripted.hostLabel = host.substr(0, host.find('.'));
    scripted.pathPrefix = match.value("pathPrefix", std::string());
    scripted.times = item.value("times", 1);
    scripted.response.status = item.value("status", 200);
    const Json headers = item.value("headers", Json::object());
    for (auto header = headers.begin(); header != headers.end(); ++header) {
      scripted.response.headers.emplace_back(header.key(), header->get<std::string>());
    }
    scripted.response.body = item.value("body", Json::object()).dump();
    script.push_back(scripted);
  }
  return script;
}

// The first scripted response that matches `request` and has uses left, using one up.
// Not synchronised: callers that send from several threads hold their own lock.
inline std::optional<azure::HttpResponse> takeScripted(std::vector<ScriptedResponse>& script, const azure::HttpRequest& request) {
  azure::UrlParts url = azure::splitUrl(request.url);
  std::string label = url.host.substr(0, url.host.find('.'));
  bool resourceManager = url.host == "127.0.0.1";
  for (auto& scripted : script) {
    if (scripted.times <= 0 || scripted.method != request.method) continue;
    bool hostMatches = scripted.hostLabel == "management" ? resourceManager : iequals(scripted.hostLabel, label);
    if (!hostMatches || url.pathAndQuery.rfind(scripted.pathPrefix, 0) != 0) continue;
    --scripted.times;
    return scripted.response;
  }
  return std::nullopt;
}

}  // namespace kvr::testing
