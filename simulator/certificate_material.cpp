#include "simulator/certificate_material.h"

#include "simulator/key_material.h"
#include "simulator/random_text.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <stdexcept>

namespace kvr::sim {

namespace {

using KeyPointer = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertificatePointer = std::unique_ptr<X509, decltype(&X509_free)>;
using BioPointer = std::unique_ptr<BIO, decltype(&BIO_free)>;

// Key Vault's key usage names in the bit order of RFC 5280's KeyUsage.
const std::vector<std::pair<std::string, unsigned long>>& keyUsageBits() {
  static const std::vector<std::pair<std::string, unsigned long>> kBits = {
      {"digitalSignature", KU_DIGITAL_SIGNATURE}, {"nonRepudiation", KU_NON_REPUDIATION}, {"keyEncipherment", KU_KEY_ENCIPHERMENT},
      {"dataEncipherment", KU_DATA_ENCIPHERMENT}, {"keyAgreement", KU_KEY_AGREEMENT},     {"keyCertSign", KU_KEY_CERT_SIGN},
      {"cRLSign", KU_CRL_SIGN},                   {"encipherOnly", KU_ENCIPHER_ONLY},     {"decipherOnly", KU_DECIPHER_ONLY}};
  return kBits;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : separator) + part;
  return text;
}

std::string trim(const std::string& text) {
  std::size_t start = text.find_first_not_of(" \t");
  std::size_t end = text.find_last_not_of(" \t");
  return start == std::string::npos ? "" : text.substr(start, end - start + 1);
}

KeyPointer readPrivateKey(const std::string& der) {
  const unsigned char* cursor = reinterpret_cast<const unsigned char*>(der.data());
  KeyPointer key(d2i_AutoPrivateKey(nullptr, &cursor, static_cast<long>(der.size())), EVP_PKEY_free);
  if (!key) throw std::runtime_error("OpenSSL could not read a certificate's private key");
  return key;
}

CertificatePointer readCertificate(const std::string& der) {
  const unsigned char* cursor = reinterpret_cast<const unsigned char*>(der.data());
  CertificatePointer certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())), X509_free);
  if (!certificate) throw std::runtime_error("OpenSSL could not read a stored certificate");
  return certificate;
}

std::string certificateDerOf(X509* certificate) {
  unsigned char* buffer = nullptr;
  int length = i2d_X509(certificate, &buffer);
  std::string der(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(length));
  OPENSSL_free(buffer);
  return der;
}

std::string privateKeyDerOf(EVP_PKEY* key) {
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> info(EVP_PKEY2PKCS8(key), PKCS8_PRIV_KEY_INFO_free);
  if (!info) throw std::runtime_error("OpenSSL could not write a private key as PKCS#8");
  unsigned char* buffer = nullptr;
  int length = i2d_PKCS8_PRIV_KEY_INFO(info.get(), &buffer);
  std::string der(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(length));
  OPENSSL_clear_free(buffer, static_cast<std::size_t>(length));
  return der;
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(length));
}

// Builds an X509_NAME from "CN=web,O=Contoso" or "CN=web, O=Contoso".
// NOTE: escaped commas and multi-valued RDNs ("+") are not parsed.
X509_NAME* parseSubject(const std::string& subject) {
  std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> name(X509_NAME_new(), X509_NAME_free);
  std::size_t start = 0;
  while (start <= subject.size()) {
    std::size_t comma = subject.find(',', start);
    std::string part = trim(subject.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    std::size_t equals = part.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == part.size()) {
      throw std::invalid_argument("the subject '" + subject + "' is not a distinguished name such as CN=web,O=Contoso");
    }
    std::string field = trim(part.substr(0, equals));
    std::string value = trim(part.substr(equals + 1));
    if (X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0) != 1) {
      throw std::invalid_argument("the subject '" + subject + "' has the unknown attribute '" + field + "'");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return name.release();
}

// The subjectAltName value in OpenSSL's configuration syntax; empty when there are no SANs.
std::string alternativeNames(const CertificateRequest& request) {
  std::vector<std::string> names;
  for (const std::string& dns : request.dnsNames) names.push_back("DNS:" + dns);
  for (const std::string& email : request.emails) names.push_back("email:" + email);
  // A user principal name is the Microsoft otherName 1.3.6.1.4.1.311.20.2.3.
  for (const std::string& upn : request.upns) names.push_back("otherName:1.3.6.1.4.1.311.20.2.3;UTF8:" + upn);
  for (const std::string& name : names) {
    if (name.find(',') != std::string::npos) throw std::invalid_argument("the subject alternative name '" + name + "' contains a comma");
  }
  return join(names, ",");
}

std::string keyUsageValue(const std::vector<std::string>& usages) {
  for (const std::string& usage : usages) {
    bool known = false;
    for (const auto& [name, bit] : keyUsageBits()) known = known || name == usage;
    if (!known) throw std::invalid_argument("key_usage '" + usage + "' is not a key usage; use digitalSignature, keyEncipherment, ...");
  }
  return join(usages, ",");
}

// Adds one extension given in OpenSSL's configuration syntax.
void addExtension(STACK_OF(X509_EXTENSION)* extensions, X509V3_CTX* context, int nid, const std::string& value) {
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, context, nid, value.c_str());
  if (!extension) throw std::invalid_argument("the value '" + value + "' of extension " + OBJ_nid2sn(nid) + " is invalid");
  sk_X509_EXTENSION_push(extensions, extension);
}

using Extensions = std::unique_ptr<STACK_OF(X509_EXTENSION), void (*)(STACK_OF(X509_EXTENSION)*)>;

Extensions requestedExtensions(const CertificateRequest& request, X509V3_CTX* context) {
  Extensions extensions(sk_X509_EXTENSION_new_null(), [](STACK_OF(X509_EXTENSION)* stack) { sk_X509_EXTENSION_pop_free(stack, X509_EXTENSION_free); });
  std::string names = alternativeNames(request);
  if (!names.empty()) addExtension(extensions.get(), context, NID_subject_alt_name, names);
  if (!request.keyUsage.empty()) addExtension(extensions.get(), context, NID_key_usage, "critical," + keyUsageValue(request.keyUsage));
  if (!request.ekus.empty()) addExtension(extensions.get(), context, NID_ext_key_usage, join(request.ekus, ","));
  return extensions;
}

void setTime(ASN1_TIME* target, long long unixTime) {
  if (!ASN1_TIME_set(target, static_cast<time_t>(unixTime))) throw std::runtime_error("OpenSSL could not set a certificate time");
}

long long unixTimeOf(const ASN1_TIME* time) {
  std::tm parts{};
  ASN1_TIME_to_tm(time, &parts);
  return static_cast<long long>(timegm(&parts));
}

std::string subjectText(X509* certificate) {
  BioPointer buffer(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(buffer.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
  return bioText(buffer.get());
}

void readAlternativeNames(X509* certificate, CertificateFacts& facts) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return;
  for (int index = 0; index < sk_GENERAL_NAME_num(names); ++index) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, index);
    if (name->type != GEN_DNS && name->type != GEN_EMAIL) continue;
    const ASN1_IA5STRING* text = name->d.ia5;
    std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)), static_cast<std::size_t>(ASN1_STRING_length(text)));
    (name->type == GEN_DNS ? facts.dnsNames : facts.emails).push_back(value);
  }
  GENERAL_NAMES_free(names);
}

void readUsages(X509* certificate, CertificateFacts& facts) {
  if (X509_get_extension_flags(certificate) & EXFLAG_KUSAGE) {
    uint32_t bits = X509_get_key_usage(certificate);
    for (const auto& [name, bit] : keyUsageBits()) {
      if (bits & bit) facts.keyUsage.push_back(name);
    }
  }
  auto* usages = static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(certificate, NID_ext_key_usage, nullptr, nullptr));
  if (!usages) return;
  for (int index = 0; index < sk_ASN1_OBJECT_num(usages); ++index) {
    char oid[128] = {};
    OBJ_obj2txt(oid, sizeof oid, sk_ASN1_OBJECT_value(usages, index), 1);
    facts.ekus.emplace_back(oid);
  }
  EXTENDED_KEY_USAGE_free(usages);
}

}  // namespace

std::string base64Encode(const std::string& bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3), '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(length));
  return text;
}

std::string generatePrivateKey(const std::string& kty, int keySize, const std::string& curve) {
  KeyPointer key(nullptr, EVP_PKEY_free);
  if (kty == "RSA" || kty == "RSA-HSM") {
    if (keySize != 2048 && keySize != 3072 && keySize != 4096) {
      throw std::invalid_argument("key_size " + std::to_string(keySize) + " is not supported; use 2048, 3072 or 4096");
    }
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(keySize)));
  } else if (kty == "EC" || kty == "EC-HSM") {
    std::string group = curve == "P-256K" ? "secp256k1" : curve;
    if (group != "P-256" && group != "P-384" && group != "P-521" && group != "secp256k1") {
      throw std::invalid_argument("crv '" + curve + "' is not a Key Vault curve; use P-256, P-384, P-521 or P-256K");
    }
    key.reset(EVP_EC_gen(group.c_str()));
  } else {
    throw std::invalid_argument("kty '" + kty + "' is not a certificate key type; use RSA, RSA-HSM, EC or EC-HSM");
  }
  if (!key) throw std::runtime_error("OpenSSL could not generate a " + kty + " key");
  return privateKeyDerOf(key.get());
}

std::string createSelfSignedCertificate(const CertificateRequest& request, const std::string& privateKeyDer) {
  KeyPointer key = readPrivateKey(privateKeyDer);
  CertificatePointer certificate(X509_new(), X509_free);
  X509_set_version(certificate.get(), X509_VERSION_3);

  // A random positive 128-bit serial number, as public CAs use.
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serialNumber(BN_bin2bn(serial, sizeof serial, nullptr), BN_free);
  BN_to_ASN1_INTEGER(serialNumber.get(), X509_get_serialNumber(certificate.get()));

  std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> subject(parseSubject(request.subject), X509_NAME_free);
  X509_set_subject_name(certificate.get(), subject.get());
  X509_set_issuer_name(certificate.get(), subject.get());
  setTime(X509_getm_notBefore(certificate.get()), request.notBefore);
  setTime(X509_getm_notAfter(certificate.get()), request.notAfter);
  X509_set_pubkey(certificate.get(), key.get());

  X509V3_CTX context;
  X509V3_set_ctx(&context, certificate.get(), certificate.get(), nullptr, nullptr, 0);
  Extensions extensions = requestedExtensions(request, &context);
  for (int index = 0; index < sk_X509_EXTENSION_num(extensions.get()); ++index) {
    X509_add_ext(certificate.get(), sk_X509_EXTENSION_value(extensions.get(), index), -1);
  }
  if (X509_sign(certificate.get(), key.get(), EVP_sha256()) <= 0) throw std::runtime_error("OpenSSL could not sign a certificate");
  return certificateDerOf(certificate.get());
}

std::string createSigningRequest(const CertificateRequest& request, const std::string& privateKeyDer) {
  KeyPointer key = readPrivateKey(privateKeyDer);
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> signingRequest(X509_REQ_new(), X509_REQ_free);
  std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> subject(parseSubject(request.subject), X509_NAME_free);
  X509_REQ_set_subject_name(signingRequest.get(), subject.get());
  X509_REQ_set_pubkey(signingRequest.get(), key.get());
  X509V3_CTX context;
  X509V3_set_ctx(&context, nullptr, nullptr, signingRequest.get(), nullptr, 0);
  Extensions extensions = requestedExtensions(request, &context);
  if (sk_X509_EXTENSION_num(extensions.get()) > 0) X509_REQ_add_extensions(signingRequest.get(), extensions.get());
  if (X509_REQ_sign(signingRequest.get(), key.get(), EVP_sha256()) <= 0) throw std::runtime_error("OpenSSL could not sign a request");
  unsigned char* buffer = nullptr;
  int length = i2d_X509_REQ(signingRequest.get(), &buffer);
  std::string der(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(length));
  OPENSSL_free(buffer);
  return der;
}

std::optional<CertificateMaterial> openPfx(const std::string& base64Pfx, const std::string& password) {
  std::string der;
  if (!base64UrlDecode(base64Pfx, der) || der.empty()) return std::nullopt;
  const unsigned char* cursor = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<PKCS12, decltype(&PKCS12_free)> bundle(d2i_PKCS12(nullptr, &cursor, static_cast<long>(der.size())), PKCS12_free);
  if (!bundle) return std::nullopt;
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  STACK_OF(X509)* chain = nullptr;
  bool opened = PKCS12_parse(bundle.get(), password.c_str(), &key, &certificate, &chain) == 1;
  if (opened && !certificate && sk_X509_num(chain) > 0) certificate = sk_X509_shift(chain);  // a PFX without its key
  std::optional<CertificateMaterial> material;
  if (opened && certificate) {
    material.emplace();
    material->certificateDer = certificateDerOf(certificate);
    for (int index = 0; index < sk_X509_num(chain); ++index) material->chainDer.push_back(certificateDerOf(sk_X509_value(chain, index)));
    if (key) material->privateKeyDer = privateKeyDerOf(key);
  }
  EVP_PKEY_free(key);
  X509_free(certificate);
  sk_X509_pop_free(chain, X509_free);
  return material;
}

std::optional<CertificateMaterial> openPem(const std::string& pem) {
  BioPointer keyInput(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  KeyPointer key(PEM_read_bio_PrivateKey(keyInput.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  BioPointer input(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::vector<CertificatePointer> certificates;
  while (X509* certificate = PEM_read_bio_X509(input.get(), nullptr, nullptr, nullptr)) certificates.emplace_back(certificate, X509_free);
  if (certificates.empty()) return std::nullopt;

  std::size_t leaf = 0;
  for (std::size_t index = 0; key && index < certificates.size(); ++index) {
    if (X509_check_private_key(certificates[index].get(), key.get()) == 1) leaf = index;
  }
  CertificateMaterial material;
  material.certificateDer = certificateDerOf(certificates[leaf].get());
  for (std::size_t index = 0; index < certificates.size(); ++index) {
    if (index != leaf) material.chainDer.push_back(certificateDerOf(certificates[index].get()));
  }
  if (key) material.privateKeyDer = privateKeyDerOf(key.get());
  return material;
}

std::string writePfx(const CertificateMaterial& material, bool withPrivateKey) {
  CertificatePointer certificate = readCertificate(material.certificateDer);
  KeyPointer key(nullptr, EVP_PKEY_free);
  if (withPrivateKey && !material.privateKeyDer.empty()) key = readPrivateKey(material.privateKeyDer);
  STACK_OF(X509)* chain = sk_X509_new_null();
  for (const std::string& der : material.chainDer) sk_X509_push(chain, readCertificate(der).release());
  // -1 for both encryption algorithms and the MAC iteration count writes no encryption and
  // no MAC, so clients open it without a password as they open Key Vault's.
  PKCS12* bundle = PKCS12_create(nullptr, nullptr, key.get(), certificate.get(), chain, -1, -1, 0, -1, 0);
  sk_X509_pop_free(chain, X509_free);
  if (!bundle) throw std::runtime_error("OpenSSL could not write a certificate's PFX");
  unsigned char* buffer = nullptr;
  int length = i2d_PKCS12(bundle, &buffer);
  PKCS12_free(bundle);
  std::string der(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(length));
  OPENSSL_clear_free(buffer, static_cast<std::size_t>(length));
  return der;
}

std::string writePem(const CertificateMaterial& material, bool withPrivateKey) {
  BioPointer output(BIO_new(BIO_s_mem()), BIO_free);
  if (withPrivateKey && !material.privateKeyDer.empty()) {
    KeyPointer key = readPrivateKey(material.privateKeyDer);
    PEM_write_bio_PKCS8PrivateKey(output.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  }
  PEM_write_bio_X509(output.get(), readCertificate(material.certificateDer).get());
  for (const std::string& der : material.chainDer) PEM_write_bio_X509(output.get(), readCertificate(der).get());
  return bioText(output.get());
}

CertificateFacts inspectCertificate(const std::string& certificateDer) {
  CertificatePointer certificate = readCertificate(certificateDer);
  CertificateFacts facts;
  facts.subject = subjectText(certificate.get());
  facts.notBefore = unixTimeOf(X509_get0_notBefore(certificate.get()));
  facts.notAfter = unixTimeOf(X509_get0_notAfter(certificate.get()));
  EVP_PKEY* key = X509_get0_pubkey(certificate.get());
  if (key && EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    facts.keyType = "EC";
    facts.curve = jwkCurveName(key);
  } else {
    facts.keyType = "RSA";
    facts.keySize = key ? EVP_PKEY_get_bits(key) : 0;
  }
  readAlternativeNames(certificate.get(), facts);
  readUsages(certificate.get(), facts);
  return facts;
}

bool certificateMatchesKey(const std::string& certificateDer, const std::string& privateKeyDer) {
  CertificatePointer certificate = readCertificate(certificateDer);
  KeyPointer key = readPrivateKey(privateKeyDer);
  return X509_check_private_key(certificate.get(), key.get()) == 1;
}

std::string certificateThumbprint(const std::string& certificateDer) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(certificateDer.data()), certificateDer.size(), digest);
  return base64UrlEncode(std::string(reinterpret_cast<char*>(digest), sizeof digest));
}

}  // namespace kvr::sim
