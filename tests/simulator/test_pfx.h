#pragma once

// Makes self-signed certificates in password-protected PFX files for the certificate tests.

#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <string>

namespace kvr::sim::testing {

// Makes a certificate for CN=`commonName`, signed by `key` (which the function frees) and
// valid for `validSeconds` from now, and returns it with its key in a PFX as base64.
inline std::string makeSelfSignedPfx(EVP_PKEY* key, const std::string& commonName, const std::string& password, long validSeconds) {
  X509* certificate = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
  X509_gmtime_adj(X509_getm_notBefore(certificate), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate), validSeconds);
  X509_set_pubkey(certificate, key);
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
  X509_set_issuer_name(certificate, name);
  X509_sign(certificate, key, EVP_sha256());
  PKCS12* bundle = PKCS12_create(password.c_str(), nullptr, key, certificate, nullptr, 0, 0, 0, 0, 0);

  unsigned char* der = nullptr;
  int length = i2d_PKCS12(bundle, &der);
  std::string text(4 * ((static_cast<std::size_t>(length) + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), der, length);
  text.resize(static_cast<std::size_t>(written));

  OPENSSL_free(der);
  PKCS12_free(bundle);
  X509_free(certificate);
  EVP_PKEY_free(key);
  return text;
}

}  // namespace kvr::sim::testing
