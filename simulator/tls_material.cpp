#include "simulator/tls_material.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>

namespace kvr::sim {

namespace {

namespace fs = std::filesystem;

using KeyPointer = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertificatePointer = std::unique_ptr<X509, decltype(&X509_free)>;

constexpr long kCaValidDays = 3650;
constexpr long kServerValidDays = 365;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("kvsim TLS setup failed: " + what);
}

KeyPointer generateKey() {
  // P-256 keys are quick to generate and every client kvsim serves accepts them.
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) fail("cannot generate an EC P-256 key");
  return KeyPointer(key, EVP_PKEY_free);
}

void setRandomSerial(X509* certificate) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) fail("cannot draw a random serial number");
  bytes[0] &= 0x7F;  // keeps the serial positive
  BIGNUM* number = BN_bin2bn(bytes, sizeof bytes, nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate));
  BN_free(number);
}

void setCommonName(X509_NAME* name, const std::string& commonName) {
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("kvsim"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName.c_str()), -1,
                             -1, 0);
}

void addExtension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (!extension) fail("cannot build certificate extension " + value);
  X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
}

CertificatePointer newCertificate(EVP_PKEY* key, const std::string& commonName, long validDays) {
  CertificatePointer certificate(X509_new(), X509_free);
  X509_set_version(certificate.get(), 2);
  setRandomSerial(certificate.get());
  // Backdated by an hour so clients with a slightly late clock accept it.
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), validDays * 24 * 3600);
  X509_set_pubkey(certificate.get(), key);
  setCommonName(X509_get_subject_name(certificate.get()), commonName);
  return certificate;
}

CertificatePointer issueCa(EVP_PKEY* caKey) {
  CertificatePointer certificate = newCertificate(caKey, "kvsim local CA", kCaValidDays);
  X509_set_issuer_name(certificate.get(), X509_get_subject_name(certificate.get()));
  addExtension(certificate.get(), certificate.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  addExtension(certificate.get(), certificate.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  addExtension(certificate.get(), certificate.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(certificate.get(), caKey, EVP_sha256()) == 0) fail("cannot sign the CA certificate");
  return certificate;
}

std::string subjectAlternativeNames(const std::string& vaultDnsSuffix) {
  return "IP:127.0.0.1,IP:::1,DNS:localhost,DNS:*." + vaultDnsSuffix;
}

CertificatePointer issueServer(EVP_PKEY* serverKey, X509* ca, EVP_PKEY* caKey, const std::string& vaultDnsSuffix) {
  CertificatePointer certificate = newCertificate(serverKey, "localhost", kServerValidDays);
  X509_set_issuer_name(certificate.get(), X509_get_subject_name(ca));
  addExtension(certificate.get(), ca, NID_basic_constraints, "critical,CA:FALSE");
  addExtension(certificate.get(), ca, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  addExtension(certificate.get(), ca, NID_ext_key_usage, "serverAuth");
  addExtension(certificate.get(), ca, NID_subject_alt_name, subjectAlternativeNames(vaultDnsSuffix));
  addExtension(certificate.get(), ca, NID_authority_key_identifier, "keyid:always");
  if (X509_sign(certificate.get(), caKey, EVP_sha256()) == 0) fail("cannot sign the server certificate");
  return certificate;
}

// Writes through a file descriptor opened with `mode`, so a private key is never readable
// by others, not even for an instant.
void writeFile(const fs::path& path, const std::string& content, mode_t mode) {
  int descriptor = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (descriptor < 0) fail("cannot write " + path.string() + ": check that the state directory is writable");
  ::fchmod(descriptor, mode);
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t count = ::write(descriptor, content.data() + written, content.size() - written);
    if (count <= 0) {
      ::close(descriptor);
      fail("cannot write " + path.string());
    }
    written += static_cast<std::size_t>(count);
  }
  ::close(descriptor);
}

std::string toPem(X509* certificate) {
  BIO* memory = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(memory, certificate);
  char* data = nullptr;
  long length = BIO_get_mem_data(memory, &data);
  std::string pem(data, static_cast<std::size_t>(length));
  BIO_free(memory);
  return pem;
}

std::string toPem(EVP_PKEY* key) {
  BIO* memory = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(memory, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long length = BIO_get_mem_data(memory, &data);
  std::string pem(data, static_cast<std::size_t>(length));
  OPENSSL_cleanse(data, static_cast<std::size_t>(length));
  BIO_free(memory);
  return pem;
}

CertificatePointer readCertificate(const fs::path& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return CertificatePointer(nullptr, X509_free);
  X509* certificate = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  return CertificatePointer(certificate, X509_free);
}

KeyPointer readKey(const fs::path& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return KeyPointer(nullptr, EVP_PKEY_free);
  EVP_PKEY* key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  return KeyPointer(key, EVP_PKEY_free);
}

bool serverCertificateUsable(X509* certificate, const std::string& vaultDnsSuffix) {
  if (!certificate) return false;
  if (X509_cmp_current_time(X509_get0_notAfter(certificate)) <= 0) return false;
  std::string sampleVaultHost = "sample." + vaultDnsSuffix;
  return X509_check_ip_asc(certificate, "127.0.0.1", 0) == 1 && X509_check_host(certificate, "localhost", 0, 0, nullptr) == 1 &&
         X509_check_host(certificate, sampleVaultHost.c_str(), 0, 0, nullptr) == 1;
}

}  // namespace

TlsFiles ensureTlsFiles(const fs::path& stateDir, const std::string& vaultDnsSuffix) {
  std::error_code error;
  fs::create_directories(stateDir, error);
  if (error) fail("cannot create state directory " + stateDir.string() + ": " + error.message());

  TlsFiles files{stateDir / "ca.pem", stateDir / "ca-key.pem", stateDir / "server.pem", stateDir / "server-key.pem"};

  CertificatePointer ca = readCertificate(files.caCertificate);
  KeyPointer caKey = readKey(files.caKey);
  if (!ca || !caKey || X509_check_private_key(ca.get(), caKey.get()) != 1) {
    caKey = generateKey();
    ca = issueCa(caKey.get());
    writeFile(files.caKey, toPem(caKey.get()), 0600);
    writeFile(files.caCertificate, toPem(ca.get()), 0644);
    fs::remove(files.serverCertificate, error);  // a new CA invalidates the old leaf
  }

  CertificatePointer server = readCertificate(files.serverCertificate);
  KeyPointer serverKey = readKey(files.serverKey);
  bool issuedByCa = server && X509_verify(server.get(), caKey.get()) == 1;
  bool keyMatches = serverKey && server && X509_check_private_key(server.get(), serverKey.get()) == 1;
  if (!issuedByCa || !keyMatches || !serverCertificateUsable(server.get(), vaultDnsSuffix)) {
    serverKey = generateKey();
    server = issueServer(serverKey.get(), ca.get(), caKey.get(), vaultDnsSuffix);
    writeFile(files.serverKey, toPem(serverKey.get()), 0600);
    writeFile(files.serverCertificate, toPem(server.get()) + toPem(ca.get()), 0644);
  }
  return files;
}

}  // namespace kvr::sim
