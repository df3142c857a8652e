// `mhero log …`: append test notes, show, verify, and the raw export/import.
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <nlohmann/json.hpp>


#include "cli/context.h"
#include "node/enrollment.h"
#include "store/hlc.h"
#include "store/raw_file.h"
#include "util/bytes.h"

namespace mhero::cli {

namespace {

bool feed_matches(const FeedId& feed, const std::string& pattern) {
  if (pattern.empty()) return true;
  return feed.scope == pattern || feed.to_string() == pattern || feed.author.hex().starts_with(pattern) ||
         (feed.author.hex() + "/" + feed.scope) == pattern;
}

std::string iso_time(uint64_t hlc) {
  return iso_time_ms(static_cast<int64_t>(HybridClock::physical_ms(hlc)));
}

int run_log_show(Context& ctx, const std::string& feed_pattern, bool json) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto cursor = (*node)->store().entries_after(
      Frontier{}, [&](const FeedId& f) { return feed_matches(f, feed_pattern); });
  nlohmann::json list = nlohmann::json::array();
  while (true) {
    auto next = cursor->next();
    if (!next.ok()) return fail(next.status());
    if (!next->has_value()) break;
    const Entry& e = **next;
    std::string summary = e.kind() == schema::Payload::NOTE ? std::string(e.payload().getNote()) : "";
    if (json) {
      list.push_back({{"feed", e.feed().author.hex() + "/" + e.feed().scope},
                      {"author", e.feed().author.hex()},
                      {"scope", e.feed().scope},
                      {"seq", e.seq()},
                      {"id", to_hex(e.id())},
                      {"hlc_time", e.hlc_time()},
                      {"time", iso_time(e.hlc_time())},
                      {"kind", e.kind_name()},
                      {"bytes", e.encoded_size()},
                      {"note", summary}});
    } else {
      cli::out() << e.feed().to_string() << "  seq " << e.seq() << "  " << iso_time(e.hlc_time()) << "  "
                << e.kind_name() << "  " << to_hex(e.id()).substr(0, 12);
      if (!summary.empty()) cli::out() << "  \"" << summary << "\"";
      cli::out() << "\n";
    }
  }
  if (json) cli::out() << list.dump(2) << "\n";
  return 0;
}

int run_verify(Context& ctx) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  LogStore& store = (*node)->store();
  auto faults = store.verify_all();
  auto forks = store.forks();
  Frontier f = store.frontier();
  for (const auto& fault : faults) cli::out() << "FAULT " << fault.location << ": " << fault.problem << "\n";
  // A fork (two different entries signed at one seq) is evidence that a node's key wrote its
  // history twice (e.g. restored from an old backup): never "ok", whatever else verifies.
  // Once the key is revoked the fork is settled (README "Recovering from a fork"): reported, the
  // evidence kept, but no longer a failure.
  size_t open_forks = 0;
  for (const auto& fork : forks) {
    auto settled = fork_settlement(store.views(), fork.feed.author);
    if (!settled.ok()) return fail(settled.status());
    if (*settled) {
      cli::out() << "fork settled: node " << fork.feed.author.hex() << " feed " << fork.feed.scope << " seq "
                 << fork.seq << ": its key was revoked " << iso_time_ms((*settled)->revoked.revoked_ms)
                 << ((*settled)->replacement ? "; the district writes with key " + (*settled)->replacement->key.hex()
                                             : std::string("; no new key is enrolled for its district yet"))
                 << "; the evidence is kept\n";
      continue;
    }
    ++open_forks;
    cli::out() << "FORK node " << fork.feed.author.hex() << " feed " << fork.feed.scope << " seq " << fork.seq
              << ": " << fork.entries.size() << " different entries signed for this seq, kept as evidence;"
              << " the feed is frozen" << (fork.reason.empty() ? "" : " (" + fork.reason + ")") << "\n";
  }
  if (auto hold = store.write_hold()) {
    cli::out() << "HOLD this node does not write until it has learned its own heads from a peer: " << hold->reason
               << "\n";
  }
  if (!faults.empty() || open_forks != 0) {
    cli::err() << "mhero: log verify found";
    if (!faults.empty()) cli::err() << " " << faults.size() << " fault(s)";
    if (!faults.empty() && open_forks != 0) cli::err() << " and";
    if (open_forks != 0) cli::err() << " " << open_forks << " fork(s)";
    cli::err() << " in " << ctx.dir
               << (open_forks != 0 ? "; a fork is settled once its key is revoked (README \"Recovering from a fork\")" : "")
               << "\n";
    return 1;
  }
  cli::out() << "ok: " << f.total() << " entries in " << f.size() << " feeds verified\n";
  return 0;
}

}  // namespace

void add_log_commands(CLI::App& app, Context& ctx) {
  auto* log = app.add_subcommand("log", "Inspect and move the signed log");
  log->require_subcommand(1);

  struct Args {
    std::string scope, note, feed, out, in;
    bool json = false;
  };
  auto args = std::make_shared<Args>();

  auto* append = log->add_subcommand("append", "Append a note entry to this node's feed");
  add_dir_option(*append, ctx);
  append->add_option("--scope", args->scope, "Scope (default: this node's own scope)");
  append->add_option("--note", args->note, "Text of the note")->required();
  append->callback([&ctx, args] {
    ctx.action = [&ctx, args]() -> int {
      auto node = ctx.open_node();
      if (!node.ok()) return fail(node.status());
      std::string scope = args->scope.empty() ? (*node)->own_scope() : args->scope;
      capnp::MallocMessageBuilder message;
      message.initRoot<schema::Payload>().setNote(args->note);
      auto entry = (*node)->store().append((*node)->key(), scope,
                                           message.getRoot<schema::Payload>().asReader());
      if (!entry.ok()) return fail(entry.status());
      warn_if_not_enrolled(**node, "The entry was written here anyway.");
      cli::out() << "appended " << entry->feed().to_string() << " seq " << entry->seq() << " id "
                << to_hex(entry->id()) << "\n";
      return 0;
    };
  });

  auto* show = log->add_subcommand("show", "List entries, feed by feed");
  add_dir_option(*show, ctx);
  show->add_option("--feed", args->feed, "Only feeds matching a scope, an author hex prefix or AUTHOR/SCOPE");
  show->add_flag("--json", args->json, "Print JSON");
  show->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_log_show(ctx, args->feed, args->json); }; });

  auto* verify = log->add_subcommand("verify", "Re-verify every entry; exit 1 listing each fault and fork");
  add_dir_option(*verify, ctx);
  verify->callback([&ctx] { ctx.action = [&ctx] { return run_verify(ctx); }; });

  struct ResumeArgs {
    bool no_peer_holds_more = false;
    std::string reason;
  };
  auto resume_args = std::make_shared<ResumeArgs>();
  auto* resume = log->add_subcommand(
      "resume-writes", "End a restored or copied node's wait to learn its own feeds, when no peer holds any of them");
  add_dir_option(*resume, ctx);
  resume->add_flag("--no-peer-holds-more", resume_args->no_peer_holds_more,
                   "Required: you know no peer holds entries of this node beyond what it holds");
  resume->add_option("--reason", resume_args->reason, "Why (kept with the record of this override)");
  resume->callback([&ctx, resume_args] {
    ctx.action = [&ctx, resume_args]() -> int {
      if (!resume_args->no_peer_holds_more) {
        return usage_error(
            "log resume-writes needs --no-peer-holds-more: this node may be behind its own feeds, and writing "
            "before it has learned them from a peer signs a second entry at a seq it already used (a fork). "
            "Pass the flag only when no peer holds anything of this node beyond what it holds");
      }
      auto node = ctx.open_node();
      if (!node.ok()) return fail(node.status());
      LogStore& store = (*node)->store();
      auto hold = store.write_hold();
      const passwd* pw = ::getpwuid(::geteuid());
      std::string who = std::string("cli:") + (pw && pw->pw_name ? pw->pw_name : "?");
      Status s = store.resume_writes(who + " --no-peer-holds-more" +
                                     (resume_args->reason.empty() ? "" : ": " + resume_args->reason));
      if (!s.ok()) return fail(s);
      spdlog::warn("writes resumed by {} without learning this node's own heads from a peer (hold was: {})", who,
                   hold ? hold->reason : "");
      out() << "writes resumed: this node writes again after its own heads (held was: " << (hold ? hold->reason : "")
            << "). The override is recorded in the store.\n";
      return 0;
    };
  });

  auto* exp = log->add_subcommand("export-raw", "Write every entry to a raw file (testing; not encrypted)");
  add_dir_option(*exp, ctx);
  exp->add_option("--out", args->out, "Output file")->required();
  exp->callback([&ctx, args] {
    ctx.action = [&ctx, args]() -> int {
      auto node = ctx.open_node();
      if (!node.ok()) return fail(node.status());
      auto cursor = (*node)->store().entries_after(Frontier{});
      auto n = write_raw_file(args->out, *cursor);
      if (!n.ok()) return fail(n.status());
      cli::out() << "exported " << *n << " entries to " << args->out << "\n";
      return 0;
    };
  });

  auto* imp = log->add_subcommand("import-raw", "Verify and ingest a raw file: all entries or none");
  add_dir_option(*imp, ctx);
  imp->add_option("file", args->in, "Raw file from `log export-raw`")->required();
  imp->callback([&ctx, args] {
    ctx.action = [&ctx, args]() -> int {
      auto entries = read_raw_file(args->in);
      if (!entries.ok()) return fail(entries.status());
      auto node = ctx.open_node();
      if (!node.ok()) return fail(node.status());
      IngestResult r = (*node)->store().ingest(*entries);
      if (!r.ok()) {
        return fail(r.status.with_context(args->in + " (" + ingest_fault_name(r.fault) +
                                          "; nothing was imported)"));
      }
      cli::out() << "imported " << args->in << ": " << r.added << " new entries, " << r.duplicates
                << " already held\n";
      return 0;
    };
  });
}

}  // namespace mhero::cli
