// What every `mhero` subcommand shares: the --dir option, the real clock, how to open the node,
// and how errors are printed (err(), non-zero exit). A command runs either in its own process or
// inside the `mhero run` that holds the node (app/control_server.h); the same code serves both.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/node.h"
#include "cli/io.h"
#include "node/periodic_task.h"
#include "util/clock.h"
#include "util/status.h"

namespace mhero::console {
class ConsoleServer;
}

namespace mhero::cli {

struct Context {
  std::string dir;                  // --dir or MHERO_DIR.
  std::function<int()> action;      // Set by the chosen subcommand's callback.
  bool local_only = false;          // Set by commands that never touch the store (init, id, run,
                                    // bundle inspect): they run here even beside `mhero run`.
  SystemClock clock;
  std::vector<std::unique_ptr<View>> views;
  /// Called by `mhero run` with the opened node before the daemon starts; a hook appends the
  /// periodic work its subsystem needs (e.g. messaging adds its Dispatcher's run_once on the
  /// central node). Register hooks in your add_<area>_commands().
  std::vector<std::function<void(Node&, std::vector<PeriodicTask>&)>> run_hooks;

  NodePaths paths() const { return NodePaths{dir}; }
  /// The node in `dir`. Inside `mhero run` (host_node set): that open node, shared. Otherwise
  /// opens it with the standard views; when another one-shot command holds the store, waits up
  /// to 30 s (or until busy_deadline) for it. Errors: invalid_argument (no --dir), unavailable (still busy), and those of
  /// Node::open; inside `mhero run`, failed_precondition when `dir` names another node.
  Result<std::shared_ptr<Node>> open_node();
  /// Set by `mhero run` for the commands it runs for clients: the node it holds.
  std::shared_ptr<Node> host_node;
  /// When set, open_node waits for a busy store until then instead of 30 s from its call (the
  /// command line already waited for `mhero run`'s control socket: one wait in all).
  std::optional<std::chrono::steady_clock::time_point> busy_deadline;
  /// When set (by the command line, outside `mhero run`): whether `mhero run`'s control socket
  /// answers now. open_node asks it while the store is busy and throws DaemonStarted when it
  /// does, so that the command runs in the daemon that took the store meanwhile.
  std::function<bool()> daemon_answers;
};

/// Thrown by Context::open_node when `mhero run` took the store while this command waited for it
/// (before the command changed anything): run_command_line forwards the command to it.
struct DaemonStarted {
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

/// The operating system's user name ($USER), or `fallback` when unset: who ran a command that
/// records its user (a correction's proposer or reviewer, a message's sender, a cancel).
std::string os_user(const std::string& fallback = "cli");

/// Adds `--dir` (with MHERO_DIR) to a subcommand.
void add_dir_option(CLI::App& command, Context& ctx);

// Command groups, one file each.
void add_node_commands(CLI::App& app, Context& ctx);  // init, id
void add_log_commands(CLI::App& app, Context& ctx);   // log append|show|verify|export-raw|import-raw
void add_backup_commands(CLI::App& app, Context& ctx);  // backup, restore
void add_enroll_commands(CLI::App& app, Context& ctx);  // enroll, revoke
void add_key_commands(CLI::App& app, Context& ctx);     // key rotate, key retire-old
void add_registry_commands(CLI::App& app, Context& ctx);  // registry import-csd|pull|stats|list|show
void add_sync_commands(CLI::App& app, Context& ctx);    // run, sync, status
void add_bundle_commands(CLI::App& app, Context& ctx);  // bundle export|import|inspect

void add_messaging_commands(CLI::App& app, Context& ctx);  // send, dispatch, messages, responses
void add_fleet_commands(CLI::App& app, Context& ctx);      // districts, alarms; nodeStatus in run
void add_openhim_commands(CLI::App& app, Context& ctx);    // openhim install-channels
void add_dhis2_commands(CLI::App& app, Context& ctx);      // dhis2 pull|push|status; push in run
void add_console_commands(CLI::App& app, Context& ctx);    // console user add|list|passwd|disable|enable

/// For `mhero run`: starts the console on `listen_flag` (or [console] listen); null when both are
/// empty, or when the console from config.toml cannot start (logged: sync goes on without it).
/// `announce` logs its URL and certificate fingerprint. Errors: ConsoleServer::start's, only
/// for an explicit `listen_flag`; invalid_argument for a bad [console] table.
Result<std::unique_ptr<console::ConsoleServer>> start_console(Node& node, const Clock& clock,
                                                              const std::string& listen_flag, bool plain_http,
                                                              bool announce);

}  // namespace mhero::cli
