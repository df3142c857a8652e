// Lets one-shot commands use a node while `mhero run` holds its store (RocksDB admits one process
// at a time). The daemon listens on `<node dir>/control.sock` (a Unix socket, mode 0600: only
// the node's owner may use it). A command that finds the store locked connects and sends
// "pause\n"; the daemon finishes or abandons the batch in flight exactly as on SIGTERM, closes
// the store and answers "paused\n"; the command does its work; when the command's connection
// closes (it exited, even by a crash), the daemon reopens the store and resumes, syncing at once.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>

#include "util/status.h"

namespace mhero {

/// The daemon's side. Not thread-safe; used by the daemon's main loop only.
class PauseListener {
 public:
  /// Binds `path` (a stale socket file left by a crash is replaced). Errors: failed_precondition.
  static Result<std::unique_ptr<PauseListener>> open(const std::filesystem::path& path);
  ~PauseListener();  // Closes and removes the socket file.

  /// Waits up to `timeout` for a client asking for a pause; returns its connection (>= 0) or -1.
  int wait_for_request(std::chrono::milliseconds timeout);
  /// Tells the client the store is free, then blocks until the client disconnects or `stop`
  /// becomes true. Closes the connection.
  static void grant_and_wait(int connection, const std::atomic<bool>& stop);

 private:
  explicit PauseListener(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::filesystem::path path_;
  int fd_;
};

/// The command's side: holding a PauseLease keeps the daemon paused; destroying it resumes it.
class PauseLease {
 public:
  explicit PauseLease(int fd) : fd_(fd) {}
  PauseLease(PauseLease&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  PauseLease& operator=(PauseLease&&) = delete;
  ~PauseLease();

 private:
  int fd_;
};

/// Asks the daemon listening on `path` to pause and waits up to `timeout` for it to close the
/// store. Errors: not_found (no daemon listens there), unavailable (it did not answer in time).
Result<std::unique_ptr<PauseLease>> request_pause(const std::filesystem::path& path,
                                                  std::chrono::milliseconds timeout);

}  // namespace mhero
