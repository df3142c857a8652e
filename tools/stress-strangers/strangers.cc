#include "stress-strangers/strangers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace mhero::stress {

namespace {

// A TLS handshake record header announcing a 512-byte ClientHello, then its first bytes: a
// server reading it waits for the rest.
constexpr uint8_t kSlowBytes[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};

}  // namespace

Strangers::Strangers(StrangerPlan plan) : plan_(std::move(plan)) {
  for (size_t i = 0; i < plan_.idle + plan_.slow; ++i) {
    Conn c;
    c.slow = i >= plan_.idle;
    if (!plan_.sources.empty()) c.source = plan_.sources[i % plan_.sources.size()];
    conns_.push_back(c);
  }
  for (Conn& c : conns_) connect(c);
  thread_ = std::thread([this] { loop(); });
}

Strangers::~Strangers() {
  stop_ = true;
  thread_.join();
  for (Conn& c : conns_) {
    if (c.fd >= 0) ::close(c.fd);
  }
}

void Strangers::connect(Conn& c) {
  c.sent = 0;
  c.fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (c.fd < 0) return;
  if (!c.source.empty()) {
    sockaddr_in src{};
    src.sin_family = AF_INET;
    ::inet_pton(AF_INET, c.source.c_str(), &src.sin_addr);
    ::bind(c.fd, reinterpret_cast<sockaddr*>(&src), sizeof src);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(plan_.port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(c.fd);
    c.fd = -1;
    return;
  }
  ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
  ++connects_;
  ++open_;
}

void Strangers::loop() {
  auto next_byte = std::chrono::steady_clock::now();
  while (!stop_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    bool byte_due = std::chrono::steady_clock::now() >= next_byte;
    if (byte_due) next_byte += plan_.slow_byte_every;
    for (Conn& c : conns_) {
      if (stop_) break;
      if (c.fd >= 0) {
        char buf[256];
        ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
        bool closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
        if (!closed && c.slow && byte_due && c.sent < sizeof kSlowBytes) {
          closed = ::send(c.fd, kSlowBytes + c.sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN;
          if (!closed) ++c.sent;
        }
        if (closed) {
          ::close(c.fd);
          c.fd = -1;
          --open_;
          ++cuts_;
        }
      }
      if (c.fd < 0) connect(c);  // A persistent stranger comes back at once.
    }
  }
}

}  // namespace mhero::stress
