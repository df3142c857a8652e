// Shared pieces of the replication benchmarks: throw-away nodes in a directory, the reference
// records, TLS dialing. Benchmarks only; never part of the tests.
#pragma once

#include <capnp/message.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_records.h"
#include "scratch-node/scratch_node.h"
#include "store/scope.h"

namespace mhero::bench {

inline NodeKey key_n(uint32_t n) {
  std::array<uint8_t, 32> seed{};
  for (int i = 0; i < 4; ++i) seed[static_cast<size_t>(i)] = static_cast<uint8_t>(n >> (8 * i));
  seed[31] = 0xbe;
  return NodeKey::from_seed(seed);
}

/// The system clock the benchmark nodes run on.
inline const Clock& bench_clock() {
  static const SystemClock clock;
  return clock;
}

/// A scratch node (scratch-node/scratch_node.h) with its own store in `dir`, on the system
/// clock, dialing with TLS.
struct BenchNode : scratch::ScratchNode {
  scratch::ScratchDialer dialer{*this};

  BenchNode(const std::filesystem::path& dir, const NodeKey& k, const NodeId& central, const std::string& district,
            bool durable = false)
      : ScratchNode(dir, bench_clock(), k, central, district, durable) {}

  /// Appends `texts` as note entries of this node's own feed, in chunks.
  void append_notes(const std::vector<std::string>& texts) {
    for (size_t i = 0; i < texts.size(); i += 500) {
      std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;
      std::vector<schema::Payload::Reader> payloads;
      for (size_t j = i; j < std::min(texts.size(), i + 500); ++j) {
        messages.push_back(std::make_unique<capnp::MallocMessageBuilder>());
        messages.back()->initRoot<schema::Payload>().setNote(texts[j]);
        payloads.push_back(messages.back()->getRoot<schema::Payload>().asReader());
      }
      auto r = store->append_all(key, scope(), payloads);
      if (!r.ok()) throw std::runtime_error(r.status().to_string());
    }
  }
  sync::SessionResult sync_to(uint16_t port) const { return dialer.sync_to(port); }
};

inline std::string ratio(double ours, double reference) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2fx", ours / reference);
  return buf;
}

}  // namespace mhero::bench
