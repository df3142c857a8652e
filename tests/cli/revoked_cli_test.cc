// Issue 16 "A revoked node is told so", end to end with real processes: a central `mhero run`,
// a district's `mhero sync` after its key was revoked, both logs and both `mhero status`.
#include <catch2/catch.hpp>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/files.h"
#include "support/run_mhero.h"
#include "support/temp_dir.h"

using mhero::testing::read_file;
using mhero::testing::free_loopback_port;
using mhero::testing::run_mhero;
using mhero::testing::TempDir;

namespace {

// `mhero run --dir DIR --listen ADDRESS` with its output in `log`, until stop().
struct Running {
  pid_t pid = -1;
  std::filesystem::path log;
  Running(const std::string& dir, const std::string& address, std::filesystem::path log_path) : log(std::move(log_path)) {
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      FILE* out = std::freopen(log.c_str(), "w", stdout);
      (void)out;
      ::dup2(::fileno(stdout), 2);
      ::execl(std::getenv("MHERO_BIN"), "mhero", "run", "--dir", dir.c_str(), "--listen", address.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200 && read_file(log).find("listening for sync sessions") == std::string::npos; ++i) ::usleep(50'000);
  }
  void stop() {
    if (pid < 0) return;
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
  }
  ~Running() { stop(); }
};

}  // namespace

TEST_CASE("a revoked district is told so by the running central node; both logs and both statuses say revoked") {
  TempDir dir;
  std::string c = (dir / "central").string(), d = (dir / "bong").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  std::string central_id = run_mhero("id --dir " + c).out.substr(0, 64);
  REQUIRE(run_mhero("init --dir " + d + " --role district --district BONG --central-key " + central_id).code == 0);
  std::string district_id = run_mhero("id --dir " + d).out.substr(0, 64);
  REQUIRE(run_mhero("enroll --dir " + c + " --key " + district_id + " --district BONG").code == 0);
  std::string address = "127.0.0.1:" + std::to_string(free_loopback_port());
  {
    Running central(c, address, dir / "central-1.log");
    auto first = run_mhero("sync --dir " + d + " --peer " + address);
    INFO(first.out);
    REQUIRE(first.code == 0);
  }
  auto revoked = run_mhero("revoke --dir " + c + " --key " + district_id + " --reason test");
  INFO(revoked.out);
  REQUIRE(revoked.code == 0);

  Running central(c, address, dir / "central-2.log");
  auto refused = run_mhero("sync --dir " + d + " --peer " + address);
  INFO(refused.out);
  CHECK(refused.code != 0);
  CHECK_THAT(refused.out, Catch::Contains("refused this node as revoked: key " + district_id +
                                          " of district BONG was revoked at "));
  CHECK_THAT(refused.out, Catch::Contains(" by central key " + central_id));
  CHECK_THAT(refused.out, Catch::Contains("make a new key (`mhero init` in a new directory)"));
  CHECK(refused.out.find("enrolled on it?") == std::string::npos);
  CHECK(refused.out.find("is it enrolled?") == std::string::npos);
  for (int i = 0; i < 100 && read_file(central.log).find("was revoked") == std::string::npos; ++i) ::usleep(50'000);
  central.stop();
  std::string log = read_file(central.log);
  INFO(log);
  CHECK_THAT(log, Catch::Contains("key " + district_id + " of district BONG was revoked at "));

  auto district_status = run_mhero("status --dir " + d);
  CHECK_THAT(district_status.out, Catch::Contains("was revoked at "));
  auto central_status = run_mhero("status --dir " + c);
  INFO(central_status.out);
  CHECK_THAT(central_status.out, Catch::Contains(district_id + "  district BONG  REVOKED at "));
  CHECK_THAT(central_status.out, Catch::Contains(" by central key " + central_id.substr(0, 16)));
}
