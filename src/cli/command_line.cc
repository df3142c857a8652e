#include "cli/command_line.h"

#include <cstdlib>

#include "app/control_client.h"

namespace mhero::cli {

const char* version() { return MHERO_VERSION; }

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
    auto forwarded =
        forward_command(ctx.paths().control_socket(), dir, args, version(), terminal());
    if (forwarded.ok()) return *forwarded;
    if (forwarded.status().code() != StatusCode::not_found) return fail(forwarded.status());
  }
  return ctx.action();
}

}  // namespace mhero::cli
