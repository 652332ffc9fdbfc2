#pragma once

// Runs the crawler against an in-process kvsim. kvsim serves Resource Manager and the Key
// Vault data plane but not Resource Graph, so EstateTransport answers Resource Graph
// queries itself from kvsim's state, for the query forms the crawler sends. It also plays
// scripted responses (a case's mock.responses) and records every request.

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <set>
#include <regex>
#include <sstream>

#include "azure/client.h"
#include "discovery/crawler.h"
#include "discovery/estate.h"
#include "discovery/inventory_reader.h"
#include "discovery/json.h"
#include "discovery/resource_id.h"
#include "support/case_script.h"
#include "support/cases.h"
#include "support/simulator_transport.h"

namespace kvr::testing {

inline constexpr const char* kSimulatorBase = "https://127.0.0.1:8443";

class EstateTransport : public azure::HttpTransport {
 public:
  explicit EstateTransport(sim::Simulator& simulator) : simulator_(simulator), inner_(simulator) {}

  azure::HttpResponse send(const azure::HttpRequest& request) override {
    {
      std::lock_guard lock(mutex_);
      requests.push_back(request.method + " " + request.url);
      if (auto scripted = takeScripted(script, request)) {
        ++scriptedServed;
        return *scripted;
      }
    }
    azure::UrlParts url = azure::splitUrl(request.url);
    if (request.method == "POST" && url.pathAndQuery.rfind("/providers/Microsoft.ResourceGraph/resources", 0) == 0) {
      return answerQuery(request);
    }
    return inner_.send(request);
  }

  std::vector<ScriptedResponse> script;
  std::vector<std::string> requests;  // "METHOD URL", in order
  std::vector<std::string> queries;   // Resource Graph query texts, in order
  int scriptedServed = 0;
  std::size_t resourceGraphPageSize = 3;

 private:
  static azure::HttpResponse error(int status, const std::string& message) {
    return {status, {}, Json{{"error", {{"code", "BadRequest"}, {"message", message}}}}.dump()};
  }

  // Serves a Resource Graph query from kvsim's state: every resource except resource
  // groups, without App Service settings, in the requested subscriptions.
  azure::HttpResponse answerQuery(const azure::HttpRequest& request) {
    Json body = Json::parse(request.body);
    std::string text = body.value("query", std::string());
    {
      std::lock_guard lock(mutex_);
      queries.push_back(text);
    }
    static const std::regex shape(R"(resources \| where (.+) \| order by id asc)");
    std::smatch match;
    if (!std::regex_match(text, match, shape)) return error(400, "unsupported query: " + text);
    std::vector<std::string> subscriptions;
    for (const auto& id : body.value("subscriptions", Json::array())) subscriptions.push_back(toLower(id.get<std::string>()));

    std::vector<Json> rows;
    Json resources = Json(simulator_.snapshot(false)["resources"]);
    for (auto& resource : resources) {
      std::string id = resource.value("id", std::string());
      if (iequals(resource.value("type", std::string()), "Microsoft.Resources/resourceGroups")) continue;
      std::string subscription = toLower(id.substr(15, id.find('/', 15) - 15));
      if (std::find(subscriptions.begin(), subscriptions.end(), subscription) == subscriptions.end()) continue;
      resource.erase("config");
      auto matched = evaluate(match[1].str(), resource);
      if (!matched) return error(400, "unsupported condition in: " + text);
      if (*matched) rows.push_back(resource);
    }
    std::sort(rows.begin(), rows.end(),
              [](const Json& a, const Json& b) { return toLower(a.value("id", "")) < toLower(b.value("id", "")); });

    std::size_t start = 0;
    if (body.contains("options") && body["options"].contains("$skipToken")) {
      start = std::stoul(body["options"]["$skipToken"].get<std::string>());
    }
    std::size_t end = std::min(rows.size(), start + resourceGraphPageSize);
    Json page = {{"totalRecords", rows.size()}, {"count", end - start}, {"data", Json::array()}};
    for (std::size_t index = start; index < end; ++index) page["data"].push_back(rows[index]);
    if (end < rows.size()) page["$skipToken"] = std::to_string(end);
    return {200, {}, page.dump()};
  }

  // Evaluates "CLAUSE or CLAUSE ...", each clause "[tostring(]PATH[)] OP LITERAL".
  static std::optional<bool> evaluate(const std::string& condition, const Json& row) {
    static const std::regex clause(R"(^\s*(?:tostring\(([\w.]+)\)|([\w.]+))\s+(contains|in~|=~)\s+(.+?)\s*$)");
    bool any = false;
    std::size_t start = 0;
    while (start <= condition.size()) {
      std::size_t end = condition.find(" or ", start);
      if (end == std::string::npos) end = condition.size();
      std::string part = condition.substr(start, end - start);
      std::smatch match;
      if (!std::regex_match(part, match, clause)) return std::nullopt;
      std::string path = match[1].matched ? match[1].str() : match[2].str();
      std::string value = toLower(textAt(row, path));
      std::vector<std::string> literals = parseLiterals(match[4].str());
      for (const auto& literal : literals) {
        std::string wanted = toLower(literal);
        if (match[3] == "contains" ? value.find(wanted) != std::string::npos : value == wanted) any = true;
      }
      start = end + 4;
    }
    return any;
  }

  static std::string textAt(const Json& row, const std::string& path) {
    const Json* node = &row;
    std::size_t start = 0;
    while (start < path.size()) {
      std::size_t dot = path.find('.', start);
      std::string step = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!node->is_object() || !node->contains(step)) return "";
      node = &(*node)[step];
      start = dot == std::string::npos ? path.size() : dot + 1;
    }
    return node->is_string() ? node->get<std::string>() : node->dump();
  }

  // 'text' or ('a', 'b'), with backslash escapes.
  static std::vector<std::string> parseLiterals(const std::string& text) {
    std::vector<std::string> literals;
    std::string current;
    bool inside = false;
    for (std::size_t index = 0; index < text.size(); ++index) {
      char c = text[index];
      if (!inside) {
        if (c == '\'') inside = true;
        continue;
      }
      if (c == '\\' && index + 1 < text.size()) {
        current += text[++index];
      } else if (c == '\'') {
        literals.push_back(current);
        current.clear();
        inside = false;
      } else {
        current += c;
      }
    }
    return literals;
  }

  sim::Simulator& simulator_;
  SimulatorTransport inner_;
  std::mutex mutex_;
};

// Issues kvsim tokens for any scope and keeps them, so a test can check that none was
// written anywhere.
class RecordingCredential : public azure::TokenCredential {
 public:
  explicit RecordingCredential(sim::Simulator& simulator) : simulator_(simulator) {}
  azure::AccessToken getToken(const std::string& scope) override {
    std::string token = simulator_.issueToken(scope);
    issued.push_back(token);
    return {token, azure::Clock::now() + std::chrono::hours(1)};
  }
  std::string describe() const override { return "kvsim test credential"; }
  std::vector<std::string> issued;

 private:
  sim::Simulator& simulator_;
};

// Every secret value in a seed document: dataPlane.*.secrets[*].versions[*].value and
// versionsSummary.newest.value.
inline std::vector<std::string> secretValuesIn(const Json& document) {
  std::vector<std::string> values;
  const Json dataPlane = document.value("dataPlane", Json::object());
  for (auto vault = dataPlane.begin(); vault != dataPlane.end(); ++vault) {
    for (const auto& secret : vault->value("secrets", Json::array())) {
      for (const auto& version : secret.value("versions", Json::array())) {
        if (version.contains("value") && version["value"].is_string()) values.push_back(version["value"]);
      }
      const Json newest = secret.value("versionsSummary", Json::object()).value("newest", Json::object());
      if (newest.contains("value") && newest["value"].is_string()) values.push_back(newest["value"]);
    }
  }
  return values;
}

// An in-process kvsim with the transport, timer and credential a crawl runs on, and a log
// capture. Suites that share one crawl across tests keep one of these alive.
class CrawlEnvironment {
 public:
  CrawlEnvironment()
      : clock_(std::make_shared<sim::ManualClock>()),
        simulator_(makeConfig(), clock_),
        transport_(simulator_),
        timer_(clock_.get()),
        credential_(simulator_) {
    simulator_.setBaseUrl(kSimulatorBase);
    logSink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    logger_ = std::make_shared<spdlog::logger>("crawl-test", logSink_);
    logger_->set_level(spdlog::level::debug);
    previous_ = spdlog::default_logger();
    spdlog::set_default_logger(logger_);
  }
  virtual ~CrawlEnvironment() { spdlog::set_default_logger(previous_); }

  static sim::SimulatorConfig makeConfig() {
    sim::SimulatorConfig config;
    config.timeScale = 1.0;
    config.keyVaultPageSize = 2;  // so every data-plane list spans pages
    config.resourceManagerPageSize = 2;
    return config;
  }

  azure::ClientOptions clientOptions() {
    azure::ClientOptions options;
    options.cloud.resourceManager = kSimulatorBase;
    options.jitterSeed = 11;
    return options;
  }

  void seed(const Json& document) {
    seeded_ = document;
    simulator_.loadEstate(nlohmann::json::parse(document.dump()));
  }

  Json discover(CrawlOptions options) {
    azure::AzureClient client(transport_, credential_, clientOptions(), timer_);
    Crawler crawler(client, std::move(options));
    Json inventory = crawler.run();
    stats_ = client.stats();
    summary_ = crawler.summary();
    return inventory;
  }

  // Reads an inventory the way `plan` does.
  static Estate estateOf(const Json& inventory) {
    Estate estate;
    readInventory("discovered.json", inventory, estate);
    linkEstate(estate);
    return estate;
  }

  // Fails for every seeded secret value or issued token found in `text`.
  void expectNoSecretsIn(const std::string& text, const std::string& what) {
    for (const auto& value : secretValuesIn(seeded_)) {
      EXPECT_EQ(text.find(value), std::string::npos) << what << " contains the secret value " << value;
    }
    for (const auto& token : credential_.issued) {
      EXPECT_EQ(text.find(token), std::string::npos) << what << " contains an access token";
    }
  }

  // Fails for any request that would return a secret value.
  void expectNoSecretValueReads() {
    static const std::regex valueRead(R"(^GET https://[^/]+/secrets/[^/?]+(/[^/?]+)?\?)");
    static const std::regex versionsList(R"(^GET https://[^/]+/secrets/[^/?]+/versions\?)");
    for (const auto& request : transport_.requests) {
      if (std::regex_search(request, versionsList)) continue;
      EXPECT_FALSE(std::regex_search(request, valueRead)) << "the crawler read a secret value: " << request;
    }
  }

  std::string logText() {
    logger_->flush();
    return log_.str();
  }

  std::shared_ptr<sim::ManualClock> clock_;
  sim::Simulator simulator_;
  EstateTransport transport_;
  SteppingTimer timer_;
  RecordingCredential credential_;
  Json seeded_;
  azure::ClientStats stats_;
  CrawlSummary summary_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> logSink_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<spdlog::logger> previous_;
};

class CrawlTest : public ::testing::Test, protected CrawlEnvironment {};

// The ids of an inventory's resources, normalised.
inline std::set<std::string> resourceKeys(const Json& inventory) {
  std::set<std::string> keys;
  for (const auto& resource : inventory["resources"]) keys.insert(normalizeId(resource["id"].get<std::string>()));
  return keys;
}

inline const Json* findByName(const Json& items, const std::string& name) {
  for (const auto& item : items) {
    if (item.value("name", std::string()) == name) return &item;
  }
  return nullptr;
}

}  // namespace kvr::testing
