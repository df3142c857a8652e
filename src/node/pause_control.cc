#include "node/pause_control.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mhero {

namespace {

bool make_address(const std::filesystem::path& path, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  std::string p = path.string();
  if (p.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  return true;
}

// Waits for `fd` to become readable; true if it did within `timeout`.
bool readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

}  // namespace

Result<std::unique_ptr<PauseListener>> PauseListener::open(const std::filesystem::path& path) {
  sockaddr_un addr;
  if (!make_address(path, addr)) {
    return failed_precondition("control socket path too long: " + path.string());
  }
  // A socket file that still answers belongs to a running daemon: never take it over. One that
  // refuses connections was left by a daemon that crashed, and is replaced.
  int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return failed_precondition(std::string("socket: ") + std::strerror(errno));
  bool live = ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(probe);
  if (live) {
    return failed_precondition("another `mhero run` already serves " + path.parent_path().string() +
                               " (it answers on " + path.string() + "); stop it before starting one");
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return failed_precondition(std::string("socket: ") + std::strerror(errno));
  ::unlink(path.c_str());
  mode_t old_mask = ::umask(0077);
  int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old_mask);
  if (bound != 0 || ::listen(fd, 16) != 0) {
    int e = errno;
    ::close(fd);
    return failed_precondition("cannot listen on " + path.string() + ": " + std::strerror(e));
  }
  ::chmod(path.c_str(), 0600);
  return std::unique_ptr<PauseListener>(new PauseListener(path, fd));
}

PauseListener::~PauseListener() {
  ::close(fd_);
  ::unlink(path_.c_str());
}

int PauseListener::wait_for_request(std::chrono::milliseconds timeout) {
  if (!readable(fd_, timeout)) return -1;
  int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn < 0) return -1;
  char buf[16] = {};
  if (!readable(conn, std::chrono::seconds(5)) || ::read(conn, buf, sizeof buf - 1) <= 0 ||
      std::string_view(buf).substr(0, 6) != "pause\n") {
    ::close(conn);
    return -1;
  }
  return conn;
}

void PauseListener::grant_and_wait(int connection, const std::atomic<bool>& stop) {
  constexpr std::string_view kPaused = "paused\n";
  if (::send(connection, kPaused.data(), kPaused.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(kPaused.size())) {
    char buf[64];
    while (!stop) {
      if (!readable(connection, std::chrono::milliseconds(200))) continue;
      if (::read(connection, buf, sizeof buf) <= 0) break;  // The command is done (or died).
    }
  }
  ::close(connection);
}

PauseLease::~PauseLease() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<PauseLease>> request_pause(const std::filesystem::path& path,
                                                  std::chrono::milliseconds timeout) {
  sockaddr_un addr;
  if (!make_address(path, addr)) return not_found("no daemon control socket at " + path.string());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return unavailable(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return not_found("no running daemon answers on " + path.string());
  }
  auto lease = std::make_unique<PauseLease>(fd);
  constexpr std::string_view kPause = "pause\n";
  char buf[16] = {};
  if (::send(fd, kPause.data(), kPause.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(kPause.size()) ||
      !readable(fd, timeout) || ::read(fd, buf, sizeof buf - 1) <= 0 ||
      std::string_view(buf) != "paused\n") {
    return unavailable("the running daemon did not pause within " +
                       std::to_string(timeout.count() / 1000) + " s");
  }
  return lease;
}

}  // namespace mhero
