#include "console/login_guard.h"

#include <algorithm>

namespace mhero::console {

std::optional<std::chrono::milliseconds> LoginGuard::locked_for(const std::string& name) {
  int64_t now = clock_.now().count();
  std::lock_guard lock(mu_);
  auto it = accounts_.find(name);
  if (it == accounts_.end() || it->second.locked_until_ms <= now) return std::nullopt;
  return std::chrono::milliseconds(it->second.locked_until_ms - now);
}

bool LoginGuard::take_address_attempt(const std::string& address) {
  int64_t now = clock_.now().count();
  std::lock_guard lock(mu_);
  auto it = addresses_.find(address);
  if (it == addresses_.end()) {
    make_room_locked(now);
    it = addresses_.emplace(address, Bucket{static_cast<double>(policy_.address_burst), now}).first;
  }
  Bucket& b = it->second;
  double refill = static_cast<double>(now - b.updated_ms) / static_cast<double>(policy_.address_refill.count());
  b.tokens = std::min(static_cast<double>(policy_.address_burst), b.tokens + std::max(0.0, refill));
  b.updated_ms = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

std::optional<std::chrono::milliseconds> LoginGuard::failed(const std::string& name) {
  int64_t now = clock_.now().count();
  int64_t window = policy_.window.count();
  std::lock_guard lock(mu_);
  auto it = accounts_.find(name);
  if (it == accounts_.end()) {
    make_room_locked(now);
    it = accounts_.emplace(name, Account{}).first;
  }
  Account& a = it->second;
  // A quiet window after the last lock ended: start the doubling again.
  if (a.locks > 0 && a.locked_until_ms + window <= now && a.last_ms <= a.locked_until_ms) a.locks = 0;
  a.last_ms = now;
  while (!a.failures_ms.empty() && a.failures_ms.front() + window <= now) a.failures_ms.pop_front();
  a.failures_ms.push_back(now);
  if (static_cast<int>(a.failures_ms.size()) < policy_.failures) return std::nullopt;
  a.failures_ms.clear();
  int64_t lock_ms = policy_.first_lock.count();
  for (int i = 0; i < a.locks && lock_ms < policy_.max_lock.count(); ++i) lock_ms *= 2;
  lock_ms = std::min(lock_ms, static_cast<int64_t>(policy_.max_lock.count()));
  ++a.locks;
  a.locked_until_ms = now + lock_ms;
  return std::chrono::milliseconds(lock_ms);
}

void LoginGuard::succeeded(const std::string& name) {
  std::lock_guard lock(mu_);
  accounts_.erase(name);
}

void LoginGuard::make_room_locked(int64_t now) {
  int64_t window = policy_.window.count();
  if (accounts_.size() >= policy_.max_tracked) {
    std::erase_if(accounts_, [&](const auto& kv) {
      return kv.second.locked_until_ms <= now && kv.second.last_ms + window <= now;
    });
    while (accounts_.size() >= policy_.max_tracked) accounts_.erase(accounts_.begin());
  }
  if (addresses_.size() >= policy_.max_tracked) {
    // A bucket refilled to the brim carries no information.
    int64_t full_after = policy_.address_refill.count() * policy_.address_burst;
    std::erase_if(addresses_, [&](const auto& kv) { return kv.second.updated_ms + full_after <= now; });
    while (addresses_.size() >= policy_.max_tracked) addresses_.erase(addresses_.begin());
  }
}

}  // namespace mhero::console
