// Byte strings and their text forms (node ids are shown as lowercase hex).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mhero {

using Bytes = std::string;  // Owned binary data; std::string for cheap RocksDB interop.

/// Lowercase hex of `data`, two characters a byte.
std::string to_hex(std::string_view data);
std::string to_hex(std::span<const uint8_t> data);

/// Parses hex (either case); nullopt on an odd length or a non-hex character.
std::optional<Bytes> from_hex(std::string_view hex);

/// Big-endian fixed-width encodings used in RocksDB keys so that byte order is numeric order.
void put_u64_be(Bytes& out, uint64_t v);
void put_u32_be(Bytes& out, uint32_t v);
uint64_t get_u64_be(std::string_view in);  // `in` must hold at least 8 bytes (asserted).
/// All of `in` (at most 8 bytes, asserted) read as one big-endian unsigned number.
uint64_t get_uint_be(std::string_view in);

inline std::string_view as_view(std::span<const uint8_t> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}
inline std::span<const uint8_t> as_span(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace mhero
