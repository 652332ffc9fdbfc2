#pragma once

// X.509 work for the Key Vault certificates data plane, done with OpenSSL: self-signed
// certificates and certificate signing requests from a policy, opening imported PFX and PEM
// files, writing the managed secret's PFX or PEM, and reading facts back from a certificate.
// Private keys are PKCS#8 DER byte strings that stay in memory and in sealed backup blobs.

#include <optional>
#include <string>
#include <vector>

namespace kvr::sim {

// A certificate with its chain and, when known, its private key.
struct CertificateMaterial {
  std::string certificateDer;
  std::vector<std::string> chainDer;  // issuers after the leaf, as imported or merged
  std::string privateKeyDer;          // PKCS#8 DER; empty when the key is unknown
};

// What a policy's key_props and x509_props ask for.
struct CertificateRequest {
  std::string kty = "RSA";  // RSA, RSA-HSM, EC or EC-HSM
  int keySize = 2048;       // RSA only
  std::string curve = "P-256";  // EC only
  std::string subject = "CN=kvsim";  // RFC 4514 form, such as "CN=web,O=Contoso"
  std::vector<std::string> dnsNames;
  std::vector<std::string> emails;
  std::vector<std::string> upns;
  std::vector<std::string> keyUsage;  // Key Vault names: digitalSignature, keyEncipherment, ...
  std::vector<std::string> ekus;      // dotted OIDs such as 1.3.6.1.5.5.7.3.1
  long long notBefore = 0;  // Unix seconds
  long long notAfter = 0;   // Unix seconds
};

// Facts read from a certificate and its public key.
struct CertificateFacts {
  std::string subject;  // RFC 2253 form
  long long notBefore = 0;
  long long notAfter = 0;
  std::string keyType;  // RSA or EC
  int keySize = 0;      // RSA modulus bits
  std::string curve;    // P-256, P-384 or P-521 for EC
  std::vector<std::string> dnsNames;
  std::vector<std::string> emails;
  std::vector<std::string> keyUsage;
  std::vector<std::string> ekus;
};

// Generates a private key as PKCS#8 DER. Throws std::invalid_argument for an unsupported
// kty, size or curve and std::runtime_error when OpenSSL fails.
std::string generatePrivateKey(const std::string& kty, int keySize, const std::string& curve);

// Issues a certificate for `request`, signed with `privateKeyDer` itself, with SHA-256.
// Throws std::invalid_argument for a subject, key usage or EKU that does not parse.
std::string createSelfSignedCertificate(const CertificateRequest& request, const std::string& privateKeyDer);

// A PKCS#10 request for `request`'s subject and SANs, as DER.
std::string createSigningRequest(const CertificateRequest& request, const std::string& privateKeyDer);

// Opens a base64 PFX with `password`; nullopt when it is not a PFX, the password is wrong
// or it holds no certificate.
std::optional<CertificateMaterial> openPfx(const std::string& base64Pfx, const std::string& password);

// Opens PEM text with one or more certificates and at most one private key (PKCS#8, or
// traditional RSA or EC). The certificate that matches the key is the leaf; without a key
// the first certificate is. nullopt when it holds no certificate.
std::optional<CertificateMaterial> openPem(const std::string& pem);

// A PKCS#12 without password, MAC or encryption, as DER. The private key is in it only
// when `withPrivateKey` and the material has one.
std::string writePfx(const CertificateMaterial& material, bool withPrivateKey);

// PEM text: the private key (when `withPrivateKey` and known), then the leaf and chain.
std::string writePem(const CertificateMaterial& material, bool withPrivateKey);

CertificateFacts inspectCertificate(const std::string& certificateDer);

// True when `certificateDer` carries the public half of `privateKeyDer`.
bool certificateMatchesKey(const std::string& certificateDer, const std::string& privateKeyDer);

// The x5t of a certificate: base64url SHA-1 of its DER.
std::string certificateThumbprint(const std::string& certificateDer);

std::string base64Encode(const std::string& bytes);

}  // namespace kvr::sim
