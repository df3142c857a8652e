// Brute-force limits on /login (OWASP Authentication Cheat Sheet, "Account lockout"):
//  - per account name (existing or not, so a lockout reveals nothing): `failures` failed logins
//    within `window` lock the name for `first_lock`; each further lockout doubles it, up to
//    `max_lock`. A successful login, or `window` without a failure after the last lockout
//    ended, starts again from the beginning.
//  - per client address: a token bucket of `address_burst` attempts refilled one per
//    `address_refill`, so one machine cannot walk through many names.
// At most `max_tracked` names and addresses are remembered each (idle ones are dropped first),
// so a flood of random names cannot exhaust memory.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "util/clock.h"

namespace mhero::console {

struct LockoutPolicy {
  int failures = 5;
  std::chrono::milliseconds window{15 * 60 * 1000};
  std::chrono::milliseconds first_lock{60 * 1000};
  std::chrono::milliseconds max_lock{15 * 60 * 1000};
  int address_burst = 30;
  std::chrono::milliseconds address_refill{6 * 1000};
  size_t max_tracked = 10000;
};

class LoginGuard {
 public:
  /// `clock` must outlive the guard.
  LoginGuard(const Clock& clock, LockoutPolicy policy = {}) : clock_(clock), policy_(policy) {}

  /// How long `name` stays locked, or nullopt when it may try now.
  std::optional<std::chrono::milliseconds> locked_for(const std::string& name);
  /// Takes one attempt from `address`'s bucket: false when it is empty (refuse the attempt).
  bool take_address_attempt(const std::string& address);
  /// Records a failed login of `name`; returns the lock it started, if this failure locked it.
  std::optional<std::chrono::milliseconds> failed(const std::string& name);
  /// Records a successful login of `name`: its failures and lock level are forgotten.
  void succeeded(const std::string& name);

 private:
  struct Account {
    std::deque<int64_t> failures_ms;
    int locks = 0;             // Lockouts so far (the next lasts first_lock << locks).
    int64_t locked_until_ms = 0;
    int64_t last_ms = 0;
  };
  struct Bucket {
    double tokens = 0;
    int64_t updated_ms = 0;
  };
  void make_room_locked(int64_t now);
  const Clock& clock_;
  LockoutPolicy policy_;
  std::mutex mu_;
  std::unordered_map<std::string, Account> accounts_;
  std::unordered_map<std::string, Bucket> addresses_;
};

}  // namespace mhero::console
