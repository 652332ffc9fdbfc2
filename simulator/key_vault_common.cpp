#include "simulator/key_vault_common.h"

#include "simulator/geography.h"
#include "simulator/key_vault_data_plane.h"

#include <regex>

namespace kvr::sim {

namespace {

using nlohmann::json;

constexpr int kMaxPageSize = 25;

}  // namespace

bool isValidObjectName(const std::string& name) {
  static const std::regex pattern("^[0-9a-zA-Z-]{1,127}$");
  return std::regex_match(name, pattern);
}

std::string recoveryLevel(const VaultInfo& vault) {
  if (!vault.softDeleteEnabled) return "Purgeable";
  return vault.purgeProtectionEnabled ? "Recoverable" : "Recoverable+Purgeable";
}

Response deletedButRecoverable(const std::string& kind, const std::string& name) {
  json body = {{"error",
                {{"code", "Conflict"},
                 {"message", kind + " " + name + " is deleted but recoverable, so its name cannot be reused until it is recovered or purged."},
                 {"innererror", {{"code", "ObjectIsDeletedButRecoverable"}}}}}};
  return Response::json(409, body);
}

json openBackupPayload(const Request& request, const BackupCipher& cipher) {
  std::optional<json> body = parseObject(request.body);
  std::optional<std::string> plaintext;
  if (body && body->contains("value") && (*body)["value"].is_string()) plaintext = cipher.open((*body)["value"].get<std::string>());
  if (!plaintext) return json();
  json payload = json::parse(*plaintext, nullptr, false);
  return payload.is_object() ? payload : json();
}

std::optional<Response> checkRestoreTarget(const json& payload, const VaultInfo& vault) {
  // NOTE: Azure rejects a restore into another subscription or geography; the status and
  // code kvsim uses for that (403 Forbidden) are a guess.
  if (payload.value("subscription", "") != toLower(vault.subscription)) {
    return keyVaultError(403, "Forbidden", "The backup belongs to another subscription; a backup restores only into a "
                                           "vault of the same subscription and geography.");
  }
  std::string geography = geographyOf(vault.location);
  if (geography.empty() || payload.value("geography", "") != geography) {
    return keyVaultError(403, "Forbidden", "The backup was taken in geography '" + payload.value("geography", "") + "' but vault " +
                                               vault.name + " is in '" + geography + "'; a backup restores only within one geography.");
  }
  return std::nullopt;
}

std::optional<json> parseObject(const std::string& body) {
  json parsed = json::parse(body.empty() ? "{}" : body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

// Copies the settable attributes (enabled, nbf, exp) from a request body.
std::optional<std::string> applyAttributes(json& target, const json& source) {
  if (!source.is_object()) return "attributes must be an object";
  for (const char* member : {"nbf", "exp"}) {
    if (!source.contains(member)) continue;
    if (!source[member].is_number_integer() && !source[member].is_null()) return std::string(member) + " must be Unix seconds";
    target[member] = source[member];
    if (source[member].is_null()) target.erase(member);
  }
  if (source.contains("enabled")) {
    if (!source["enabled"].is_boolean()) return "enabled must be true or false";
    target["enabled"] = source["enabled"];
  }
  return std::nullopt;
}

Response pageItems(const Request& request, const std::vector<json>& items, const std::string& link, int defaultPageSize) {
  int pageSize = defaultPageSize;
  std::string maxResults = request.queryValue("maxresults");
  if (!maxResults.empty()) {
    try {
      pageSize = std::stoi(maxResults);
    } catch (const std::exception&) {
      pageSize = 0;
    }
    if (pageSize < 1 || pageSize > kMaxPageSize) {
      return keyVaultError(400, "BadParameter", "maxresults must be 1 to 25, not '" + maxResults + "'.");
    }
  }
  std::size_t start = 0;
  try {
    std::string token = request.queryValue("$skiptoken");
    start = token.empty() ? 0 : std::stoul(token);
  } catch (const std::exception&) {
    return keyVaultError(400, "BadParameter", "The $skiptoken is not one kvsim issued.");
  }
  start = std::min(start, items.size());
  std::size_t end = std::min(start + static_cast<std::size_t>(pageSize), items.size());
  json result = {{"value", json::array()}, {"nextLink", nullptr}};
  for (std::size_t index = start; index < end; ++index) result["value"].push_back(items[index]);
  if (end < items.size()) {
    result["nextLink"] = link + "?api-version=" + percentEncode(request.queryValue("api-version")) +
                         "&%24skiptoken=" + std::to_string(end) + "&maxresults=" + std::to_string(pageSize);
  }
  return Response::json(200, result);
}

}  // namespace kvr::sim
