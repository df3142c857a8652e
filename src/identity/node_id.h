// A node id: the node's Ed25519 public key (32 bytes), shown as 64 lowercase hex characters.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mhero {

struct NodeId {
  static constexpr size_t kSize = 32;
  std::array<uint8_t, kSize> bytes{};

  /// 64 lowercase hex characters.
  std::string hex() const;
  /// First 8 hex characters, for logs and tables.
  std::string short_hex() const { return hex().substr(0, 8); }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }

  /// Parses 64 hex characters; nullopt otherwise.
  static std::optional<NodeId> from_hex(std::string_view hex);
  /// Takes exactly 32 raw bytes; nullopt otherwise.
  static std::optional<NodeId> from_bytes(std::string_view raw);

  auto operator<=>(const NodeId&) const = default;
};

}  // namespace mhero
