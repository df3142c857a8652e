// Hybrid logical clock (Kulkarni et al., 2014): timestamps that follow wall-clock time but never
// go backwards and order causally related events even when node clocks disagree.
// Encoding: (unix milliseconds << 16) | logical counter.
#pragma once

#include <cstdint>
#include <mutex>

#include "util/clock.h"

namespace mhero {

class HybridClock {
 public:
  explicit HybridClock(const Clock& clock) : clock_(clock) {}

  /// A timestamp greater than every one returned or observed before. Thread-safe.
  uint64_t now();
  /// Takes a remote timestamp into account so later now() values order after it. Thread-safe.
  void observe(uint64_t remote);
  /// observe() unless `remote` is more than `max_ahead_ms` ahead of the wall clock: such a time
  /// (a peer whose clock is wrong by days) is not adopted, so this node's own timestamps keep
  /// following its wall clock. Returns whether it was adopted. Thread-safe.
  bool observe_bounded(uint64_t remote, uint64_t max_ahead_ms);
  /// The wall clock now, in Unix ms.
  int64_t wall_ms() const { return clock_.now().count(); }

  static uint64_t physical_ms(uint64_t hlc) { return hlc >> 16; }
  static uint64_t make(uint64_t ms, uint16_t logical) { return (ms << 16) | logical; }

 private:
  const Clock& clock_;
  std::mutex mu_;
  uint64_t last_ = 0;
};

}  // namespace mhero
