#pragma once

// The certificate authority and server certificate that kvsim serves HTTPS with. They are
// generated on first start and kept in the state directory, so clients can trust ca.pem
// once (for Node.js: NODE_EXTRA_CA_CERTS=<state dir>/ca.pem).

#include <filesystem>
#include <string>

namespace kvr::sim {

struct TlsFiles {
  std::filesystem::path caCertificate;      // ca.pem, for clients to trust
  std::filesystem::path caKey;              // ca-key.pem, mode 0600
  std::filesystem::path serverCertificate;  // server.pem, the leaf followed by the CA
  std::filesystem::path serverKey;          // server-key.pem, mode 0600
};

// Returns the TLS files in `stateDir`, creating the directory, the CA and the server
// certificate where missing. The server certificate is issued again, from the same CA,
// when it has expired or does not cover 127.0.0.1, ::1, localhost and *.<vaultDnsSuffix>.
// Throws std::runtime_error naming the file on failure.
TlsFiles ensureTlsFiles(const std::filesystem::path& stateDir, const std::string& vaultDnsSuffix);

}  // namespace kvr::sim
