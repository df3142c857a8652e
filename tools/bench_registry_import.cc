// bench-registry-import: imports N generated providers (gen-registry, ~0.8 KB of CSD each) into
// a fresh central store (registry view, sync writes) and prints, in the same run, the bare
// pugixml parse time of the same file and the ratio. Peak RSS is read after the import, before
// the reference parse. Targets (issue 18; issue 3 had <= 10 s and 1 GiB): 100,000 providers in
// <= 3 s on a quiet machine, <= 5x the bare parse, peak RSS <= 512 MiB. A second reference is
// libphonenumber alone on the same numbers, on one thread. Like `mhero`, the bench re-executes
// itself with glibc's huge-page tunable (util/huge_pages.h); GLIBC_TUNABLES=glibc.malloc.hugetlb=0
// runs it on 4 KiB pages, for an A/B.
#include <CLI/CLI.hpp>
#include <pugixml.hpp>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "gen_registry.h"
#include "identity/crypto.h"
#include "identity/node_key.h"
#include "registry/csd_parser.h"
#include "registry/importer.h"
#include "registry/registry_view.h"
#include "store/log_store.h"
#include "util/huge_pages.h"

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

}  // namespace

int main(int argc, char** argv) {
  using namespace mhero;
  run_on_huge_pages(argv);
  crypto_init();
  tools::GenRegistryOptions gen;
  gen.providers = 100000;
  gen.districts = 15;
  std::string dir = (std::filesystem::temp_directory_path() / "mhero-bench-registry").string();
  CLI::App app{"Registry import benchmark: our CSD import vs a bare pugixml parse of the same file"};
  app.add_option("--providers", gen.providers, "Providers to generate")->capture_default_str();
  app.add_option("--districts", gen.districts, "Districts")->capture_default_str();
  app.add_option("--dir", dir, "Scratch directory (removed first and after)")->capture_default_str();
  bool no_bulk = false;
  app.add_flag("--no-bulk", no_bulk, "Write every commit through the WAL and memtable (the store's path before SST ingestion), for an A/B");
  CLI11_PARSE(app, argc, argv);

  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::path file = std::filesystem::path(dir) / "country.xml";
  {
    std::ofstream out(file, std::ios::binary);
    tools::generate_registry(gen, out);
  }
  auto bytes = std::filesystem::file_size(file);

  SystemClock clock;
  registry::RegistryView view;
  StoreOptions options;
  options.views = {&view};
  if (no_bulk) options.bulk_write_bytes = SIZE_MAX;
  auto store = LogStore::open(std::filesystem::path(dir) / "db", clock, options);
  if (!store.ok()) {
    std::cerr << "bench-registry-import: " << store.status().to_string() << "\n";
    return 1;
  }
  std::array<uint8_t, 32> seed{};
  seed.fill(7);
  NodeKey key = NodeKey::from_seed(seed);
  registry::ImportOptions import;
  import.import_id = "bench";
  registry::PhoneNormalizer phones("LR");

  double cpu_start = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  auto doc = registry::parse_csd_file(file, phones);
  if (!doc.ok()) {
    std::cerr << "bench-registry-import: " << doc.status().to_string() << "\n";
    return 1;
  }
  double parse = seconds_since(start);
  std::vector<std::string> numbers;  // Every provider's contact points, for the second reference.
  for (const auto& p : doc->providers) {
    for (const auto& phone : p.phones) numbers.push_back(phone.raw);
  }
  auto report = registry::import_records(**store, key, std::move(doc).value(), import);
  double ours = seconds_since(start);
  double ours_cpu = cpu_seconds() - cpu_start;
  double rss = peak_rss_mib();
  if (!report.ok()) {
    std::cerr << "bench-registry-import: " << report.status().to_string() << "\n";
    return 1;
  }

  cpu_start = cpu_seconds();
  start = std::chrono::steady_clock::now();
  size_t elements = 0;
  {
    pugi::xml_document doc;
    auto parsed = doc.load_file(file.c_str());
    if (!parsed) {
      std::cerr << "bench-registry-import: pugixml: " << parsed.description() << "\n";
      return 1;
    }
    elements = static_cast<size_t>(std::distance(doc.document_element().first_child().begin(),
                                                 doc.document_element().first_child().end()));
  }
  double bare = seconds_since(start);
  double bare_cpu = cpu_seconds() - cpu_start;

  cpu_start = cpu_seconds();
  size_t valid = 0;
  for (const auto& raw : numbers) valid += phones.normalize(raw).valid ? 1 : 0;
  double e164_cpu = cpu_seconds() - cpu_start;
  const char* tunables = std::getenv("GLIBC_TUNABLES");

  std::cout << "file: " << bytes / 1e6 << " MB, " << report->providers << " providers, "
            << report->facilities << " facilities, " << report->organizations << " organizations ("
            << elements << " first-level elements)\n"
            << "wrote " << report->entries_written() << " entries in " << report->entries_by_scope.size()
            << " feeds; " << report->warnings.size() << " warnings, " << report->unassigned << " unassigned\n"
            << "ours (read + parse + E.164 + districts + diff + signed entries + view): " << ours << " s ("
            << report->providers / ours << " providers/s)   target <= 3 s on a quiet machine\n"
            << "  of which parse (pugixml + records + E.164): " << parse << " s, store (districts + diff + entries + view): "
            << ours - parse << " s\n"
            << "reference (pugixml load_file of the same file): " << bare << " s\n"
            << "ratio ours / pugixml: " << ours / bare << "x   target <= 5x\n"
            << "CPU seconds (all threads, insensitive to other load on the machine): ours " << ours_cpu
            << " s, pugixml " << bare_cpu << " s, ratio " << ours_cpu / bare_cpu << "x\n"
            << "second reference (libphonenumber parse + E.164 + type of the same " << numbers.size()
            << " numbers, one thread, " << valid << " valid): " << e164_cpu << " CPU s; pugixml + it: "
            << bare_cpu + e164_cpu << " CPU s, ours / that: " << ours_cpu / (bare_cpu + e164_cpu) << "x\n"
            << "peak RSS after import: " << rss << " MiB   target <= 512 MiB\n"
            << "malloc: GLIBC_TUNABLES=" << (tunables != nullptr ? tunables : "") << "\n";
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
