#include "simulator/config.h"

#include "simulator/faults.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>

namespace kvr::sim {

namespace {

using nlohmann::json;

[[noreturn]] void failMember(const std::filesystem::path& file, const std::string& member, const std::string& problem) {
  throw std::runtime_error("invalid kvsim config " + file.string() + ": member \"" + member + "\" " + problem);
}

template <typename Value>
void readMember(const json& document, const std::filesystem::path& file, const std::string& member, Value& target) {
  try {
    target = document.at(member).get<Value>();
  } catch (const json::exception&) {
    failMember(file, member, "has the wrong type");
  }
}

void readOperationSeconds(const json& document, const std::filesystem::path& file, SimulatorConfig& config) {
  const json& table = document.at("operationSeconds");
  if (!table.is_object()) failMember(file, "operationSeconds", "must be an object of resource type to seconds");
  for (const auto& [type, seconds] : table.items()) {
    if (!seconds.is_number() || seconds.get<double>() < 0) {
      failMember(file, "operationSeconds/" + type, "must be a number of seconds, 0 or more");
    }
    std::string lowered = type;
    for (char& character : lowered) character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
    config.operationSeconds[lowered] = seconds.get<double>();
  }
}

void readKeyVaultThrottle(const json& document, const std::filesystem::path& file, SimulatorConfig& config) {
  const json& table = document.at("keyVaultThrottle");
  if (!table.is_object()) failMember(file, "keyVaultThrottle", "must be an object of budget name to requests per window");
  KeyVaultThrottleLimits& limits = config.keyVaultThrottle;
  const std::map<std::string, int*> members = {{"windowSeconds", &limits.windowSeconds},
                                               {"secretCreateAndImport", &limits.secretCreateAndImport},
                                               {"secretAndVaultOther", &limits.secretAndVaultOther},
                                               {"softwareKeyCreate", &limits.softwareKeyCreate},
                                               {"hsmKeyCreate", &limits.hsmKeyCreate}};
  for (const auto& [member, value] : table.items()) {
    auto found = members.find(member);
    if (found == members.end()) failMember(file, "keyVaultThrottle/" + member, "is not a Key Vault throttle setting");
    if (!value.is_number_integer() || value.get<long long>() < 0 || value.get<long long>() > 1'000'000) {
      failMember(file, "keyVaultThrottle/" + member, "must be a whole number from 0 to 1000000");
    }
    *found->second = value.get<int>();
  }
  if (limits.windowSeconds < 1) failMember(file, "keyVaultThrottle/windowSeconds", "must be 1 or more");
}

void readTokenBucket(const json& value, const std::filesystem::path& file, const std::string& member, TokenBucketLimits& bucket) {
  if (!value.is_object()) failMember(file, member, "must be an object with capacity and refillPerSecond");
  for (const auto& [name, number] : value.items()) {
    if (name != "capacity" && name != "refillPerSecond") failMember(file, member + "/" + name, "is not a bucket setting (capacity, refillPerSecond)");
    if (!number.is_number() || number.get<double>() < 0 || number.get<double>() > 1e9) {
      failMember(file, member + "/" + name, "must be a number from 0 to 1000000000");
    }
    (name == "capacity" ? bucket.capacity : bucket.refillPerSecond) = number.get<double>();
  }
  if (bucket.capacity > 0 && bucket.refillPerSecond <= 0) failMember(file, member + "/refillPerSecond", "must be above 0 while capacity is above 0");
}

void readResourceManagerThrottle(const json& document, const std::filesystem::path& file, SimulatorConfig& config) {
  const json& table = document.at("resourceManagerThrottle");
  if (!table.is_object()) failMember(file, "resourceManagerThrottle", "must be an object with reads, writes, deletes and perPrincipal");
  ResourceManagerThrottleLimits& limits = config.resourceManagerThrottle;
  const std::map<std::string, TokenBucketLimits*> buckets = {{"reads", &limits.reads}, {"writes", &limits.writes}, {"deletes", &limits.deletes}};
  for (const auto& [member, value] : table.items()) {
    std::string path = "resourceManagerThrottle/" + member;
    if (member == "perPrincipal") {
      if (!value.is_boolean()) failMember(file, path, "must be true or false");
      limits.perPrincipal = value.get<bool>();
    } else if (auto found = buckets.find(member); found != buckets.end()) {
      readTokenBucket(value, file, path, *found->second);
    } else {
      failMember(file, path, "is not a Resource Manager throttle setting (reads, writes, deletes, perPrincipal)");
    }
  }
}

void readResourceGraph(const json& document, const std::filesystem::path& file, SimulatorConfig& config) {
  const json& table = document.at("resourceGraph");
  if (!table.is_object()) failMember(file, "resourceGraph", "must be an object with pageSize, quotaRequests and quotaWindowSeconds");
  ResourceGraphSettings& settings = config.resourceGraph;
  const std::map<std::string, std::pair<int*, int>> members = {{"pageSize", {&settings.pageSize, 1}},
                                                               {"quotaRequests", {&settings.quotaRequests, 0}},
                                                               {"quotaWindowSeconds", {&settings.quotaWindowSeconds, 1}}};
  for (const auto& [member, value] : table.items()) {
    auto found = members.find(member);
    if (found == members.end()) failMember(file, "resourceGraph/" + member, "is not a Resource Graph setting");
    int minimum = found->second.second;
    int maximum = member == "pageSize" ? 1000 : 1'000'000;
    if (!value.is_number_integer() || value.get<long long>() < minimum || value.get<long long>() > maximum) {
      failMember(file, "resourceGraph/" + member, "must be a whole number from " + std::to_string(minimum) + " to " + std::to_string(maximum));
    }
    *found->second.first = value.get<int>();
  }
}

void readFaults(const json& document, const std::filesystem::path& file, SimulatorConfig& config) {
  try {
    config.faults = parseFaultSettings(document.at("faults"), "faults");
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error("invalid kvsim config " + file.string() + ": " + error.what());
  }
}

}  // namespace

SimulatorConfig loadConfig(const std::filesystem::path& file) {
  std::ifstream stream(file);
  if (!stream) throw std::runtime_error("cannot read kvsim config " + file.string() + ": check the path");
  json document = json::parse(stream, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    throw std::runtime_error("invalid kvsim config " + file.string() + ": expected one JSON object");
  }

  SimulatorConfig config;
  for (const auto& [member, value] : document.items()) {
    if (member == "bindAddress") readMember(document, file, member, config.bindAddress);
    else if (member == "port") readMember(document, file, member, config.port);
    else if (member == "stateDir") {
      std::string directory;
      readMember(document, file, member, directory);
      config.stateDir = directory;
    }
    else if (member == "insecureHttp") readMember(document, file, member, config.insecureHttp);
    else if (member == "vaultDnsSuffix") readMember(document, file, member, config.vaultDnsSuffix);
    else if (member == "timeScale") readMember(document, file, member, config.timeScale);
    else if (member == "operationSeconds") readOperationSeconds(document, file, config);
    else if (member == "tokenLifetimeSeconds") readMember(document, file, member, config.tokenLifetimeSeconds);
    else if (member == "resourceManagerPageSize") readMember(document, file, member, config.resourceManagerPageSize);
    else if (member == "keyVaultPageSize") readMember(document, file, member, config.keyVaultPageSize);
    else if (member == "keyVaultResource") readMember(document, file, member, config.keyVaultResource);
    else if (member == "identityHeader") readMember(document, file, member, config.identityHeader);
    else if (member == "defaultTenantId") readMember(document, file, member, config.defaultTenantId);
    else if (member == "keyVaultThrottle") readKeyVaultThrottle(document, file, config);
    else if (member == "resourceManagerThrottle") readResourceManagerThrottle(document, file, config);
    else if (member == "resourceGraph") readResourceGraph(document, file, config);
    else if (member == "faults") readFaults(document, file, config);
    else if (member == "saveState") {
      std::string target;
      readMember(document, file, member, target);
      config.saveState = target;
    }
    else failMember(file, member, "is not a kvsim setting");
  }

  if (config.port < 0 || config.port > 65535) failMember(file, "port", "must be 0 to 65535");
  if (config.timeScale < 0) failMember(file, "timeScale", "must be 0 or more");
  if (config.resourceManagerPageSize < 1) failMember(file, "resourceManagerPageSize", "must be 1 or more");
  if (config.keyVaultPageSize < 1 || config.keyVaultPageSize > 25) failMember(file, "keyVaultPageSize", "must be 1 to 25");
  return config;
}

void requireLoopbackAddress(const std::string& address) {
  if (address == "127.0.0.1" || address == "::1") return;
  throw std::invalid_argument("kvsim listens on loopback only: bind address \"" + address +
                              "\" is not allowed; use 127.0.0.1 or ::1");
}

}  // namespace kvr::sim
