// uniqueString() and guid(), computed as ARM computes them.
//
// uniqueString: the arguments are joined with '-', the UTF-8 bytes are hashed with the
// 64-bit MurmurHash variant of Microsoft's ResourceStack library (two 32-bit lanes that
// consume 8 bytes per round, with the MurmurHash3 x86 constants, mixed together at the
// end), and the 64-bit result is written as 13 characters of the base-32 alphabet
// "abcdefghijklmnopqrstuvwxyz234567", 5 bits at a time from the most significant bit.
//
// guid: an RFC 4122 name-based UUID, version 5 (SHA-1), in the namespace
// 11fb06fb-712d-4ddd-98c7-e71bbd588830, over the UTF-8 bytes of the arguments joined
// with '-'.
//
// Both were checked against outputs of Microsoft's Azure.Deployments.Expression library
// published with public reimplementations; tests/expression/hashing_test.cpp lists the
// vectors and where each comes from.

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "discovery/expression/expression.h"

namespace kvr::expr {
namespace {

constexpr std::uint32_t kC1 = 0xAB0E9789;  // 2869860233
constexpr std::uint32_t kC2 = 0x239B961B;  // 597399067
constexpr std::uint32_t kFinal1 = 0x85EBCA6B;
constexpr std::uint32_t kFinal2 = 0xC2B2AE35;

std::uint32_t rotateLeft(std::uint32_t value, int bits) { return (value << bits) | (value >> (32 - bits)); }

// Reads up to 4 bytes little-endian, as many as are left.
std::uint32_t readLane(const std::string& bytes, std::size_t offset) {
  std::uint32_t value = 0;
  const std::size_t available = std::min<std::size_t>(4, bytes.size() - offset);
  for (std::size_t index = 0; index < available; ++index) {
    value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + index])) << (8 * index);
  }
  return value;
}

std::uint32_t mixFirst(std::uint32_t lane) { return rotateLeft(lane * kC2, 15) * kC1; }
std::uint32_t mixSecond(std::uint32_t lane) { return rotateLeft(lane * kC1, 17) * kC2; }

std::uint32_t finalize(std::uint32_t hash) {
  hash ^= hash >> 16;
  hash *= kFinal1;
  hash ^= hash >> 13;
  hash *= kFinal2;
  hash ^= hash >> 16;
  return hash;
}

std::uint64_t murmurHash64(const std::string& bytes) {
  std::uint32_t first = 0;
  std::uint32_t second = 0;
  std::size_t offset = 0;
  for (; offset + 8 <= bytes.size(); offset += 8) {
    first ^= mixFirst(readLane(bytes, offset));
    first = rotateLeft(first, 19) + second;
    first = first * 5 + 0x561CCD1B;
    second ^= mixSecond(readLane(bytes, offset + 4));
    second = rotateLeft(second, 13) + first;
    second = second * 5 + 0x0BCAA747;
  }
  const std::size_t tail = bytes.size() - offset;
  if (tail > 0) {
    first ^= mixFirst(readLane(bytes, offset));
  }
  if (tail > 4) {
    second ^= mixSecond(readLane(bytes, offset + 4));
  }
  const auto length = static_cast<std::uint32_t>(bytes.size());
  first ^= length;
  second ^= length;
  first += second;
  second += first;
  first = finalize(first);
  second = finalize(second);
  first += second;
  second += first;
  return (static_cast<std::uint64_t>(second) << 32) | first;
}

std::string join(const std::vector<std::string>& parts) {
  std::string joined;
  for (std::size_t index = 0; index < parts.size(); ++index) {
    joined += (index == 0 ? "" : "-") + parts[index];
  }
  return joined;
}

}  // namespace

std::string uniqueString(const std::vector<std::string>& parts) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::uint64_t hash = murmurHash64(join(parts));
  std::string result;
  for (int index = 0; index < 13; ++index) {
    result.push_back(kAlphabet[hash >> 59]);
    hash <<= 5;
  }
  return result;
}

std::string guid(const std::vector<std::string>& parts) {
  // The namespace 11fb06fb-712d-4ddd-98c7-e71bbd588830 in network byte order.
  static constexpr std::array<unsigned char, 16> kNamespace = {0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd,
                                                               0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88, 0x30};
  const std::string name = join(parts);
  std::string input(kNamespace.begin(), kNamespace.end());
  input += name;
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x50);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);

  static constexpr char kHex[] = "0123456789abcdef";
  std::string result;
  for (std::size_t index = 0; index < 16; ++index) {
    if (index == 4 || index == 6 || index == 8 || index == 10) {
      result.push_back('-');
    }
    result.push_back(kHex[digest[index] >> 4]);
    result.push_back(kHex[digest[index] & 0x0F]);
  }
  return result;
}

}  // namespace kvr::expr
