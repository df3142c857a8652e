// `mhero key rotate` / `mhero key retire-old`: hand a node's identity over to a new key
// (node/key_rotation.h; README.md "Key rotation").

#include "cli/context.h"
#include "node/key_rotation.h"

namespace mhero::cli {

void add_key_commands(CLI::App& app, Context& ctx) {
  struct Args {
    double overlap_hours = 168;
    std::string key;
  };
  auto args = std::make_shared<Args>();
  auto* key = app.add_subcommand("key", "Key rotation: hand this node's identity over to a new key");
  key->require_subcommand(1);

  auto* rotate = key->add_subcommand(
      "rotate", "Make a new key and announce it, signed by the current key (district: in its own feed; "
                "central: a hand-over in national)");
  add_dir_option(*rotate, ctx);
  rotate->add_option("--overlap-hours", args->overlap_hours,
                     "How long both keys stay accepted once the new one is enrolled (district) or announced "
                     "(central), in hours (default 168 = 7 days)")
      ->check(CLI::Range(0.0, 366.0 * 24));
  rotate->callback([&ctx, args] {
    ctx.action = [&ctx, args]() -> int {
      auto node = ctx.open_node();
      if (!node.ok()) return fail(node.status());
      auto r = start_key_rotation(**node, static_cast<int64_t>(args->overlap_hours * 3600 * 1000));
      if (!r.ok()) return fail(r.status());
      cli::out() << "announced the new key " << r->new_key.hex() << " in " << r->scope << " seq " << r->seq
                 << " (signed by " << r->old_key.hex() << "); it waits in " << r->next_file.string() << "\n";
      if ((*node)->config().role == Role::district) {
        cli::out() << "next: sync with central or send it a bundle; once this node holds central's enrollment "
                      "of the new key, it switches at its next start\n";
      } else {
        cli::out() << "next: districts learn the hand-over by sync or bundle; this node switches at the end of "
                      "the overlap window (its next start after it) or with `mhero key retire-old`\n";
      }
      return 0;
    };
  });

  auto* retire = key->add_subcommand(
      "retire-old", "Central node: end an overlap window now. With --key, retire a district's rotated-away key; "
                    "without, switch this central node to its announced key and retire the old one");
  add_dir_option(*retire, ctx);
  retire->add_option("--key", args->key, "A district's old node id (64 hex) whose successor is enrolled");
  retire->callback([&ctx, args] {
    ctx.action = [&ctx, args]() -> int {
      std::optional<NodeId> old_key;
      if (!args->key.empty()) {
        old_key = NodeId::from_hex(args->key);
        if (!old_key) return fail(invalid_argument("--key \"" + args->key + "\" is not a node id (64 hex characters)"));
      }
      if (!old_key && ctx.host_node) {
        return fail(failed_precondition("switching the central key needs the node stopped: stop `mhero run`, "
                                        "then run `mhero key retire-old` again"));
      }
      auto node = ctx.open_node();
      if (!node.ok()) return fail(node.status());
      if ((*node)->config().role != Role::central) {
        return fail(failed_precondition("only the central node retires keys; this is a district node (it switches "
                                        "to its new key by itself once central enrolled it)"));
      }
      if (old_key) {
        auto enrolled = find_enrolled((*node)->store().views(), *old_key);
        if (!enrolled.ok()) return fail(enrolled.status());
        if (!*enrolled || !(*enrolled)->successor) {
          return fail(failed_precondition("key " + old_key->hex() + " has no enrolled successor: nothing to retire"));
        }
        if ((*enrolled)->revoked) {
          cli::out() << old_key->hex() << " is already retired; nothing written\n";
          return 0;
        }
        auto r = follow_rotations((*node)->store(), (*node)->key(), (*node)->config(),
                                  (*node)->clock().now().count(), old_key);
        if (!r.ok()) return fail(r.status());
        for (const std::string& line : *r) cli::out() << line << "\n";
        return 0;
      }
      auto r = (*node)->finish_key_rotation(true);
      if (!r.ok()) return fail(r.status());
      if (r->empty()) {
        return fail(failed_precondition("no central key rotation is pending (run `mhero key rotate` first)"));
      }
      for (const std::string& line : *r) cli::out() << line << "\n";
      return 0;
    };
  });
}

}  // namespace mhero::cli
