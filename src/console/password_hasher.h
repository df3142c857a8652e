// Staff passwords: libsodium crypto_pwhash_str (Argon2id, "$argon2id$v=19$m=…,t=…,p=1$…"),
// https://doc.libsodium.org/password_hashing/default_phf. Each hash or verification costs
// `cost.memlimit_bytes` of memory (64 MiB at INTERACTIVE), so at most `max_running` run at once
// and at most `max_waiting` more wait; anything beyond is refused at once (resource_exhausted),
// which the console answers with 503 + Retry-After. A login flood thus costs at most
// max_running × memlimit and max_running + max_waiting blocked threads.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "util/status.h"

namespace mhero::console {

struct HashCost {
  unsigned long long opslimit = 0;
  size_t memlimit_bytes = 0;
  /// crypto_pwhash_OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE (2 passes, 64 MiB; ~0.34 s on
  /// the reference 2-core host). The default.
  static HashCost interactive();
  /// The smallest libsodium accepts (1 pass, 8 KiB): tests only, never a real node.
  static HashCost test_minimum();
};

class PasswordHasher {
 public:
  PasswordHasher(HashCost cost, size_t max_running = 1, size_t max_waiting = 2);

  /// A crypto_pwhash_str string for `password`. Errors: resource_exhausted when the pool is
  /// full (try again in a few seconds); failed_precondition when libsodium cannot allocate.
  Result<std::string> hash(std::string_view password);
  /// Whether `password` matches `stored` (a crypto_pwhash_str string; a malformed one never
  /// matches). Errors: resource_exhausted when the pool is full.
  Result<bool> verify(std::string_view stored, std::string_view password);
  /// crypto_pwhash_str_needs_rehash against this hasher's cost (true for a malformed string).
  bool needs_rehash(std::string_view stored) const;

  const HashCost& cost() const { return cost_; }

 private:
  class Slot;
  HashCost cost_;
  size_t max_running_, max_waiting_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t running_ = 0, waiting_ = 0;
};

}  // namespace mhero::console
