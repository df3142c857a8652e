// The pipelining window of a sending sync session (replication/session.h): how many compressed
// batch bytes may be on their way to the peer, unacknowledged, before the sender waits for an
// ack. A turn-by-turn session leaves a link idle for a round trip after every batch (on a 2G
// link, 600 ms per ~30 KB batch); a window keeps it full. What a cut costs is what was in flight,
// so the window is as small as the link allows. It adapts as TCP's slow start does, with a delay
// signal to stop: it starts at window_min_bytes, and each ack whose round trip (its batch's send
// to the ack) is within 1/8 of the shortest seen before it adds that batch's bytes, so the window
// doubles every round trip while the link is idle between batches. Once the window exceeds the
// link's bandwidth × delay, batches queue behind each other, their round trips grow, and the
// window stops growing: on a slow link that happens at once (2G at 96 kbit/s and 600 ms, VSAT at
// 256 kbit/s and 650 ms: window_min_bytes, 64 KiB, already fills them), on a fast, distant link
// only when the pipe is full. It never exceeds window_max_bytes; at most kMaxBatchesInFlight
// batches are in flight whatever their size: the sender reads acks only when the window is full,
// so their frames must fit in the socket buffers meanwhile (the session also bounds their
// estimated bytes, replication/session.cc). tests/replication/send_window_test.cc drives it in a
// closed loop over simulated links.
//
// Time comes from the caller (steady clock readings), so the policy is testable on its own. Not
// thread-safe; one per sending session.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace mhero::sync {

class SendWindow {
 public:
  using Clock = std::chrono::steady_clock;
  using Time = Clock::time_point;
  static constexpr size_t kMaxBatchesInFlight = 64;

  /// `min_bytes` = 0 and `max_bytes` = 0: one batch at a time (turn by turn). `max_bytes` below
  /// `min_bytes` is taken as `min_bytes`.
  SendWindow(size_t min_bytes, size_t max_bytes)
      : max_(std::max(min_bytes, max_bytes)), window_(min_bytes) {}

  /// May a batch of `batch_bytes` go out now, with `batches` batches of `bytes` in flight? The
  /// first batch always may (a batch larger than the window goes out alone).
  bool admits(size_t bytes, size_t batches, size_t batch_bytes) const {
    if (batches == 0) return true;
    if (batches >= kMaxBatchesInFlight) return false;
    return bytes + batch_bytes <= window_;
  }

  /// The ack of a batch of `bytes` compressed bytes, sent at `sent_at`, arrived at `at`.
  void acked(size_t bytes, Time sent_at, Time at) {
    Clock::duration rtt = at - sent_at;
    if (any_acked_ && rtt <= shortest_rtt_ + shortest_rtt_ / 8) window_ = std::min(max_, window_ + bytes);
    if (!any_acked_ || rtt < shortest_rtt_) shortest_rtt_ = rtt;
    any_acked_ = true;
  }

  /// The window now, in compressed batch bytes.
  size_t bytes_now() const { return window_; }

 private:
  size_t max_;
  size_t window_;
  bool any_acked_ = false;
  Clock::duration shortest_rtt_{};
};

}  // namespace mhero::sync
