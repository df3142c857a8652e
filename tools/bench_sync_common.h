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

#include "node/admission.h"
#include "node/enrollment.h"
#include "replication/peer_session.h"
#include "store/scope.h"

namespace mhero::bench {

inline std::vector<std::string> load_records(const std::string& path) {
  std::vector<std::string> records;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) records.push_back(line);
  }
  return records;
}

inline NodeKey key_n(uint32_t n) {
  std::array<uint8_t, 32> seed{};
  for (int i = 0; i < 4; ++i) seed[static_cast<size_t>(i)] = static_cast<uint8_t>(n >> (8 * i));
  seed[31] = 0xbe;
  return NodeKey::from_seed(seed);
}

/// A node with its own store in `dir`, dialing with TLS.
struct BenchNode {
  SystemClock clock;
  NodeKey key;
  NodeConfig config;
  EnrollmentView view;
  EnrolledAdmission admission;
  std::unique_ptr<LogStore> store;
  SyncConfig sync;
  std::unique_ptr<boost::asio::ssl::context> client_tls, server_tls;
  std::unique_ptr<SyncContext> ctx;

  BenchNode(const std::filesystem::path& dir, const NodeKey& k, const NodeId& central, const std::string& district,
            bool durable = false)
      : key(k), admission(central, k.id(), district.empty() ? "national" : district_scope(district)) {
    config.role = district.empty() ? Role::central : Role::district;
    config.district = district;
    config.central_key = central;
    StoreOptions options;
    options.views = {&view};
    options.admission = &admission;
    options.sync = durable;
    store = std::move(LogStore::open(dir, clock, options)).value();
    auto tls = std::move(make_tls_contexts(key)).value();
    client_tls = std::move(tls.first);
    server_tls = std::move(tls.second);
    ctx = std::make_unique<SyncContext>(
        SyncContext{*store, key, config, sync, clock, *client_tls, *server_tls, nullptr, nullptr});
  }
  std::string scope() const { return config.role == Role::central ? "national" : district_scope(config.district); }

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
  sync::SessionResult sync_to(uint16_t port) { return sync_with(*ctx, "127.0.0.1:" + std::to_string(port)); }
};

inline std::string ratio(double ours, double reference) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2fx", ours / reference);
  return buf;
}

}  // namespace mhero::bench
