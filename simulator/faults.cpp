#include "simulator/faults.h"

#include <algorithm>
#include <stdexcept>

namespace kvr::sim {

namespace {

using nlohmann::json;

std::string defaultRuleName(std::size_t index) { return "fault" + std::to_string(index); }

// The error code Azure's gateways use for these statuses.
// NOTE: Key Vault and Resource Manager send service-specific codes for some 429 and 503
// answers; an injected fault uses these generic ones.
std::string faultErrorCode(int status) {
  if (status == 429) return "TooManyRequests";
  if (status == 500) return "InternalServerError";
  if (status == 503) return "ServiceUnavailable";
  return "InjectedFault";
}

class RuleReader {
 public:
  RuleReader(const json& rule, std::string where, std::vector<std::string>& problems)
      : rule_(rule), where_(std::move(where)), problems_(problems) {}

  void text(const char* member, std::string& target) {
    if (!rule_.contains(member)) return;
    if (rule_[member].is_string()) target = rule_[member].get<std::string>();
    else problem(member, "must be a string");
  }

  void pattern(const char* member, std::string& target) {
    text(member, target);
    if (target.empty()) return;
    try {
      std::regex compiled(target);
    } catch (const std::regex_error& error) {
      problem(member, "is not a valid regular expression: " + std::string(error.what()));
    }
  }

  template <typename Number>
  void number(const char* member, Number& target, double minimum, double maximum) {
    if (!rule_.contains(member)) return;
    const json& value = rule_[member];
    bool whole = std::is_integral_v<Number>;
    if (!value.is_number() || (whole && !value.is_number_integer()) || value.get<double>() < minimum || value.get<double>() > maximum) {
      problem(member, std::string("must be ") + (whole ? "a whole number" : "a number") + " from " + format(minimum) + " to " + format(maximum));
      return;
    }
    target = value.get<Number>();
  }

  void flag(const char* member, bool& target) {
    if (!rule_.contains(member)) return;
    if (rule_[member].is_boolean()) target = rule_[member].get<bool>();
    else problem(member, "must be true or false");
  }

  void problem(const std::string& member, const std::string& text) { problems_.push_back(where_ + "/" + member + " " + text); }

 private:
  static std::string format(double value) {
    std::string text = std::to_string(value);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
    return text;
  }

  const json& rule_;
  std::string where_;
  std::vector<std::string>& problems_;
};

const std::vector<std::string> kRuleMembers = {"name", "method", "path", "host", "rate", "count", "status", "retryAfterSeconds", "drop", "delayMilliseconds"};

FaultRule readRule(const json& rule, const std::string& where, std::size_t index, std::vector<std::string>& problems) {
  FaultRule result;
  if (!rule.is_object()) {
    problems.push_back(where + " must be an object");
    return result;
  }
  for (const auto& [member, value] : rule.items()) {
    if (std::find(kRuleMembers.begin(), kRuleMembers.end(), member) == kRuleMembers.end()) {
      problems.push_back(where + "/" + member + " is not a fault rule member");
    }
  }
  RuleReader reader(rule, where, problems);
  reader.text("name", result.name);
  if (result.name.empty()) result.name = defaultRuleName(index);
  reader.text("method", result.method);
  reader.pattern("path", result.path);
  reader.pattern("host", result.host);
  reader.number("rate", result.rate, 0.0, 1.0);
  reader.number("count", result.count, 0, 1e12);
  reader.number("status", result.status, 400, 599);
  reader.number("retryAfterSeconds", result.retryAfterSeconds, 0, 86400);
  reader.flag("drop", result.drop);
  reader.number("delayMilliseconds", result.delayMilliseconds, 0, 600000);
  if (result.status == 0 && !result.drop && result.delayMilliseconds == 0) {
    reader.problem("status", "is missing: a rule needs a status, \"drop\": true or a delayMilliseconds");
  }
  if (result.retryAfterSeconds >= 0 && result.status == 0) reader.problem("retryAfterSeconds", "needs a status");
  return result;
}

}  // namespace

FaultSettings parseFaultSettings(const json& document, const std::string& where) {
  std::vector<std::string> problems;
  FaultSettings settings;
  if (!document.is_object()) throw std::invalid_argument(where + " must be an object with \"seed\" and \"rules\"");
  for (const auto& [member, value] : document.items()) {
    if (member != "seed" && member != "rules") problems.push_back(where + "/" + member + " is not a fault setting (seed, rules)");
  }
  if (document.contains("seed")) {
    if (document["seed"].is_number_unsigned()) settings.seed = document["seed"].get<unsigned long long>();
    else problems.push_back(where + "/seed must be a whole number, 0 or more");
  }
  if (document.contains("rules")) {
    if (!document["rules"].is_array()) {
      problems.push_back(where + "/rules must be an array of rules");
    } else {
      for (std::size_t index = 0; index < document["rules"].size(); ++index) {
        settings.rules.push_back(readRule(document["rules"][index], where + "/rules/" + std::to_string(index), index, problems));
      }
    }
  }
  if (problems.empty()) return settings;

  std::string message = problems.front();
  for (std::size_t index = 1; index < problems.size(); ++index) message += "; " + problems[index];
  throw std::invalid_argument(message);
}

json describeFaultSettings(const FaultSettings& settings) {
  json rules = json::array();
  for (const FaultRule& rule : settings.rules) {
    json item = {{"name", rule.name}, {"rate", rule.rate}};
    if (!rule.method.empty()) item["method"] = rule.method;
    if (!rule.path.empty()) item["path"] = rule.path;
    if (!rule.host.empty()) item["host"] = rule.host;
    if (rule.count > 0) item["count"] = rule.count;
    if (rule.status != 0) item["status"] = rule.status;
    if (rule.retryAfterSeconds >= 0) item["retryAfterSeconds"] = rule.retryAfterSeconds;
    if (rule.drop) item["drop"] = true;
    if (rule.delayMilliseconds > 0) item["delayMilliseconds"] = rule.delayMilliseconds;
    rules.push_back(item);
  }
  return {{"seed", settings.seed}, {"rules", rules}};
}

void FaultInjector::replace(FaultSettings settings) {
  settings_ = std::move(settings);
  rules_.clear();
  for (std::size_t index = 0; index < settings_.rules.size(); ++index) {
    CompiledRule compiled{settings_.rules[index], std::nullopt, std::nullopt, 0};
    if (compiled.rule.name.empty()) compiled.rule.name = defaultRuleName(index);
    if (!compiled.rule.path.empty()) compiled.path.emplace(compiled.rule.path);
    if (!compiled.rule.host.empty()) compiled.host.emplace(compiled.rule.host);
    rules_.push_back(std::move(compiled));
  }
  generator_.seed(settings_.seed);
}

bool FaultInjector::matches(const CompiledRule& rule, const Request& request) const {
  if (rule.rule.count > 0 && rule.fired >= rule.rule.count) return false;
  if (!rule.rule.method.empty() && !equalsIgnoreCase(rule.rule.method, request.method)) return false;
  if (rule.path && !std::regex_search(request.path, *rule.path)) return false;
  if (rule.host && !std::regex_search(request.header("Host"), *rule.host)) return false;
  return true;
}

FaultDecision FaultInjector::decide(const Request& request) {
  FaultDecision decision;
  for (CompiledRule& rule : rules_) {
    if (!matches(rule, request)) continue;
    // A draw happens only for a matching rule with a rate below 1, so requests that no
    // such rule matches leave the sequence of draws unchanged.
    if (rule.rule.rate < 1.0 && std::uniform_real_distribution<double>(0.0, 1.0)(generator_) >= rule.rule.rate) continue;

    ++rule.fired;
    ++hits_[rule.rule.name];
    decision.delay = std::chrono::milliseconds(rule.rule.delayMilliseconds);
    decision.drop = rule.rule.drop;
    if (rule.rule.status != 0 && !rule.rule.drop) {
      Response response = Response::json(rule.rule.status, {{"error",
                                                              {{"code", faultErrorCode(rule.rule.status)},
                                                               {"message", "kvsim injected this failure (fault rule '" + rule.rule.name + "')."}}}});
      if (rule.rule.retryAfterSeconds >= 0) response.withHeader("Retry-After", std::to_string(rule.rule.retryAfterSeconds));
      decision.response = std::move(response);
    }
    return decision;
  }
  return decision;
}

std::map<std::string, long long> FaultInjector::counters() const {
  std::map<std::string, long long> result;
  for (const auto& [name, hits] : hits_) result["faults." + name + ".hits"] = hits;
  return result;
}

}  // namespace kvr::sim
