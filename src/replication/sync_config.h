// The [sync] table of config.toml (README.md lists every key). Units are in the key names.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "node/config.h"

namespace mhero {

struct SyncConfig {
  std::string listen;                      // listen: "HOST:PORT" the node accepts sessions on; "" = none.
  std::vector<std::string> peers;          // peers: "HOST:PORT" of nodes to dial (a district: the central node).
  std::string source_address;              // source_address: local IP address to dial from; "" = the system's.
  size_t batch_bytes = 64 * 1024;          // batch_bytes: entry bytes per batch, before compression.
  size_t frame_bytes_max = 16 << 20;       // frame_bytes_max: largest frame accepted.
  size_t window_min_bytes = 64 * 1024;     // window_min_bytes: compressed batch bytes a sender keeps in
                                           // flight unacknowledged on any link (what a cut may cost);
                                           // 0 with window_max_bytes 0 = one batch at a time.
  size_t window_max_bytes = 4 << 20;       // window_max_bytes: the window's ceiling when the measured
                                           // bandwidth x round trip is larger (replication/send_window.h).
  std::chrono::milliseconds retry_initial{1000};   // retry_initial_ms: first backoff after a failure.
  std::chrono::milliseconds retry_cap{300000};     // retry_cap_ms: backoff ceiling.
  std::chrono::milliseconds poll_interval{60000};  // poll_interval_ms: dial even without news.
  std::chrono::milliseconds local_check{1000};     // local_check_ms: how often to look for new local entries.
  std::chrono::milliseconds handshake_timeout{15000};  // handshake_timeout_ms: connect + TLS handshake.
  std::chrono::milliseconds idle_timeout{60000};   // idle_timeout_ms: a session moving no bytes this long is cut.
  size_t max_sessions = 256;               // max_sessions: concurrent authenticated sessions served; more
                                           // are told "busy" with busy_retry.
  // Accepted connections whose TLS handshake has not yet proved an allowed key ("pending":
  // strangers as well as peers) are held apart from max_sessions, so strangers never take an
  // enrolled peer's session slot (replication/daemon.h).
  size_t max_pending = 64;                 // max_pending: pending connections; a new one cuts one of
                                           // the address holding the most (replication/daemon.h).
  size_t max_pending_per_address = 8;      // max_pending_per_address: pending connections from one IP
                                           // address; a new one cuts one past its grace or is turned away.
  std::chrono::milliseconds pending_timeout{5000};  // pending_timeout_ms: TLS handshake deadline
                                                    // of an accepted connection.
  std::chrono::milliseconds busy_retry{30000};      // busy_retry_ms: "dial again after" given to a peer
                                                    // turned away because max_sessions are running.
  std::chrono::milliseconds max_clock_skew{600000};  // max_clock_skew_ms: a peer whose clock differs
                                                     // more than this is refused, naming the skew.

  /// Reads [sync] from `config.table`; absent keys keep their defaults. Errors: invalid_argument
  /// naming the key ("[sync] batch_bytes must be between 1024 and 16777216").
  static Result<SyncConfig> from(const NodeConfig& config);
};

}  // namespace mhero
