#include "cli/context.h"

#include "node/standard_views.h"

namespace mhero::cli {

Result<std::unique_ptr<Node>> Context::open_node() {
  if (dir.empty()) {
    return invalid_argument("no node directory: pass --dir DIR or set MHERO_DIR");
  }
  views = make_standard_views();
  std::vector<View*> raw;
  for (auto& v : views) raw.push_back(v.get());
  return Node::open(paths(), clock, raw);
}

int fail(const Status& status) {
  std::cerr << "mhero: " << status.to_string() << "\n";
  return 1;
}

int usage_error(const std::string& message) {
  std::cerr << "mhero: " << message << "\n";
  return 2;
}

void add_dir_option(CLI::App& command, Context& ctx) {
  command.add_option("--dir", ctx.dir, "Node data directory (node.key, config.toml, db/)")
      ->envname("MHERO_DIR");
}

}  // namespace mhero::cli
