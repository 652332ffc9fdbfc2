#include "azure/cloud.h"

#include "discovery/diagnostics.h"
#include "discovery/json.h"

#include <arpa/inet.h>

namespace kvr::azure {

bool isLoopbackAddress(const std::string& address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::optional<CloudEndpoints> knownCloud(const std::string& name) {
  // The sovereign clouds differ from the public one in every endpoint and DNS suffix.
  static const CloudEndpoints kClouds[] = {
      CloudEndpoints{},
      CloudEndpoints{"AzureUSGovernment", "https://management.usgovcloudapi.net", "https://management.usgovcloudapi.net",
                     "https://login.microsoftonline.us", "https://vault.usgovcloudapi.net", "vault.usgovcloudapi.net", {}},
      CloudEndpoints{"AzureChinaCloud", "https://management.chinacloudapi.cn", "https://management.chinacloudapi.cn",
                     "https://login.chinacloudapi.cn", "https://vault.azure.cn", "vault.azure.cn", {}},
  };
  for (const CloudEndpoints& cloud : kClouds) {
    if (iequals(cloud.name, name)) return cloud;
  }
  return std::nullopt;
}

CloudEndpoints readCloudFile(const std::string& path, Diagnostics& problems) {
  Json document = readJsonFile(path);
  auto problem = [&](const std::string& pointer, const std::string& message) {
    problems.error("E-CLOUD-FILE", message, {}, SourceLocation{path, pointer});
  };
  CloudEndpoints cloud;
  if (!document.is_object()) {
    problem("", "a cloud file is a JSON object");
    return cloud;
  }

  if (document.contains("name") && document["name"].is_string()) {
    if (auto known = knownCloud(document["name"].get<std::string>())) cloud = *known;
    cloud.name = document["name"].get<std::string>();
  }
  auto readUrl = [&](const char* key, std::string& target) {
    if (!document.contains(key)) return;
    const Json& value = document[key];
    if (!value.is_string() || !istartsWith(value.get<std::string>(), "https://")) {
      problem(pointerAppend("", key), std::string(key) + " must be an https:// URL");
      return;
    }
    target = value.get<std::string>();
    while (!target.empty() && target.back() == '/') target.pop_back();
  };
  readUrl("resourceManager", cloud.resourceManager);
  readUrl("resourceManagerAudience", cloud.resourceManagerAudience);
  readUrl("authority", cloud.authority);
  readUrl("keyVaultAudience", cloud.keyVaultAudience);
  if (document.contains("keyVaultDnsSuffix")) {
    if (document["keyVaultDnsSuffix"].is_string()) {
      cloud.keyVaultDnsSuffix = document["keyVaultDnsSuffix"].get<std::string>();
    } else {
      problem("/keyVaultDnsSuffix", "keyVaultDnsSuffix must be a host name suffix");
    }
  }
  if (document.contains("hostAddresses")) {
    const Json& addresses = document["hostAddresses"];
    if (!addresses.is_object()) {
      problem("/hostAddresses", "hostAddresses must map host name suffixes to loopback addresses");
    } else {
      for (const auto& [suffix, address] : addresses.items()) {
        std::string pointer = pointerAppend("/hostAddresses", suffix);
        if (!address.is_string() || !isLoopbackAddress(address.get<std::string>())) {
          problem(pointer, "host " + suffix + " must map to a loopback address (127.0.0.0/8 or ::1)");
          continue;
        }
        cloud.hostAddresses[toLower(suffix)] = address.get<std::string>();
      }
    }
  }
  return cloud;
}

std::string defaultScope(const std::string& audience) {
  std::string scope = audience;
  while (!scope.empty() && scope.back() == '/') scope.pop_back();
  return scope + "/.default";
}

}  // namespace kvr::azure
