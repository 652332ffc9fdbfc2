#include "simulator/config.h"

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
