// `mhero registry …`: import CSD files (central), stats, list and show (any node).
#include <chrono>
#include <sstream>

#include <spdlog/spdlog.h>

#include "cli/context.h"
#include "cli/registry_json.h"
#include "integrations/mcsd_pull.h"
#include "integrations/openinfoman_pull.h"
#include "integrations/registry_pull.h"
#include "registry/csd_parser.h"
#include "registry/importer.h"
#include "registry/registry_config.h"
#include "registry/correction_query.h"
#include "registry/provenance.h"
#include "registry/pull_refusal.h"
#include "registry/registry_query.h"

namespace mhero::cli {

namespace {

struct RegistryArgs {
  std::vector<std::string> files;
  bool full = false;
  std::string district_map;
  bool force = false;
  registry::ProviderFilter filter;
  bool json = false;
  std::string entity_id;
  bool provenance = false;
};

Status require_central(const Node& node, const char* what) {
  if (node.config().role != Role::central) {
    return failed_precondition(std::string(what) + " runs on the central node only; this node is a district (" +
                               node.config().district + ")");
  }
  return {};
}

}  // namespace

void print_dhis2_pull(const integrations::Dhis2PullReport& d, const NodeConfig& config, std::ostream& out);

void print_import_report(const registry::ImportReport& r, std::ostream& out) {
  for (const auto& w : r.warnings) {
    out << "warning: " << (w.where.empty() ? "" : w.where + ": ")
              << (w.entity_id.empty() ? "" : w.entity_id + ": ") << w.reason << "\n";
  }
  for (const auto& id : r.unassigned_ids) out << "unassigned: " << id << "\n";
  out << "parsed " << r.providers << " providers (" << r.with_valid_mobile << " with a valid mobile, "
            << r.unassigned << " unassigned, " << r.inactive << " inactive), " << r.facilities
            << " facilities, " << r.organizations << " organizations, " << r.code_lists << " code lists; "
            << r.warnings.size() << " warnings\n";
  out << "records: " << r.added << " added, " << r.changed << " changed, " << r.removed
            << " removed, " << r.unchanged << " unchanged; " << r.moved << " moved district\n";
  for (const auto& id : r.source_differs_ids) out << "source still differs: " << id << "\n";
  if (!r.source_differs_ids.empty() || r.overlays_retired > 0) {
    out << "corrections: " << r.source_differs_ids.size() << " kept over the source (source still differs), "
               << r.overlays_retired << " retired (the source agrees or moved on)\n";
  }
  out << "wrote " << r.entries_written() << " entries";
  for (const auto& [scope, n] : r.entries_by_scope) out << "  " << scope << ":" << n;
  out << "\n";
}

std::string new_import_id(const Clock& clock, const char* kind) {
  auto ms = clock.now().count();
  return std::string(kind) + "-" + std::to_string(ms);
}

namespace {

/// The report's summary lines joined with "; " (one log line; the per-record warning,
/// unassigned and "source still differs" lines are left to `registry pull` by hand).
std::string one_line(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.starts_with("warning: ") || line.starts_with("unassigned: ") ||
        line.starts_with("source still differs: ")) {
      continue;
    }
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

/// ImportOptions from [registry]: scoping rules, the map, chunking, the moved-share guard.
registry::ImportOptions import_options(const registry::RegistryConfig& config, const Clock& clock, bool force) {
  registry::ImportOptions options;
  options.rules = config.rules;
  options.chunk_records = config.chunk_records;
  options.max_moved_percent = config.max_moved_percent;
  options.max_removed_percent = config.max_removed_percent;
  options.force = force;
  options.started = clock.now();
  return options;
}

int run_import(Context& ctx, const RegistryArgs& args) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  if (Status s = require_central(**node, "registry import-csd"); !s.ok()) return fail(s);
  auto job = (*node)->exclusive(Job::registry);
  auto config = registry::RegistryConfig::from((*node)->config(), (*node)->paths().dir);
  if (!config.ok()) return fail(config.status());
  registry::PhoneNormalizer phones = config->normalizer();
  registry::ImportOptions options = import_options(*config, ctx.clock, args.force);
  options.full = args.full;
  options.import_id = new_import_id(ctx.clock, "csd");
  if (!args.district_map.empty()) {
    auto map = registry::load_district_map(args.district_map);
    if (!map.ok()) return fail(map.status());
    options.rules.map = std::move(map).value();
  }
  std::vector<std::filesystem::path> files(args.files.begin(), args.files.end());
  auto report = registry::import_csd_files((*node)->store(), (*node)->key(), files, phones, options);
  if (!report.ok()) return fail(report.status());
  print_import_report(*report, cli::out());
  std::error_code ec;
  if (!args.district_map.empty() &&
      !std::filesystem::equivalent(args.district_map, config->district_map.empty() ? "/nonexistent" : config->district_map, ec)) {
    cli::out() << "note: --district-map " << args.district_map
               << " was used for this import only; to scope every later import and pull with it, set [registry] "
                  "district_map = \"" << std::filesystem::absolute(args.district_map).string() << "\" in "
               << (*node)->paths().config().string() << "\n";
  }
  return 0;
}

}  // namespace

// `registry pull` (integrations/registry_pull.h), printing what each source gave to `out`.
Status pull_registry(Node& node, bool force, std::ostream& out) {
  if (Status s = require_central(node, "registry pull"); !s.ok()) return s;
  auto job = node.exclusive(Job::registry);
  MHERO_ASSIGN_OR_RETURN(auto report, integrations::pull_registry(node, node.config(), force));
  if (report.openinfoman) {
    out << "openinfoman:\n";
    print_import_report(report.openinfoman->import, out);
    for (const auto& [key, value] : report.openinfoman->last) out << "last " << key << " = " << value << "\n";
  }
  if (const auto& m = report.mcsd) {
    std::string url = string_or(node.config().table, "mcsd", "url", "");
    while (!url.empty() && url.back() == '/') url.pop_back();
    out << "mcsd " << url << ": " << m->requests << " requests, "
        << m->resources << " resource versions (" << m->practitioners << " Practitioner, " << m->roles
        << " PractitionerRole, " << m->locations << " Location, " << m->organizations << " Organization)\n";
    print_import_report(m->import, out);
    for (const auto& [key, value] : m->marks) out << "mark " << key << " = " << value << "\n";
  }
  if (const auto& d = report.dhis2) print_dhis2_pull(*d, node.config(), out);
  return {};
}

void print_dhis2_pull(const integrations::Dhis2PullReport& d, const NodeConfig& config, std::ostream& out) {
  std::string url = string_or(config.table, "dhis2", "url", "");
  while (!url.empty() && url.back() == '/') url.pop_back();
  out << "dhis2 " << url << ": " << d.requests << (d.requests == 1 ? " request, " : " requests, ") << d.org_units << " org units"
      << (d.since.empty() ? " (the whole tree)" : " changed since " + d.since) << " (" << d.organizations
      << " organizations, " << d.facilities << " facilities); " << d.moved_facilities << " facilities moved district, "
      << d.providers_rescoped << " providers with them\n";
  print_import_report(d.import, out);
  if (!d.mark.empty()) out << "mark lastUpdated = " << d.mark << "\n";
}

namespace {

int run_registry_pull(Context& ctx, bool force) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  Status s = pull_registry(**node, force, cli::out());
  if (!s.ok()) return fail(s);
  return 0;
}

int run_stats(Context& ctx) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto s = registry::registry_stats((*node)->store().views());
  if (!s.ok()) return fail(s.status());
  cli::out() << "providers: " << s->providers << " (" << s->active << " active, " << s->inactive
            << " inactive, " << s->status_unknown << " without status)\n"
            << "with valid mobile: " << s->with_valid_mobile << "\n"
            << "shared phones: " << s->shared_phones << " (used by " << s->workers_on_shared_phones
            << " workers; one SMS per phone)\n"
            << "unassigned: " << s->unassigned << "\n"
            << "removed: " << s->removed << "\n";
  if (s->removed_unassigned > 0) {
    cli::out() << "no longer unassigned: " << s->removed_unassigned
               << ((*node)->config().role == Role::district
                       ? " (removed from the registry, or given another district, whose records this node does not hold)"
                       : " (removed from the registry while unassigned)")
               << "\n";
  }
  cli::out() << "facilities: " << s->facilities << "\norganizations: " << s->organizations
            << "\ncode lists: " << s->code_lists << "\n";
  for (const auto& [code, n] : s->by_district) cli::out() << "district " << code << ": " << n << "\n";
  return 0;
}

int run_list(Context& ctx, const RegistryArgs& args) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto list = registry::list_providers((*node)->store().views(), args.filter);
  if (!list.ok()) return fail(list.status());
  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : *list) out.push_back(provider_json(p));
    cli::out() << out.dump(2) << "\n";
    return 0;
  }
  for (const auto& p : *list) {
    cli::out() << p.entity_id << "\t" << (p.district.empty() ? "-" : p.district) << "\t"
              << (p.cadres.empty() ? "-" : p.cadres.front().code) << "\t" << status_name(p.status) << "\t"
              << (p.mobile_e164().empty() ? "-" : p.mobile_e164()) << "\t" << p.display_name() << "\n";
  }
  cli::err() << list->size() << " providers\n";
  return 0;
}

int run_registry_show(Context& ctx, const std::string& entity_id, bool provenance) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto p = registry::find_provider((*node)->store().views(), entity_id);
  if (!p.ok()) return fail(p.status());
  nlohmann::json out = provider_json(*p);
  auto writer = registry::record_writer((*node)->store().views(), registry::RecordKind::provider, entity_id);
  if (!writer.ok()) return fail(writer.status());
  out["version"] = *writer ? (*writer)->to_string() : "";
  if (provenance) {
    auto chain = registry::record_provenance((*node)->store(), (*node)->id(), registry::RecordKind::provider, entity_id);
    if (!chain.ok()) return fail(chain.status());
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : *chain) {
      steps.push_back({{"step", s.step}, {"at_ms", s.at_ms}, {"text", s.text}, {"detail", s.detail}});
    }
    out["provenance"] = steps;
  }
  cli::out() << out.dump(2) << "\n";
  return 0;
}

}  // namespace

void add_correction_commands(CLI::App& reg, Context& ctx);  // cmd_corrections.cc

void add_registry_commands(CLI::App& app, Context& ctx) {
  auto* reg = app.add_subcommand("registry", "Health-worker registry: CSD import, queries");
  reg->require_subcommand(1);
  auto args = std::make_shared<RegistryArgs>();

  auto* imp = reg->add_subcommand("import-csd", "Import CSD documents or SVS value sets (central node)");
  add_dir_option(*imp, ctx);
  imp->add_option("files", args->files, "CSD XML files (providers, facilities, organizations) or SVS value sets")
      ->required();
  imp->add_flag("--full", args->full, "Mark records absent from the files as removed (per record kind present)");
  imp->add_option("--district-map", args->district_map,
                  "CSV of 'entityID,district_code' for facilities or organizations, for this import only "
                  "(instead of [registry] district_map)");
  imp->add_flag("--force", args->force,
                "Import even when more than [registry] max_moved_percent of the providers would change district, "
                "or (--full) more than max_removed_percent would be removed");
  imp->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_import(ctx, *args); }; });

  auto* pull = reg->add_subcommand(
      "pull",
      "Pull providers, facilities and organizations updated since the last pull from every "
      "configured source: OpenInfoMan (CSD, [openinfoman]) and/or an mCSD server (FHIR R4, [mcsd])");
  add_dir_option(*pull, ctx);
  pull->add_flag("--force", args->force,
                 "Import even when more than [registry] max_moved_percent of the providers would change district");
  pull->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_registry_pull(ctx, args->force); }; });

  // `mhero run` on the central node: `registry pull` every [registry] pull_interval_ms. A pull
  // the moved-share guard stops is logged as an error, counted (outcome "refused") and shown as
  // an alarm until a pull goes through; it never proceeds on its own (`registry pull --force`).
  ctx.run_hooks.push_back([](Node& node, std::vector<PeriodicTask>& tasks) {
    if (node.config().role != Role::central) return;
    auto config = registry::RegistryConfig::from(node.config(), node.paths().dir);
    if (!config.ok()) {
      spdlog::warn("registry pull disabled in mhero run: {}", config.status().to_string());
      return;
    }
    if (config->pull_interval.count() == 0) return;
    tasks.push_back({"registry pull", config->pull_interval, [&node] {
                       std::ostringstream report;
                       Status s = pull_registry(node, /*force=*/false, report);
                       if (s.code() == StatusCode::failed_precondition) {
                         spdlog::error("registry pull refused: {}", s.to_string());
                       } else if (!s.ok()) {
                         spdlog::warn("registry pull: {}", s.to_string());
                       } else {
                         spdlog::info("registry pull: {}", one_line(report.str()));
                       }
                     }});
  });

  auto* stats = reg->add_subcommand("stats", "Count the registry records this node holds");
  add_dir_option(*stats, ctx);
  stats->callback([&ctx] { ctx.action = [&ctx] { return run_stats(ctx); }; });

  auto* list = reg->add_subcommand("list", "List current providers (filters: OR within one, AND across)");
  add_dir_option(*list, ctx);
  list->add_option("--cadre", args->filter.cadres, "Cadre code (provider codedType @code); repeatable");
  list->add_option("--district", args->filter.districts, "District code; repeatable");
  list->add_option("--facility", args->filter.facilities, "Facility entityID; repeatable");
  list->add_option("--skill", args->filter.skills, "Specialty or credential code; repeatable");
  list->add_flag("--json", args->json, "Print JSON");
  list->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_list(ctx, *args); }; });

  auto* show = reg->add_subcommand("show", "Print one provider's current record as JSON");
  add_dir_option(*show, ctx);
  show->add_option("entity_id", args->entity_id, "CSD entityID")->required();
  show->add_flag("--provenance", args->provenance,
                 "Add where the value came from, which entry carries it and how it reached this node (newest first)");
  show->callback([&ctx, args] {
    ctx.action = [&ctx, args] { return run_registry_show(ctx, args->entity_id, args->provenance); };
  });
  add_correction_commands(*reg, ctx);
}

}  // namespace mhero::cli
