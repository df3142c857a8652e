// Fixtures of the CLI tests that need a running node: `mhero run` listening on a loopback port,
// and a central node with an enrolled district BONG.
#pragma once

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/files.h"
#include "support/run_mhero.h"
#include "support/temp_dir.h"

namespace mhero::testing {

// `mhero run` of a node listening on a loopback port, its output in `log`; SIGTERM at the end.
class RunningNode {
 public:
  RunningNode(const std::string& dir, const std::filesystem::path& log) : dir_(dir), log_(log) {
    port_ = free_loopback_port();
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      FILE* out = std::freopen(log.c_str(), "w", stdout);
      (void)out;
      ::dup2(::fileno(stdout), 2);
      std::string listen = "127.0.0.1:" + std::to_string(port_);
      ::execl(std::getenv("MHERO_BIN"), "mhero", "run", "--dir", dir.c_str(), "--listen", listen.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200 && read_file(log).find("listening for sync sessions") == std::string::npos; ++i) {
      ::usleep(50'000);
    }
    REQUIRE(std::filesystem::exists(std::filesystem::path(dir) / "control.sock"));
  }
  ~RunningNode() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return read_file(log_); }

 private:
  std::string dir_;
  std::filesystem::path log_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A central node and an enrolled district BONG in `dir`.
struct BackupPair {
  explicit BackupPair(TempDir& dir) : home(dir.path()) {
    central = (home / "central").string();
    bong = (home / "bong").string();
    run_mhero_ok("init --dir " + central + " --role central");
    central_id = run_mhero_ok("id --dir " + central).out.substr(0, 64);
    run_mhero_ok("init --dir " + bong + " --role district --district BONG --central-key " + central_id);
    bong_id = run_mhero_ok("id --dir " + bong).out.substr(0, 64);
    run_mhero_ok("enroll --dir " + central + " --district BONG --key " + bong_id);
    std::ofstream(home / "pass") << "correct horse battery staple\n";
    std::ofstream(home / "wrong") << "not the passphrase at all\n";
  }
  std::string file(const std::string& name) const { return (home / name).string(); }
  void notes(const std::string& dir, int n, const std::string& what) {
    for (int i = 0; i < n; ++i) run_mhero_ok("log append --dir " + dir + " --note '" + what + " " + std::to_string(i) + "'");
  }
  std::filesystem::path home;
  std::string central, bong, central_id, bong_id;
};

}  // namespace mhero::testing
