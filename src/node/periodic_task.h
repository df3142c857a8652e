// Periodic work that other subsystems run inside `mhero run` (e.g. the messaging Dispatcher's
// run_once() on the central node). Register through cli::Context::run_hooks, which `mhero run`
// calls with the opened Node before the daemon starts; replication/daemon.h runs the tasks.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace mhero {

struct PeriodicTask {
  std::string name;                 // For logs: "dispatcher".
  std::chrono::milliseconds every;  // Interval between the end of one run and the next start.
  std::function<void()> run;        // Must not throw; errors are the task's to log.
};

}  // namespace mhero
