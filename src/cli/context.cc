#include "cli/context.h"

#include <chrono>
#include <cstdlib>
#include <thread>

#include "node/enrollment.h"
#include "node/standard_views.h"
#include "util/plain_text.h"

namespace mhero::cli {

Result<std::shared_ptr<Node>> Context::open_node() {
  if (dir.empty()) {
    return invalid_argument("no node directory: pass --dir DIR or set MHERO_DIR");
  }
  if (host_node) {
    std::error_code ec;
    if (!std::filesystem::equivalent(dir, host_node->paths().dir, ec)) {
      return failed_precondition("this `mhero run` serves " + host_node->paths().dir.string() + ", not " + dir);
    }
    return host_node;
  }
  views = make_standard_views();
  std::vector<View*> raw;
  for (auto& v : views) raw.push_back(v.get());
  auto deadline = busy_deadline.value_or(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  while (true) {
    auto node = Node::open(paths(), clock, raw);
    if (!node.ok() && node.status().code() != StatusCode::unavailable) return node.status();
    if (node.ok()) return std::shared_ptr<Node>(std::move(node).value());
    if (daemon_answers && daemon_answers()) throw DaemonStarted{};
    if (std::chrono::steady_clock::now() > deadline) {
      return unavailable(node.status().message() + "; still busy after 30 s, try again");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::string os_user(const std::string& fallback) {
  const char* u = std::getenv("USER");
  return u && *u ? std::string(u) : fallback;
}

// Refusals often quote what was typed: printed terminal-safe (util/plain_text.h), so a typed
// escape sequence is shown, never run, and a huge value is cut.
int fail(const Status& status) {
  cli::err() << "mhero: " << terminal_safe(status.to_string()) << "\n";
  return 1;
}

int usage_error(const std::string& message) {
  cli::err() << "mhero: " << terminal_safe(message) << "\n";
  return 2;
}

void warn_if_not_enrolled(Node& node, std::string_view then) {
  auto warning = own_enrollment_warning(node.store().views(), node.config(), node.id());
  if (!warning.ok()) {
    cli::err() << "mhero: warning: cannot read this node's enrollment: " << warning.status().to_string() << "\n";
  } else if (!warning->empty()) {
    cli::err() << "mhero: warning: " << *warning << " " << then << "\n";
  }
}

void add_dir_option(CLI::App& command, Context& ctx) {
  // MHERO_DIR is read once the whole line is parsed (cli/command_line.cc), not through CLI11's
  // envname: every subcommand has a --dir bound to ctx.dir, and CLI11 applied the variable of
  // subcommands not typed over the --dir that was (an explicit --dir must always win).
  command.add_option("--dir", ctx.dir, "Node data directory (node.key, config.toml, db/); default: $MHERO_DIR");
}

}  // namespace mhero::cli
