#pragma once

// Fault injection: rules from the config file or the admin API that answer matching
// requests with an error status, close the connection, or delay the answer. Random rates
// draw from a generator seeded from the settings, so a run with the same requests fires
// the same faults. Not thread-safe: the Simulator serialises calls.

#include "simulator/config.h"
#include "simulator/http_message.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace kvr::sim {

// Reads {"seed": N, "rules": [...]} (see FaultRule for the members). Throws
// std::invalid_argument listing every problem, each as "<where>/rules/<i>/<member> ...".
FaultSettings parseFaultSettings(const nlohmann::json& document, const std::string& where);

nlohmann::json describeFaultSettings(const FaultSettings& settings);

// What an injected fault does to one request.
struct FaultDecision {
  std::optional<Response> response;  // the answer in place of the service's, when set
  std::chrono::milliseconds delay{0};
  bool drop = false;
};

class FaultInjector {
 public:
  explicit FaultInjector(FaultSettings settings) { replace(std::move(settings)); }

  // Installs new rules and restarts the generator from their seed. Hit counts stay.
  void replace(FaultSettings settings);
  const FaultSettings& settings() const { return settings_; }

  // The fault for `request`, if a rule fires; counts the hit.
  FaultDecision decide(const Request& request);

  // Flat counters "faults.<rule name>.hits".
  std::map<std::string, long long> counters() const;
  void clearCounters() { hits_.clear(); }

 private:
  struct CompiledRule {
    FaultRule rule;
    std::optional<std::regex> path;
    std::optional<std::regex> host;
    long long fired = 0;
  };

  bool matches(const CompiledRule& rule, const Request& request) const;

  FaultSettings settings_;
  std::vector<CompiledRule> rules_;
  std::mt19937_64 generator_;
  std::map<std::string, long long> hits_;
};

}  // namespace kvr::sim
