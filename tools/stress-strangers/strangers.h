// Strangers on the sync port (issue 16 "Under load from strangers"): TCP connections from
// unauthenticated clients that hold a central node's accept path. Used by the replication tests
// and by tools/stress-strangers. Never part of the mhero program.
//
//   idle: connects and sends nothing;
//   slow: connects and sends a TLS record header, then one byte every `slow_byte_every`, so its
//         handshake is always in progress and never finishes.
// Like a persistent attacker, a stranger whose connection the node cut connects again at once.
// Each connection can come from its own loopback source address (127.0.0.x) to exercise the
// per-address limit, or all from one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace mhero::stress {

struct StrangerPlan {
  uint16_t port = 0;                    // The node's sync port on 127.0.0.1.
  size_t idle = 0;                      // Idle connections held.
  size_t slow = 0;                      // Slow-handshake connections held.
  std::vector<std::string> sources;     // Source addresses, used round-robin ("127.0.0.2", …);
                                        // empty: the kernel picks (127.0.0.1).
  std::chrono::milliseconds slow_byte_every{200};
};

/// Opens the connections of `plan` from construction and keeps them open (reconnecting those the
/// node cuts) on one thread until destroyed.
class Strangers {
 public:
  explicit Strangers(StrangerPlan plan);
  ~Strangers();
  Strangers(const Strangers&) = delete;
  Strangers& operator=(const Strangers&) = delete;

  /// Connections opened so far (first connects and reconnects).
  uint64_t connects() const { return connects_; }
  /// Connections the node cut (seen closed by this side).
  uint64_t cuts() const { return cuts_; }
  /// Connections open right now.
  size_t open_now() const { return open_; }

 private:
  struct Conn {
    int fd = -1;
    bool slow = false;
    size_t sent = 0;
    std::string source;
  };
  void loop();
  void connect(Conn& c);

  StrangerPlan plan_;
  std::vector<Conn> conns_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> connects_{0}, cuts_{0};
  std::atomic<size_t> open_{0};
  std::thread thread_;
};

}  // namespace mhero::stress
