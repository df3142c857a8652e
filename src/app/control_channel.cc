#include "app/control_channel.h"

#include <capnp/serialize.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mhero {

ControlChannel::~ControlChannel() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<ControlChannel>> ControlChannel::connect(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string p = path.string();
  if (p.size() >= sizeof addr.sun_path)
    return invalid_argument("control socket path too long: " + p);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return unavailable(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd);
    if (e == ENOENT || e == ECONNREFUSED) return not_found("no `mhero run` answers on " + p);
    return unavailable("cannot reach `mhero run` on " + p + ": " + std::strerror(e));
  }
  return std::make_unique<ControlChannel>(fd);
}

Status ControlChannel::send(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  uint32_t n = static_cast<uint32_t>(bytes.size());
  uint8_t header[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                       static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  auto write_all = [&](const uint8_t* data, size_t size) -> Status {
    while (size > 0) {
      ssize_t w = ::send(fd_, data, size, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return unavailable(std::string("control socket closed: ") + std::strerror(errno));
      data += w;
      size -= static_cast<size_t>(w);
    }
    return Status::ok_status();
  };
  Status s = write_all(header, sizeof header);
  return s.ok() ? write_all(bytes.begin(), bytes.size()) : s;
}

Status ControlChannel::read_exact(void* out, size_t n) {
  auto* p = static_cast<uint8_t*>(out);
  while (n > 0) {
    ssize_t r = ::recv(fd_, p, n, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return unavailable("control socket closed by the other side");
    if (r < 0) return unavailable(std::string("control socket: ") + std::strerror(errno));
    p += r;
    n -= static_cast<size_t>(r);
  }
  return Status::ok_status();
}

Result<kj::ArrayPtr<const capnp::word>> ControlChannel::receive(
    std::optional<std::chrono::milliseconds> timeout) {
  if (timeout) {
    pollfd pfd{fd_, POLLIN, 0};
    int ready;
    do {
      ready = ::poll(&pfd, 1, static_cast<int>(timeout->count()));
    } while (ready < 0 && errno == EINTR);
    if (ready == 0)
      return unavailable("no answer on the control socket within " +
                         std::to_string(timeout->count()) + " ms");
  }
  uint8_t header[4];
  Status s = read_exact(header, sizeof header);
  if (!s.ok()) return s;
  size_t n =
      (size_t{header[0]} << 24) | (size_t{header[1]} << 16) | (size_t{header[2]} << 8) | header[3];
  if (n > kControlFrameBytesMax)
    return resource_exhausted("control frame of " + std::to_string(n) + " bytes is over the limit");
  if (n == 0 || n % sizeof(capnp::word) != 0)
    return corruption("malformed control frame (" + std::to_string(n) + " bytes)");
  buffer_ = kj::heapArray<capnp::word>(n / sizeof(capnp::word));
  s = read_exact(buffer_.begin(), n);
  if (!s.ok()) return s;
  return kj::ArrayPtr<const capnp::word>(buffer_.begin(), buffer_.size());
}

void ControlChannel::shutdown() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace mhero
