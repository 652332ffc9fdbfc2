#pragma once

// Key Vault backup blobs are opaque to clients. kvsim seals them with AES-256-GCM under a
// key kept in the state directory, so a backup taken before a restart restores after it,
// and the secret values inside never appear in clear text outside the server.

#include <filesystem>
#include <optional>
#include <string>

namespace kvr::sim {

class BackupCipher {
 public:
  // `key` must be 32 bytes; an empty key draws a random one that lasts for this process.
  explicit BackupCipher(std::string key = {});

  // Returns base64url text of "KVSIM1" + nonce + tag + ciphertext.
  std::string seal(const std::string& plaintext) const;
  // nullopt when the blob was not sealed with this key or was altered.
  std::optional<std::string> open(const std::string& blob) const;

  static constexpr std::size_t kKeyBytes = 32;

 private:
  std::string key_;
};

// Reads the 32-byte backup key from <stateDir>/backup.key, creating it with mode 0600 on
// first start. Throws std::runtime_error naming the file when it cannot be read or written.
std::string loadOrCreateBackupKey(const std::filesystem::path& stateDir);

}  // namespace kvr::sim
