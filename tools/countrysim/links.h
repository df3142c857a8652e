// countrysim's links: when each district's link is up over the season (LinkSchedule), and the
// loopback proxy that carries one real TLS sync session across a simulated link (SimulatedLink):
// it counts the bytes and the turns of the conversation, charges them to simulated time
// (bandwidth and round trip of the LinkKind), and cuts the connection where the link would: at
// the window's end or at the next random cut.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "countrysim/scenario.h"

namespace mhero::countrysim {

/// A span of simulated time, Unix ms, [start, end).
struct Window {
  int64_t start_ms = 0, end_ms = 0;
};

/// The windows in which one district's link is up over the season, drawn once from `rng`.
class LinkSchedule {
 public:
  LinkSchedule() = default;
  LinkSchedule(const LinkKind& kind, int64_t season_start_ms, int days, std::mt19937_64& rng);

  /// The window holding `t`, if the link is up then.
  std::optional<Window> window_at(int64_t t) const;
  /// The window in progress at `t`, else the next one to open; nullopt when none is left.
  std::optional<Window> next_window(int64_t t) const;
  /// Share of the season the link is up (0..1).
  double up_share() const;
  const std::vector<Window>& windows() const { return windows_; }

 private:
  std::vector<Window> windows_;  // Sorted, disjoint.
  int64_t season_ms_ = 1;
};

/// What a link may carry in one session: its speed, and where it will be cut.
struct LinkBudget {
  double kbit_s = 40;
  int rtt_ms = 600;
  uint64_t max_bytes = UINT64_MAX;  // The next random cut.
  int64_t max_ms = INT64_MAX;       // The window's end.
};

/// What one session used of its link.
struct LinkUse {
  uint64_t bytes_up = 0, bytes_down = 0;  // District -> central, central -> district.
  uint32_t turns = 0;                     // Changes of direction (each costs half a round trip).
  int64_t elapsed_ms = 0;                 // Simulated: connect + turns + bytes at the link's speed.
  bool cut = false;                       // The proxy cut it (budget reached).
  uint64_t total() const { return bytes_up + bytes_down; }
};

/// A TCP proxy on 127.0.0.1 that carries one connection at a time to `target` (the central
/// node's listener), under a LinkBudget. Not thread-safe: one carry() at a time.
class SimulatedLink {
 public:
  SimulatedLink();
  /// The port the dialer connects to.
  uint16_t port() const;
  /// Accepts one connection, connects it to 127.0.0.1:`target` and forwards both ways until both
  /// ends close or the budget is spent (then both connections are shut down, as a cut link
  /// leaves them). Run it on its own thread while the dialer dials port(). Never throws.
  LinkUse carry(uint16_t target, const LinkBudget& budget);

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

/// Simulated ms a session takes on `budget`'s link for `bytes` and `turns`: one round trip to
/// connect, half a round trip per turn, and the bytes at the link's speed.
int64_t link_ms(const LinkBudget& budget, uint64_t bytes, uint32_t turns);

}  // namespace mhero::countrysim
