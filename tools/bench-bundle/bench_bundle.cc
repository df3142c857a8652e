// bench-bundle: a district's 200,000 survey responses carried to the central node by USB bundle,
// side by side with the references (issue 5):
//   1. import entries/s vs the raw Ed25519 verify rate on the same entries, per CPU second
//      (target >= 0.7x per core used);
//   2. bundle bytes vs plain zstd (level 3) of the payloads (target <= 1.1x);
//   3. export + import wall time vs NNCP (nncp-file per record, nncp-xfer to a directory standing
//      for the stick, nncp-toss), target: ours < half; NNCP moving the same bytes as one file, for
//      scale. NNCP runs on a stated subset of records and is scaled linearly to the full count.
// Payloads: /work/shared/data/bench/responses-20k.jsonl, cycled; each record is one note entry.
// Usage: bench-bundle [COUNT=200000] [NNCP_SUBSET=1000] [RECORDS=path]
#include <sys/resource.h>
#include <unistd.h>
#include <zstd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <iostream>
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

}  // namespace

int main(int argc, char** argv) {
  crypto_init();
  size_t count = argc > 1 ? std::stoul(argv[1]) : 200000;
  size_t subset = argc > 2 ? std::stoul(argv[2]) : 1000;
  std::string records_path = argc > 3 ? argv[3] : "/work/shared/data/bench/responses-20k.jsonl";
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
  auto central_id = Node::init(NodePaths{work / "central"}, Role::central, "", std::nullopt);
  auto district_id = Node::init(NodePaths{work / "district"}, Role::district, "MBR-03", *central_id);
  Opened central = open_node(work / "central", clock);
  Opened district = open_node(work / "district", clock);
  if (!enroll_key(central.node->store(), central.node->key(), central.node->config(), *district_id, "MBR-03", "")
           .ok()) {
    return 1;
  }

  // The district's feed: one note entry per record (setup, not timed).
  std::string all_payloads;
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

  // Ours: export at the district, import at the central node.
  bundle::PeerProfile to{*central_id, Role::central, ""};
  double t0 = now_s();
  auto exported = bundle::export_bundle(*district.node, {to, work / "stick.mhb"});
  double t1 = now_s();
  if (!exported.ok()) {
    std::cerr << exported.status().to_string() << "\n";
    return 1;
  }
  double c0 = cpu_seconds();
  double t2 = now_s();
  std::vector<std::filesystem::path> files = exported->parts;
  auto imported = bundle::import_bundles(*central.node, files, {});
  double t3 = now_s();
  double import_cpu = cpu_seconds() - c0;
  if (!imported.ok()) {
    std::cerr << imported.status().to_string() << "\n";
    return 1;
  }

  // Reference 1: raw Ed25519 verification of the same entries, one core.
  std::vector<Entry> entries;
  auto cursor = district.node->store().entries_after(Frontier{}, [](const FeedId& f) { return f.scope != "national"; });
  while (true) {
    auto next = cursor->next();
    if (!next.ok() || !next->has_value()) break;
    entries.push_back(std::move(**next));
  }
  double v0 = cpu_seconds();
  size_t valid = 0;
  for (const Entry& e : entries) valid += e.signature_valid() ? 1 : 0;
  double verify_cpu = cpu_seconds() - v0;

  // Reference 2: plain zstd level 3 of the payloads.
  std::string z(ZSTD_compressBound(all_payloads.size()), '\0');
  size_t zsize = ZSTD_compress(z.data(), z.size(), all_payloads.data(), all_payloads.size(), 3);

  double import_rate_cpu = static_cast<double>(count) / import_cpu;
  double verify_rate = static_cast<double>(valid) / verify_cpu;
  double ours_s = (t1 - t0) + (t3 - t2);
  std::printf("bench-bundle: %zu records (responses-20k cycled), one note entry each\n", count);
  std::printf("  export %.2f s, import %.2f s wall (%.0f entries/s), %llu new entries\n", t1 - t0, t3 - t2,
              static_cast<double>(count) / (t3 - t2), static_cast<unsigned long long>((*imported)[0].added));
  std::printf("  import per CPU second: %.0f entries/s  vs raw Ed25519 verify %.0f entries/s (1 core)  ratio %.2f "
              "(target >= 0.70)\n",
              import_rate_cpu, verify_rate, import_rate_cpu / verify_rate);
  std::printf("  bundle %llu bytes  vs zstd-3 of payloads %zu bytes (raw %zu)  ratio %.2f (target <= 1.10)\n",
              static_cast<unsigned long long>(exported->bytes), zsize, all_payloads.size(),
              static_cast<double>(exported->bytes) / static_cast<double>(zsize));

  // Reference 3: NNCP on a subset, scaled.
  {
    std::ofstream out(work / "subset.jsonl");
    for (size_t i = 0; i < subset; ++i) out << records[i % records.size()] << "\n";
    std::ofstream one(work / "all.jsonl");
    one << all_payloads;
  }
  std::string script = std::filesystem::path(argv[0]).parent_path().string() + "/nncp_run.sh";
  if (!std::filesystem::exists(script)) script = "tools/bench-bundle/nncp_run.sh";
  std::string cmd = script + " " + (work / "nncp").string() + " " + (work / "subset.jsonl").string() + " " +
                    std::to_string(subset) + " " + (work / "all.jsonl").string();
  std::map<std::string, double> nncp;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, p)) {
      std::istringstream ls(line);
      std::string k;
      double v = 0;
      if (ls >> k >> v) nncp[k] = v;
    }
    ::pclose(p);
  }
  if (nncp.count("packets_export_s")) {
    double scale = static_cast<double>(count) / static_cast<double>(subset);
    double packets_s = (nncp["packets_export_s"] + nncp["packets_import_s"]) * scale;
    std::printf("  NNCP, one packet per record: measured on %zu records (%.0f packets tossed) in %.2f s export + %.2f s "
                "import, SCALED x%.0f to %zu records: %.1f s; stick %.0f bytes scaled %.0f\n",
                subset, nncp["packets_count"], nncp["packets_export_s"], nncp["packets_import_s"], scale, count,
                packets_s, nncp["packets_stick_bytes"], nncp["packets_stick_bytes"] * scale);
    std::printf("  ours %.2f s (export + import) vs NNCP %.1f s (scaled)  ratio %.3f (target < 0.50)\n", ours_s,
                packets_s, ours_s / packets_s);
    std::printf("  NNCP, the same %zu bytes as one file: %.2f s export + %.2f s import, stick %.0f bytes (ok=%.0f)\n",
                all_payloads.size(), nncp["onefile_export_s"], nncp["onefile_import_s"], nncp["onefile_stick_bytes"],
                nncp["onefile_ok"]);
  } else {
    std::printf("  NNCP run failed (is nncp installed? see tools/bootstrap.sh)\n");
  }
  std::filesystem::remove_all(work);
  return 0;
}
