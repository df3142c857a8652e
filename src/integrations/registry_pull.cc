#include "integrations/registry_pull.h"

#include "registry/pull_refusal.h"
#include "registry/registry_config.h"

namespace mhero::integrations {

namespace {

void record_pull(Node& node, const char* source, std::chrono::steady_clock::time_point started, const Status& s) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  node.metrics()
      .histogram("mhero_registry_pull_duration_seconds", "Registry pulls, start to end.", {{"source", source}},
                 {1, 5, 15, 30, 60, 120, 300, 600, 1800})
      .observe(seconds);
  const char* outcome = s.ok() ? "ok" : s.code() == StatusCode::failed_precondition ? "refused" : "failed";
  node.metrics()
      .counter("mhero_registry_pulls_total", "Registry pulls by source and outcome (refused: the moved-share guard).",
               {{"source", source}, {"outcome", outcome}})
      .inc();
}

/// "the OpenInfoMan import before it was committed (3 added, 1 changed, 0 removed)" for each
/// source pulled before `failed`, so a later source's error does not hide what went in.
Status after_committed(Status failed, const std::vector<std::pair<std::string, const registry::ImportReport*>>& done) {
  if (done.empty()) return failed;
  std::string list;
  for (const auto& [source, r] : done) {
    if (!list.empty()) list += "; ";
    list += source + ": " + std::to_string(r->added) + " added, " + std::to_string(r->changed) + " changed, " +
            std::to_string(r->removed) + " removed";
  }
  return Status(failed.code(), failed.message() + " (committed before it, and kept: " + list +
                                   "; run `registry pull` again once the failing source is fixed)");
}

std::string import_id(const Clock& clock, const char* kind) {
  return std::string(kind) + "-" + std::to_string(clock.now().count());
}

}  // namespace

Result<RegistryPullReport> pull_registry(Node& node, const NodeConfig& config, bool force, net::HttpObserver observer) {
  if (config.role != Role::central) {
    return failed_precondition("registry pull runs on the central node only; this node is a district (" +
                               config.district + ")");
  }
  const Clock& clock = node.clock();
  MHERO_ASSIGN_OR_RETURN(auto registry, registry::RegistryConfig::from(config, node.paths().dir));
  bool oim_on = !string_or(config.table, "openinfoman", "url", "").empty();
  bool mcsd_on = mcsd_configured(config);
  bool dhis2_on = Dhis2Config::configured(config);
  if (!oim_on && !mcsd_on && !dhis2_on) {
    return failed_precondition(
        "registry pull: no registry source is configured; set [openinfoman] url (CSD) and/or "
        "[mcsd] url (FHIR R4) and/or [dhis2] url (DHIS2 org units) in config.toml");
  }
  registry::PhoneNormalizer phones = registry.normalizer();
  registry::ImportOptions options;
  options.rules = registry.rules;
  options.chunk_records = registry.chunk_records;
  options.max_moved_percent = registry.max_moved_percent;
  options.max_removed_percent = registry.max_removed_percent;
  options.force = force;
  options.started = clock.now();
  // What `mhero alarms` and the console show until a pull goes through (registry/pull_refusal.h).
  auto outcome = [&](Status s) -> Status {
    if (s.ok() || s.code() == StatusCode::failed_precondition) {
      MHERO_RETURN_IF_ERROR(registry::record_pull_refusal(node.store(), clock, s));
    }
    return s;
  };
  RegistryPullReport out;
  std::vector<std::pair<std::string, const registry::ImportReport*>> done;
  if (oim_on) {
    MHERO_ASSIGN_OR_RETURN(auto oim, OpenInfoManConfig::from(config));
    options.import_id = import_id(clock, "openinfoman");
    net::HttpClientOptions http_options;
    http_options.timeout = oim.timeout;
    net::HttpClient http(http_options);
    if (observer) http.set_observer(observer);
    auto started = std::chrono::steady_clock::now();
    auto report = pull_openinfoman(node.store(), node.key(), http, oim, phones, options);
    record_pull(node, "openinfoman", started, report.status());
    if (!report.ok()) return outcome(report.status().with_context("registry pull from OpenInfoMan " + oim.url));
    out.openinfoman = std::move(report).value();
    done.emplace_back("OpenInfoMan", &out.openinfoman->import);
  }
  if (mcsd_on) {
    MHERO_ASSIGN_OR_RETURN(auto mcsd, McsdConfig::from(config));
    options.import_id = import_id(clock, "mcsd");
    net::HttpClientOptions http_options;
    http_options.timeout = mcsd.timeout;
    if (!mcsd.ca_file.empty()) http_options.ca_file = mcsd.ca_file;
    net::HttpClient http(http_options);
    if (observer) http.set_observer(observer);
    auto started = std::chrono::steady_clock::now();
    auto report = pull_mcsd(node.store(), node.key(), http, mcsd, phones, options);
    record_pull(node, "mcsd", started, report.status());
    if (!report.ok()) {
      return outcome(after_committed(report.status().with_context("registry pull from mCSD " + mcsd.url), done));
    }
    out.mcsd = std::move(report).value();
    done.emplace_back("mCSD", &out.mcsd->import);
  }
  if (dhis2_on) {
    MHERO_ASSIGN_OR_RETURN(auto dhis2, Dhis2Config::from(config, node.paths().dir));
    options.import_id = import_id(clock, "dhis2");
    net::HttpClient http(dhis2.http_options());
    if (observer) http.set_observer(observer);
    auto started = std::chrono::steady_clock::now();
    auto report = pull_dhis2(node.store(), node.key(), http, dhis2, options);
    record_pull(node, "dhis2", started, report.status());
    if (!report.ok()) {
      return outcome(after_committed(report.status().with_context("registry pull from DHIS2 " + dhis2.url), done));
    }
    out.dhis2 = std::move(report).value();
  }
  MHERO_RETURN_IF_ERROR(outcome(Status{}));
  return out;
}

Result<Dhis2PullReport> pull_dhis2_registry(Node& node, const NodeConfig& config, bool force,
                                            net::HttpObserver observer) {
  if (!Dhis2Config::configured(config)) {
    return failed_precondition("dhis2 pull: [dhis2] url is not set in config.toml");
  }
  NodeConfig only = config;
  only.table.erase("openinfoman");
  only.table.erase("mcsd");
  MHERO_ASSIGN_OR_RETURN(auto report, pull_registry(node, only, force, std::move(observer)));
  return std::move(*report.dhis2);
}

}  // namespace mhero::integrations
