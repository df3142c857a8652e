// `mhero`: the sync node's one binary, with git-style subcommands (cli/command_line.h).
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "cli/command_line.h"
#include "identity/crypto.h"
#include "util/huge_pages.h"

int main(int argc, char** argv) {
  // The commands that move bulk data re-execute once with glibc's huge-page tunable; the others
  // start in ~40 ms and an exec would almost double that, for no gain.
  if (argc > 1 && mhero::cli::moves_bulk_data(argv[1])) mhero::run_on_huge_pages(argv);
  // Everything this program creates (the data directory, RocksDB's files, bundles, logs) is
  // private to its user: names, phone numbers and tokens (node/data_modes.h).
  ::umask(077);
  mhero::crypto_init();
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  mhero::cli::Context ctx;
  std::vector<std::string> args(argv + 1, argv + argc);
  return mhero::cli::run_command_line(args, ctx, /*may_forward=*/true);
}
