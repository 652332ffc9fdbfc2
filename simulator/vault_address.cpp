#include "simulator/vault_address.h"

#include "simulator/http_message.h"

namespace kvr::sim {

std::string vaultUriFor(const std::string& vaultName, const std::string& baseUrl, const std::string& vaultDnsSuffix) {
  std::size_t schemeEnd = baseUrl.find("://");
  std::string scheme = schemeEnd == std::string::npos ? "https" : baseUrl.substr(0, schemeEnd);
  std::size_t portStart = baseUrl.rfind(':');
  std::string port = portStart == std::string::npos || portStart < schemeEnd + 3 ? "" : baseUrl.substr(portStart);
  return scheme + "://" + toLower(vaultName) + "." + vaultDnsSuffix + port + "/";
}

std::optional<std::string> vaultNameFromHost(const std::string& host, const std::string& vaultDnsSuffix) {
  std::string name = toLower(host);
  if (!name.empty() && name.front() != '[') {
    std::size_t colon = name.rfind(':');
    if (colon != std::string::npos) name.resize(colon);
  }
  std::string suffix = "." + toLower(vaultDnsSuffix);
  if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  name.resize(name.size() - suffix.size());
  if (name.find('.') != std::string::npos) return std::nullopt;
  return name;
}

}  // namespace kvr::sim
