#pragma once
// SHA-256 (FIPS 180-4), for content hashes of artifacts and request keys.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace autopilot::util {

/// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  std::array<uint8_t, 32> Finish();

 private:
  void Block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

/// Lower-case hex of the first `bytes` bytes of a digest (16 hex digits for 8 bytes).
std::string DigestHex(const std::array<uint8_t, 32>& digest, size_t bytes = 32);

/// Lower-case hex digest of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace autopilot::util
