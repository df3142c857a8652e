// bench-mcsd-pull: pulls N generated Practitioners with one PractitionerRole each (plus a country,
// its districts and facilities as Locations) from the FHIR emulator (tools/fhir-emulator) over
// loopback HTTP into a fresh central store (integrations/mcsd_pull.h: _history pages, merge,
// mapping, E.164, districts, diff, signed entries, view), and prints beside it, in the same run,
// the bare nlohmann::json parse of the same pages (fetched again afterwards over the same HTTP
// client, so the fetch is shown apart) and the ratio. Peak RSS is read after the pull, before the
// reference; it includes the emulator's own copy of the data (same process), shown before the
// pull. Issue 15: 100,000 practitioners with roles.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "fhir_emulator.h"
#include "identity/crypto.h"
#include "identity/node_key.h"
#include "integrations/mcsd_pull.h"
#include "net/http_server.h"
#include "registry/registry_view.h"
#include "store/log_store.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

/// Loads the generated directory: country TF, `districts` districts of 20 facilities, `n`
/// practitioners (a Liberian mobile each) with one role (an ihris-job code, a facility).
mhero::Status load(mhero::fhir_emulator::Emulator& e, size_t n, size_t districts) {
  using nlohmann::json;
  auto jurisdiction = [](const std::string& id, const std::string& code, const std::string& parent) {
    json l = {{"resourceType", "Location"}, {"id", id}, {"status", "active"}, {"name", id},
              {"type", {{{"coding", {{{"system", "http://ihris.org/fhir/CodeSystem/ihris-jurisdiction"}, {"code", code}}}}}}},
              {"physicalType", {{"coding", {{{"code", "jdn"}}}}}}};
    if (!parent.empty()) l["partOf"] = {{"reference", "Location/" + parent}};
    return l;
  };
  MHERO_RETURN_IF_ERROR(e.put(jurisdiction("TF", "country", "")));
  for (size_t d = 0; d < districts; ++d) {
    std::string did = "TF.D" + std::to_string(d);
    MHERO_RETURN_IF_ERROR(e.put(jurisdiction(did, "district", "TF")));
    for (size_t f = 0; f < 20; ++f) {
      MHERO_RETURN_IF_ERROR(e.put(json{
          {"resourceType", "Location"}, {"id", did + ".F" + std::to_string(f)}, {"status", "active"},
          {"name", "Facility " + std::to_string(f) + " of " + did},
          {"type", {{{"coding", {{{"system", "urn:ietf:rfc:3986"}, {"code", "urn:ihe:iti:mcsd:2019:facility"}}}}}}},
          {"partOf", {{"reference", "Location/" + did}}}}));
    }
  }
  const char* jobs[] = {"2221-1D", "2221-1A", "3221-1B", "3253-1A", "4222-1A"};
  for (size_t i = 0; i < n; ++i) {
    std::string id = "P" + std::to_string(i);
    char phone[16];
    std::snprintf(phone, sizeof phone, "077%07zu", i % 10000000);
    MHERO_RETURN_IF_ERROR(e.put(json{
        {"resourceType", "Practitioner"}, {"id", id}, {"active", true},
        {"name", {{{"use", "official"}, {"family", "Family" + std::to_string(i)}, {"given", {"Given", "Name"}}}}},
        {"telecom", {{{"system", "phone"}, {"use", "mobile"}, {"value", phone}}}},
        {"gender", i % 2 ? "female" : "male"}}));
    std::string facility = "TF.D" + std::to_string(i % districts) + ".F" + std::to_string((i / districts) % 20);
    MHERO_RETURN_IF_ERROR(e.put(json{
        {"resourceType", "PractitionerRole"}, {"id", "PR" + std::to_string(i)}, {"active", true},
        {"code", {{{"coding", {{{"system", mhero::registry::kIhrisJobSystem}, {"code", jobs[i % 5]}}}}, {"text", "Job"}}}},
        {"practitioner", {{"reference", "Practitioner/" + id}}},
        {"location", {{{"reference", "Location/" + facility}}}},
        {"period", {{"start", "2010-01-01"}}}}));
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mhero;
  crypto_init();
  size_t practitioners = 100000, districts = 15, page_count = 100;
  std::string dir = (std::filesystem::temp_directory_path() / "mhero-bench-mcsd").string();
  CLI::App app{"mCSD pull benchmark: our pull from the FHIR emulator vs a bare nlohmann parse of the same pages"};
  app.add_option("--practitioners", practitioners, "Practitioners (each with one role) to generate")->capture_default_str();
  app.add_option("--districts", districts, "Districts (20 facilities each)")->capture_default_str();
  app.add_option("--page-count", page_count, "_count per page ([mcsd] page_count)")->capture_default_str();
  app.add_option("--dir", dir, "Scratch directory (removed first and after)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  SystemClock clock;
  fhir_emulator::EmulatorOptions eo;
  eo.max_count = std::max<size_t>(page_count, 1000);
  fhir_emulator::Emulator emulator(eo, clock);
  auto gen_start = std::chrono::steady_clock::now();
  if (Status s = load(emulator, practitioners, districts); !s.ok()) {
    std::cerr << "bench-mcsd-pull: " << s.to_string() << "\n";
    return 1;
  }
  double gen = seconds_since(gen_start);
  net::BackgroundHttpServer http(net::HttpServerOptions{}, [&](const net::HttpRequest& r) { return emulator.handle(r); });
  if (auto port = http.start(); !port.ok()) {
    std::cerr << "bench-mcsd-pull: " << port.status().to_string() << "\n";
    return 1;
  }
  double rss_loaded = peak_rss_mib();

  registry::RegistryView view;
  StoreOptions options;
  options.views = {&view};
  auto store = LogStore::open(std::filesystem::path(dir) / "db", clock, options);
  if (!store.ok()) {
    std::cerr << "bench-mcsd-pull: " << store.status().to_string() << "\n";
    return 1;
  }
  std::array<uint8_t, 32> seed{};
  seed.fill(7);
  NodeKey key = NodeKey::from_seed(seed);
  integrations::McsdConfig config;
  config.url = http.base_url() + "/fhir";
  config.page_count = page_count;
  config.rules.job_cadres = {{"2221-1D", {"doctor", registry::kIhrisCadreSystem, "Doctor"}},
                             {"2221-1A", {"doctor", registry::kIhrisCadreSystem, "Doctor"}},
                             {"3221-1B", {"nurse", registry::kIhrisCadreSystem, "Nurse"}}};
  registry::ImportOptions import;
  import.import_id = "bench";
  registry::PhoneNormalizer phones("LR");
  net::HttpClient client;

  double cpu_start = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  auto report = integrations::pull_mcsd(**store, key, client, config, phones, import);
  double ours = seconds_since(start);
  double ours_cpu = cpu_seconds() - cpu_start;
  double rss = peak_rss_mib();
  if (!report.ok()) {
    std::cerr << "bench-mcsd-pull: " << report.status().to_string() << "\n";
    return 1;
  }

  // The reference: the same pages (each type's _history, next links as given), fetched, then
  // parsed by nlohmann::json alone.
  std::vector<std::string> pages;
  size_t bytes = 0;
  start = std::chrono::steady_clock::now();
  for (const char* type : {"Location", "Organization", "Practitioner", "PractitionerRole"}) {
    std::string url = config.url + "/" + type + "/_history?_count=" + std::to_string(page_count);
    while (!url.empty()) {
      auto r = client.get(url, {{"Accept", "application/fhir+json"}}, std::chrono::seconds(120));
      if (!r.ok() || r->status != 200) {
        std::cerr << "bench-mcsd-pull: reference fetch of " << url << " failed\n";
        return 1;
      }
      bytes += r->body.size();
      pages.push_back(std::move(r->body));
      // Only the next link is looked up here; the timed parse is below.
      auto j = nlohmann::json::parse(pages.back());
      url.clear();
      for (const auto& l : j.value("link", nlohmann::json::array())) {
        if (l.value("relation", "") == "next") url = l.value("url", "");
      }
    }
  }
  double fetch = seconds_since(start);
  cpu_start = cpu_seconds();
  start = std::chrono::steady_clock::now();
  size_t entries = 0;
  for (const auto& page : pages) {
    auto j = nlohmann::json::parse(page);
    entries += j.value("entry", nlohmann::json::array()).size();
  }
  double bare = seconds_since(start);
  double bare_cpu = cpu_seconds() - cpu_start;

  const auto& r = report->import;
  std::cout << "generated " << practitioners << " Practitioners + " << practitioners << " PractitionerRoles + "
            << 1 + districts * 21 << " Locations in " << gen << " s; " << pages.size() << " pages of _count "
            << page_count << ", " << bytes / 1e6 << " MB of JSON, " << entries << " entries\n"
            << "pulled: " << report->requests << " requests, " << report->resources << " resource versions; "
            << r.providers << " providers (" << r.with_valid_mobile << " with a valid mobile, " << r.unassigned
            << " unassigned), " << r.facilities << " facilities, " << r.organizations << " organizations; wrote "
            << r.entries_written() << " entries in " << r.entries_by_scope.size() << " feeds\n"
            << "ours (HTTP + parse + merge + map + E.164 + districts + diff + signed entries + view): " << ours
            << " s (" << r.providers / ours << " providers/s)\n"
            << "reference: nlohmann::json::parse of the same pages: " << bare << " s (fetching them again over "
            << "the same loopback HTTP: " << fetch << " s, emulator included)\n"
            << "ratio ours / bare parse: " << ours / bare << "x; ours / (fetch + bare parse): " << ours / (fetch + bare)
            << "x\n"
            << "CPU seconds of this process (the emulator's serving included in ours): ours " << ours_cpu
            << " s, bare parse " << bare_cpu << " s, ratio " << ours_cpu / bare_cpu << "x\n"
            << "peak RSS: " << rss_loaded << " MiB with the emulator loaded, " << rss << " MiB after the pull\n";
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
