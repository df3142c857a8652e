// `mhero`: the sync node's one binary, with git-style subcommands.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "cli/context.h"
#include "identity/crypto.h"

int main(int argc, char** argv) {
  // Everything this program creates (the data directory, RocksDB's files, bundles, logs) is
  // private to its user: names, phone numbers and tokens (node/data_modes.h).
  ::umask(077);
  mhero::crypto_init();
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  mhero::cli::Context ctx;
  CLI::App app{"mhero: offline-first sync node for mHero (registry, messages, responses)"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Describe every command and option");
  mhero::cli::add_node_commands(app, ctx);
  mhero::cli::add_log_commands(app, ctx);
  mhero::cli::add_messaging_commands(app, ctx);
  mhero::cli::add_enroll_commands(app, ctx);
  mhero::cli::add_registry_commands(app, ctx);
  mhero::cli::add_sync_commands(app, ctx);
  mhero::cli::add_bundle_commands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return ctx.action ? ctx.action() : 0;
}
