// LEB128 unsigned varints and zigzag signed integers for bundle body format 2 (body_writer.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mhero::bundle {

/// Appends `v` as LEB128: 7 bits per byte, least significant first, high bit = more follows.
inline void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

/// Reads a varint at `pos` of `in` and advances `pos`. nullopt when `in` ends inside it or it is
/// longer than 10 bytes / overflows 64 bits.
inline std::optional<uint64_t> get_varint(std::string_view in, size_t& pos) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= in.size()) return std::nullopt;
    auto b = static_cast<unsigned char>(in[pos++]);
    if (shift == 63 && b > 1) return std::nullopt;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  return std::nullopt;
}

/// Zigzag: 0, -1, 1, -2, … -> 0, 1, 2, 3, …
inline uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

}  // namespace mhero::bundle
