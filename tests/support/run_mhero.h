// Runs the real `mhero` binary (path in MHERO_BIN, set by meson) as a user would.
#pragma once

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace mhero::testing {

struct CliRun {
  int code;         // Exit status.
  std::string out;  // stdout and stderr together.
};

/// `$MHERO_BIN ARGS 2>&1` through the shell; `args` is shell text (quote it yourself).
inline CliRun run_mhero(const std::string& args) {
  const char* bin = std::getenv("MHERO_BIN");
  REQUIRE(bin != nullptr);
  std::string cmd = std::string(bin) + " " + args + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = ::pclose(pipe);
  return {WEXITSTATUS(status), out};
}

/// run_mhero() that must succeed: exit status 0, else the test fails showing the command and
/// everything it printed.
inline CliRun run_mhero_ok(const std::string& args) {
  CliRun r = run_mhero(args);
  INFO("mhero " << args << "\n" << r.out);
  REQUIRE(r.code == 0);
  return r;
}

/// Starts `$MHERO_BIN run --dir DIR` in a child process, its stdout and stderr written to `log`;
/// returns the child's pid (the test signals it, e.g. SIGTERM, and waits for it with waitpid).
inline pid_t spawn_mhero_run(const std::string& dir, const std::filesystem::path& log) {
  const char* bin = std::getenv("MHERO_BIN");
  REQUIRE(bin != nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    (void)out;
    ::dup2(::fileno(stdout), 2);
    ::execl(bin, "mhero", "run", "--dir", dir.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

}  // namespace mhero::testing
