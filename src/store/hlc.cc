#include "store/hlc.h"

#include <algorithm>

namespace mhero {

uint64_t HybridClock::now() {
  std::lock_guard lock(mu_);
  uint64_t wall = make(static_cast<uint64_t>(std::max<long long>(0, clock_.now().count())), 0);
  last_ = std::max(last_ + 1, wall);
  return last_;
}

void HybridClock::observe(uint64_t remote) {
  std::lock_guard lock(mu_);
  last_ = std::max(last_, remote);
}

}  // namespace mhero
