// bench-bundle: a district's 200,000 survey responses carried to the central node by USB bundle,
// side by side with the references (issue 5):
//   1. import entries/s vs the raw Ed25519 verify rate on the same entries, per CPU second
//      (target >= 0.7x per core used);
//   2. bundle bytes vs plain zstd (level 3) of the payloads (target <= 1.1x), beside the floor set
//      by the 64-byte Ed25519 signature every entry keeps (DESIGN.md), and our overhead above it;
//   3. peak RSS of the export and of the import, each measured in its own process (VmHWM);
//   4. export + import wall time vs NNCP (nncp-file per record, nncp-xfer to a directory standing
//      for the stick, nncp-toss), target: ours < half; NNCP moving the same bytes as one file, for
//      scale. NNCP runs on --nncp-records real records; below --count its figure is scaled
//      linearly and printed as scaled.
// Payloads: /work/shared/data/bench/responses-20k.jsonl, cycled; each record is one note entry.
// Usage: bench-bundle [--count N=200000] [--nncp-records N=20000, 0 = skip NNCP] [--records PATH]
// (internal: bench-bundle --phase export|import --work DIR, run by the bench itself.)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bundle/exporter.h"
#include "bundle/importer.h"
#include "node/enrollment.h"
#include "node/node.h"
#include "node/standard_views.h"

using namespace mhero;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A /proc/self/status figure in KiB: "VmHWM" (peak resident set) or "VmRSS" (current).
long status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

struct Opened {
  std::vector<std::unique_ptr<View>> views;
  std::unique_ptr<Node> node;
};

Opened open_node(const std::filesystem::path& dir, const Clock& clock) {
  Opened o;
  o.views = make_standard_views();
  std::vector<View*> raw;
  for (auto& v : o.views) raw.push_back(v.get());
  auto n = Node::open(NodePaths{dir}, clock, raw);
  if (!n.ok()) throw std::runtime_error(n.status().to_string());
  o.node = std::move(*n);
  return o;
}

// "key value" lines printed by a phase or by nncp_run.sh.
using Figures = std::map<std::string, double>;

Figures run_lines(const std::string& cmd) {
  Figures out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char line[512];
    while (std::fgets(line, sizeof line, p)) {
      std::istringstream ls(line);
      std::string k;
      double v = 0;
      if (ls >> k >> v) out[k] = v;
    }
    ::pclose(p);
  }
  return out;
}

// One phase in its own process, so its peak RSS is its own: export at the district (writes
// WORK/stick.mhb) or import of it at the central node.
int run_phase(const std::string& phase, const std::filesystem::path& work, const std::string& to_hex) {
  SystemClock clock;
  if (phase == "export") {
    Opened district = open_node(work / "district", clock);
    auto central_id = NodeId::from_hex(to_hex);
    if (!central_id) return 2;
    bundle::PeerProfile to{*central_id, Role::central, ""};
    long opened_kib = status_kib("VmRSS");
    double t0 = now_s();
    auto exported = bundle::export_bundle(*district.node, {to, work / "stick.mhb"});
    double t1 = now_s();
    if (!exported.ok()) {
      std::cerr << exported.status().to_string() << "\n";
      return 1;
    }
    std::printf("export_s %.6f\nbytes %llu\nentries %llu\nparts %zu\nrss_kib %ld\nopened_kib %ld\n", t1 - t0,
                static_cast<unsigned long long>(exported->bytes),
                static_cast<unsigned long long>(exported->entry_count), exported->parts.size(), status_kib("VmHWM"),
                opened_kib);
    return 0;
  }
  Opened central = open_node(work / "central", clock);
  long opened_kib = status_kib("VmRSS");
  std::vector<std::filesystem::path> files{work / "stick.mhb"};
  double c0 = cpu_seconds();
  double t0 = now_s();
  auto imported = bundle::import_bundles(*central.node, files, {});
  double t1 = now_s();
  double cpu = cpu_seconds() - c0;
  if (!imported.ok()) {
    std::cerr << imported.status().to_string() << "\n";
    return 1;
  }
  std::printf("import_s %.6f\nimport_cpu_s %.6f\nadded %llu\nrss_kib %ld\nopened_kib %ld\n", t1 - t0, cpu,
              static_cast<unsigned long long>((*imported)[0].added), status_kib("VmHWM"), opened_kib);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  crypto_init();
  size_t count = 200000;
  size_t nncp_records = 20000;
  std::string records_path = "/work/shared/data/bench/responses-20k.jsonl";
  std::string phase;
  std::filesystem::path phase_work;
  std::string phase_to;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--count") count = std::stoul(value());
    else if (a == "--nncp-records") nncp_records = std::stoul(value());
    else if (a == "--records") records_path = value();
    else if (a == "--phase") phase = value();
    else if (a == "--work") phase_work = value();
    else if (a == "--to") phase_to = value();
    else {
      std::cerr << "usage: bench-bundle [--count N] [--nncp-records N (0: skip NNCP)] [--records PATH]\n";
      return 2;
    }
  }
  if (!phase.empty()) return run_phase(phase, phase_work, phase_to);

  std::vector<std::string> records;
  {
    std::ifstream in(records_path);
    for (std::string line; std::getline(in, line);) records.push_back(line);
  }
  if (records.empty()) {
    std::cerr << "no records in " << records_path << "\n";
    return 1;
  }
  auto work = std::filesystem::temp_directory_path() / ("bench-bundle-" + std::to_string(::getpid()));
  std::filesystem::create_directories(work);
  SystemClock clock;
  std::string all_payloads;
  std::vector<Entry> entries;  // For the raw verify reference.
  std::string central_hex;
  {
    auto central_id = Node::init(NodePaths{work / "central"}, Role::central, "", std::nullopt);
    auto district_id = Node::init(NodePaths{work / "district"}, Role::district, "MBR-03", *central_id);
    central_hex = central_id->hex();
    Opened central = open_node(work / "central", clock);
    Opened district = open_node(work / "district", clock);
    if (!enroll_key(central.node->store(), central.node->key(), central.node->config(), *district_id, "MBR-03", "")
             .ok()) {
      return 1;
    }
    // The district's feed: one note entry per record (setup, not timed).
    for (size_t done = 0; done < count;) {
      size_t n = std::min<size_t>(2000, count - done);
      std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;
      std::vector<schema::Payload::Reader> payloads;
      for (size_t i = 0; i < n; ++i) {
        const std::string& r = records[(done + i) % records.size()];
        all_payloads += r;
        all_payloads += '\n';
        messages.push_back(make_payload([&](schema::Payload::Builder p) { p.setNote(r); }));
        payloads.push_back(messages.back()->getRoot<schema::Payload>().asReader());
      }
      auto appended = district.node->store().append_all(district.node->key(), "district/MBR-03", payloads);
      if (!appended.ok()) {
        std::cerr << appended.status().to_string() << "\n";
        return 1;
      }
      done += n;
    }
    auto cursor =
        district.node->store().entries_after(Frontier{}, [](const FeedId& f) { return f.scope != "national"; });
    while (true) {
      auto next = cursor->next();
      if (!next.ok() || !next->has_value()) break;
      entries.push_back(std::move(**next));
    }
  }  // Both nodes closed: each phase opens what it needs in its own process.

  // Ours: export at the district, import at the central node, each in its own process.
  std::string self = "'" + std::filesystem::canonical("/proc/self/exe").string() + "'";
  std::string work_arg = " --work '" + work.string() + "'";
  Figures ex = run_lines(self + " --phase export --to " + central_hex + work_arg);
  Figures im = run_lines(self + " --phase import" + work_arg);
  if (!ex.count("bytes") || !im.count("added")) {
    std::cerr << "the export or import phase failed\n";
    return 1;
  }

  // Reference 1: raw Ed25519 verification of the same entries, one core.
  double v0 = cpu_seconds();
  size_t valid = 0;
  for (const Entry& e : entries) valid += e.signature_valid() ? 1 : 0;
  double verify_cpu = cpu_seconds() - v0;

  // Reference 2: plain zstd level 3 of the payloads.
  std::string z(ZSTD_compressBound(all_payloads.size()), '\0');
  size_t zsize = ZSTD_compress(z.data(), z.size(), all_payloads.data(), all_payloads.size(), 3);

  const double n = static_cast<double>(count);
  double import_rate_cpu = n / im["import_cpu_s"];
  double verify_rate = static_cast<double>(valid) / verify_cpu;
  double ours_s = ex["export_s"] + im["import_s"];
  double bundle_bytes = ex["bytes"];
  double floor_bytes = static_cast<double>(zsize) + 64.0 * n;
  std::printf("bench-bundle: %zu records (responses-20k cycled), one note entry each\n", count);
  std::printf("  export %.2f s, import %.2f s wall (%.0f entries/s), %.0f new entries\n", ex["export_s"],
              im["import_s"], n / im["import_s"], im["added"]);
  std::printf("  import per CPU second: %.0f entries/s  vs raw Ed25519 verify %.0f entries/s (1 core)  ratio %.2f "
              "(target >= 0.70)\n",
              import_rate_cpu, verify_rate, import_rate_cpu / verify_rate);
  std::printf("  bundle %.0f bytes  vs zstd-3 of payloads %zu bytes (raw %zu)  ratio %.3f (target <= 1.10)\n",
              bundle_bytes, zsize, all_payloads.size(), bundle_bytes / static_cast<double>(zsize));
  std::printf("  floor with one 64-byte signature per entry: %.3fx (%.0f bytes); ours %.3fx of the floor, "
              "%.1f bytes/entry above it\n",
              floor_bytes / static_cast<double>(zsize), floor_bytes, bundle_bytes / floor_bytes,
              (bundle_bytes - floor_bytes) / n);
  std::printf("  peak RSS (VmHWM, own process each): export %.1f MiB, import %.1f MiB; of which the store just "
              "opened (VmRSS before the phase, RocksDB WAL replay included): %.1f MiB, %.1f MiB\n",
              ex["rss_kib"] / 1024.0, im["rss_kib"] / 1024.0, ex["opened_kib"] / 1024.0, im["opened_kib"] / 1024.0);

  // Reference 3: NNCP on nncp_records real records (the first ones of the file, cycled only if
  // more are asked than it holds), scaled to `count` when fewer.
  if (nncp_records == 0) {
    std::printf("  NNCP skipped (--nncp-records 0)\n");
    std::filesystem::remove_all(work);
    return 0;
  }
  {
    std::ofstream out(work / "subset.jsonl");
    for (size_t i = 0; i < nncp_records; ++i) out << records[i % records.size()] << "\n";
    std::ofstream one(work / "all.jsonl");
    one << all_payloads;
  }
  std::string script = std::filesystem::path(argv[0]).parent_path().string() + "/nncp_run.sh";
  if (!std::filesystem::exists(script)) script = "tools/bench-bundle/nncp_run.sh";
  Figures nncp = run_lines(script + " " + (work / "nncp").string() + " " + (work / "subset.jsonl").string() + " " +
                           std::to_string(nncp_records) + " " + (work / "all.jsonl").string());
  if (nncp.count("packets_export_s")) {
    double measured_s = nncp["packets_export_s"] + nncp["packets_import_s"];
    double scale = n / static_cast<double>(nncp_records);
    bool scaled = nncp_records < count;
    double packets_s = measured_s * scale;
    std::printf("  NNCP, one packet per record: MEASURED on %zu records (%.0f packets tossed): %.2f s export + "
                "%.2f s import = %.2f s, stick %.0f bytes\n",
                nncp_records, nncp["packets_count"], nncp["packets_export_s"], nncp["packets_import_s"],
                measured_s, nncp["packets_stick_bytes"]);
    if (scaled) {
      std::printf("  NNCP for %zu records, SCALED x%.1f from the %zu measured (linear): %.1f s, stick %.0f bytes\n",
                  count, scale, nncp_records, packets_s, nncp["packets_stick_bytes"] * scale);
    }
    std::printf("  ours %.2f s (export + import, %zu records) vs NNCP %.1f s (%s)  ratio %.3f (target < 0.50)\n",
                ours_s, count, packets_s,
                scaled ? ("scaled from " + std::to_string(nncp_records) + " measured records").c_str()
                       : "measured",
                ours_s / packets_s);
    std::printf("  NNCP, the same %zu bytes as one file: %.2f s export + %.2f s import, stick %.0f bytes (ok=%.0f)\n",
                all_payloads.size(), nncp["onefile_export_s"], nncp["onefile_import_s"], nncp["onefile_stick_bytes"],
                nncp["onefile_ok"]);
  } else {
    std::printf("  NNCP run failed (is nncp installed? see tools/bootstrap.sh)\n");
  }
  std::filesystem::remove_all(work);
  return 0;
}
