// `mhero run`: the long-running sync daemon (DESIGN.md "Replication").
//
// Threads, all owned here and joined by stop():
//   - listener (when a listen address is set): accepts TCP connections; each gets a thread.
//     Until its TLS handshake proved an allowed key a connection is "pending": at most max_pending
//     of them, max_pending_per_address per IP address, each for at most pending_timeout (the
//     guard thread cuts late ones). A connection over a limit cuts an older pending one: of its
//     own address (per-address limit) or of the address holding the most (total limit), so a
//     flood of strangers (idle or slow-handshake) cannot keep a peer from handshaking. Which one
//     is cut, in this order: one whose TLS ClientHello has not arrived (a peer sends it in its
//     first flight; idle and trickling strangers never finish it) past its grace, one without
//     it, one past its grace, any. The grace is half pending_timeout (a handshake over a 600 ms
//     2G round trip takes ~2 s). A newcomer over its address's limit whose address holds only
//     connections in their grace is turned away instead: peers behind one NAT address wait
//     their turn and never cut each other's handshakes. Only an authenticated peer whose hello is checked takes one of the
//     max_sessions session slots; when they are all taken it is told "resource_exhausted" with
//     a retry-after (busy_retry), which its dialer honours (never "not enrolled");
//   - guard: cuts pending connections past pending_timeout; logs a summary of cut strangers;
//   - one dialer per configured peer: syncs on start, when new local entries appear, and every
//     poll_interval; after a failure waits an exponential backoff with jitter (retry_cap_ms);
//   - ticker: looks for new local entries every local_check_ms and wakes the dialers;
//   - tasks: runs the PeriodicTasks added with add_task() (e.g. the messaging Dispatcher on the
//     central node), one at a time, each `every` after its previous run ended;
//   - the idle watchdog (replication/watchdog.h).
// stop() (SIGTERM/SIGINT in `mhero run`) stops accepting and interrupts the sessions: each ends
// at its next wait for its peer (after committing the batch it is ingesting) and tells the peer
// this node is stopping, so the peer's log says so rather than "stream truncated". After 8 s
// (a slow link's send window must drain first) it closes the streams still open (an unacknowledged batch is abandoned: the peer keeps nothing of
// it) and joins every thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <list>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "node/periodic_task.h"
#include "replication/peer_session.h"

namespace mhero {

/// "250 ms", "2.5 s", "30 s": a delay as logs show it.
std::string human_delay(std::chrono::milliseconds delay);

/// The line the daemon logs (warning) after a failed session with a dialed peer, e.g. "sync with
/// central at 10.0.0.1:7447 failed: cannot connect to 10.0.0.1:7447: Connection refused; next
/// attempt in 30 s (failure 3)". `peer` from peer_description(); `cause` carries no personal data
/// (transport and protocol errors only).
std::string sync_failure_line(const std::string& peer, const std::string& address, const Status& cause,
                              std::chrono::milliseconds delay, unsigned failures);

class SyncDaemon {
 public:
  /// All references must outlive the daemon.
  SyncDaemon(LogStore& store, const NodeKey& key, const NodeConfig& config, SyncConfig sync, const Clock& clock);
  ~SyncDaemon();  // Calls stop().

  /// Before start(): keep `path` updated with the status report (replication/status_report.h)
  /// whenever sessions end or local entries appear, so `mhero status` works while running.
  void set_status_file(std::filesystem::path path) { status_file_ = std::move(path); }

  /// Before start(): where sessions' history and refused keys are recorded (not owned; must
  /// outlive the daemon; nullptr = not recorded).
  void set_arrival_recorder(ArrivalRecorder* arrivals) { arrivals_ = arrivals; }

  /// Before start(): adds periodic work run on the tasks thread.
  void add_task(PeriodicTask task);

  /// Starts listening on `listen` ("" = none; "HOST:0" picks a free port) and dialing the
  /// configured peers. Errors: failed_precondition (TLS setup), unavailable (cannot bind).
  Status start(const std::string& listen);
  /// The port actually bound (0 when not listening).
  uint16_t port() const { return port_; }
  /// Graceful stop; idempotent; callable from any thread (not from a task).
  void stop();

  /// Successful sessions so far (both directions).
  uint64_t sessions_ok() const { return sessions_ok_; }
  uint64_t sessions_failed() const { return sessions_failed_; }
  /// Pending connections cut so far (deadline or to make room) and peers told busy.
  uint64_t pending_cut() const { return pending_cut_; }
  /// Connections turned away at accept: over max_pending_per_address while every pending
  /// connection of their address was still in its grace.
  uint64_t pending_turned_away() const { return pending_turned_away_; }
  uint64_t peers_turned_busy() const { return peers_busy_; }

 private:
  void accept_loop();
  void dial_loop(std::string address);
  void tick_loop();
  void task_loop();
  void reap_finished();
  void guard_loop();
  // Pending connections (guarded by mu_). `fd` is a dup() of the socket, so shutdown(2) on it
  // can never hit a reused descriptor; closed when the entry is dropped.
  struct Pending {
    std::string ip;
    std::chrono::steady_clock::time_point since;
    int fd = -1;
    // Set by the handshake once the whole ClientHello arrived: a peer, or a stranger doing real TLS.
    std::shared_ptr<std::atomic<bool>> client_hello;
  };
  // Holds mu_. Cuts others to make room; nullopt: turned away (the caller closes the socket).
  std::optional<uint64_t> add_pending(const std::string& ip, int fd);
  void cut_pending(uint64_t id, const char* why);       // Holds mu_.
  void drop_pending(uint64_t id);                       // Holds mu_: the connection left pending.
  std::optional<sync::Error> admit(bool& admitted);  // After the hello: a session slot or "busy".

  LogStore& store_;
  const NodeKey& key_;
  const NodeConfig& config_;
  SyncConfig sync_;
  const Clock& clock_;
  std::unique_ptr<boost::asio::ssl::context> client_tls_, server_tls_;
  std::unique_ptr<IdleWatchdog> watchdog_;
  std::unique_ptr<SyncContext> ctx_;
  std::vector<PeriodicTask> tasks_;
  std::filesystem::path status_file_;
  ArrivalRecorder* arrivals_ = nullptr;

  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  uint64_t local_generation_ = 0;  // Bumped when new local entries appear.

  boost::asio::io_context accept_io_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  uint16_t port_ = 0;
  std::thread accept_thread_, tick_thread_, task_thread_;
  std::vector<std::thread> dialers_;
  struct Served {
    std::thread thread;
    std::atomic<bool> finished{false};
  };
  std::list<Served> served_;  // Guarded by mu_.
  size_t sessions_ = 0;       // Admitted sessions running; guarded by mu_.
  std::map<uint64_t, Pending> pending_;        // Guarded by mu_; by id (ids grow: oldest first).
  std::map<std::string, size_t> pending_by_ip_;  // Guarded by mu_.
  uint64_t next_pending_ = 1;                  // Guarded by mu_.
  uint64_t cut_deadline_ = 0, cut_room_ = 0, turned_busy_ = 0, turned_away_ = 0;  // Since the last summary; mu_.
  std::thread guard_thread_;
  std::atomic<uint64_t> sessions_ok_{0}, sessions_failed_{0}, pending_cut_{0}, pending_turned_away_{0}, peers_busy_{0};
  bool started_ = false;
};

}  // namespace mhero
