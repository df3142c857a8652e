#include "cli/command_line.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "app/control_channel.h"
#include "app/control_client.h"

namespace mhero::cli {

namespace {

/// Whether another process holds RocksDB's lock on `lock_file` (db/LOCK: a POSIX record lock,
/// which F_GETLK reports without taking it). False when there is no such file.
bool store_held_elsewhere(const std::filesystem::path& lock_file) {
  int fd = ::open(lock_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  bool held = ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  ::close(fd);
  return held;
}

/// Runs the parsed command. An exception escaping it is a bug of ours (every bad input is meant
/// to be refused with a Status): it is reported as such, exit 70 (EX_SOFTWARE), instead of
/// aborting the process, so that a command forwarded to `mhero run` never stops the daemon that
/// syncs, dispatches and serves the console. Store writes are atomic commits, so a command cut
/// short this way has written whole commits or nothing.
int run_action(const std::vector<std::string>& args, Context& ctx) {
  try {
    return ctx.action();
  } catch (const DaemonStarted&) {
    throw;
  } catch (const std::exception& e) {
    std::string command = "mhero";
    for (const auto& a : args) {
      if (a.starts_with("-")) break;
      command += " " + a;
    }
    err() << "mhero: internal error in `" << command << "`: " << e.what()
          << ". This is a bug in mhero: nothing was half-written (each store write is atomic), but the command did not "
             "finish; check with `mhero log verify`, and report the command you ran with this message.\n";
    return 70;
  }
}

}  // namespace

const char* version() { return MHERO_VERSION; }

bool moves_bulk_data(std::string_view command) {
  for (std::string_view bulk : {"run", "sync", "registry", "bundle", "backup", "restore", "dhis2"}) {
    if (command == bulk) return true;
  }
  return false;
}

int run_command_line(const std::vector<std::string>& args, Context& ctx, bool may_forward) {
  CLI::App app{"mhero: offline-first sync node for mHero (registry, messages, responses)", "mhero"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Describe every command and option");
  app.set_version_flag("--version", std::string("mhero ") + version(), "Print the version and exit");
  add_node_commands(app, ctx);
  add_log_commands(app, ctx);
  add_backup_commands(app, ctx);
  add_messaging_commands(app, ctx);
  add_enroll_commands(app, ctx);
  add_key_commands(app, ctx);
  add_registry_commands(app, ctx);
  add_sync_commands(app, ctx);
  add_bundle_commands(app, ctx);
  add_console_commands(app, ctx);
  add_fleet_commands(app, ctx);
  add_openhim_commands(app, ctx);
  add_dhis2_commands(app, ctx);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed.
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out(), err());
  }
  if (!ctx.action) return 0;
  // The caller's MHERO_DIR when --dir was not given. Inside `mhero run` the client already
  // resolved it (ControlCall::dir), and the daemon's own environment must not count.
  if (ctx.dir.empty() && may_forward) {
    if (const char* env = std::getenv("MHERO_DIR")) ctx.dir = env;
  }
  if (may_forward && !ctx.local_only && !ctx.dir.empty()) {
    std::error_code ec;
    auto dir = std::filesystem::absolute(ctx.dir, ec);
    // `mhero run` opens the store a moment before its control socket answers: while another
    // process holds the store and no socket answers, try again (30 s in all, the same wait as
    // for a store held by another one-shot command), then run here.
    using steady = std::chrono::steady_clock;
    ctx.busy_deadline = steady::now() + std::chrono::seconds(30);
    while (true) {
      auto forwarded = forward_command(ctx.paths().control_socket(), dir, args, version(), terminal());
      if (forwarded.ok()) return *forwarded;
      if (forwarded.status().code() != StatusCode::not_found) return fail(forwarded.status());
      if (!store_held_elsewhere(ctx.paths().db() / "LOCK") || steady::now() > *ctx.busy_deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // A daemon starting right now may take the store between that look and this command's open.
    ctx.daemon_answers = [socket = ctx.paths().control_socket()] { return ControlChannel::connect(socket).ok(); };
    try {
      return run_action(args, ctx);
    } catch (const DaemonStarted&) {
      auto forwarded = forward_command(ctx.paths().control_socket(), dir, args, version(), terminal());
      return forwarded.ok() ? *forwarded : fail(forwarded.status());
    }
  }
  return run_action(args, ctx);
}

}  // namespace mhero::cli
