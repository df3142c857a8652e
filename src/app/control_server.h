// The daemon's side of the control protocol (schema/control.capnp): while `mhero run` holds a
// node, every other `mhero` command on that node runs inside the daemon, against the daemon's
// open store, instead of pausing it (DESIGN.md "One owner of the store"). The console and sync
// sessions keep running meanwhile.
//
// Listens on `<node dir>/control.sock`, created mode 0600; a client whose uid differs from the
// daemon's (SO_PEERCRED) is refused as well. Each client gets its own thread (at most
// `max_clients` at once; more are refused with "busy"), which
//   - reads the ControlRequest (5 s deadline) and refuses another protocol version;
//   - gives itself its own working directory and umask (unshare(CLONE_FS), Linux) and moves to
//     the client's, so relative paths in the command line mean what the user meant;
//   - calls the Runner with a Terminal that streams output to the client and relays prompts.
// A client that disconnects does not cancel its command: the command runs to its end (its
// output is dropped) and its writes are whole, as if it had run in its own process.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/terminal.h"
#include "util/status.h"

namespace mhero {

/// One command a client asked the daemon to run.
struct ControlCall {
  std::vector<std::string> argv;  // Without the program name.
  std::string dir;                // The node directory the client named (absolute).
};

class ControlServer {
 public:
  /// Runs one call; returns its exit code. Called on the client's thread, concurrently with
  /// other calls: must be thread-safe. Writes its output through `terminal`.
  using Runner = std::function<int(const ControlCall& call, Terminal& terminal)>;

  /// Binds `path` (a stale socket file left by a crashed daemon is replaced) and starts the
  /// accept thread. Errors: failed_precondition when another daemon answers on `path` (never
  /// taken over) or the socket cannot be made.
  static Result<std::unique_ptr<ControlServer>> open(const std::filesystem::path& path,
                                                     Runner runner, std::string version,
                                                     size_t max_clients = 8);
  /// Stops accepting, removes the socket file, and waits for running commands to end.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  /// Commands started so far (for logs and tests).
  uint64_t calls() const { return calls_; }

 private:
  ControlServer(std::filesystem::path path, int fd, Runner runner, std::string version,
                size_t max_clients);
  void accept_loop();
  void serve(int fd);
  void reap();

  std::filesystem::path path_;
  int fd_;
  int wake_[2] = {-1, -1};  // Self-pipe: the destructor wakes accept_loop's poll.
  Runner runner_;
  std::string version_;
  size_t max_clients_;
  std::atomic<uint64_t> calls_{0};
  std::thread accept_thread_;
  struct Client {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::mutex mu_;
  std::list<Client> clients_;  // Guarded by mu_.
};

}  // namespace mhero
