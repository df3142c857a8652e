// Thin, documented wrappers over libsodium constructions. Nothing here is home-made crypto:
// BLAKE2b-256 is crypto_generichash with a 32-byte output, signatures are crypto_sign (Ed25519).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "identity/node_id.h"

namespace mhero {

using Hash256 = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

/// Initialises libsodium once; safe to call from any thread, any number of times.
void crypto_init();

/// BLAKE2b with a 32-byte digest and no key (crypto_generichash).
Hash256 blake2b256(std::string_view data);

/// crypto_sign_verify_detached: true if `signature` is `author`'s Ed25519 signature of `message`.
bool verify_signature(const NodeId& author, std::string_view message, std::string_view signature);

/// Fills `out` with cryptographically secure random bytes (randombytes_buf).
void random_bytes(void* out, size_t size);

}  // namespace mhero
