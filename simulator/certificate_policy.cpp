#include "simulator/certificate_policy.h"

#include "simulator/http_message.h"

#include <algorithm>
#include <ctime>

namespace kvr::sim {

namespace {

using nlohmann::json;

bool isRsa(const std::string& kty) { return kty == "RSA" || kty == "RSA-HSM"; }

std::vector<std::string> stringsOf(const json& object, const char* member) {
  std::vector<std::string> values;
  if (!object.is_object() || !object.contains(member) || !object[member].is_array()) return values;
  for (const json& value : object[member]) {
    if (value.is_string()) values.push_back(value.get<std::string>());
  }
  return values;
}

std::optional<std::string> checkStringArray(const json& object, const char* path, const char* member) {
  if (!object.contains(member)) return std::nullopt;
  if (!object[member].is_array()) return std::string(path) + "." + member + " must be an array of strings";
  for (const json& value : object[member]) {
    if (!value.is_string()) return std::string(path) + "." + member + " must be an array of strings";
  }
  return std::nullopt;
}

std::optional<std::string> checkKeyProperties(const json& keyProperties) {
  if (!keyProperties.is_object()) return "key_props must be an object";
  for (const char* member : {"exportable", "reuse_key"}) {
    if (keyProperties.contains(member) && !keyProperties[member].is_boolean()) return std::string("key_props.") + member + " must be true or false";
  }
  std::string kty = keyProperties.value("kty", "RSA");
  if (!isRsa(kty) && kty != "EC" && kty != "EC-HSM") return "key_props.kty '" + kty + "' is not RSA, RSA-HSM, EC or EC-HSM";
  if (isRsa(kty) && keyProperties.contains("key_size")) {
    const json& size = keyProperties["key_size"];
    if (!size.is_number_integer() || (size != 2048 && size != 3072 && size != 4096)) return "key_props.key_size must be 2048, 3072 or 4096";
  }
  if (!isRsa(kty) && keyProperties.contains("crv")) {
    static const std::vector<std::string> kCurves = {"P-256", "P-384", "P-521", "P-256K"};
    const json& curve = keyProperties["crv"];
    if (!curve.is_string() || std::find(kCurves.begin(), kCurves.end(), curve.get<std::string>()) == kCurves.end()) {
      return "key_props.crv must be P-256, P-384, P-521 or P-256K";
    }
  }
  return std::nullopt;
}

std::optional<std::string> checkX509Properties(const json& x509) {
  if (!x509.is_object()) return "x509_props must be an object";
  if (x509.contains("subject") && !x509["subject"].is_string()) return "x509_props.subject must be a string";
  if (x509.contains("validity_months")) {
    const json& months = x509["validity_months"];
    if (!months.is_number_integer() || months.get<long long>() < 1 || months.get<long long>() > 1200) {
      return "x509_props.validity_months must be a whole number of months from 1 to 1200";
    }
  }
  if (auto problem = checkStringArray(x509, "x509_props", "ekus")) return problem;
  if (auto problem = checkStringArray(x509, "x509_props", "key_usage")) return problem;
  if (x509.contains("sans")) {
    const json& names = x509["sans"];
    if (!names.is_object()) return "x509_props.sans must be an object";
    for (const char* member : {"dns_names", "emails", "upns"}) {
      if (auto problem = checkStringArray(names, "x509_props.sans", member)) return problem;
    }
  }
  return std::nullopt;
}

// Merges the members of `overlay` into `base`, one level deep for objects.
void mergeMembers(json& base, const json& overlay, const char* member) {
  if (!overlay.contains(member)) return;
  if (!base.contains(member) || !base[member].is_object() || !overlay[member].is_object()) {
    base[member] = overlay[member];
    return;
  }
  for (const auto& [name, value] : overlay[member].items()) base[member][name] = value;
}

// Key Vault's defaults for a key: exportable RSA 2048 that is not reused on renewal.
void defaultKeyProperties(json& keyProperties) {
  if (!keyProperties.contains("exportable")) keyProperties["exportable"] = true;
  if (!keyProperties.contains("kty")) keyProperties["kty"] = "RSA";
  if (!keyProperties.contains("reuse_key")) keyProperties["reuse_key"] = false;
  std::string kty = keyProperties["kty"].get<std::string>();
  if (isRsa(kty)) {
    if (!keyProperties.contains("key_size")) keyProperties["key_size"] = 2048;
    keyProperties.erase("crv");
  } else {
    if (!keyProperties.contains("crv")) keyProperties["crv"] = "P-256";
    keyProperties.erase("key_size");
  }
}

json jsonStrings(const std::vector<std::string>& values) {
  json array = json::array();
  for (const std::string& value : values) array.push_back(value);
  return array;
}

}  // namespace

std::optional<std::string> checkPolicy(const json& policy) {
  if (!policy.is_object()) return "policy must be an object";
  if (policy.contains("key_props")) {
    if (auto problem = checkKeyProperties(policy["key_props"])) return problem;
  }
  if (policy.contains("secret_props")) {
    const json& secret = policy["secret_props"];
    if (!secret.is_object()) return "secret_props must be an object";
    std::string contentType = secret.value("contentType", kPfxContentType);
    if (contentType != kPfxContentType && contentType != kPemContentType) {
      return "secret_props.contentType '" + contentType + "' is not application/x-pkcs12 or application/x-pem-file";
    }
  }
  if (policy.contains("x509_props")) {
    if (auto problem = checkX509Properties(policy["x509_props"])) return problem;
  }
  if (policy.contains("issuer") && (!policy["issuer"].is_object() || !policy["issuer"].value("name", json("")).is_string())) {
    return "issuer must be an object with a string name";
  }
  if (policy.contains("lifetime_actions") && !policy["lifetime_actions"].is_array()) return "lifetime_actions must be an array";
  return std::nullopt;
}

json completePolicy(const json& requested, const json& current, long long now) {
  json policy = current.is_object() ? current : json::object();
  for (const char* member : {"key_props", "secret_props", "x509_props", "issuer"}) mergeMembers(policy, requested, member);
  if (requested.contains("lifetime_actions")) policy["lifetime_actions"] = requested["lifetime_actions"];

  if (!policy.contains("key_props")) policy["key_props"] = json::object();
  defaultKeyProperties(policy["key_props"]);
  if (!policy.contains("secret_props")) policy["secret_props"] = json::object();
  if (!policy["secret_props"].contains("contentType")) policy["secret_props"]["contentType"] = kPfxContentType;
  if (!policy.contains("issuer")) policy["issuer"] = {{"name", "Unknown"}};

  json& x509 = policy["x509_props"];
  if (!x509.is_object()) x509 = json::object();
  if (!x509.contains("validity_months")) x509["validity_months"] = 12;
  // NOTE: these default usages (TLS server and client, signature and key encipherment) are
  // a guess; Key Vault's defaults for a policy without them were not compared.
  if (!x509.contains("ekus")) x509["ekus"] = {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"};
  if (!x509.contains("key_usage")) {
    x509["key_usage"] = isRsa(policy["key_props"]["kty"].get<std::string>()) ? json({"digitalSignature", "keyEncipherment"}) : json({"digitalSignature"});
  }
  if (!policy.contains("lifetime_actions")) {
    bool selfIssued = equalsIgnoreCase(policy["issuer"].value("name", ""), "Self");
    policy["lifetime_actions"] = json::array({{{"trigger", {{"lifetime_percentage", 80}}},
                                               {"action", {{"action_type", selfIssued ? "AutoRenew" : "EmailContacts"}}}}});
  }

  json attributes = policy.value("attributes", json::object());
  bool enabled = requested.value("attributes", json::object()).value("enabled", attributes.value("enabled", true));
  policy["attributes"] = {{"enabled", enabled}, {"created", attributes.value("created", now)}, {"updated", now}};
  policy.erase("id");
  return policy;
}

json importedPolicy(const json& requested, const json& current, const CertificateFacts& facts, const std::string& contentType, long long now) {
  json policy = completePolicy(requested, current, now);
  json& keyProperties = policy["key_props"];
  keyProperties["kty"] = facts.keyType;
  if (facts.keyType == "RSA") {
    keyProperties["key_size"] = facts.keySize;
    keyProperties.erase("crv");
  } else {
    keyProperties["crv"] = facts.curve;
    keyProperties.erase("key_size");
  }
  policy["secret_props"] = {{"contentType", contentType}};
  json x509 = {{"subject", facts.subject},
               {"ekus", jsonStrings(facts.ekus)},
               {"key_usage", jsonStrings(facts.keyUsage)},
               {"validity_months", std::max(1LL, (facts.notAfter - facts.notBefore) / (30LL * 24 * 3600))}};
  if (!facts.dnsNames.empty() || !facts.emails.empty()) {
    x509["sans"] = json::object();
    if (!facts.dnsNames.empty()) x509["sans"]["dns_names"] = jsonStrings(facts.dnsNames);
    if (!facts.emails.empty()) x509["sans"]["emails"] = jsonStrings(facts.emails);
  }
  policy["x509_props"] = x509;
  if (!requested.contains("lifetime_actions") && !current.is_object()) {
    policy["lifetime_actions"] = json::array({{{"trigger", {{"lifetime_percentage", 80}}}, {"action", {{"action_type", "EmailContacts"}}}}});
  }
  policy["issuer"] = {{"name", "Unknown"}};
  return policy;
}

CertificateRequest certificateRequestOf(const json& policy, long long notBefore) {
  CertificateRequest request;
  const json keyProperties = policy.value("key_props", json::object());
  request.kty = keyProperties.value("kty", "RSA");
  request.keySize = keyProperties.value("key_size", 2048);
  request.curve = keyProperties.value("crv", "P-256");
  const json x509 = policy.value("x509_props", json::object());
  request.subject = x509.value("subject", "");
  const json names = x509.value("sans", json::object());
  request.dnsNames = stringsOf(names, "dns_names");
  request.emails = stringsOf(names, "emails");
  request.upns = stringsOf(names, "upns");
  request.keyUsage = stringsOf(x509, "key_usage");
  request.ekus = stringsOf(x509, "ekus");
  request.notBefore = notBefore;
  request.notAfter = addMonths(notBefore, x509.value("validity_months", 12));
  return request;
}

long long addMonths(long long unixTime, int months) {
  std::time_t time = static_cast<std::time_t>(unixTime);
  std::tm parts{};
  gmtime_r(&time, &parts);
  int totalMonths = parts.tm_mon + months;
  parts.tm_year += totalMonths / 12;
  parts.tm_mon = totalMonths % 12;
  // timegm carries a day past the month's end into the next month (Jan 31 + 1 month is
  // March 2 or 3), the usual rule for adding months to a date.
  return static_cast<long long>(timegm(&parts));
}

}  // namespace kvr::sim
