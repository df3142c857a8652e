// bench-log: the log store's append and ingest rates beside the raw Ed25519 verify rate on the
// same entries (issue "Foundation", benchmark). Not a test: run it by hand.
//
//   build/tools/bench-log [--entries N] [--records FILE]
//
// Payloads are the fixed records of ../shared/data/bench/responses-20k.jsonl (276–321 bytes,
// cycled), so figures compare with the peers measured on them; without that file, 300-byte notes.
// Ingest is measured three ways: one verify thread, all cores, and all cores with each batch's
// signatures checked while the batch before it commits (what a sync receiver does).
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_records.h"
#include "identity/crypto.h"
#include "store/log_store.h"
#include "util/clock.h"

using namespace mhero;
using mhero::bench::load_records;
using Seconds = std::chrono::duration<double>;

namespace {

template <typename F>
double seconds(F&& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return Seconds(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds of the whole process (all threads, RocksDB's included): unlike wall time, not
// inflated when other programs compete for the cores.
double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Rate {
  double wall;  // entries per wall-clock second
  double cpu;   // entries per CPU second
};

// Ingests `encoded` in batches of 1,000. `ahead`: as the sync receiver does, each batch's
// signatures are checked (LogStore::check_signatures) while the batch before it commits.
Rate ingest_rate(const std::filesystem::path& dir, const SystemClock& clock,
                 const std::vector<std::string>& encoded, unsigned threads, bool ahead = false) {
  StoreOptions options;
  options.verify_threads = threads;
  auto store = LogStore::open(dir, clock, options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().to_string().c_str());
    std::exit(1);
  }
  constexpr size_t kBatch = 1000;
  double cpu_start = cpu_now();
  auto ingest = [&](std::vector<Entry>& batch, SignatureCheck* checked) {
    IngestResult r = (*store)->ingest(batch, {}, checked);
    if (!r.ok()) {
      std::fprintf(stderr, "ingest failed: %s\n", r.status.to_string().c_str());
      std::exit(1);
    }
  };
  double t = seconds([&] {
    std::vector<Entry> held;
    std::unique_ptr<SignatureCheck> held_check;
    for (size_t i = 0; i < encoded.size(); i += kBatch) {
      std::vector<Entry> batch;
      for (size_t j = i; j < std::min(encoded.size(), i + kBatch); ++j) {
        batch.push_back(std::move(Entry::decode(encoded[j])).value());
      }
      if (!ahead) {
        ingest(batch, nullptr);
        continue;
      }
      auto check = (*store)->check_signatures(batch);
      if (held_check) ingest(held, held_check.get());
      held = std::move(batch);  // (The check's span stays valid: the vector's buffer moves with it.)
      held_check = std::move(check);
    }
    if (held_check) ingest(held, held_check.get());
  });
  double n = static_cast<double>(encoded.size());
  return {n / t, n / (cpu_now() - cpu_start)};
}

}  // namespace

int main(int argc, char** argv) {
  crypto_init();
  size_t count = 100'000;
  std::string records_path = "../shared/data/bench/responses-20k.jsonl";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--entries") count = std::stoul(argv[i + 1]);
    if (flag == "--records") records_path = argv[i + 1];
  }
  std::vector<std::string> records = load_records(records_path);
  std::string source = records_path;
  if (records.empty()) {
    records.push_back(std::string(300, 'x'));
    source = "300-byte synthetic notes (" + records_path + " not found)";
  }
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("bench-log: %zu entries, payloads from %s, %u cores, load average %.2f\n", count,
              source.c_str(), cores, load[0]);
  if (load[0] > 0.5) std::printf("note: the machine is busy; wall-clock rates below are depressed\n");
  std::printf("\n");

  auto dir = std::filesystem::temp_directory_path() / ("mhero-bench-log-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  SystemClock clock;
  std::array<uint8_t, 32> seed{};
  seed.fill(7);
  NodeKey key = NodeKey::from_seed(seed);

  // 1. Append: one entry per synced WriteBatch (what a district does when it writes one
  //    message) on the first 2,000, then append_all in batches of 1,000 (a registry import).
  std::vector<std::string> encoded;
  encoded.reserve(count);
  size_t single = std::min<size_t>(count, 2000);
  double append_s, append_all_s;
  {
    auto store = LogStore::open(dir / "append", clock);
    if (!store.ok()) return 1;
    append_s = seconds([&] {
      for (size_t i = 0; i < single; ++i) {
        capnp::MallocMessageBuilder message;
        message.initRoot<schema::Payload>().setNote(records[i % records.size()]);
        auto e = (*store)->append(key, "district/BONG", message.getRoot<schema::Payload>().asReader());
        if (!e.ok()) std::exit(1);
        encoded.push_back(e->encode());
      }
    });
    append_all_s = seconds([&] {
      for (size_t i = single; i < count; i += 1000) {
        std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;
        std::vector<schema::Payload::Reader> payloads;
        for (size_t j = i; j < std::min(count, i + 1000); ++j) {
          messages.push_back(std::make_unique<capnp::MallocMessageBuilder>());
          messages.back()->initRoot<schema::Payload>().setNote(records[j % records.size()]);
          payloads.push_back(messages.back()->getRoot<schema::Payload>().asReader());
        }
        auto es = (*store)->append_all(key, "district/BONG", payloads);
        if (!es.ok()) std::exit(1);
        for (const auto& e : *es) encoded.push_back(e.encode());
      }
    });
  }

  // 2. The raw libsodium verify rate on exactly these entries, one core.
  std::vector<Entry> decoded;
  decoded.reserve(count);
  for (const auto& bytes : encoded) decoded.push_back(std::move(Entry::decode(bytes)).value());
  size_t valid = 0;
  double verify_cpu_start = cpu_now();
  double verify_s = seconds([&] {
    for (const Entry& e : decoded) {
      valid += crypto_sign_verify_detached(
                   reinterpret_cast<const unsigned char*>(e.signature().data()),
                   reinterpret_cast<const unsigned char*>(e.body_bytes().data()), e.body_bytes().size(),
                   e.feed().author.bytes.data()) == 0;
    }
  });
  if (valid != count) return 1;
  double raw = count / verify_s;
  double raw_cpu = count / (cpu_now() - verify_cpu_start);
  // The same on every core at once, each thread a contiguous share: the machine's parallel
  // ceiling (virtual cores that share a physical one, or a busy machine, give less than N x).
  std::atomic<size_t> valid_n{0};
  double verify_n_s = seconds([&] {
    std::vector<std::jthread> threads;
    for (unsigned t = 0; t < cores; ++t) {
      threads.emplace_back([&, t] {
        size_t ok = 0;
        for (size_t i = t * count / cores; i < (t + 1) * count / cores; ++i) ok += decoded[i].signature_valid();
        valid_n += ok;
      });
    }
  });
  if (valid_n != count) return 1;
  double raw_n = count / verify_n_s;

  // 3. Ingest into fresh stores from the encoded bytes (decode + verify + chain + synced write,
  //    batches of 1,000 as a sync session would deliver them).
  Rate ingest1 = ingest_rate(dir / "ingest1", clock, encoded, 1);
  Rate ingestn = ingest_rate(dir / "ingestn", clock, encoded, cores);
  Rate ahead = ingest_rate(dir / "ahead", clock, encoded, cores, true);
  std::filesystem::remove_all(dir);

  std::printf("%-46s %12s %12s %8s %8s\n", "measure", "ours/s", "reference/s", "ratio", "target");
  std::printf("%-46s %12.0f %12s %8s %8s\n", "append (1 entry per synced batch)", single / append_s, "-", "-", "-");
  if (count > single) {
    std::printf("%-46s %12.0f %12s %8s %8s\n", "append_all (1,000 entries per synced batch)",
                (count - single) / append_all_s, "-", "-", "-");
  }
  std::printf("%-46s %12.0f %12.0f %8.2f %8s\n", "ingest, 1 verify thread vs raw verify (1 core)",
              ingest1.wall, raw, ingest1.wall / raw, ">=0.70");
  std::printf("%-46s %12.0f %12.0f %8.2f %8s\n", "  same, per CPU second (immune to other load)",
              ingest1.cpu, raw_cpu, ingest1.cpu / raw_cpu, ">=0.70");
  char label[64];
  std::snprintf(label, sizeof label, "ingest, %u verify threads vs raw verify (1 core)", cores);
  std::printf("%-46s %12.0f %12.0f %8.2f %8s\n", label, ingestn.wall, raw, ingestn.wall / raw,
              cores >= 2 ? ">=1.40" : "-");
  std::snprintf(label, sizeof label, "  raw verify on %u threads vs 1 (the ceiling)", cores);
  std::printf("%-46s %12.0f %12.0f %8.2f %8s\n", label, raw_n, raw, raw_n / raw, "-");
  std::snprintf(label, sizeof label, "  ingest, %u threads vs raw verify on %u", cores, cores);
  std::printf("%-46s %12.0f %12.0f %8.2f %8s\n", label, ingestn.wall, raw_n, ingestn.wall / raw_n, "-");
  // The sync receiver's path (replication/session.cc): batch n+1 checked while batch n commits.
  std::printf("%-46s %12.0f %12.0f %8.2f %8s\n", "ingest, next batch checked while one commits",
              ahead.wall, raw, ahead.wall / raw, cores >= 2 ? ">=1.40" : "-");
  std::snprintf(label, sizeof label, "  same, vs raw verify on %u", cores);
  std::printf("%-46s %12.0f %12.0f %8.2f %8s\n", label, ahead.wall, raw_n, ahead.wall / raw_n, "-");
  return 0;
}
