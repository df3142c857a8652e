// One sync session between two nodes over any ByteStream (DESIGN.md "Replication").
//
// One direction after the other, on one blocking thread per session:
//   dialer  → hello            (node id, role, version, scopes wanted, frontier)
//   listener→ hello
//   dialer  → batch, batch, ← ack, → batch, ← ack, …, → done   (entries the listener lacks)
//   listener→ batch, batch, → ack, …, ← done                  (entries the dialer lacks)
// A no-op session is 4 frames (a listener with nothing to send writes its done with its hello,
// when the dialer's hello accepts it). The sender keeps a window of batches in flight
// (pipelining, replication/send_window.h) and the receiver ingests and acknowledges them in
// order. Each batch is ingested atomically before its ack; a refused or malformed batch ends the
// session with an `error` frame and keeps nothing of that batch; acknowledged batches stay. A cut
// stream loses at most the unacknowledged window, and the next session resumes from the frontiers.
//
// Who the peer is: the key authenticated by the transport (TLS), else (in-process pipes in tests)
// the hello's node id. The peer must be the pinned central key or an enrolled, unrevoked key; its
// role and district come from that, not from its hello (which must agree).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>

#include "node/config.h"
#include "replication/byte_stream.h"
#include "replication/messages.h"
#include "store/log_store.h"

namespace mhero::sync {

enum class Side { dialer, listener };

/// A session's progress so far (SessionOptions::on_progress).
struct SessionProgress {
  uint64_t entries_sent = 0;      // In batches the peer acknowledged.
  uint64_t entries_received = 0;  // Committed here (new ones).
  uint64_t bytes_written = 0;     // On the stream, framing included.
  uint64_t bytes_read = 0;
};

struct SessionOptions {
  size_t batch_bytes = 64 * 1024;               // Entry bytes per batch (before compression).
  /// Pipelining window in compressed batch bytes, adapted between these to the measured
  /// bandwidth × round trip (replication/send_window.h); both 0: one batch at a time.
  size_t window_min_bytes = 64 * 1024;
  size_t window_max_bytes = 4 * 1024 * 1024;
  bool entry_batches_only = false;              // Speak as a node older than the records
                                                // encoding and the hello's frontier delta:
                                                // neither ask for them nor send them (tests).
  size_t frame_bytes_max = 16 * 1024 * 1024;    // Cap on incoming frames.
  std::optional<NodeId> authenticated_peer;     // From TLS; nullopt trusts the hello.
  const std::atomic<bool>* stop = nullptr;      // Checked between batches; not owned.
  /// Stamps this node's hello (sentAtMs) and measures the peer's clock offset from its hello.
  /// Not owned; nullptr: no stamp, no measurement.
  const Clock* clock = nullptr;
  /// Listener only: called once the dialer's hello is checked, before this node answers. An
  /// Error (e.g. "resource_exhausted" with retry_after_ms: every session slot is taken) is sent
  /// to the dialer instead of the hello and ends the session. Empty: every peer is admitted.
  std::function<std::optional<Error>(const NodeId&)> admit;
  /// With `clock`: a peer whose measured clock offset exceeds this is refused (failed_precondition)
  /// with a message naming both clocks, the skew and the fix, sent to the peer too. 0 = no bound.
  std::chrono::milliseconds max_clock_skew{0};
  /// Called on the session's thread after each batch the peer acknowledged or this node
  /// committed (so a person waiting on a slow link sees it move). Must return quickly. Empty:
  /// not called.
  std::function<void(const SessionProgress&)> on_progress;
};

/// The refusal of a peer whose clock is `offset_ms` (this node's clock minus the peer's) off,
/// beyond `bound`: names both readings (as this node measured them), the skew, the bound and the
/// fix, naming the nodes by role.
std::string clock_skew_message(int64_t offset_ms, int64_t my_now_ms, std::chrono::milliseconds bound,
                               Role self_role, Role peer_role);

/// "3 d 4 h", "2 h 5 min", "45 s", "800 ms": a clock skew as messages show it (absolute value).
std::string human_skew(int64_t ms);

struct SessionResult {
  Status status;                 // ok when both sides said done.
  std::optional<NodeId> peer;    // Known once the peer's hello arrived.
  Role peer_role = Role::district;
  std::string peer_district;
  Frontier peer_frontier;        // Peer's hello frontier raised by its acks.
  uint64_t entries_sent = 0;     // Entries in batches the peer acknowledged.
  uint64_t entries_received = 0; // Entries this node committed (new ones).
  uint64_t batches_sent = 0;      // Batches the peer acknowledged.
  uint64_t batches_begun = 0;     // Batches this node began to write (a cut may stop one midway).
  uint64_t batches_received = 0;
  uint64_t batches_in_flight_max = 0;  // Most batches sent and not yet acknowledged at once.
  uint64_t batch_bytes_acked = 0;      // Compressed entry bytes of the batches the peer acknowledged.
  std::chrono::microseconds sending_time{0};  // First batch out to the last ack (steady clock).
  uint64_t bytes_written = 0;    // On the stream, framing included (TLS records excluded).
  uint64_t bytes_read = 0;
  uint64_t frames_sent = 0;
  uint64_t frames_received = 0;
  /// This node's clock minus the peer's, in ms, when both hellos carried a time and
  /// options.clock was set. The dialer takes the midpoint of its hello's send and the answer's
  /// arrival (error at most half the round trip); the listener compares the dialer's stamp with
  /// the arrival (the one-way delay counts as offset). nullopt: not measured (older peer).
  std::optional<int64_t> clock_offset_ms;
  /// The peer turned this node away as busy and asked it to dial again after this long
  /// (SyncError.retryAfterMs); nullopt otherwise.
  std::optional<std::chrono::milliseconds> retry_after;
  /// The TLS handshake resumed an earlier session (replication/tls.h): no certificates were sent.
  /// Set by the TCP + TLS layer (peer_session.h), false for in-process streams.
  bool tls_resumed = false;
  /// The peer ended the session with an error frame (a refusal, or its own stop): the link
  /// itself was not cut.
  bool peer_ended = false;
  bool ok() const { return status.ok(); }
};

/// Runs one session to its end. `store`, `config` and `self` describe this node; `stream` is
/// not closed, except when this node stops (options.stop set, or stream.interrupt() called):
/// the peer is then sent an error frame saying so ("… is stopping …", code unavailable) and the
/// stream is ended in order (ByteStream::end_after_last_frame). Never throws. Errors in
/// result.status: unavailable (stream cut, or the peer is stopping: retry), permission_denied
/// (peer not allowed / refused us), corruption (malformed frame or entry), failed_precondition
/// (protocol version mismatch), aborted (this node stopped).
SessionResult run_session(Side side, ByteStream& stream, LogStore& store, const NodeId& self,
                          const NodeConfig& config, const SessionOptions& options);

/// Scopes a node of `config` wants to receive.
std::vector<std::string> scopes_wanted(const NodeConfig& config);

}  // namespace mhero::sync
