// `mhero bundle export|import|inspect`: USB sneakernet bundles (schema/README.md "Bundles").

#include <cctype>
#include <optional>
#include <set>

#include "bundle/body_check.h"
#include "bundle/checked_file.h"
#include "bundle/exporter.h"
#include "bundle/importer.h"
#include "cli/context.h"
#include "cli/progress.h"
#include "fleet/arrival_log.h"
#include "ops/counted_arrivals.h"
#include "fleet/node_status_writer.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace mhero::cli {

namespace {

// `bundle import` exit code when some files were imported and others set aside.
constexpr int kExitSetAside = 3;
constexpr int kExitWaitingForParts = 4;  // Everything placed, but a bundle waits for its other parts.

struct BundleArgs {
  std::string out, to = "central";
  bool full = false, strict = false, with_status = false;
  std::optional<std::string> max_bytes;  // nullopt = one file; else a size as parse_part_size reads it.
  uint32_t format_version = bundle::kFormatVersion;
  size_t segment_entries = 4096;
  std::vector<std::string> files;
};

/// A part size as a driver reads it off the stick: bytes ("300000"), or with a unit in any case
/// and optional spaces: B or bytes, k, M, G, kB, MB, GB (powers of 1000, as file managers show free space)
/// or KiB, MiB, GiB. Spaces around it are ignored. Errors: invalid_argument saying what is wrong
/// (no number, a fraction, an unknown unit, 0, more than 2^64 bytes).
Result<uint64_t> parse_part_size(std::string_view text) {
  auto space = [](char ch) { return ch == ' ' || ch == '\t'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  uint64_t n = 0;
  bool too_large = false;
  size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    too_large = too_large || n > (UINT64_MAX - 9) / 10;
    n = n * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  if (i == 0 && !text.empty() && text[0] == '-') return invalid_argument("a size is a positive number");
  if (i == 0) return invalid_argument(text.empty() ? "it is empty" : "it does not start with a number");
  if (i < text.size() && text[i] == ',') return invalid_argument("give the number without separators (300000, or 300k)");
  if (i < text.size() && text[i] == '.') {
    return invalid_argument("give a whole number, in a smaller unit if needed (1500k for 1.5M)");
  }
  while (i < text.size() && space(text[i])) ++i;
  std::string unit(text.substr(i));
  for (char& ch : unit) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  static const std::pair<std::string_view, uint64_t> units[] = {
      {"", 1},     {"b", 1},    {"byte", 1}, {"bytes", 1}, {"k", 1000}, {"kb", 1000}, {"m", 1000'000}, {"mb", 1000'000}, {"g", 1000'000'000},
      {"gb", 1000'000'000}, {"kib", 1ull << 10}, {"mib", 1ull << 20}, {"gib", 1ull << 30}};
  for (const auto& [name, factor] : units) {
    if (unit != name) continue;
    if (too_large || n > UINT64_MAX / factor) return invalid_argument("it is more than 2^64 bytes");
    if (n == 0) return invalid_argument("a part holds at least one byte");
    return n * factor;
  }
  return invalid_argument("\"" + std::string(text.substr(i)) + "\" is not a unit: use B, k, M, G, kB, MB, GB, KiB, MiB or GiB");
}

int run_export(Context& ctx, const BundleArgs& args) {
  // An empty --max-bytes '' is refused like any other bad size, not read as "no limit".
  Result<uint64_t> max_bytes = args.max_bytes ? parse_part_size(*args.max_bytes) : Result<uint64_t>(uint64_t{0});
  if (!max_bytes.ok()) {
    return usage_error("--max-bytes \"" + *args.max_bytes + "\": " + max_bytes.status().message() +
                       ". Give the largest part in bytes, e.g. 300000, 300k, 2M or 1GiB (leave --max-bytes out "
                       "for one file)");
  }
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  NodeId to;
  if (args.to == "central") {
    if (!(*node)->config().central_key || *(*node)->config().central_key == (*node)->id()) {
      return usage_error("--to central: this node is the central node; pass --to NODEID");
    }
    to = *(*node)->config().central_key;
  } else {
    auto id = NodeId::from_hex(args.to);
    if (!id) return usage_error("--to: \"" + args.to + "\" is not `central` or a 64-hex node id");
    to = *id;
  }
  auto job = (*node)->exclusive(Job::bundle);
  auto profile = bundle::resolve_peer(**node, to);
  if (!profile.ok()) return fail(profile.status().with_context("--to"));
  if (args.with_status) {
    // The health of a USB-only district rides with the stick (fleet/node_status_writer.h).
    fleet::NodeStatusWriter writer(**node, fleet::status_interval((*node)->config()));
    auto written = writer.run_once();
    if (!written.ok()) return fail(written.status().with_context("writing this node's nodeStatus"));
    if (*written) cli::out() << "nodeStatus written (" << **written << ")\n";
  }
  bundle::ExportOptions options{*profile, args.out, args.full, *max_bytes};
  options.format_version = args.format_version;
  auto report = bundle::export_bundle(**node, options);
  if (!report.ok()) return fail(report.status().with_context("exporting to " + args.out));
  // For the console's chain of custody (fleet_names.h custody_chain): what went out, to whom.
  fleet::ArrivalLog log((*node)->store());
  BundleFact exported{to_hex(std::span<const uint8_t>(report->bundle_id)), (*node)->id(), to,
                      report->created_at_ms, 0, report->entry_count, 0,
                      static_cast<uint32_t>(report->parts.size()), std::nullopt,
                      std::filesystem::path(args.out).filename().string()};
  if (Status recorded = log.bundle_exported(exported); !recorded.ok()) {
    cli::err() << "mhero: warning: the bundle was written, but recording its export for the console failed: "
               << recorded.to_string() << "\n";
  }
  cli::out() << "exported bundle " << to_hex(std::span<const uint8_t>(report->bundle_id)) << " to node "
            << to.short_hex() << ": " << report->entry_count << " entries in " << report->parts.size()
            << " part(s), " << report->bytes << " bytes" << (args.full ? " (full)" : "") << "\n";
  for (const auto& p : report->parts) cli::out() << "  " << p.string() << "\n";
  for (const auto& p : report->relayed) cli::out() << "  " << p.string() << " (relayed, unchanged)\n";
  for (const auto& w : report->warnings) cli::err() << "mhero: warning: " << w << "\n";
  return 0;
}

int run_import(Context& ctx, const BundleArgs& args) {
  auto node = ctx.open_node();
  if (!node.ok() && node.status().code() == StatusCode::resource_exhausted) {
    std::string files;
    for (const auto& f : args.files) files += (files.empty() ? "" : ", ") + f;
    return fail(resource_exhausted(files + ": the disk is full: this node's store cannot even be opened, so "
                                   "nothing was imported. Free disk space there and import the same "
                                   "file(s) again (" + node.status().message() + ")"));
  }
  if (!node.ok()) return fail(node.status());
  auto job = (*node)->exclusive(Job::bundle);
  std::vector<std::filesystem::path> paths(args.files.begin(), args.files.end());
  ProgressBar bar = ProgressBar::for_stderr();
  fleet::ArrivalLog log((*node)->store());
  ops::CountedArrivals arrivals(&log, (*node)->metrics());  // Counted for /metrics inside `mhero run`.
  bundle::ImportOptions options;
  options.arrivals = &arrivals;
  options.relay = !args.strict;
  options.segment_entries = args.segment_entries;
  options.progress = [&bar](const bundle::ImportProgress& p) {
    bar.update(p.entries, p.total_entries, p.body_bytes, p.total_body_bytes);
  };
  auto reports = bundle::import_bundles(**node, paths, options);
  bar.finish();
  if (!reports.ok()) return fail(reports.status());
  size_t set_aside = 0;
  std::set<std::string> waiting;  // Bundle ids (hex) kept until their other parts come.
  for (const auto& r : *reports) {
    if (r.unreadable) {
      ++set_aside;
      cli::out() << r.path.string() << ": " << bundle::outcome_name(r.outcome) << "\n";
      cli::err() << "mhero: warning: " << r.reason << "\n";
      continue;
    }
    cli::out() << r.path.string() << ": bundle " << r.header.id_hex().substr(0, 12) << " part "
              << r.header.part_index << "/" << r.header.part_count << " from " << r.header.sender.short_hex()
              << ": " << bundle::outcome_name(r.outcome);
    if (r.outcome == bundle::Outcome::imported) {
      if (r.counted) {
        cli::out() << ", " << r.added << " new entries, " << r.duplicates << " already held; receipt written";
      } else {
        cli::out() << " with the other parts of its bundle";
      }
    }
    if (r.outcome == bundle::Outcome::already_imported) cli::out() << ": 0 new entries, nothing changed";
    if (r.outcome == bundle::Outcome::waiting_for_parts) {
      cli::out() << " (" << r.reason << ")";
      waiting.insert(r.header.id_hex());
    }
    if (r.outcome == bundle::Outcome::relayed || r.outcome == bundle::Outcome::already_relayed) {
      cli::out() << " (for node " << r.header.recipient.short_hex() << ")";
    }
    if (r.outcome == bundle::Outcome::relayed_to_central) {
      cli::out() << " (for node " << r.header.recipient.hex()
                << ", which this node does not know yet: the central node knows every enrolled node and "
                   "forwards it; carry it with the next `mhero bundle export --to central`)";
    }
    if (r.outcome == bundle::Outcome::set_aside) {
      ++set_aside;
      cli::err() << "mhero: warning: " << r.reason << "\n";
    }
    cli::out() << "\n";
  }
  if (set_aside > 0) {
    cli::out() << set_aside << " of " << reports->size()
              << " file(s) SET ASIDE, not imported (see the warnings); the others were imported\n";
    return kExitSetAside;
  }
  if (!waiting.empty()) {
    // Kept, not applied: a driver or a script must know before the stick goes back.
    cli::out() << waiting.size() << (waiting.size() == 1 ? " bundle is" : " bundles are")
               << " kept but NOT applied yet: bring the missing parts named above and import them (the parts "
                  "held here are kept)\n";
    return kExitWaitingForParts;
  }
  return 0;
}

// One file of `bundle inspect`: its header, and with `key` its body. Errors: the file's own
// (check_file, verify_body), naming it.
Status inspect_file(const std::string& path, const NodeKey* key) {
  MHERO_ASSIGN_OR_RETURN(auto file, bundle::check_file(path));
  const bundle::Header& h = file.header;
  cli::out() << "file:        " << path << "\n"
            << "format:      " << h.format_version << "\n"
            << "bundle id:   " << h.id_hex() << "\n"
            << "part:        " << h.part_index << " of " << h.part_count << "\n"
            << "sender:      " << h.sender.hex() << " (header signature verified)\n"
            << "recipient:   " << h.recipient.hex() << "\n"
            << "created:     " << iso_time_ms(h.created_at_ms) << "\n"
            << "entries:     " << h.entry_count << " (" << h.plain_bytes << " bytes before compression)\n"
            << "body:        " << h.body_bytes << " bytes, BLAKE2b-256 " << to_hex(std::span<const uint8_t>(h.body_hash))
            << " (matches)\n"
            << "base:        " << h.base.total() << " entries in " << h.base.size() << " feeds\n"
            << "covers:      " << h.covers.total() << " entries in " << h.covers.size() << " feeds\n";
  for (const auto& r : h.ranges) {
    cli::out() << "  feed " << r.feed.author.hex() << "/" << r.feed.scope << " seq " << r.first_seq << ".."
              << r.last_seq << "\n";
  }
  if (key == nullptr) {
    cli::out() << "body:        not decrypted (pass --dir of the recipient node to verify it)\n";
    return {};
  }
  MHERO_ASSIGN_OR_RETURN(auto summary, bundle::verify_body(file, *key));
  cli::out() << "body:        decrypted and verified: " << summary.entries
            << " entries, every signature and chain link valid\n";
  return {};
}

int run_inspect(Context& ctx, const BundleArgs& args) {
  std::optional<NodeKey> key;
  if (!ctx.dir.empty()) {
    auto loaded = NodeKey::load_file(ctx.paths().key());
    if (!loaded.ok()) return fail(loaded.status());
    key = std::move(loaded).value();
  }
  // Every file is inspected (the parts of a bundle, say), a bad one among them reported in its
  // place; the exit code is the first failure's.
  int code = 0;
  for (size_t i = 0; i < args.files.size(); ++i) {
    if (i > 0) cli::out() << "\n";
    Status s = inspect_file(args.files[i], key ? &*key : nullptr);
    if (!s.ok()) {
      int failed = fail(s);
      if (code == 0) code = failed;
    }
  }
  return code;
}

}  // namespace

void add_bundle_commands(CLI::App& app, Context& ctx) {
  auto* bundle = app.add_subcommand("bundle", "Move entries on a USB stick: encrypted, signed bundle files");
  bundle->require_subcommand(1);
  auto args = std::make_shared<BundleArgs>();

  auto* exp = bundle->add_subcommand(
      "export",
      "Write the entries the recipient lacks (from its receipts, its bundles and the last sync session with it), encrypted to it, plus any "
      "bundles this node relays toward it");
  add_dir_option(*exp, ctx);
  exp->add_option("--out", args->out, "Bundle file to write (parts and relayed bundles go beside it)")
      ->required();
  exp->add_option("--to", args->to, "Recipient: `central` (default) or a node id (64 hex)");
  exp->add_flag("--full", args->full, "Ignore what the recipient is known to hold; send everything it may hold");
  exp->add_flag("--with-status", args->with_status,
                "First append this node's nodeStatus (health) when one is due, so it rides with the bundle");
  exp->add_option("--max-bytes", args->max_bytes,
                  "Split into parts of at most this many bytes (300000, or 300k, 2M, 1G, 512MiB; "
                  "FILE.part<k>of<m>.mhb); the recipient "
                  "applies the bundle once all parts are imported, in any order, over one or several imports");
  exp->add_option("--format", args->format_version,
                  "Bundle format version to write: " + std::to_string(bundle::kFormatVersion) +
                      " (default, smallest) or " + std::to_string(bundle::kMinFormatVersion) +
                      " for a recipient whose mhero is older and reads only that version")
      ->check(CLI::Range(bundle::kMinFormatVersion, bundle::kFormatVersion));
  exp->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_export(ctx, *args); }; });

  auto* imp = bundle->add_subcommand(
      "import",
      "Verify and apply bundle files addressed to this node (idempotent; writes a receipt); keep those for "
      "other nodes to relay them (at a district: also for nodes it does not know, toward the central node); "
      "refuse a bundle this node wrote itself. Files are applied first, then those that could not be placed are routed "
      "again (an enrollment just imported may place them); a file still unplaceable (or, among several, an empty "
      "or damaged one) is set aside with a warning "
      "saying why and what to do, the others are imported, and the exit code is 3. A multi-part bundle is applied only when all its parts are present "
      "(given together or over several imports); incomplete ones are kept until then, and the missing parts are named");
  add_dir_option(*imp, ctx);
  imp->add_option("files", args->files, "Bundle files (parts and relayed bundles, any order)")->required();
  imp->add_flag("--strict", args->strict, "Refuse bundles addressed to another node instead of relaying them");
  imp->add_option("--segment-entries", args->segment_entries,
                  "Entries per atomic commit (default 4096); if the import stops (disk full), the whole "
                  "segments before stay and the same import continues from there")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  imp->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_import(ctx, *args); }; });

  auto* ins = bundle->add_subcommand(
      "inspect", "Show a bundle's header, counts, feeds and seq ranges and check its integrity; with --dir of "
                 "the recipient, also decrypt and verify every entry");
  ins->add_option("--dir", ctx.dir, "Recipient node directory (optional): also verify the body");
  ins->add_option("files", args->files, "Bundle files (the parts of a bundle, say), each inspected")->required();
  ins->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_inspect(ctx, *args); }; });
}

}  // namespace mhero::cli
