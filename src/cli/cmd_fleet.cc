// `mhero districts`, `mhero alarms`: what this node knows about every node (fleet/fleet_query.h);
// and, inside `mhero run`, the nodeStatus writer (fleet/node_status_writer.h).
#include <algorithm>

#include "cli/context.h"
#include "fleet/fleet_json.h"
#include "fleet/node_status_writer.h"

namespace mhero::cli {

namespace {

std::string contact_text(const fleet::DistrictRow& r) {
  const fleet::Contact& c = r.last_contact;
  switch (c.via) {
    case fleet::ContactVia::none: return "never";
    case fleet::ContactVia::session:
      return iso_time_ms(c.at_ms) + " online, " + std::to_string(c.bytes_in + c.bytes_out) + " bytes, " +
             std::to_string(c.entries_sent) + " sent / " + std::to_string(c.entries_received) + " received";
    case fleet::ContactVia::bundle:
      return iso_time_ms(c.at_ms) + " bundle " + c.bundle_id +
             (r.relayed_by_district.empty() ? "" : " relayed by " + r.relayed_by_district);
  }
  return "?";
}

std::string health_text(const fleet::DistrictRow& r) {
  if (!r.health) return "no status yet";
  const fleet::StatusRecord& h = *r.health;
  if (!h.plausible()) return "implausible status at " + iso_time_ms(h.as_of_ms) + " (ignored)";
  return std::to_string(h.free_disk_bytes / (1024 * 1024)) + " MiB free, store " +
         std::to_string(h.store_bytes / (1024 * 1024)) + " MiB, version " + h.version + ", as of " +
         iso_time_ms(h.as_of_ms);
}

void print_row(const fleet::DistrictRow& r) {
  cli::out() << r.district << "  " << fleet::colour_name(r.colour) << "  node " << r.node.short_hex()
            << (r.label.empty() ? "" : "  \"" + r.label + "\"") << (r.revoked ? "  REVOKED" : "")
            << (r.enrolled ? "" : "  (enrollment not known here)") << "\n";
  cli::out() << "  last contact: " << contact_text(r) << "\n";
  cli::out() << "  lag: district lacks " << r.behind_entries << " entries"
            << (r.behind_ms ? " (oldest waiting " + fleet::human_duration(*r.behind_ms) + ")" : "")
            << ", central lacks " << r.ahead_entries << "; pending messages " << r.pending_messages << "\n";
  for (const fleet::FeedLag& l : r.lags) {
    cli::out() << "    " << l.feed.author.short_hex() << "/" << l.feed.scope << "  central " << l.central_seq
              << "  district " << l.district_seq
              << (l.lacking.empty() ? "" : "  (" + l.lacking + " lacks " + std::to_string(l.entries) + ")") << "\n";
  }
  cli::out() << "  health: " << health_text(r);
  if (r.clock_offset_ms) cli::out() << "; clock offset " << *r.clock_offset_ms << " ms";
  cli::out() << "\n";
  for (const auto& why : r.colour_reasons) cli::out() << "  ! " << why << "\n";
}

int run_districts(Context& ctx, bool json, const std::string& district) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto fc = fleet::FleetContext::of(**node);
  if (!district.empty()) {
    auto detail = fleet::district_detail(fc, district);
    if (!detail.ok()) return fail(detail.status());
    if (json) {
      cli::out() << fleet::to_json(*detail).dump(2) << "\n";
      return 0;
    }
    print_row(detail->row);
    cli::out() << "sessions:" << (detail->sessions.empty() ? " none recorded" : "") << "\n";
    for (const auto& s : detail->sessions) {
      cli::out() << "  " << iso_time_ms(s.ended_ms) << " " << (s.dialed ? "dialed " : "from ") << s.address << "  "
                << s.bytes_in << " B in, " << s.bytes_out << " B out, " << s.entries_sent << " sent, "
                << s.entries_received << " received" << (s.ok() ? "" : "  FAILED: " + s.error) << "\n";
    }
    cli::out() << "bundles:" << (detail->bundles.empty() ? " none recorded" : "") << "\n";
    for (const auto& b : detail->bundles) {
      cli::out() << "  " << b.bundle_id << "  " << b.sender_name << " -> " << b.recipient_name
                << (b.exported_ms ? "  exported " + iso_time_ms(b.exported_ms) : "")
                << (b.imported_ms ? "  imported " + iso_time_ms(b.imported_ms) : "")
                << (b.relayed_by ? "  relayed by " + b.relayed_by_name : "")
                << (b.entry_count_known ? "  " + std::to_string(b.entry_count) + " entries" : "")
                << (b.entries_new_known ? " (" + std::to_string(b.entries_new) + " new)" : "")
                << (b.receipt_seq ? "  receipt seq " + std::to_string(*b.receipt_seq) : "") << "\n";
    }
    cli::out() << "health history: " << detail->health_history.size() << " status entries\n";
    return 0;
  }
  auto rows = fleet::districts(fc);
  if (!rows.ok()) return fail(rows.status());
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : *rows) out.push_back(fleet::to_json(r));
    cli::out() << out.dump(2) << "\n";
    return 0;
  }
  if (rows->empty()) cli::out() << "no district enrolled yet\n";
  for (const auto& r : *rows) print_row(r);
  return 0;
}

int run_alarms(Context& ctx, bool json) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto list = fleet::alarms(fleet::FleetContext::of(**node));
  if (!list.ok()) return fail(list.status());
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : *list) out.push_back(fleet::to_json(a));
    cli::out() << out.dump(2) << "\n";
    return 0;
  }
  if (list->empty()) cli::out() << "no alarms\n";
  for (const auto& a : *list) {
    cli::out() << fleet::severity_name(a.severity) << "  " << a.kind << "  " << a.subject << "\n"
              << "  " << a.what << "\n  what to do: " << a.action << "\n";
    for (const auto& [k, v] : a.evidence) cli::out() << "  " << k << ": " << v << "\n";
  }
  return 0;
}

}  // namespace

void add_fleet_commands(CLI::App& app, Context& ctx) {
  struct Args {
    bool json = false;
    std::string district;
  };
  auto args = std::make_shared<Args>();
  auto* districts = app.add_subcommand(
      "districts", "Per district: last contact and how, frontier lag, pending messages, health, colour");
  add_dir_option(*districts, ctx);
  districts->add_flag("--json", args->json, "Print JSON");
  districts->add_option("--district", args->district, "Show one district in detail (sessions, bundles, health)");
  districts->callback([&ctx, args] {
    ctx.action = [&ctx, args] { return run_districts(ctx, args->json, args->district); };
  });

  auto* alarms = app.add_subcommand("alarms", "Forks, refused keys, silent districts, clock skew, dispatch failures");
  add_dir_option(*alarms, ctx);
  alarms->add_flag("--json", args->json, "Print JSON");
  alarms->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_alarms(ctx, args->json); }; });

  // Inside `mhero run`: the node's own nodeStatus, checked every 30 s (or the interval if shorter).
  ctx.run_hooks.push_back([](Node& node, std::vector<PeriodicTask>& tasks) {
    auto interval = fleet::status_interval(node.config());
    auto writer = std::make_shared<fleet::NodeStatusWriter>(node, interval, fleet::FirstRun::baseline);
    PeriodicTask task = writer->task(std::min<std::chrono::milliseconds>(interval, std::chrono::seconds(30)));
    task.run = [writer, run = std::move(task.run)] { run(); };
    tasks.push_back(std::move(task));
  });
}

}  // namespace mhero::cli
