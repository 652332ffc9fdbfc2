#pragma once

// Key material for the Key Vault keys data plane, as JSON Web Keys (RFC 7517). kvsim
// generates it with OpenSSL and keeps the private members in memory only: responses carry
// the public members, and only sealed backup blobs carry the private ones.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace kvr::sim {

struct KeyMaterial {
  nlohmann::json publicJwk = nlohmann::json::object();   // kty with n, e or crv, x, y
  nlohmann::json privateJwk = nlohmann::json::object();  // d, p, q, dp, dq, qi; never returned
};

// Generates an RSA key of `keySize` bits or an EC key on `curve`. `kty` is RSA, RSA-HSM,
// EC or EC-HSM. Throws std::invalid_argument for sizes other than 2048, 3072 and 4096 and
// curves other than P-256, and std::runtime_error when OpenSSL fails.
KeyMaterial generateKeyMaterial(const std::string& kty, int keySize, const std::string& curve);

// Splits an imported JWK into public and private members. Returns the problem in `problem`
// and nullopt when the JWK lacks a member its kty needs or a member is not base64url.
std::optional<KeyMaterial> importJwk(const nlohmann::json& jwk, std::string& problem);

// The RSA modulus size in bits (0 for EC keys).
int rsaKeySize(const KeyMaterial& material);

}  // namespace kvr::sim
