#include "simulator/backup_cipher.h"

#include "simulator/random_text.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

namespace kvr::sim {

namespace {

constexpr std::string_view kMagic = "KVSIM1";
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* bytesOf(const std::string& text) { return reinterpret_cast<const unsigned char*>(text.data()); }

}  // namespace

BackupCipher::BackupCipher(std::string key) : key_(std::move(key)) {
  if (key_.empty()) {
    key_.assign(kKeyBytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), kKeyBytes) != 1) {
      throw std::runtime_error("cannot draw a backup key: OpenSSL's random generator failed");
    }
  }
  if (key_.size() != kKeyBytes) throw std::invalid_argument("a backup key must be 32 bytes");
}

std::string BackupCipher::seal(const std::string& plaintext) const {
  std::string nonce(kNonceBytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceBytes);
  CipherContext context(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string ciphertext(plaintext.size(), '\0');
  std::string tag(kTagBytes, '\0');
  int length = 0;
  bool sealed = EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytesOf(key_), bytesOf(nonce)) == 1 &&
                EVP_EncryptUpdate(context.get(), reinterpret_cast<unsigned char*>(ciphertext.data()), &length,
                                  bytesOf(plaintext), static_cast<int>(plaintext.size())) == 1 &&
                EVP_EncryptFinal_ex(context.get(), nullptr, &length) == 1 &&
                EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag.data()) == 1;
  if (!sealed) throw std::runtime_error("sealing a backup blob failed in OpenSSL");
  return base64UrlEncode(std::string(kMagic) + nonce + tag + ciphertext);
}

std::optional<std::string> BackupCipher::open(const std::string& blob) const {
  std::string bytes;
  std::size_t header = kMagic.size() + kNonceBytes + kTagBytes;
  if (!base64UrlDecode(blob, bytes) || bytes.size() < header || bytes.compare(0, kMagic.size(), kMagic) != 0) {
    return std::nullopt;
  }
  std::string nonce = bytes.substr(kMagic.size(), kNonceBytes);
  std::string tag = bytes.substr(kMagic.size() + kNonceBytes, kTagBytes);
  std::string ciphertext = bytes.substr(header);
  std::string plaintext(ciphertext.size(), '\0');
  CipherContext context(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int length = 0;
  bool opened = EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytesOf(key_), bytesOf(nonce)) == 1 &&
                EVP_DecryptUpdate(context.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &length,
                                  bytesOf(ciphertext), static_cast<int>(ciphertext.size())) == 1 &&
                EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
                EVP_DecryptFinal_ex(context.get(), nullptr, &length) == 1;
  if (!opened) return std::nullopt;
  return plaintext;
}

std::string loadOrCreateBackupKey(const std::filesystem::path& stateDir) {
  std::filesystem::path file = stateDir / "backup.key";
  std::ifstream existing(file, std::ios::binary);
  if (existing) {
    std::string key((std::istreambuf_iterator<char>(existing)), std::istreambuf_iterator<char>());
    if (key.size() != BackupCipher::kKeyBytes) {
      throw std::runtime_error("backup key " + file.string() + " is not 32 bytes: delete it to make a new one");
    }
    return key;
  }
  std::string key(BackupCipher::kKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), BackupCipher::kKeyBytes) != 1) {
    throw std::runtime_error("cannot draw a backup key: OpenSSL's random generator failed");
  }
  int descriptor = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (descriptor < 0 || ::write(descriptor, key.data(), key.size()) != static_cast<ssize_t>(key.size())) {
    if (descriptor >= 0) ::close(descriptor);
    throw std::runtime_error("cannot write backup key " + file.string() + ": check that the state directory is writable");
  }
  ::close(descriptor);
  return key;
}

}  // namespace kvr::sim
