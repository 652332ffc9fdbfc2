#pragma once

// Key Vault references in App Service settings: the configreferences endpoints that report
// whether each @Microsoft.KeyVault(...) app setting or connection string resolves, and the
// site restart that resolves them again.
//
//   GET  .../sites/{name}/config/configreferences/appsettings[/{key}]
//   GET  .../sites/{name}/config/configreferences/connectionstrings[/{key}]
//   POST .../sites/{name}/restart
//
// App Service resolves references when the app starts and keeps the result, so kvsim
// resolves a site's references when its settings or the site itself are written, on a
// restart, and on the first read of a seeded site. Between those moments the endpoints
// report the stored result, even when a grant, a secret or a vault has changed since.
// Not thread-safe: the Simulator serialises calls.

#include "simulator/http_message.h"
#include "simulator/key_vault_data_plane.h"
#include "simulator/resource_manager.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

namespace kvr::sim {

class AppServiceReferences {
 public:
  AppServiceReferences(const ResourceManager& resources, const KeyVaultDataPlane& keyVault)
      : resources_(resources), keyVault_(keyVault) {}

  // True for the requests above, which handle() serves.
  static bool handles(const Request& request);
  Response handle(const Request& request);

  // Resolves again the references of the site that a successful Resource Manager write
  // changed: the site, or its config/appsettings or config/connectionstrings. Other
  // requests change nothing.
  void afterWrite(const Request& request);

  void clear() { resolved_.clear(); }

 private:
  // "appsettings" or "connectionstrings" -> the resolved references, by setting name.
  using Resolution = std::map<std::string, std::map<std::string, nlohmann::json>>;

  const Resolution& resolution(const std::string& siteId);
  Resolution resolve(const std::string& siteId) const;
  nlohmann::json resolveOne(const nlohmann::json& site, const std::string& section, const std::string& name,
                            const std::string& reference) const;

  const ResourceManager& resources_;
  const KeyVaultDataPlane& keyVault_;
  std::map<std::string, Resolution> resolved_;  // by idKey of the site
};

}  // namespace kvr::sim
