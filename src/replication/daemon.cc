#include "replication/daemon.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <spdlog/spdlog.h>

#include "replication/backoff.h"
#include "replication/peer_status.h"
#include "replication/status_report.h"

namespace mhero {

namespace asio = boost::asio;

// How long stop() lets the sessions in flight end in order before cutting the rest. Each one
// finishes the batch it is ingesting and tells its peer, whose read of that last frame may wait
// behind the batches still in flight: up to 64 KiB, 5.5 s at 96 kbit/s (session.cc
// kStoppingFrameWait). On a fast link this takes a round trip. (systemd allows 90 s.)
constexpr std::chrono::milliseconds kStopGrace{8000};
using tcp = asio::ip::tcp;

SyncDaemon::SyncDaemon(LogStore& store, const NodeKey& key, const NodeConfig& config, SyncConfig sync,
                       const Clock& clock)
    : store_(store), key_(key), config_(config), sync_(std::move(sync)), clock_(clock) {}

SyncDaemon::~SyncDaemon() { stop(); }

void SyncDaemon::add_task(PeriodicTask task) { tasks_.push_back(std::move(task)); }

Status SyncDaemon::start(const std::string& listen) {
  MHERO_ASSIGN_OR_RETURN(auto tls, make_tls_contexts(key_));
  client_tls_ = std::move(tls.first);
  server_tls_ = std::move(tls.second);
  watchdog_ = std::make_unique<IdleWatchdog>(sync_.idle_timeout);
  ctx_ = std::make_unique<SyncContext>(SyncContext{store_, key_, config_, sync_, clock_, *client_tls_, *server_tls_,
                                                   watchdog_.get(), &stopping_, arrivals_});
  if (!listen.empty()) {
    MHERO_ASSIGN_OR_RETURN(auto hp, split_host_port(listen));
    boost::system::error_code ec;
    auto address = asio::ip::make_address(hp.first == "localhost" ? "127.0.0.1" : hp.first, ec);
    if (ec) return invalid_argument("listen address \"" + listen + "\": " + ec.message());
    acceptor_ = std::make_unique<tcp::acceptor>(accept_io_);
    tcp::endpoint endpoint(address, hp.second);
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return unavailable("cannot listen on " + listen + ": " + ec.message());
    port_ = acceptor_->local_endpoint().port();
    spdlog::info("listening for sync sessions on {}:{} as {}", hp.first, port_, key_.id().hex());
    accept_thread_ = std::thread([this] { accept_loop(); });
    guard_thread_ = std::thread([this] { guard_loop(); });
  }
  for (const std::string& peer : sync_.peers) dialers_.emplace_back([this, peer] { dial_loop(peer); });
  tick_thread_ = std::thread([this] { tick_loop(); });
  if (!tasks_.empty()) task_thread_ = std::thread([this] { task_loop(); });
  started_ = true;
  return {};
}

void SyncDaemon::stop() {
  if (stopping_.exchange(true) || !started_) return;
  spdlog::info("stopping: no new sessions; each session in flight ends at its next wait for its peer and tells the "
               "peer this node is stopping (the batches it committed are kept; the peer continues at its next sync)");
  if (acceptor_) ::shutdown(acceptor_->native_handle(), SHUT_RDWR);  // Wakes the blocked accept.
  wake_.notify_all();
  watchdog_->interrupt_all();
  if (!watchdog_->wait_none_watched(std::chrono::steady_clock::now() + kStopGrace)) {
    spdlog::info("stopping: cutting the sessions still writing to a slow link after {}", human_delay(kStopGrace));
  }
  watchdog_->close_all();
  if (accept_thread_.joinable()) accept_thread_.join();
  if (guard_thread_.joinable()) guard_thread_.join();  // Cuts every pending connection.
  for (auto& t : dialers_) t.join();
  if (tick_thread_.joinable()) tick_thread_.join();
  if (task_thread_.joinable()) task_thread_.join();
  std::list<Served> served;
  {
    std::lock_guard lock(mu_);
    served.splice(served.end(), served_);
  }
  watchdog_->close_all();
  for (auto& s : served) s.thread.join();
  acceptor_.reset();
}

void SyncDaemon::accept_loop() {
  while (!stopping_) {
    auto io = std::make_unique<asio::io_context>();
    tcp::socket socket(*io);
    boost::system::error_code ec;
    acceptor_->accept(socket, ec);
    if (stopping_) break;
    if (ec) {
      spdlog::warn("accept failed: {}", ec.message());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    reap_finished();
    auto remote = socket.remote_endpoint(ec);
    std::string ip = ec ? "unknown" : remote.address().to_string();
    int fd = ::dup(socket.native_handle());
    if (fd < 0) {
      spdlog::warn("turning a connection from {} away: dup: {}", ip, std::strerror(errno));
      continue;  // The socket closes here.
    }
    std::lock_guard lock(mu_);
    auto added = add_pending(ip, fd);
    if (!added) {
      ::close(fd);
      continue;  // The socket closes here: the stranger (or a peer behind the same address) dials again.
    }
    uint64_t id = *added;
    std::shared_ptr<std::atomic<bool>> client_hello = pending_.at(id).client_hello;
    Served& s = served_.emplace_back();
    s.thread = std::thread([this, &s, id, client_hello, io = std::move(io), socket = std::move(socket)]() mutable {
      bool admitted = false;
      // Once TLS proved an enrolled (or central) key the connection is no stranger: it leaves the
      // pending limits, so peers sharing an address never cut each other's sessions.
      auto r = serve_accepted(
          *ctx_, std::move(io), std::move(socket), [this, &admitted](const NodeId&) { return admit(admitted); },
          [this, id] {
            std::lock_guard l(mu_);
            drop_pending(id);
          },
          client_hello.get());
      (r.ok() ? sessions_ok_ : sessions_failed_)++;
      std::lock_guard l(mu_);
      if (admitted) --sessions_;
      drop_pending(id);
      s.finished = true;
      wake_.notify_all();
    });
  }
}

std::optional<uint64_t> SyncDaemon::add_pending(const std::string& ip, int fd) {
  auto now = std::chrono::steady_clock::now();
  auto grace = sync_.pending_timeout / 2;
  // How readily a pending connection is cut for room: 0 first (no ClientHello, past its grace),
  // then 1 (no ClientHello), 2 (past its grace), 3 (a ClientHello, in its grace).
  auto rank = [&](const Pending& p) {
    bool late = now - p.since >= grace;
    return (*p.client_hello ? 2 : 0) + (late ? 0 : 1);
  };
  if (pending_by_ip_[ip] >= sync_.max_pending_per_address) {
    const std::pair<const uint64_t, Pending>* victim = nullptr;
    for (const auto& e : pending_) {  // Oldest first: the oldest of the lowest rank.
      if (e.second.ip == ip && (!victim || rank(e.second) < rank(victim->second))) victim = &e;
    }
    if (now - victim->second.since < grace) {  // Its address's handshakes are all young: wait your turn.
      ++turned_away_;
      ++pending_turned_away_;
      return std::nullopt;
    }
    cut_pending(victim->first, "room");
  } else if (pending_.size() >= sync_.max_pending) {
    // The oldest connection, of the lowest rank present, of the address holding the most of that rank.
    int lowest = 3;
    for (const auto& [id, p] : pending_) lowest = std::min(lowest, rank(p));
    std::map<std::string_view, size_t> count;
    for (const auto& [id, p] : pending_) {
      if (rank(p) == lowest) ++count[p.ip];
    }
    std::string_view busiest =
        std::max_element(count.begin(), count.end(), [](const auto& x, const auto& y) { return x.second < y.second; })
            ->first;
    for (auto& [id, p] : pending_) {  // Oldest first.
      if (p.ip == busiest && rank(p) == lowest) {
        cut_pending(id, "room");
        break;
      }
    }
  }
  uint64_t id = next_pending_++;
  pending_[id] = Pending{ip, std::chrono::steady_clock::now(), fd, std::make_shared<std::atomic<bool>>(false)};
  ++pending_by_ip_[ip];
  return id;
}

void SyncDaemon::cut_pending(uint64_t id, const char* why) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  ::shutdown(it->second.fd, SHUT_RDWR);  // Its handshake or hello read fails at once.
  (std::string_view(why) == "room" ? cut_room_ : cut_deadline_)++;
  ++pending_cut_;
  drop_pending(id);
}

void SyncDaemon::drop_pending(uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  ::close(it->second.fd);
  if (--pending_by_ip_[it->second.ip] == 0) pending_by_ip_.erase(it->second.ip);
  pending_.erase(it);
}

std::optional<sync::Error> SyncDaemon::admit(bool& admitted) {
  std::lock_guard lock(mu_);
  if (sessions_ >= sync_.max_sessions) {
    ++turned_busy_;
    ++peers_busy_;
    // Spread the retries of peers turned away together over busy_retry .. 1.5 × busy_retry.
    static thread_local std::mt19937_64 rng(std::random_device{}());
    auto spread = std::uniform_int_distribution<int64_t>(0, sync_.busy_retry.count() / 2)(rng);
    auto retry = std::chrono::milliseconds(sync_.busy_retry.count() + spread);
    return sync::Error{status_code_name(StatusCode::resource_exhausted),
                       "busy: this node is serving " + std::to_string(sessions_) +
                           " sessions ([sync] max_sessions); dial again in " + human_delay(retry),
                       static_cast<uint32_t>(retry.count()), 0, std::nullopt};
  }
  ++sessions_;
  admitted = true;
  return std::nullopt;
}

void SyncDaemon::guard_loop() {
  using steady = std::chrono::steady_clock;
  auto summary_due = steady::now() + std::chrono::seconds(60);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_.load(); });
    auto now = steady::now();
    std::vector<uint64_t> late;
    for (const auto& [id, p] : pending_) {
      if (now - p.since >= sync_.pending_timeout) late.push_back(id);
    }
    for (uint64_t id : late) cut_pending(id, "deadline");
    if (now >= summary_due) {
      if (cut_deadline_ + cut_room_ + turned_away_ + turned_busy_ > 0) {
        spdlog::warn("last 60 s: cut {} connections that did not finish the TLS handshake and hello within {} "
                     "([sync] pending_timeout_ms), {} to make room for new ones ([sync] max_pending {}, "
                     "max_pending_per_address {}), turned {} away whose address held only handshakes in "
                     "progress; told {} peers busy ([sync] max_sessions {})",
                     cut_deadline_, human_delay(sync_.pending_timeout), cut_room_, sync_.max_pending,
                     sync_.max_pending_per_address, turned_away_, turned_busy_, sync_.max_sessions);
      }
      cut_deadline_ = cut_room_ = turned_away_ = turned_busy_ = 0;
      summary_due = now + std::chrono::seconds(60);
    }
  }
  std::vector<uint64_t> all;
  for (const auto& [id, p] : pending_) all.push_back(id);
  for (uint64_t id : all) cut_pending(id, "deadline");
}

void SyncDaemon::reap_finished() {
  std::list<Served> done;
  {
    std::lock_guard lock(mu_);
    for (auto it = served_.begin(); it != served_.end();) {
      auto next = std::next(it);
      if (it->finished) done.splice(done.end(), served_, it);
      it = next;
    }
  }
  for (auto& s : done) s.thread.join();
}

std::string human_delay(std::chrono::milliseconds delay) {
  auto ms = delay.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 10000) return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
  return std::to_string((ms + 500) / 1000) + " s";
}

std::string sync_failure_line(const std::string& peer, const std::string& address, const Status& cause,
                              std::chrono::milliseconds delay, unsigned failures) {
  return "sync with " + peer + " at " + address + " failed: " + cause.message() + "; next attempt in " +
         human_delay(delay) + " (failure " + std::to_string(failures) + ")";
}

void SyncDaemon::dial_loop(std::string address) {
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  unsigned failures = 0;
  uint64_t synced_generation = 0;
  while (!stopping_) {
    uint64_t generation;
    {
      std::lock_guard lock(mu_);
      generation = local_generation_;
    }
    auto r = sync_with(*ctx_, address);
    (r.ok() ? sessions_ok_ : sessions_failed_)++;
    std::unique_lock lock(mu_);
    if (r.ok()) {
      failures = 0;
      synced_generation = generation;
      wake_.wait_for(lock, sync_.poll_interval,
                     [&] { return stopping_.load() || local_generation_ != synced_generation; });
    } else if (r.retry_after) {  // Turned away as busy: not a failure of ours; dial when told.
      std::string peer = peer_description(load_peer_record(store_, address), config_);
      spdlog::warn("{} at {} is busy ({}); retrying in {}", peer, address, r.status.message(),
                   human_delay(*r.retry_after));
      wake_.wait_for(lock, *r.retry_after, [&] { return stopping_.load(); });
    } else if (stopping_) {
      break;  // This node's own stop ended the session (logged by the session): no next attempt.
    } else {
      ++failures;
      auto delay = backoff_delay(failures, sync_.retry_initial, sync_.retry_cap, unit(rng));
      spdlog::warn("{}", sync_failure_line(peer_description(load_peer_record(store_, address), config_), address,
                                           r.status, delay, failures));
      wake_.wait_for(lock, delay, [&] { return stopping_.load(); });
    }
  }
}

namespace {

// Entries this node wrote itself: received entries must not wake the dialers.
uint64_t own_entries(const LogStore& store, const NodeId& self) {
  uint64_t n = 0;
  Frontier frontier = store.frontier();
  for (const auto& [feed, seq] : frontier.feeds()) {
    if (feed.author == self) n += seq;
  }
  return n;
}

}  // namespace

void SyncDaemon::tick_loop() {
  uint64_t last = own_entries(store_, key_.id());
  uint64_t reported_sessions = 0;
  bool reported = false;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, sync_.local_check, [&] { return stopping_.load(); });
    lock.unlock();
    uint64_t count = own_entries(store_, key_.id());
    uint64_t sessions = sessions_ok_ + sessions_failed_;
    if (!status_file_.empty() && (sessions != reported_sessions || count != last || !reported)) {
      Status written = write_status_file(status_file_, status_report(store_, config_, key_.id(), clock_));
      if (!written.ok()) spdlog::warn("{}", written.to_string());
      reported_sessions = sessions;
      reported = true;
    }
    lock.lock();
    if (count != last) {
      last = count;
      ++local_generation_;
      wake_.notify_all();
    }
  }
}

void SyncDaemon::task_loop() {
  using steady = std::chrono::steady_clock;
  std::vector<steady::time_point> due(tasks_.size(), steady::now());
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto next = *std::min_element(due.begin(), due.end());
    wake_.wait_until(lock, next, [&] { return stopping_.load(); });
    if (stopping_) break;
    for (size_t i = 0; i < tasks_.size(); ++i) {
      if (steady::now() < due[i]) continue;
      lock.unlock();
      tasks_[i].run();
      lock.lock();
      due[i] = steady::now() + tasks_[i].every;
      if (stopping_) break;
    }
  }
}

}  // namespace mhero
