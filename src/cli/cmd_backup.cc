// `mhero backup` and `mhero restore` (node/backup.h; README "Reliability"). The passphrase comes
// from --passphrase-file (its first line) or the terminal, never from the command line, where
// other users could read it in the process list.
#include <fstream>

#include "cli/context.h"
#include "node/backup.h"

namespace mhero::cli {

namespace {

Result<std::string> passphrase(const std::string& file, bool twice) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return invalid_argument("--passphrase-file " + file + " cannot be read; nothing was changed");
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  auto first = ask(twice ? "Passphrase for the backup (at least 12 characters): " : "Passphrase of the backup: ", true);
  if (!first) return failed_precondition("no passphrase was typed: pass --passphrase-file FILE; nothing was changed");
  if (!twice) return *first;
  auto again = ask("The same passphrase again: ", true);
  if (!again || *again != *first) return invalid_argument("the two passphrases differ; nothing was written");
  return *first;
}

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

}  // namespace

void add_backup_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string out, from, passphrase_file;
  };
  auto args = std::make_shared<Args>();

  auto* backup = app.add_subcommand(
      "backup", "Write this node (store checkpoint, key, config) to one file encrypted to a passphrase");
  add_dir_option(*backup, ctx);
  backup->add_option("--out", args->out, "The backup file to write (must not exist)")->required();
  backup->add_option("--passphrase-file", args->passphrase_file,
                     "Read the passphrase from this file's first line (else asked twice on the terminal)");
  backup->callback([&ctx, args] {
    ctx.action = [&ctx, args]() -> int {
      auto node = ctx.open_node();
      if (!node.ok()) return fail(node.status());
      auto pass = passphrase(args->passphrase_file, true);
      if (!pass.ok()) return fail(pass.status());
      auto sum = write_backup(**node, args->out, *pass);
      if (!sum.ok()) return fail(sum.status());
      out() << "wrote " << args->out << ": node " << sum->node_hex << " (" << sum->role << "), " << sum->entries
            << " entries, " << sum->files << " files, " << mib(sum->bytes) << " before encryption\n"
            << "Keep the passphrase apart from the file. A node restored from it waits to learn its own feeds from a "
               "peer before it writes (README \"Backup and restore\").\n";
      return 0;
    };
  });

  auto* restore = app.add_subcommand("restore", "Restore a node from a `mhero backup` file into a new directory");
  restore->add_option("--from", args->from, "The backup file")->required();
  restore->add_option("--dir", ctx.dir, "The new node directory (must not exist, or be empty)")->required();
  restore->add_option("--passphrase-file", args->passphrase_file,
                      "Read the passphrase from this file's first line (else asked on the terminal)");
  restore->callback([&ctx, args] {
    ctx.local_only = true;
    ctx.action = [&ctx, args]() -> int {
      auto pass = passphrase(args->passphrase_file, false);
      if (!pass.ok()) return fail(pass.status());
      auto sum = restore_backup(args->from, ctx.dir, *pass, ctx.clock);
      if (!sum.ok()) return fail(sum.status());
      out() << "restored node " << sum->node_hex << " (" << sum->role << ") into " << ctx.dir << ": " << sum->entries
            << " entries, " << sum->files << " files, backup made " << iso_time_ms(sum->made_at_ms) << "\n"
            << "It does not write until it has learned its own feeds from a peer that holds them: start it "
               "(`mhero run`) or `mhero sync --peer HOST:PORT`, or import a bundle the peer exported with "
               "`--full`. Only if no peer holds anything of this node: `mhero log resume-writes "
               "--no-peer-holds-more`.\n";
      return 0;
    };
  });
}

}  // namespace mhero::cli
