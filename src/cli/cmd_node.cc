// `mhero init` and `mhero id`.

#include "cli/context.h"

namespace mhero::cli {

void add_node_commands(CLI::App& app, Context& ctx) {
  struct InitArgs {
    std::string role, district, central_key;
  };
  auto args = std::make_shared<InitArgs>();
  auto* init = app.add_subcommand("init", "Create a node: node.key (mode 0600), config.toml, db/");
  add_dir_option(*init, ctx);
  init->add_option("--role", args->role, "central or district")->required();
  init->add_option("--district", args->district, "District location code (district nodes)");
  init->add_option("--central-key", args->central_key,
                   "Central node id, 64 hex characters, from `mhero id` on the central node");
  init->callback([&ctx, args] {
    ctx.local_only = true;
    ctx.action = [&ctx, args]() -> int {
      if (ctx.dir.empty()) return usage_error("init needs --dir DIR (or MHERO_DIR)");
      auto role = parse_role(args->role);
      if (!role) return usage_error("--role must be central or district");
      std::optional<NodeId> central;
      if (!args->central_key.empty()) {
        central = NodeId::from_hex(args->central_key);
        if (!central) return usage_error("--central-key must be 64 hex characters");
      }
      auto id = Node::init(ctx.paths(), *role, args->district, central);
      if (!id.ok()) return fail(id.status());
      cli::out() << "initialised " << role_name(*role) << " node in " << ctx.dir << "\n"
                << "node id: " << id->hex() << "\n";
      return 0;
    };
  });

  auto* id = app.add_subcommand("id", "Print this node's id (its Ed25519 public key, hex)");
  add_dir_option(*id, ctx);
  id->callback([&ctx] {
    ctx.local_only = true;
    ctx.action = [&ctx]() -> int {
      if (ctx.dir.empty()) return usage_error("id needs --dir DIR (or MHERO_DIR)");
      auto key = NodeKey::load_file(ctx.paths().key());
      if (!key.ok()) return fail(key.status());
      cli::out() << key->id().hex() << "\n";
      return 0;
    };
  });
}

}  // namespace mhero::cli
