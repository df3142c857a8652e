// A node's Ed25519 identity (libsodium crypto_sign). The secret key lives in `node.key`, a text
// file of mode 0600:
//
//   mhero-node-key v1 ed25519
//   <64 hex characters: the 32-byte seed>
//
// The seed is the only secret; the signing key and the public key (the node id) derive from it.
#pragma once

#include <algorithm>
#include <array>
#include <filesystem>
#include <string_view>

#include "identity/crypto.h"
#include "identity/node_id.h"
#include "util/status.h"

namespace mhero {

class NodeKey {
 public:
  static constexpr size_t kSeedSize = 32;

  /// A fresh random key (not saved anywhere).
  static NodeKey generate();
  /// The key derived from a 32-byte seed; deterministic (tests, benchmarks).
  static NodeKey from_seed(const std::array<uint8_t, kSeedSize>& seed);

  /// Generates a key and writes it to `path` with mode 0600, refusing to overwrite an existing
  /// file (already_exists). The file is written and fsynced before this returns.
  static Result<NodeKey> create_file(const std::filesystem::path& path);

  /// Reads `path`. Errors: not_found; permission_denied when the file is readable or writable by
  /// group or others (the message says to chmod 600); corruption when the content is not a key.
  static Result<NodeKey> load_file(const std::filesystem::path& path);

  NodeKey(const NodeKey&) = default;
  NodeKey& operator=(const NodeKey&) = default;
  ~NodeKey();

  const NodeId& id() const { return id_; }

  /// Ed25519 detached signature of `message`.
  Signature sign(std::string_view message) const;

  /// The X25519 secret key for this identity (crypto_sign_ed25519_sk_to_curve25519), for
  /// decrypting sealed boxes addressed to this node.
  std::array<uint8_t, 32> x25519_secret() const;
  /// The 32-byte seed, for building this node's TLS key in memory (replication/tls.h: OpenSSL
  /// EVP_PKEY_ED25519 from the same seed, so the certificate's key IS the node id). Never store it.
  std::array<uint8_t, kSeedSize> seed() const {
    std::array<uint8_t, kSeedSize> out;
    std::copy(secret_.begin(), secret_.begin() + kSeedSize, out.begin());
    return out;
  }

 private:
  NodeKey() = default;
  std::array<uint8_t, 64> secret_{};  // libsodium's crypto_sign secret key (seed || public key).
  NodeId id_;
};

/// The X25519 public key matching a node id (crypto_sign_ed25519_pk_to_curve25519); nullopt for
/// a point that is not a valid Ed25519 public key.
std::optional<std::array<uint8_t, 32>> x25519_public(const NodeId& id);

}  // namespace mhero
