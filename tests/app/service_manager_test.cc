// app/service_manager.h: what systemd receives on NOTIFY_SOCKET (a real AF_UNIX datagram socket).
#include "app/service_manager.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/temp_dir.h"

namespace {

// A datagram socket bound where systemd's would be; NOTIFY_SOCKET points at it while alive.
struct FakeNotifySocket {
  explicit FakeNotifySocket(const std::filesystem::path& path) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~FakeNotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd);
  }
  std::string receive() {
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
  int fd = -1;
};

}  // namespace

TEST_CASE("service manager: READY and STOPPING reach the notify socket with their status", "[app]") {
  mhero::testing::TempDir dir;
  FakeNotifySocket socket(dir.path() / "notify");
  mhero::notify_service_ready("central node 0123, 2 peer(s)");
  CHECK(socket.receive() == "READY=1\nSTATUS=central node 0123, 2 peer(s)");
  mhero::notify_service_stopping("finishing");
  CHECK(socket.receive() == "STOPPING=1\nSTATUS=finishing");
}
