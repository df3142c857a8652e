#include "console/session_store.h"

#include <sodium.h>

#include "util/bytes.h"

namespace mhero::console {

namespace {

std::string random_hex32() {
  uint8_t bytes[32];
  random_bytes(bytes, sizeof bytes);
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

// The hash of a well-formed token's bytes; nullopt for anything else.
std::optional<Hash256> token_hash(std::string_view token) {
  if (token.size() != 64) return std::nullopt;
  for (char c : token) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  return blake2b256(token);
}

}  // namespace

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

SessionStore::SessionStore(const Clock& clock, std::chrono::milliseconds idle,
                           std::chrono::milliseconds absolute, size_t max_sessions)
    : clock_(clock), idle_ms_(idle.count()), absolute_ms_(absolute.count()), max_sessions_(max_sessions) {}

bool SessionStore::expired(const Session& s, int64_t now) const {
  return now - s.last_seen_ms >= idle_ms_ || now - s.created_ms >= absolute_ms_;
}

std::string SessionStore::create(const std::string& user) {
  std::string token = random_hex32();
  int64_t now = clock_.now().count();
  std::lock_guard lock(mu_);
  if (sessions_.size() >= max_sessions_) {
    std::erase_if(sessions_, [&](const auto& kv) { return expired(kv.second, now); });
  }
  while (sessions_.size() >= max_sessions_) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.created_ms < oldest->second.created_ms) oldest = it;
    }
    sessions_.erase(oldest);
  }
  sessions_[*token_hash(token)] = Session{user, random_hex32(), now, now};
  return token;
}

std::optional<Session> SessionStore::touch(std::string_view token) {
  auto hash = token_hash(token);
  if (!hash) return std::nullopt;
  int64_t now = clock_.now().count();
  std::lock_guard lock(mu_);
  auto it = sessions_.find(*hash);
  if (it == sessions_.end()) return std::nullopt;
  if (expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen_ms = now;
  return it->second;
}

void SessionStore::end(std::string_view token) {
  auto hash = token_hash(token);
  if (!hash) return;
  std::lock_guard lock(mu_);
  sessions_.erase(*hash);
}

void SessionStore::end_user(std::string_view user) {
  std::lock_guard lock(mu_);
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.user == user; });
}

size_t SessionStore::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace mhero::console
