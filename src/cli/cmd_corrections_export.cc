// `mhero registry corrections export --accepted --since T --csd FILE [--csv FILE]`: accepted
// corrections as a CSD document for iHRIS / OpenInfoMan staff, and a CSV for people
// (registry/csd_export.h). Any node can run it; the central node holds every district's.
#include "bundle/atomic_file.h"
#include "cli/context.h"
#include "registry/csd_export.h"
#include "registry/datetime.h"
#include "util/plural.h"

namespace mhero::cli {

namespace {

struct ExportArgs {
  bool accepted = false;
  std::string since, csd, csv;
};

int run_export(Context& ctx, const ExportArgs& a) {
  if (!a.accepted) return usage_error("corrections export writes accepted corrections only: add --accepted");
  std::chrono::milliseconds since{0};
  if (!a.since.empty()) {
    std::string text = a.since.size() == 10 ? a.since + "T00:00:00Z" : a.since;
    auto t = registry::parse_xsd_datetime(text);
    if (!t) return usage_error("--since '" + a.since + "' is not a date (2026-12-01) or date-time (2026-12-01T08:00:00Z)");
    since = std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch());
  }
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto items = registry::accepted_since((*node)->store(), since);
  if (!items.ok()) return fail(items.status());
  auto write = [](const std::string& path, const std::string& text) {
    return bundle::write_file_atomically(path, [&](std::ostream& out) -> Status {
      out << text;
      return {};
    });
  };
  if (Status s = write(a.csd, registry::csd_document(*items)); !s.ok()) return fail(s);
  if (!a.csv.empty()) {
    if (Status s = write(a.csv, registry::corrections_csv(*items)); !s.ok()) return fail(s);
  }
  cli::out() << "exported " << counted(items->size(), "accepted correction") << " to " << a.csd
             << (a.csv.empty() ? "" : " and " + a.csv) << "\n";
  return 0;
}

}  // namespace

void add_export_command(CLI::App& corrections, Context& ctx) {
  auto a = std::make_shared<ExportArgs>();
  auto* exp = corrections.add_subcommand(
      "export", "Write accepted corrections as a CSD document (and CSV) for the source registry's staff");
  add_dir_option(*exp, ctx);
  exp->add_flag("--accepted", a->accepted, "Accepted corrections (required)");
  exp->add_option("--since", a->since, "Decided at or after this UTC date or date-time");
  exp->add_option("--csd", a->csd, "CSD XML file to write (urn:ihe:iti:csd:2013)")->required();
  exp->add_option("--csv", a->csv, "CSV file to write (one line per changed field)");
  exp->callback([&ctx, a] { ctx.action = [&ctx, a] { return run_export(ctx, *a); }; });
}

}  // namespace mhero::cli
