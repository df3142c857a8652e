// Replication test helpers: in-directory nodes (store + enrollment view + admission + config)
// and an in-process pipe between two of them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <thread>

#include "node/admission.h"
#include "node/enrollment.h"
#include "replication/session.h"
#include "store/scope.h"
#include "support/entries.h"
#include "support/temp_dir.h"

namespace mhero::testing {

struct TestNode {
  TempDir dir;
  ManualClock clock;
  NodeKey key;
  NodeConfig config;
  EnrollmentView view;
  EnrolledAdmission admission;
  std::unique_ptr<LogStore> store;

  /// A central node when district is empty.
  TestNode(const NodeKey& k, const NodeId& central, const std::string& district)
      : key(k), admission(central, k.id(), district.empty() ? "national" : district_scope(district)) {
    config.role = district.empty() ? Role::central : Role::district;
    config.district = district;
    config.central_key = central;
    StoreOptions options;
    options.views = {&view};
    options.admission = &admission;
    options.sync = false;
    store = std::move(LogStore::open(dir / "db", clock, options)).value();
  }
  std::string scope() const { return config.role == Role::central ? "national" : district_scope(config.district); }
  void note(const std::string& text, const std::string& scope_override = "") {
    append_note(*store, key, scope_override.empty() ? scope() : scope_override, text);
  }
  void enroll(const TestNode& district) {
    auto r = enroll_key(*store, key, config, district.key.id(), district.config.district, "");
    if (!r.ok()) throw std::runtime_error(r.status().to_string());
  }
};

using LocalSocket = boost::asio::local::stream_protocol::socket;
using PipeStream = AsioByteStream<LocalSocket>;

/// Runs a session between `dialer` and `listener` over a local socket pair; returns both results.
inline std::pair<sync::SessionResult, sync::SessionResult> sync_over_pipe(
    TestNode& dialer, TestNode& listener, sync::SessionOptions options = {}) {
  boost::asio::io_context io;
  LocalSocket a(io), b(io);
  boost::asio::local::connect_pair(a, b);
  PipeStream sa(std::move(a), "pipe"), sb(std::move(b), "pipe");
  sync::SessionResult dr;
  std::thread t([&] {
    dr = sync::run_session(sync::Side::dialer, sa, *dialer.store, dialer.key.id(), dialer.config, options);
    sa.close();
  });
  sync::SessionResult lr =
      sync::run_session(sync::Side::listener, sb, *listener.store, listener.key.id(), listener.config, options);
  sb.close();
  t.join();
  return {std::move(dr), std::move(lr)};
}

}  // namespace mhero::testing
