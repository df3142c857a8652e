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

  static uint64_t physical_ms(uint64_t hlc) { return hlc >> 16; }
  static uint64_t make(uint64_t ms, uint16_t logical) { return (ms << 16) | logical; }

 private:
  const Clock& clock_;
  std::mutex mu_;
  uint64_t last_ = 0;
};

}  // namespace mhero
