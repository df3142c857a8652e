// Polling waits for tests that watch real threads and processes (daemons, servers).
#pragma once

#include <chrono>
#include <thread>

namespace mhero::testing {

/// Waits (polling every 10 ms) until `done` holds; real time only bounds the wait.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace mhero::testing
