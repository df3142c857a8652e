// A stop request that long waits watch. `mhero run` requests it on SIGTERM/SIGINT, so a task in
// a retry backoff (RapidPro down: waits of 1, 2, 4, 8 s … per call) ends at once instead of
// sleeping its backoff out while systemd waits for the service to stop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace mhero {

/// Set once, never cleared. Thread-safe; not copyable (waiters hold a reference).
class StopSignal {
 public:
  StopSignal() = default;
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  /// Asks every waiter to end; wakes the ones in wait_for. Idempotent.
  void request() {
    std::lock_guard lock(mu_);
    requested_ = true;
    changed_.notify_all();
  }

  bool requested() const {
    std::lock_guard lock(mu_);
    return requested_;
  }

  /// Waits `d`, less when a stop is requested meanwhile. Returns true when a stop is requested
  /// (before or during the wait): the caller gives up rather than trying again.
  bool wait_for(std::chrono::milliseconds d) const {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, d, [this] { return requested_; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  bool requested_ = false;
};

}  // namespace mhero
