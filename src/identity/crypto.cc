#include "identity/crypto.h"

#include <sodium.h>

#include <cstdlib>
#include <mutex>

namespace mhero {

void crypto_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // No usable randomness source: nothing safe to do.
  });
}

Hash256 blake2b256(std::string_view data) {
  Hash256 out;
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), nullptr, 0);
  return out;
}

bool verify_signature(const NodeId& author, std::string_view message, std::string_view signature) {
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), author.bytes.data()) == 0;
}

void random_bytes(void* out, size_t size) {
  crypto_init();
  randombytes_buf(out, size);
}

}  // namespace mhero
