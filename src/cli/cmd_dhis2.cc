// `mhero dhis2 pull|push|status` (central node, [dhis2] in config.toml): the org-unit tree in as
// facility and organization records (integrations/dhis2_pull.h), health workers' answers out as
// aggregate data values (integrations/dhis2_push.h), and what was pushed with DHIS2's answer.
#include <spdlog/spdlog.h>

#include <sstream>

#include "cli/context.h"
#include "integrations/dhis2_push.h"
#include "integrations/registry_pull.h"

namespace mhero::cli {

void print_dhis2_pull(const integrations::Dhis2PullReport& d, const NodeConfig& config, std::ostream& out);

namespace {

using nlohmann::json;

struct Dhis2Args {
  bool force = false, dry_run = false, all = false, json = false;
  size_t limit = 10;
};

Result<integrations::Dhis2Config> central_config(Node& node, const char* what) {
  if (node.config().role != Role::central) {
    return failed_precondition(std::string(what) + " runs on the central node only; this node is a district (" +
                               node.config().district + ")");
  }
  if (!integrations::Dhis2Config::configured(node.config())) {
    return failed_precondition(std::string(what) + ": [dhis2] url is not set in " + node.paths().config().string());
  }
  return integrations::Dhis2Config::from(node.config(), node.paths().dir);
}

/// "SUCCESS: imported 3, updated 0, ignored 1, deleted 0" and one line per conflict.
void print_summary(const json& summary, std::ostream& out, const std::string& indent) {
  if (!summary.is_object()) return;
  const json count = summary.value("importCount", json::object());
  out << indent << "DHIS2: " << summary.value("status", "?") << ": imported " << count.value("imported", 0)
      << ", updated " << count.value("updated", 0) << ", ignored " << count.value("ignored", 0) << ", deleted "
      << count.value("deleted", 0);
  std::string description = summary.value("description", "");
  if (!description.empty()) out << " (" << description << ")";
  out << "\n";
  for (const auto& c : summary.value("conflicts", json::array())) {
    if (!c.is_object()) continue;
    out << indent << "  conflict " << c.value("errorCode", "") << (c.contains("errorCode") ? " " : "")
        << c.value("object", "") << ": " << c.value("value", "");
    if (c.contains("indexes") && c["indexes"].is_array()) out << " (values " << c["indexes"].dump() << ")";
    out << "\n";
  }
}

/// Pushes and prints the report to `out`, and a line per mapping rule no answer matched to
/// `warnings`; the number of values DHIS2 refused (0 when all were taken).
Result<size_t> push(Node& node, bool dry_run, bool all, std::ostream& out, std::ostream& warnings) {
  MHERO_ASSIGN_OR_RETURN(auto config, central_config(node, "dhis2 push"));
  if (config.mapping_file.empty()) {
    return failed_precondition("dhis2 push: [dhis2] mapping_file is not set (which flow results go to which data "
                               "elements; README.md \"DHIS2\")");
  }
  MHERO_ASSIGN_OR_RETURN(auto rules, integrations::load_dhis2_mapping(config.mapping_file));
  auto job = node.exclusive(Job::messaging);
  net::HttpClient http(config.http_options());
  MHERO_ASSIGN_OR_RETURN(auto r, integrations::push_dhis2(node.store(), http, config, rules, node.clock(), dry_run, all));
  out << "dhis2 push to " << config.url << (dry_run ? " (dry run)" : "") << ": " << r.sent.size()
      << " values posted, " << r.unchanged << " unchanged since DHIS2 accepted them; from " << r.responses_used
      << " answers";
  if (r.no_facility) out << " (" << r.no_facility << " answers of workers at no facility DHIS2 knows: pull first)";
  if (r.not_numeric) out << " (" << r.not_numeric << " answers not numbers, left out of sum/mean)";
  out << "\n";
  for (const auto& rule : r.unmatched) {
    warnings << "warning: no answer held for mapping rule " << rule << ": check the flow's name or uuid in "
               << config.mapping_file.string() << " against `mhero flows list` (or no health worker answered yet)\n";
  }
  for (size_t i = 0; i < r.sent.size(); ++i) {
    const auto& v = r.sent[i];
    bool refused = std::find(r.rejected.begin(), r.rejected.end(), i) != r.rejected.end();
    out << "  [" << i << "] " << v.data_element << (v.category_option_combo.empty() ? "" : "." + v.category_option_combo)
        << " " << v.period << " " << v.org_unit << " = " << v.value << " (" << v.workers << " workers)"
        << (refused ? "  REJECTED" : "") << "\n";
  }
  if (r.http_status) {
    out << "  HTTP " << r.http_status << "\n";
    print_summary(r.summary, out, "  ");
  }
  return r.rejected.size();
}

int run_dhis2_pull(Context& ctx, bool force) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto config = central_config(**node, "dhis2 pull");
  if (!config.ok()) return fail(config.status());
  auto job = (*node)->exclusive(Job::registry);
  auto report = integrations::pull_dhis2_registry(**node, (*node)->config(), force);
  if (!report.ok()) return fail(report.status());
  print_dhis2_pull(*report, (*node)->config(), cli::out());
  return 0;
}

int run_push(Context& ctx, const Dhis2Args& args) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto refused = push(**node, args.dry_run, args.all, cli::out(), cli::err());
  if (!refused.ok()) return fail(refused.status());
  if (*refused == 0) return 0;
  // Exit 3 as `bundle import` does when it set something aside: the rest went in.
  cli::err() << "mhero: DHIS2 refused " << *refused << " value(s), marked REJECTED above with its reasons; the others "
             << "were imported. Fix them in DHIS2 (data element, period, org unit access) or in the mapping file: "
             << "refused values are posted again on the next push\n";
  return 3;
}

int run_status(Context& ctx, const Dhis2Args& args) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto config = central_config(**node, "dhis2 status");
  if (!config.ok()) return fail(config.status());
  auto pushes = integrations::dhis2_pushes((*node)->store(), *config, args.limit);
  if (args.json) {
    cli::out() << json(pushes).dump(2) << "\n";
    return 0;
  }
  auto mark = (*node)->store().get_meta(integrations::dhis2_mark_key(config->url));
  cli::out() << "DHIS2 " << config->url << ": org units pulled up to lastUpdated "
             << (mark.ok() && *mark ? **mark : std::string("never")) << "\n";
  if (pushes.empty()) cli::out() << "no push yet (mhero dhis2 push)\n";
  for (const auto& p : pushes) {
    size_t sent = p.value("sent", json::array()).size();
    cli::out() << iso_time_ms(p.value("at_ms", int64_t{0})) << (p.value("dry_run", false) ? " dry run" : "") << ": "
               << sent << " values posted, " << p.value("unchanged", 0) << " unchanged";
    if (p.value("http_status", 0)) cli::out() << ", HTTP " << p.value("http_status", 0);
    cli::out() << "\n";
    print_summary(p.value("summary", json()), cli::out(), "  ");
  }
  return 0;
}

}  // namespace

void add_dhis2_commands(CLI::App& app, Context& ctx) {
  auto* dhis2 = app.add_subcommand("dhis2", "Central: DHIS2 org units in, answers out as data values ([dhis2])");
  dhis2->require_subcommand(1);
  auto args = std::make_shared<Dhis2Args>();

  auto* pull = dhis2->add_subcommand(
      "pull", "Pull the org units changed since the last pull (GET /api/organisationUnits) into the registry");
  add_dir_option(*pull, ctx);
  pull->add_flag("--force", args->force,
                 "Import even when more than [registry] max_moved_percent of the providers would change district");
  pull->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_dhis2_pull(ctx, args->force); }; });

  auto* push_cmd = dhis2->add_subcommand(
      "push", "Post the answers the mapping names as data values (POST /api/dataValueSets, CREATE_AND_UPDATE)");
  add_dir_option(*push_cmd, ctx);
  push_cmd->add_flag("--dry-run", args->dry_run, "Ask DHIS2 to check the values without storing them (dryRun=true)");
  push_cmd->add_flag("--all", args->all, "Post every value, also those DHIS2 already holds");
  push_cmd->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_push(ctx, *args); }; });

  auto* status = dhis2->add_subcommand("status", "What was pushed, when, and DHIS2's import summaries (newest first)");
  add_dir_option(*status, ctx);
  status->add_flag("--json", args->json, "Print the push records as JSON");
  status->add_option("--limit", args->limit, "Pushes shown")->capture_default_str();
  status->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_status(ctx, *args); }; });

  // `mhero run` on the central node: `dhis2 push` every [dhis2] push_interval_ms.
  ctx.run_hooks.push_back([](Node& node, std::vector<PeriodicTask>& tasks) {
    if (node.config().role != Role::central || !integrations::Dhis2Config::configured(node.config())) return;
    auto config = integrations::Dhis2Config::from(node.config(), node.paths().dir);
    if (!config.ok()) {
      spdlog::warn("dhis2 push disabled in mhero run: {}", config.status().to_string());
      return;
    }
    if (config->push_interval.count() == 0 || config->mapping_file.empty()) return;
    tasks.push_back({"dhis2 push", config->push_interval, [&node] {
                       std::ostringstream report, warnings;
                       auto refused = push(node, /*dry_run=*/false, /*all=*/false, report, warnings);
                       std::istringstream lines(warnings.str());
                       for (std::string line; std::getline(lines, line);) spdlog::warn("dhis2 push: {}", line);
                       if (!refused.ok()) {
                         spdlog::warn("dhis2 push: {}", refused.status().to_string());
                       } else {
                         std::string first = report.str().substr(0, report.str().find('\n'));
                         if (*refused == 0) {
                           spdlog::info("{}", first);
                         } else {
                           spdlog::warn("{}; DHIS2 refused {} (mhero dhis2 status shows why; posted again next time)",
                                        first, *refused);
                         }
                       }
                     }});
  });
}

}  // namespace mhero::cli
