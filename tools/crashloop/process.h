// Child processes for tools/crashloop: the real `mhero` binary started with fork/exec, its
// stdout and stderr going to a log file, waited for with a deadline, killed with SIGKILL.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mhero::crashloop {

/// One started program. Not copyable; the destructor kills (SIGKILL) and reaps it if it still runs.
class Child {
 public:
  /// Starts `argv` (argv[0] is a path) with stdout and stderr appended to `log`. Throws
  /// std::runtime_error when fork or the log file fails (exec failures exit 127 in the child).
  Child(const std::vector<std::string>& argv, const std::filesystem::path& log);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& log() const { return log_; }
  /// True while the process has not exited (reaps it when it has).
  bool running();
  /// Sends SIGKILL and reaps. Returns true when the process was still running (a real kill).
  bool kill9();
  /// Waits up to `limit` for the exit; returns the exit code (128 + signal for a signal), or
  /// nullopt on time-out (the process keeps running).
  std::optional<int> wait_for(std::chrono::milliseconds limit);
  /// The log's text so far.
  std::string output() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> code_;
  std::filesystem::path log_;
};

struct Ran {
  int code = -1;    // Exit code; 128 + signal; -1 on time-out (then killed).
  std::string out;  // stdout and stderr together.
};

/// Runs `argv` to completion (SIGKILL after `limit`), its output in `log` (overwritten).
Ran run(const std::vector<std::string>& argv, const std::filesystem::path& log, std::chrono::milliseconds limit);

/// A TCP port free on 127.0.0.1 right now (the kernel picks it).
int free_port();

std::string read_text(const std::filesystem::path& path);

}  // namespace mhero::crashloop
