// A lossy link simulator: a TCP proxy between a client and a target that adds latency, caps
// bandwidth, cuts connections after a number of bytes (fixed, or at random points drawn from a
// seed) and refuses or cuts everything during blackout windows. Used by replication tests,
// benchmarks and the demo (`linksim` command line in linksim_main.cc).
//
// Threads: one acceptor; per connection one reader and one writer per direction. All owned and
// joined by stop(). Byte counters are totals over all connections.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "util/status.h"

namespace mhero::linksim {

enum class Direction { up, down };  // up: client → target; down: target → client.

struct LinkSpec {
  uint64_t bandwidth_bps = 0;                 // Per direction; 0 = unlimited.
  std::chrono::milliseconds latency{0};       // Added one-way delay.
  std::optional<uint64_t> cut_after_bytes;    // Cut each connection once this many bytes went up or down.
  uint64_t random_cut_max_bytes = 0;          // > 0: each connection is cut at a random offset in
                                              // [1, this] in a random direction, drawn from `seed`.
  uint64_t seed = 1;
  /// Windows [start, end) after start(): connections are refused and open ones cut.
  std::vector<std::pair<std::chrono::milliseconds, std::chrono::milliseconds>> blackouts;
};

/// Where a connection was (or will be) cut.
struct CutPlan {
  Direction direction = Direction::up;
  uint64_t offset = 0;  // Bytes forwarded in that direction before the cut.
};

class LinkSim {
 public:
  /// Listens on 127.0.0.1:`listen_port` (0 = any) and forwards to target_host:target_port.
  /// Errors: unavailable (cannot bind).
  static Result<std::unique_ptr<LinkSim>> start(const std::string& target_host, uint16_t target_port, LinkSpec spec,
                                                uint16_t listen_port = 0);
  ~LinkSim();

  uint16_t port() const { return port_; }
  /// Replaces the spec for connections accepted from now on.
  void set_spec(LinkSpec spec);
  /// Stops accepting, cuts every connection, joins all threads. Idempotent.
  void stop();

  uint64_t bytes_up() const { return up_; }
  uint64_t bytes_down() const { return down_; }
  uint64_t connections() const { return connections_; }
  uint64_t cuts() const { return cuts_; }
  /// Cut plans drawn so far, in connection order (for tests that want to know).
  std::vector<CutPlan> cut_plans() const;

  struct Conn;  // Internal.

 private:
  LinkSim() = default;
  void accept_loop();
  bool in_blackout() const;

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::string target_host_;
  uint16_t target_port_ = 0;
  mutable std::mutex mu_;
  LinkSpec spec_;
  std::chrono::steady_clock::time_point started_;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::list<std::shared_ptr<Conn>> conns_;
  std::vector<CutPlan> plans_;
  std::atomic<uint64_t> up_{0}, down_{0}, connections_{0}, cuts_{0};
};

}  // namespace mhero::linksim
