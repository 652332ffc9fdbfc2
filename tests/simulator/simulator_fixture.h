#pragma once

// A Simulator on a manual clock with helpers to send Resource Manager and Key Vault
// requests, so tests run without sockets and move time instead of sleeping.

#include "simulator/simulator.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace kvr::sim::testing {

inline constexpr const char* kBaseUrl = "https://127.0.0.1:8443";
inline constexpr const char* kSubscription = "00000000-0000-0000-0000-000000000001";
inline constexpr const char* kOtherSubscription = "00000000-0000-0000-0000-000000000002";
inline constexpr const char* kArmVersion = "?api-version=2024-11-01";

class SimulatorTest : public ::testing::Test {
 protected:
  SimulatorTest() : clock_(std::make_shared<ManualClock>()), simulator_(makeConfig(), clock_) {
    simulator_.setBaseUrl(kBaseUrl);
    armToken_ = simulator_.issueToken("https://management.azure.com/.default");
    vaultToken_ = simulator_.issueToken("https://vault.azure.net/.default");
  }

  static SimulatorConfig makeConfig() {
    SimulatorConfig config;
    config.timeScale = 1.0;  // durations as configured; tests advance the manual clock
    return config;
  }

  static std::string groupId(const std::string& group, const std::string& subscription = kSubscription) {
    return "/subscriptions/" + subscription + "/resourceGroups/" + group;
  }
  static std::string vaultId(const std::string& name, const std::string& group = "rg1", const std::string& subscription = kSubscription) {
    return groupId(group, subscription) + "/providers/Microsoft.KeyVault/vaults/" + name;
  }
  static std::string vnetId(const std::string& name = "vnet1") {
    return groupId("rg1") + "/providers/Microsoft.Network/virtualNetworks/" + name;
  }
  static std::string subnetId(const std::string& name, const std::string& vnet = "vnet1") { return vnetId(vnet) + "/subnets/" + name; }

  Response arm(const std::string& method, const std::string& pathAndQuery, const nlohmann::json& body = nullptr) {
    Request request = Request::fromTarget(method, pathAndQuery);
    request.withHeader("Host", "127.0.0.1:8443").withHeader("Authorization", "Bearer " + armToken_);
    if (!body.is_null()) request.withBody(body.dump()).withHeader("Content-Type", "application/json");
    return simulator_.handle(request);
  }

  Response vault(const std::string& vaultName, const std::string& method, const std::string& pathAndQuery,
                 const nlohmann::json& body = nullptr) {
    Request request = Request::fromTarget(method, pathAndQuery);
    request.withHeader("Host", vaultName + ".vault.localhost:8443").withHeader("Authorization", "Bearer " + vaultToken_);
    if (!body.is_null()) request.withBody(body.dump()).withHeader("Content-Type", "application/json");
    return simulator_.handle(request);
  }

  void createGroup(const std::string& group, const std::string& subscription = kSubscription, const std::string& location = "westeurope") {
    Response response = arm("PUT", groupId(group, subscription) + "?api-version=2021-04-01", {{"location", location}});
    ASSERT_LT(response.status, 300) << response.body;
  }

  static nlohmann::json vaultBody(const std::string& location = "westeurope") {
    return {{"location", location},
            {"properties", {{"tenantId", "11111111-1111-1111-1111-111111111111"}, {"sku", {{"family", "A"}, {"name", "standard"}}}}}};
  }

  Response createVault(const std::string& name, const std::string& group = "rg1", const std::string& subscription = kSubscription,
                       nlohmann::json body = vaultBody()) {
    return arm("PUT", vaultId(name, group, subscription) + kArmVersion, body);
  }

  void createNetwork(bool keyVaultEndpoint) {
    createGroup("rg1");
    nlohmann::json subnet = {{"name", "snet-app"}, {"properties", {{"addressPrefix", "10.0.1.0/24"}}}};
    if (keyVaultEndpoint) subnet["properties"]["serviceEndpoints"] = nlohmann::json::array({{{"service", "Microsoft.KeyVault"}}});
    nlohmann::json body = {{"location", "westeurope"},
                           {"properties",
                            {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}},
                             {"subnets", {subnet, {{"name", "snet-pe"}, {"properties", {{"addressPrefix", "10.0.2.0/24"}}}}}}}}};
    Response response = arm("PUT", vnetId() + "?api-version=2025-03-01", body);
    ASSERT_LT(response.status, 300) << response.body;
  }

  static nlohmann::json errorOf(const Response& response) { return nlohmann::json::parse(response.body)["error"]; }
  static std::string errorCode(const Response& response) {
    nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_discarded() || !body.contains("error")) return "";
    return body["error"].value("code", "");
  }
  static nlohmann::json bodyOf(const Response& response) { return nlohmann::json::parse(response.body); }

  std::shared_ptr<ManualClock> clock_;
  Simulator simulator_;
  std::string armToken_;
  std::string vaultToken_;
};

}  // namespace kvr::sim::testing
