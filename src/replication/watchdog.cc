#include "replication/watchdog.h"

#include <spdlog/spdlog.h>

namespace mhero {

IdleWatchdog::IdleWatchdog(std::chrono::milliseconds idle) : idle_(idle), thread_([this] { loop(); }) {}

IdleWatchdog::~IdleWatchdog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

uint64_t IdleWatchdog::add(ByteStream* stream) {
  std::lock_guard lock(mu_);
  uint64_t h = next_++;
  watched_[h] = {stream, stream->bytes_read() + stream->bytes_written(), std::chrono::steady_clock::now()};
  if (interrupting_) stream->interrupt();
  return h;
}

void IdleWatchdog::remove(uint64_t handle) {
  std::lock_guard lock(mu_);
  watched_.erase(handle);
  if (watched_.empty()) none_watched_.notify_all();
}

void IdleWatchdog::interrupt_all() {
  std::lock_guard lock(mu_);
  interrupting_ = true;
  for (auto& [h, w] : watched_) w.stream->interrupt();
}

bool IdleWatchdog::wait_none_watched(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return none_watched_.wait_until(lock, deadline, [&] { return watched_.empty(); });
}

void IdleWatchdog::close_all() {
  std::lock_guard lock(mu_);
  for (auto& [h, w] : watched_) w.stream->close();
}

void IdleWatchdog::loop() {
  auto tick = std::clamp(idle_ / 4, std::chrono::milliseconds(20), std::chrono::milliseconds(1000));
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, tick);
    auto now = std::chrono::steady_clock::now();
    for (auto& [h, w] : watched_) {
      uint64_t bytes = w.stream->bytes_read() + w.stream->bytes_written();
      if (bytes != w.bytes) {
        w.bytes = bytes;
        w.moved = now;
      } else if (now - w.moved >= idle_) {
        spdlog::warn("cutting a sync session idle for {} ms", idle_.count());
        w.stream->close();
        w.moved = now;
      }
    }
  }
}

}  // namespace mhero
