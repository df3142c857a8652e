// Real nodes on disk for the fleet tests: a central node and districts "A" and "B" (node
// directories made by Node::init, stores opened with the standard views), each on its own
// ManualClock (all starting at the same time), each with its ArrivalLog. The central node can
// listen for sync sessions over TLS on loopback (port 0) with the real daemon.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bundle/exporter.h"
#include "bundle/importer.h"
#include "fleet/arrival_log.h"
#include "fleet/fleet_query.h"
#include "node/enrollment.h"
#include "node/node.h"
#include "node/standard_views.h"
#include "replication/daemon.h"
#include "replication/peer_session.h"
#include "support/entries.h"
#include "support/temp_dir.h"
#include "support/eventually.h"

namespace mhero::testing {

/// One real node: its views, clock, node and arrival log.
struct FleetNode {
  ManualClock clock;
  std::vector<std::unique_ptr<View>> views;
  std::unique_ptr<Node> node;
  std::unique_ptr<fleet::ArrivalLog> arrivals;

  /// Opens the node in `dir` (Node::open) on a clock starting at `start` (ManualClock's default
  /// when zero; a reopened node passes its previous time).
  explicit FleetNode(const std::filesystem::path& dir, std::chrono::milliseconds start = std::chrono::milliseconds(0)) {
    if (start.count() != 0) clock.set(start);
    views = make_standard_views();
    std::vector<View*> raw;
    for (auto& v : views) raw.push_back(v.get());
    auto n = Node::open(NodePaths{dir}, clock, raw);
    if (!n.ok()) throw std::runtime_error(n.status().to_string());
    node = std::move(*n);
    arrivals = std::make_unique<fleet::ArrivalLog>(node->store());
  }
  Node& operator*() { return *node; }
  Node* operator->() { return node.get(); }
  fleet::FleetContext context() { return fleet::FleetContext::of(*node); }
  void note(const std::string& text) { append_note(node->store(), node->key(), node->own_scope(), text); }
};

inline SyncConfig fast_sync_config() {
  SyncConfig c;
  c.handshake_timeout = std::chrono::seconds(5);
  c.idle_timeout = std::chrono::seconds(10);
  c.local_check = std::chrono::milliseconds(20);
  return c;
}

class FleetNet {
 public:
  FleetNet() {
    auto c = Node::init(NodePaths{tmp / "central"}, Role::central, "", std::nullopt);
    REQUIRE(c.ok());
    REQUIRE(Node::init(NodePaths{tmp / "a"}, Role::district, "A", *c).ok());
    REQUIRE(Node::init(NodePaths{tmp / "b"}, Role::district, "B", *c).ok());
    central = std::make_unique<FleetNode>(tmp / "central");
    a = std::make_unique<FleetNode>(tmp / "a");
    b = std::make_unique<FleetNode>(tmp / "b");
    enroll(*a, "A", "Bong county office");
    enroll(*b, "B", "Lofa county office");
  }
  ~FleetNet() {
    if (daemon) daemon->stop();
  }

  void enroll(FleetNode& d, const std::string& code, const std::string& label) {
    REQUIRE(enroll_key((*central)->store(), (*central)->key(), (*central)->config(), d->id(), code, label).ok());
  }

  /// Every clock forward by `d`.
  void advance(std::chrono::milliseconds d) {
    for (FleetNode* n : {central.get(), a.get(), b.get()}) n->clock.advance(d);
  }

  /// Starts the central node's daemon on 127.0.0.1:0, recording into its arrival log.
  void listen() {
    daemon = std::make_unique<SyncDaemon>((*central)->store(), (*central)->key(), (*central)->config(),
                                          fast_sync_config(), central->clock);
    daemon->set_arrival_recorder(central->arrivals.get());
    REQUIRE(daemon->start("127.0.0.1:0").ok());
  }

  /// One session from `d` to the listening central node over TLS, as `mhero sync` runs it.
  sync::SessionResult sync_online(FleetNode& d) {
    auto tls = make_tls_contexts(d->key());
    REQUIRE(tls.ok());
    SyncConfig config = fast_sync_config();
    SyncContext ctx{d->store(), d->key(), d->config(), config, d.clock, *tls->first, *tls->second,
                    nullptr, nullptr, d.arrivals.get()};
    uint64_t before = daemon->sessions_ok() + daemon->sessions_failed();
    auto r = sync_with(ctx, "127.0.0.1:" + std::to_string(daemon->port()));
    // The central node records its side when its session thread ends.
    REQUIRE(eventually([&] { return daemon->sessions_ok() + daemon->sessions_failed() > before; }));
    return r;
  }

  /// Exports from `from` to `to` at tmp/<name>.
  bundle::ExportReport send(FleetNode& from, FleetNode& to, const std::string& name) {
    bundle::ExportOptions options{{to->id(), to->config().role, to->config().district}, tmp / name};
    auto r = bundle::export_bundle(*from, options);
    if (!r.ok()) FAIL(r.status().to_string());
    return std::move(*r);
  }

  /// Imports `files` at `at`, recording into its arrival log; requires success.
  std::vector<bundle::FileReport> receive(FleetNode& at, std::vector<std::filesystem::path> files) {
    bundle::ImportOptions options;
    options.arrivals = at.arrivals.get();
    auto r = bundle::import_bundles(*at, files, options);
    if (!r.ok()) FAIL(r.status().to_string());
    return std::move(*r);
  }

  /// The central node's row of district `code`.
  fleet::DistrictRow row(const std::string& code) {
    auto rows = fleet::districts(central->context());
    REQUIRE(rows.ok());
    for (auto& r : *rows) {
      if (r.district == code && !r.revoked) return r;
    }
    FAIL("no row for district " + code);
    return {};
  }

  TempDir tmp;
  std::unique_ptr<FleetNode> central, a, b;
  std::unique_ptr<SyncDaemon> daemon;
};

}  // namespace mhero::testing
