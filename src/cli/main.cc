// `mhero`: the sync node's one binary, with git-style subcommands (cli/command_line.h).
#include <spdlog/spdlog.h>

#include "cli/command_line.h"
#include "identity/crypto.h"

int main(int argc, char** argv) {
  mhero::crypto_init();
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  mhero::cli::Context ctx;
  std::vector<std::string> args(argv + 1, argv + argc);
  return mhero::cli::run_command_line(args, ctx, /*may_forward=*/true);
}
