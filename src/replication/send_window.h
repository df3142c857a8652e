// The pipelining window of a sending sync session (replication/session.h): how many compressed
// batch bytes may be on their way to the peer, unacknowledged, before the sender waits for an
// ack. A turn-by-turn session leaves a link idle for a round trip after every batch (on a 2G
// link, 600 ms per ~30 KB batch); a window keeps it full. What a cut costs is what was in flight,
// so the window is as small as the link allows:
//
//   window = clamp(delivery rate × shortest round trip, window_min_bytes, window_max_bytes)
//
// measured from the acks of this session: the delivery rate is the compressed bytes acknowledged
// per second since the first batch went out, the round trip a batch's send to its ack (the
// shortest seen, which is the least queued). On a slow link the product (bandwidth × delay, plus
// one batch's own transfer time) is far below 64 KiB and the window stays at window_min_bytes;
// on a fast, distant link it grows to keep the pipe full. At most kMaxBatchesInFlight batches are
// in flight whatever their size: the sender reads acks only when the window is full, so their
// frames must fit in the socket buffers meanwhile (the session also bounds their estimated
// bytes, replication/session.cc).
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
  static constexpr size_t kMaxBatchesInFlight = 16;

  /// `min_bytes` = 0 and `max_bytes` = 0: one batch at a time (turn by turn). `max_bytes` below
  /// `min_bytes` is taken as `min_bytes`.
  SendWindow(size_t min_bytes, size_t max_bytes) : min_(min_bytes), max_(std::max(min_bytes, max_bytes)) {}

  /// May a batch of `batch_bytes` go out now, with `batches` batches of `bytes` in flight? The
  /// first batch always may (a batch larger than the window goes out alone).
  bool admits(size_t bytes, size_t batches, size_t batch_bytes) const {
    if (batches == 0) return true;
    if (batches >= kMaxBatchesInFlight) return false;
    return bytes + batch_bytes <= bytes_now();
  }

  /// A batch went out at `at`.
  void sent(Time at) {
    if (!any_sent_) first_sent_ = at;
    any_sent_ = true;
  }

  /// The ack of a batch of `bytes` sent at `sent_at` arrived at `at`.
  void acked(size_t bytes, Time sent_at, Time at) {
    acked_bytes_ += bytes;
    auto rtt = at - sent_at;
    if (!any_acked_ || rtt < shortest_rtt_) shortest_rtt_ = rtt;
    any_acked_ = true;
    last_ack_ = at;
  }

  /// The window now, in compressed batch bytes.
  size_t bytes_now() const {
    if (!any_sent_ || !any_acked_ || last_ack_ <= first_sent_) return min_;
    double seconds = std::chrono::duration<double>(last_ack_ - first_sent_).count();
    double rate = static_cast<double>(acked_bytes_) / seconds;  // Bytes per second.
    double product = rate * std::chrono::duration<double>(shortest_rtt_).count();
    return std::clamp(static_cast<size_t>(product), min_, max_);
  }

 private:
  size_t min_, max_;
  bool any_sent_ = false, any_acked_ = false;
  Time first_sent_{}, last_ack_{};
  Clock::duration shortest_rtt_{};
  uint64_t acked_bytes_ = 0;
};

}  // namespace mhero::sync
