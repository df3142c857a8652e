#include "identity/node_id.h"

#include <cstring>

#include "util/bytes.h"

namespace mhero {

std::string NodeId::hex() const { return to_hex(std::span<const uint8_t>(bytes)); }

std::optional<NodeId> NodeId::from_hex(std::string_view hex) {
  if (hex.size() != 2 * kSize) return std::nullopt;
  auto raw = mhero::from_hex(hex);
  if (!raw) return std::nullopt;
  return from_bytes(*raw);
}

std::optional<NodeId> NodeId::from_bytes(std::string_view raw) {
  if (raw.size() != kSize) return std::nullopt;
  NodeId id;
  std::memcpy(id.bytes.data(), raw.data(), kSize);
  return id;
}

}  // namespace mhero
