// `mhero enroll` / `mhero revoke`: the central node admits or removes a district node key
// (node/enrollment.h). Both write one entry to `national`; districts learn of it on the next sync.

#include "cli/context.h"
#include "node/enrollment.h"
#include "replication/status_report.h"

namespace mhero::cli {

namespace {

Result<NodeId> parse_key(const std::string& text) {
  auto key = NodeId::from_hex(text);
  if (!key) return invalid_argument("--key \"" + text + "\" is not a node id (64 hex characters; run `mhero id` on that node)");
  return *key;
}

}  // namespace

void add_enroll_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string district, key, label, reason;
  };
  auto args = std::make_shared<Args>();

  auto* enroll = app.add_subcommand("enroll", "Central node: admit a district node key for one district");
  add_dir_option(*enroll, ctx);
  enroll->add_option("--district", args->district, "District code the key may write (district/<code>)")->required();
  enroll->add_option("--key", args->key, "Node id of the district node (64 hex, from `mhero id`)")->required();
  enroll->add_option("--label", args->label, "Free-form label, e.g. \"Bong county office\"");
  enroll->callback([&ctx, args] {
    ctx.action = [&ctx, args]() -> int {
      auto key = parse_key(args->key);
      if (!key.ok()) return fail(key.status());
      auto node = ctx.open_node();
      if (!node.ok()) return fail(node.status());
      auto r = enroll_key((*node)->store(), (*node)->key(), (*node)->config(), *key, args->district, args->label);
      if (!r.ok()) return fail(r.status());
      if (!r->written) {
        cli::out() << key->hex() << " is already enrolled (district " << r->record.district << " since "
                  << (r->record.since_ms ? iso_time_ms(r->record.since_ms) : std::string("an unknown time"))
                  << "); nothing written\n";
        return 0;
      }
      cli::out() << "enrolled " << key->hex() << " for district/" << r->record.district << "\n";
      return 0;
    };
  });

  auto* revoke = app.add_subcommand("revoke", "Central node: remove a key; its entries written so far stay valid");
  add_dir_option(*revoke, ctx);
  revoke->add_option("--key", args->key, "Node id to revoke (64 hex)")->required();
  revoke->add_option("--reason", args->reason, "Why (kept in the revocation entry; no personal data)");
  revoke->callback([&ctx, args] {
    ctx.action = [&ctx, args]() -> int {
      auto key = parse_key(args->key);
      if (!key.ok()) return fail(key.status());
      auto node = ctx.open_node();
      if (!node.ok()) return fail(node.status());
      auto r = revoke_key((*node)->store(), (*node)->key(), (*node)->config(), *key, args->reason);
      if (!r.ok()) return fail(r.status());
      cli::out() << "revoked " << key->hex() << "; entries valid through:";
      if (r->valid_through.empty()) cli::out() << " none";
      for (const auto& [scope, seq] : r->valid_through) cli::out() << " " << scope << "@" << seq;
      cli::out() << "\n";
      return 0;
    };
  });
}

}  // namespace mhero::cli
