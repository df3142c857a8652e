// What the daemon tests share (tls_test.cc, strangers_test.cc): a SyncConfig with short timers,
// a dialer for a test node, a central node with its SyncDaemon on a loopback port, and a
// polling wait.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "replication/daemon.h"
#include "test_nodes.h"
#include "support/eventually.h"

namespace mhero::testing {

/// Short handshake and idle timeouts and retries in tens of milliseconds.
inline SyncConfig fast_config() {
  using namespace std::chrono_literals;
  SyncConfig c;
  c.handshake_timeout = 5s;
  c.idle_timeout = 10s;
  c.retry_initial = 20ms;
  c.retry_cap = 200ms;
  c.local_check = 20ms;
  return c;
}

/// What a node needs to dial (its TLS contexts and a SyncContext), with fast_config().
struct Dialer : scratch::ScratchDialer {
  explicit Dialer(TestNode& n) : ScratchDialer(n, fast_config()) {}
};

/// The central node (test key 1) with its daemon listening on 127.0.0.1, an ephemeral port.
struct Central {
  NodeKey key = test_key(1);
  TestNode node{key, key.id(), ""};
  SyncDaemon daemon;
  explicit Central(SyncConfig c = fast_config()) : daemon(*node.store, node.key, node.config, c, node.clock) {
    REQUIRE(daemon.start("127.0.0.1:0").ok());
  }
};

}  // namespace mhero::testing
