// Cuts sessions that stall: a registered stream that moves no bytes for `idle` is closed, which
// makes its blocked read or write return unavailable. Also closes every stream on shutdown.
// Owns one thread; thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "replication/byte_stream.h"

namespace mhero {

class IdleWatchdog {
 public:
  explicit IdleWatchdog(std::chrono::milliseconds idle);
  ~IdleWatchdog();
  IdleWatchdog(const IdleWatchdog&) = delete;
  IdleWatchdog& operator=(const IdleWatchdog&) = delete;

  /// Watches `stream` (not owned; call remove() before destroying it). Returns a handle.
  uint64_t add(ByteStream* stream);
  void remove(uint64_t handle);
  /// Interrupts every watched stream, and every one added later (ByteStream::interrupt: each
  /// session ends at its next wait for the peer, telling the peer this node is stopping).
  void interrupt_all();
  /// Waits until no stream is watched (every session ended) or `deadline` passes. True when
  /// none is.
  bool wait_none_watched(std::chrono::steady_clock::time_point deadline);
  /// Closes every watched stream now (sessions end at their next read/write).
  void close_all();

 private:
  struct Watched {
    ByteStream* stream;
    uint64_t bytes;
    std::chrono::steady_clock::time_point moved;
  };
  void loop();

  std::chrono::milliseconds idle_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool interrupting_ = false;  // interrupt_all() was called.
  std::condition_variable none_watched_;
  uint64_t next_ = 1;
  std::map<uint64_t, Watched> watched_;
  std::thread thread_;
};

/// RAII registration with a watchdog (which may be null).
class Watched {
 public:
  Watched(IdleWatchdog* dog, ByteStream* stream) : dog_(dog), handle_(dog ? dog->add(stream) : 0) {}
  ~Watched() {
    if (dog_) dog_->remove(handle_);
  }
  Watched(const Watched&) = delete;
  Watched& operator=(const Watched&) = delete;

 private:
  IdleWatchdog* dog_;
  uint64_t handle_;
};

}  // namespace mhero
