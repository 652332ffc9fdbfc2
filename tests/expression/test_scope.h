#pragma once

// A Scope with fixed deployment context for the expression tests; it records the
// resource references and warnings the evaluator reports.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "discovery/expression/expression.h"

namespace kvr::expr::testing {

inline constexpr const char* kSubscriptionId = "00000000-0000-0000-0000-000000000001";

class TestScope : public Scope {
 public:
  std::map<std::string, Value> parameters;
  std::map<std::string, Value> variables;
  std::map<std::string, long long> loops;
  std::optional<long long> currentIndex;
  Json resourceGroupObject = Json{{"id", std::string("/subscriptions/") + kSubscriptionId + "/resourceGroups/rg-app"},
                                  {"name", "rg-app"},
                                  {"location", "westeurope"}};
  std::vector<std::pair<std::string, std::string>> references;
  std::vector<std::pair<std::size_t, std::string>> warnings;

  std::optional<Value> parameter(const std::string& name) override { return find(parameters, name); }
  std::optional<Value> variable(const std::string& name) override { return find(variables, name); }

  std::optional<long long> copyIndex(const std::optional<std::string>& loopName) override {
    if (!loopName) {
      return currentIndex;
    }
    const auto found = loops.find(*loopName);
    return found == loops.end() ? std::nullopt : std::optional<long long>(found->second);
  }

  Json resourceGroup() override { return resourceGroupObject; }
  Json subscription() override {
    return Json{{"id", std::string("/subscriptions/") + kSubscriptionId},
                {"subscriptionId", kSubscriptionId},
                {"tenantId", "00000000-0000-0000-0000-00000000000a"},
                {"displayName", "Production"}};
  }
  Json tenant() override { return Json{{"tenantId", "00000000-0000-0000-0000-00000000000a"}}; }
  Json deployment() override { return Json{{"name", "kv-deployment"}, {"properties", Json::object()}}; }
  Json environment() override {
    return Json{{"name", "AzureCloud"}, {"suffixes", {{"keyvaultDns", ".vault.azure.net"}}}};
  }

  void onResourceReference(const std::string& idOrName, const std::string& function) override {
    references.emplace_back(idOrName, function);
  }
  void onWarning(std::size_t position, const std::string& message) override {
    warnings.emplace_back(position, message);
  }

 private:
  static std::optional<Value> find(const std::map<std::string, Value>& values, const std::string& name) {
    for (const auto& [key, value] : values) {
      if (iequals(key, name)) {
        return value;
      }
    }
    return std::nullopt;
  }
};

}  // namespace kvr::expr::testing
