#include "linksim/linksim.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <random>

namespace mhero::linksim {

using steady = std::chrono::steady_clock;

struct Chunk {
  steady::time_point due;
  std::string data;  // Empty = end of stream.
};

struct Pipe {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Chunk> queue;
  bool closed = false;
};

struct LinkSim::Conn {
  int client = -1, target = -1;
  LinkSpec spec;
  std::optional<CutPlan> plan;
  Pipe pipes[2];
  std::vector<std::thread> threads;
  std::atomic<int> finished{0};
  std::atomic<bool> cut{false};
  LinkSim* sim = nullptr;

  void kill() {
    if (cut.exchange(true)) return;
    ::shutdown(client, SHUT_RDWR);
    ::shutdown(target, SHUT_RDWR);
    for (Pipe& p : pipes) {
      std::lock_guard lock(p.mu);
      p.closed = true;
      p.cv.notify_all();
    }
  }

  void reader(Direction d) {
    int src = d == Direction::up ? client : target;
    Pipe& pipe = pipes[static_cast<int>(d)];
    std::string buf(16 * 1024, '\0');
    while (true) {
      ssize_t n = ::recv(src, buf.data(), buf.size(), 0);
      std::lock_guard lock(pipe.mu);
      pipe.queue.push_back({steady::now() + spec.latency, n > 0 ? buf.substr(0, static_cast<size_t>(n)) : ""});
      pipe.cv.notify_all();
      if (n <= 0) break;
    }
    ++finished;
  }

  void writer(Direction d) {
    int dst = d == Direction::up ? target : client;
    Pipe& pipe = pipes[static_cast<int>(d)];
    uint64_t sent = 0;
    std::optional<uint64_t> limit = spec.cut_after_bytes;
    if (plan && plan->direction == d) limit = plan->offset;
    while (true) {
      Chunk chunk;
      {
        std::unique_lock lock(pipe.mu);
        pipe.cv.wait(lock, [&] { return pipe.closed || !pipe.queue.empty(); });
        if (pipe.queue.empty()) break;
        chunk = std::move(pipe.queue.front());
        pipe.queue.pop_front();
      }
      std::this_thread::sleep_until(chunk.due);
      if (chunk.data.empty()) {
        ::shutdown(dst, SHUT_WR);
        break;
      }
      if (sim->in_blackout()) {
        ++sim->cuts_;  // Counted before the peers can see the cut.
        kill();
        break;
      }
      bool cut_now = false;
      if (limit && sent + chunk.data.size() >= *limit) {
        chunk.data.resize(static_cast<size_t>(*limit - sent));
        cut_now = true;
      }
      size_t off = 0;
      while (off < chunk.data.size()) {
        ssize_t n = ::send(dst, chunk.data.data() + off, chunk.data.size() - off, MSG_NOSIGNAL);
        if (n <= 0) {
          kill();
          break;
        }
        off += static_cast<size_t>(n);
        (d == Direction::up ? sim->up_ : sim->down_) += static_cast<uint64_t>(n);
      }
      sent += off;
      if (spec.bandwidth_bps > 0 && off > 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(off * 8 * 1'000'000 / spec.bandwidth_bps));
      }
      if (cut_now) {
        ++sim->cuts_;  // Counted before the peers can see the cut.
        kill();
        break;
      }
    }
    ++finished;
  }
};

namespace {

int connect_to(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<LinkSim>> LinkSim::start(const std::string& target_host, uint16_t target_port, LinkSpec spec,
                                                uint16_t listen_port) {
  std::unique_ptr<LinkSim> sim(new LinkSim());
  sim->target_host_ = target_host;
  sim->target_port_ = target_port;
  sim->spec_ = std::move(spec);
  sim->listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(sim->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(listen_port);
  if (::bind(sim->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(sim->listen_fd_, 512) != 0) {
    std::string why = std::strerror(errno);
    ::close(sim->listen_fd_);
    sim->listen_fd_ = -1;
    return unavailable("linksim cannot listen on 127.0.0.1:" + std::to_string(listen_port) + ": " + why);
  }
  socklen_t len = sizeof addr;
  getsockname(sim->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  sim->port_ = ntohs(addr.sin_port);
  sim->started_ = steady::now();
  sim->accept_thread_ = std::thread([s = sim.get()] { s->accept_loop(); });
  return sim;
}

LinkSim::~LinkSim() { stop(); }

void LinkSim::set_spec(LinkSpec spec) {
  std::lock_guard lock(mu_);
  spec_ = std::move(spec);
}

std::vector<CutPlan> LinkSim::cut_plans() const {
  std::lock_guard lock(mu_);
  return plans_;
}

bool LinkSim::in_blackout() const {
  auto since = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started_);
  std::lock_guard lock(mu_);
  for (const auto& [from, to] : spec_.blackouts) {
    if (since >= from && since < to) return true;
  }
  return false;
}

void LinkSim::accept_loop() {
  while (!stopping_) {
    int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) {
      if (stopping_) break;
      continue;
    }
    // Reap finished connections.
    {
      std::lock_guard lock(mu_);
      for (auto it = conns_.begin(); it != conns_.end();) {
        if ((*it)->finished == 4) {
          for (auto& t : (*it)->threads) t.join();
          ::close((*it)->client);
          ::close((*it)->target);
          it = conns_.erase(it);
        } else {
          ++it;
        }
      }
    }
    if (in_blackout()) {
      ++cuts_;  // Counted before the client can see the refusal.
      ::close(client);
      continue;
    }
    int target = connect_to(target_host_, target_port_);
    if (target < 0) {
      ::close(client);
      continue;
    }
    int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto conn = std::make_shared<Conn>();
    conn->client = client;
    conn->target = target;
    conn->sim = this;
    {
      std::lock_guard lock(mu_);
      conn->spec = spec_;
      if (spec_.random_cut_max_bytes > 0) {
        std::mt19937_64 rng(spec_.seed * 1000003 + connections_);
        CutPlan plan{rng() % 2 == 0 ? Direction::up : Direction::down, 1 + rng() % spec_.random_cut_max_bytes};
        conn->plan = plan;
        plans_.push_back(plan);
      }
      ++connections_;
      conns_.push_back(conn);
    }
    Conn* c = conn.get();
    c->threads.emplace_back([c] { c->reader(Direction::up); });
    c->threads.emplace_back([c] { c->reader(Direction::down); });
    c->threads.emplace_back([c] { c->writer(Direction::up); });
    c->threads.emplace_back([c] { c->writer(Direction::down); });
  }
}

void LinkSim::stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  std::list<std::shared_ptr<Conn>> conns;
  {
    std::lock_guard lock(mu_);
    conns.swap(conns_);
  }
  for (auto& c : conns) {
    c->kill();
    for (auto& t : c->threads) t.join();
    ::close(c->client);
    ::close(c->target);
  }
}

}  // namespace mhero::linksim
