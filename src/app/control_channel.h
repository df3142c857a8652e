// Framing of the control protocol (schema/control.capnp) on a connected Unix socket: a 4-byte
// big-endian length, then one flat (unpacked) Cap'n Proto message. Blocking; one reader and one
// writer per channel.
#pragma once

#include <capnp/message.h>
#include <kj/array.h>

#include <chrono>
#include <filesystem>
#include <optional>

#include "util/status.h"

namespace mhero {

/// The version both sides must speak (schema/control.capnp ControlRequest.protocolVersion).
inline constexpr uint32_t kControlProtocolVersion = 1;
/// Frames larger than this are refused before memory is allocated for them.
inline constexpr size_t kControlFrameBytesMax = 16u << 20;

class ControlChannel {
 public:
  /// Takes ownership of the connected socket `fd` (closed by the destructor).
  explicit ControlChannel(int fd) : fd_(fd) {}
  ~ControlChannel();
  ControlChannel(const ControlChannel&) = delete;
  ControlChannel& operator=(const ControlChannel&) = delete;

  /// Connects to the Unix socket at `path`. Errors: not_found when nothing listens there (no
  /// socket file, or a stale one left by a daemon that died), unavailable for other failures.
  static Result<std::unique_ptr<ControlChannel>> connect(const std::filesystem::path& path);

  /// Sends one message. Errors: unavailable (the peer went away).
  Status send(capnp::MessageBuilder& message);
  /// Receives one message; its words stay valid until the next receive. `timeout` bounds the
  /// wait for the first byte (nullopt = no limit). Errors: unavailable (closed, timed out),
  /// resource_exhausted (frame over kControlFrameBytesMax), corruption (malformed frame).
  Result<kj::ArrayPtr<const capnp::word>> receive(
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  int fd() const { return fd_; }
  /// Shuts the socket down (wakes a blocked receive on another thread). Idempotent.
  void shutdown();

 private:
  Status read_exact(void* out, size_t n);
  int fd_;
  kj::Array<capnp::word> buffer_;
};

}  // namespace mhero
