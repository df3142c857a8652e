// Console sessions (OWASP Session Management Cheat Sheet). A session token is 32 random bytes
// (randombytes_buf) sent to the browser as 64 hex characters in the session cookie; the server
// keeps only its BLAKE2b-256 hash, so a memory dump does not yield usable cookies. Each session
// has a CSRF synchronizer token (32 random bytes, hex) that every form carries.
//
// Sessions live in memory only: restarting `mhero run` logs everyone out (by design: nothing
// to leak from disk, and a restart is rare).
//
// A session ends after `idle` without a request, `absolute` after login, at logout, or when its
// account is disabled. At most `max_sessions` are kept; creating one beyond that first drops
// expired ones, then the oldest.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "identity/crypto.h"
#include "util/clock.h"

namespace mhero::console {

struct Session {
  std::string user;        // Staff user name.
  std::string csrf;        // 64 hex characters.
  int64_t created_ms = 0;  // Unix ms of the login.
  int64_t last_seen_ms = 0;
};

class SessionStore {
 public:
  /// `clock` must outlive the store.
  SessionStore(const Clock& clock, std::chrono::milliseconds idle, std::chrono::milliseconds absolute,
               size_t max_sessions = 10000);

  /// Starts a session for `user`; returns its token (64 hex characters; the only copy).
  std::string create(const std::string& user);
  /// The live session of `token` (its last-seen time moved to now), or nullopt when the token is
  /// unknown, malformed or expired (an expired session is dropped).
  std::optional<Session> touch(std::string_view token);
  /// Ends the session of `token` (no-op when unknown).
  void end(std::string_view token);
  /// Ends every session of `user` (account disabled or its password changed).
  void end_user(std::string_view user);
  /// Live sessions (expired ones not yet dropped included).
  size_t size() const;

 private:
  bool expired(const Session& s, int64_t now) const;
  const Clock& clock_;
  int64_t idle_ms_, absolute_ms_;
  size_t max_sessions_;
  mutable std::mutex mu_;
  std::map<Hash256, Session> sessions_;  // By BLAKE2b-256 of the token bytes.
};

/// Compares two strings in time independent of where they differ (sodium_memcmp).
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace mhero::console
