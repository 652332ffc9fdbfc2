#include "simulator/key_material.h"

#include "simulator/random_text.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace kvr::sim {

namespace {

using nlohmann::json;
using KeyPointer = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

// The big-endian bytes of a BIGNUM parameter, left-padded to `width` bytes when non-zero
// (EC coordinates and scalars have a fixed width in a JWK).
std::string numberParameter(const EVP_PKEY* key, const char* name, int width = 0) {
  BIGNUM* number = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &number) != 1) throw std::runtime_error(std::string("OpenSSL could not read key parameter ") + name);
  int size = width > 0 ? width : BN_num_bytes(number);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  BN_bn2binpad(number, reinterpret_cast<unsigned char*>(bytes.data()), size);
  BN_clear_free(number);
  return base64UrlEncode(bytes);
}


// Reads both halves of an OpenSSL key into JWK members.
KeyMaterial materialOf(const EVP_PKEY* key, const std::string& kty) {
  KeyMaterial material;
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    material.publicJwk = {{"kty", kty}, {"n", numberParameter(key, OSSL_PKEY_PARAM_RSA_N)}, {"e", numberParameter(key, OSSL_PKEY_PARAM_RSA_E)}};
    material.privateJwk = {{"d", numberParameter(key, OSSL_PKEY_PARAM_RSA_D)},
                           {"p", numberParameter(key, OSSL_PKEY_PARAM_RSA_FACTOR1)},
                           {"q", numberParameter(key, OSSL_PKEY_PARAM_RSA_FACTOR2)},
                           {"dp", numberParameter(key, OSSL_PKEY_PARAM_RSA_EXPONENT1)},
                           {"dq", numberParameter(key, OSSL_PKEY_PARAM_RSA_EXPONENT2)},
                           {"qi", numberParameter(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1)}};
    return material;
  }
  int coordinateBytes = (EVP_PKEY_get_bits(key) + 7) / 8;
  material.publicJwk = {{"kty", kty},
                        {"crv", jwkCurveName(key)},
                        {"x", numberParameter(key, OSSL_PKEY_PARAM_EC_PUB_X, coordinateBytes)},
                        {"y", numberParameter(key, OSSL_PKEY_PARAM_EC_PUB_Y, coordinateBytes)}};
  material.privateJwk = {{"d", numberParameter(key, OSSL_PKEY_PARAM_PRIV_KEY, coordinateBytes)}};
  return material;
}

KeyMaterial generateRsa(const std::string& kty, int keySize) {
  KeyPointer key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(keySize)), EVP_PKEY_free);
  if (!key) throw std::runtime_error("OpenSSL could not generate an RSA " + std::to_string(keySize) + " key");
  return materialOf(key.get(), kty);
}

KeyMaterial generateEcP256(const std::string& kty) {
  KeyPointer key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) throw std::runtime_error("OpenSSL could not generate a P-256 key");
  return materialOf(key.get(), kty);
}

bool isBase64UrlString(const json& value) {
  std::string bytes;
  return value.is_string() && !value.get<std::string>().empty() && base64UrlDecode(value.get<std::string>(), bytes);
}

}  // namespace

std::string jwkCurveName(const EVP_PKEY* key) {
  char group[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) != 1) return "";
  std::string name(group, length);
  if (name == "prime256v1" || name == "P-256") return "P-256";
  if (name == "secp384r1" || name == "P-384") return "P-384";
  if (name == "secp521r1" || name == "P-521") return "P-521";
  if (name == "secp256k1") return "P-256K";
  return name;
}

KeyMaterial generateKeyMaterial(const std::string& kty, int keySize, const std::string& curve) {
  if (kty == "RSA" || kty == "RSA-HSM") {
    if (keySize != 2048 && keySize != 3072 && keySize != 4096) {
      throw std::invalid_argument("key_size " + std::to_string(keySize) + " is not supported; use 2048, 3072 or 4096");
    }
    return generateRsa(kty, keySize);
  }
  if (kty == "EC" || kty == "EC-HSM") {
    if (curve != "P-256") throw std::invalid_argument("curve '" + curve + "' is not supported by kvsim; use P-256");
    return generateEcP256(kty);
  }
  throw std::invalid_argument("kty '" + kty + "' is not supported by kvsim; use RSA, RSA-HSM, EC or EC-HSM");
}

std::optional<KeyMaterial> importJwk(const json& jwk, std::string& problem) {
  if (!jwk.is_object() || !jwk.contains("kty") || !jwk["kty"].is_string()) {
    problem = "key must be a JSON Web Key with a string kty";
    return std::nullopt;
  }
  std::string kty = jwk["kty"].get<std::string>();
  std::vector<std::string> publicMembers;
  std::vector<std::string> privateMembers;
  if (kty == "RSA" || kty == "RSA-HSM") {
    publicMembers = {"n", "e"};
    privateMembers = {"d", "p", "q", "dp", "dq", "qi"};
  } else if (kty == "EC" || kty == "EC-HSM") {
    publicMembers = {"x", "y"};
    privateMembers = {"d"};
    std::string curve = jwk.value("crv", "");
    if (curve != "P-256" && curve != "P-384" && curve != "P-521" && curve != "P-256K") {
      problem = "crv '" + curve + "' is not a Key Vault curve; use P-256, P-384, P-521 or P-256K";
      return std::nullopt;
    }
  } else {
    problem = "kty '" + kty + "' is not supported by kvsim for import; use RSA or EC";
    return std::nullopt;
  }

  KeyMaterial material;
  material.publicJwk = {{"kty", kty}};
  if (jwk.contains("crv")) material.publicJwk["crv"] = jwk["crv"];
  for (const std::string& member : publicMembers) {
    if (!isBase64UrlString(jwk.value(member, json()))) {
      problem = "the JSON Web Key lacks a base64url \"" + member + "\"";
      return std::nullopt;
    }
    material.publicJwk[member] = jwk[member];
  }
  // NOTE: Azure also accepts RSA keys that give only d, without the CRT members; kvsim
  // needs d and stores the others when present. It does not check that the members form
  // a valid key pair.
  for (const std::string& member : privateMembers) {
    if (!jwk.contains(member)) continue;
    if (!isBase64UrlString(jwk[member])) {
      problem = "the JSON Web Key member \"" + member + "\" is not base64url";
      return std::nullopt;
    }
    material.privateJwk[member] = jwk[member];
  }
  if (!material.privateJwk.contains("d")) {
    problem = "the JSON Web Key has no private member \"d\"; import needs the private key";
    return std::nullopt;
  }
  return material;
}

KeyMaterial keyMaterialFromDer(const std::string& privateKeyDer, const std::string& kty) {
  const unsigned char* cursor = reinterpret_cast<const unsigned char*>(privateKeyDer.data());
  KeyPointer key(d2i_AutoPrivateKey(nullptr, &cursor, static_cast<long>(privateKeyDer.size())), EVP_PKEY_free);
  if (!key) throw std::runtime_error("OpenSSL could not read a certificate's private key");
  return materialOf(key.get(), kty);
}

int rsaKeySize(const KeyMaterial& material) {
  std::string modulus;
  if (!material.publicJwk.contains("n") || !base64UrlDecode(material.publicJwk["n"].get<std::string>(), modulus)) return 0;
  std::size_t leadingZeros = 0;
  while (leadingZeros < modulus.size() && modulus[leadingZeros] == '\0') ++leadingZeros;
  return static_cast<int>((modulus.size() - leadingZeros) * 8);
}

}  // namespace kvr::sim
