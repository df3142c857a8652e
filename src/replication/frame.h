// Framing of sync messages on a ByteStream: a 4-byte big-endian length, then the encoded
// message (replication/messages.h). Frames longer than the cap are refused before any memory
// is allocated for them.
#pragma once

#include <span>

#include "replication/byte_stream.h"
#include "replication/messages.h"

namespace mhero::sync {

class FrameChannel {
 public:
  /// `stream` must outlive the channel. `max_frame_bytes` caps incoming frames.
  FrameChannel(ByteStream& stream, size_t max_frame_bytes) : stream_(stream), max_(max_frame_bytes) {}

  /// Errors: unavailable (stream), resource_exhausted (message larger than the cap).
  Status send(const Message& message);
  /// Sends `messages` as frames in one write (one TLS record when they fit in 16 KiB), so that a
  /// short flight costs one record's overhead. Errors as send().
  Status send(std::span<const Message> messages);
  /// Errors: unavailable (stream), resource_exhausted (length over the cap), corruption
  /// (malformed frame).
  Result<Message> receive();

  uint64_t frames_sent() const { return sent_; }
  uint64_t frames_received() const { return received_; }
  ByteStream& stream() { return stream_; }

 private:
  ByteStream& stream_;
  size_t max_;
  uint64_t sent_ = 0;
  uint64_t received_ = 0;
};

}  // namespace mhero::sync
