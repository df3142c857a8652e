#include "console/password_hasher.h"

#include <sodium.h>

namespace mhero::console {

HashCost HashCost::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

HashCost HashCost::test_minimum() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

// Holds one running place for its lifetime, or none when the pool was full.
class PasswordHasher::Slot {
 public:
  explicit Slot(PasswordHasher& pool) : pool_(pool) {
    std::unique_lock lock(pool_.mu_);
    if (pool_.running_ >= pool_.max_running_) {
      if (pool_.waiting_ >= pool_.max_waiting_) return;
      ++pool_.waiting_;
      pool_.cv_.wait(lock, [&] { return pool_.running_ < pool_.max_running_; });
      --pool_.waiting_;
    }
    ++pool_.running_;
    held_ = true;
  }
  ~Slot() {
    if (!held_) return;
    {
      std::lock_guard lock(pool_.mu_);
      --pool_.running_;
    }
    pool_.cv_.notify_one();
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  bool held() const { return held_; }

 private:
  PasswordHasher& pool_;
  bool held_ = false;
};

namespace {

Status busy() {
  return resource_exhausted("the server is checking other passwords right now; try again in a few seconds");
}

}  // namespace

PasswordHasher::PasswordHasher(HashCost cost, size_t max_running, size_t max_waiting)
    : cost_(cost), max_running_(max_running < 1 ? 1 : max_running), max_waiting_(max_waiting) {}

Result<std::string> PasswordHasher::hash(std::string_view password) {
  Slot slot(*this);
  if (!slot.held()) return busy();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost_.opslimit, cost_.memlimit_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return failed_precondition("cannot hash the password: out of memory (" +
                               std::to_string(cost_.memlimit_bytes >> 20) + " MiB needed)");
  }
  return std::string(out);
}

Result<bool> PasswordHasher::verify(std::string_view stored, std::string_view password) {
  if (stored.size() >= crypto_pwhash_STRBYTES) return false;
  std::string terminated(stored);  // libsodium wants a NUL-terminated string.
  Slot slot(*this);
  if (!slot.held()) return busy();
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(std::string_view stored) const {
  if (stored.size() >= crypto_pwhash_STRBYTES) return true;
  std::string terminated(stored);
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), cost_.opslimit, cost_.memlimit_bytes) != 0;
}

}  // namespace mhero::console
