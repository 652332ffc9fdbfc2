#pragma once

// Key material for the Key Vault keys data plane, as JSON Web Keys (RFC 7517). kvsim
// generates it with OpenSSL and keeps the private members in memory only: responses carry
// the public members, and only sealed backup blobs carry the private ones.

#include <nlohmann/json.hpp>
#include <openssl/types.h>

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

// The JWK pair of a PKCS#8 DER private key (RSA, or EC on any curve OpenSSL reads), with
// `kty` as given. Throws std::runtime_error when the bytes are not a private key.
KeyMaterial keyMaterialFromDer(const std::string& privateKeyDer, const std::string& kty);

// The JWK curve name (P-256, P-384, P-521, P-256K) of an EC key; "" for other keys.
std::string jwkCurveName(const EVP_PKEY* key);

// The RSA modulus size in bits (0 for EC keys).
int rsaKeySize(const KeyMaterial& material);

}  // namespace kvr::sim
