// What every `mhero` subcommand shares: the --dir option, the real clock, how to open the node,
// and how errors are printed (stderr, non-zero exit).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "node/node.h"
#include "node/pause_control.h"
#include "node/periodic_task.h"
#include "util/clock.h"
#include "util/status.h"

namespace mhero::cli {

struct Context {
  std::string dir;                  // --dir or MHERO_DIR.
  std::function<int()> action;      // Set by the chosen subcommand's callback.
  SystemClock clock;
  std::vector<std::unique_ptr<View>> views;
  /// Called by `mhero run` with the opened node before the daemon starts; a hook appends the
  /// periodic work its subsystem needs (e.g. messaging adds its Dispatcher's run_once on the
  /// central node). Register hooks in your add_<area>_commands().
  std::vector<std::function<void(Node&, std::vector<PeriodicTask>&)>> run_hooks;

  NodePaths paths() const { return NodePaths{dir}; }
  /// Opens the node in `dir` with the standard views. When a running `mhero run` holds the
  /// store, asks it to pause (node/pause_control.h) until this process exits; when another
  /// command holds it, waits up to 30 s for it.
  /// `ask_daemon` = false for the daemon itself.
  Result<std::unique_ptr<Node>> open_node(bool ask_daemon = true);
  std::unique_ptr<PauseLease> pause_lease;  // Held while this command uses a paused daemon's store.
};

/// Prints "mhero: <status message>" to stderr and returns the exit code (1).
int fail(const Status& status);
/// Prints "mhero: <message>" to stderr and returns 2 (usage errors).
int usage_error(const std::string& message);

/// After a command wrote entries (only once the write succeeded, so the warning never precedes a
/// refusal): prints "mhero: warning: …" to stderr when this district node is not (or not rightly)
/// enrolled in its own store (node/enrollment.h own_enrollment_warning). `then` ends the warning
/// (e.g. "The entry was written here anyway."). Never blocks anything.
void warn_if_not_enrolled(Node& node, std::string_view then);

/// Adds `--dir` (with MHERO_DIR) to a subcommand.
void add_dir_option(CLI::App& command, Context& ctx);

// Command groups, one file each.
void add_node_commands(CLI::App& app, Context& ctx);  // init, id
void add_log_commands(CLI::App& app, Context& ctx);   // log append|show|verify|export-raw|import-raw
void add_enroll_commands(CLI::App& app, Context& ctx);  // enroll, revoke
void add_registry_commands(CLI::App& app, Context& ctx);  // registry import-csd|pull|stats|list|show
void add_sync_commands(CLI::App& app, Context& ctx);    // run, sync, status
void add_bundle_commands(CLI::App& app, Context& ctx);  // bundle export|import|inspect

void add_messaging_commands(CLI::App& app, Context& ctx);  // send, dispatch, messages, responses
void add_fleet_commands(CLI::App& app, Context& ctx);      // districts, alarms; nodeStatus in run

}  // namespace mhero::cli
