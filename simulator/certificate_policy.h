#pragma once

// Key Vault certificate policies (the CertificatePolicy of REST API 7.x, snake_case
// members): checks, the defaults Key Vault fills in, and the policy that an imported
// certificate gets from its own contents.

#include "simulator/certificate_material.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace kvr::sim {

inline constexpr const char* kPfxContentType = "application/x-pkcs12";
inline constexpr const char* kPemContentType = "application/x-pem-file";

// Checks the members of a policy that kvsim acts on; returns the first problem. Issuer
// names are not checked here.
std::optional<std::string> checkPolicy(const nlohmann::json& policy);

// `requested` merged over `current` member by member (key_props, secret_props, x509_props,
// issuer and attributes.enabled merge one level deeper), with Key Vault's defaults for what
// neither gives, and created/updated set from `now`. The result has no id.
nlohmann::json completePolicy(const nlohmann::json& requested, const nlohmann::json& current, long long now);

// The policy of an imported certificate: `requested` completed, with key_props and
// x509_props taken from the certificate itself and the issuer Unknown.
nlohmann::json importedPolicy(const nlohmann::json& requested, const nlohmann::json& current, const CertificateFacts& facts,
                              const std::string& contentType, long long now);

// What a completed policy asks a new certificate to be, valid from `notBefore` for
// x509_props.validity_months calendar months.
CertificateRequest certificateRequestOf(const nlohmann::json& policy, long long notBefore);

// `unixTime` moved forward by whole calendar months (UTC), as validity_months counts them.
long long addMonths(long long unixTime, int months);

}  // namespace kvr::sim
