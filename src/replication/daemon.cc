#include "replication/daemon.h"

#include <random>

#include <spdlog/spdlog.h>

#include "replication/backoff.h"
#include "replication/peer_status.h"
#include "replication/status_report.h"

namespace mhero {

namespace asio = boost::asio;
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
  }
  for (const std::string& peer : sync_.peers) dialers_.emplace_back([this, peer] { dial_loop(peer); });
  tick_thread_ = std::thread([this] { tick_loop(); });
  if (!tasks_.empty()) task_thread_ = std::thread([this] { task_loop(); });
  started_ = true;
  return {};
}

void SyncDaemon::stop() {
  if (stopping_.exchange(true) || !started_) return;
  spdlog::info("stopping: no new sessions; sessions in flight end at their next batch");
  if (acceptor_) ::shutdown(acceptor_->native_handle(), SHUT_RDWR);  // Wakes the blocked accept.
  wake_.notify_all();
  watchdog_->close_all();
  if (accept_thread_.joinable()) accept_thread_.join();
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
    std::lock_guard lock(mu_);
    if (active_ >= sync_.max_sessions) {
      spdlog::warn("turning a connection away: {} sessions already running ([sync] max_sessions)", active_);
      continue;  // The socket closes here.
    }
    ++active_;
    Served& s = served_.emplace_back();
    s.thread = std::thread([this, &s, io = std::move(io), socket = std::move(socket)]() mutable {
      auto r = serve_accepted(*ctx_, std::move(io), std::move(socket));
      (r.ok() ? sessions_ok_ : sessions_failed_)++;
      std::lock_guard l(mu_);
      --active_;
      s.finished = true;
      wake_.notify_all();
    });
  }
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
