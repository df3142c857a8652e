// Exponential backoff with jitter for redialing a peer after a failed session.
#pragma once

#include <algorithm>
#include <chrono>

namespace mhero {

/// Delay before attempt `failures` + 1: initial * 2^(failures-1), capped at `cap`, then scaled by
/// a jitter factor in [0.5, 1.0] from `unit_random` (in [0, 1)). failures = 0 gives 0.
inline std::chrono::milliseconds backoff_delay(unsigned failures, std::chrono::milliseconds initial,
                                               std::chrono::milliseconds cap, double unit_random) {
  if (failures == 0) return std::chrono::milliseconds(0);
  double base = static_cast<double>(initial.count());
  for (unsigned i = 1; i < failures && base < static_cast<double>(cap.count()); ++i) base *= 2;
  base = std::min(base, static_cast<double>(cap.count()));
  double jitter = 0.5 + 0.5 * std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(base * jitter));
}

}  // namespace mhero
