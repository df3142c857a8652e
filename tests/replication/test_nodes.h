// Replication test helpers: scratch nodes in temporary directories and an in-process pipe
// between two of them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <optional>
#include <thread>

#include "replication/session.h"
#include "scratch-node/scratch_node.h"
#include "store/scope.h"
#include "support/entries.h"
#include "support/temp_dir.h"

namespace mhero::testing {

/// Where a TestNode lives: a temporary directory and a ManualClock (a base, so that both exist
/// before the ScratchNode's store opens).
struct TestNodeHome {
  TempDir dir;
  ManualClock manual_clock;
};

/// A scratch node (scratch-node/scratch_node.h) with its store in a temporary directory, on a
/// ManualClock, never fsyncing. A central node when district is empty.
struct TestNode : TestNodeHome, scratch::ScratchNode {
  TestNode(const NodeKey& k, const NodeId& central, const std::string& district)
      : ScratchNode(dir / "db", manual_clock, k, central, district) {}
  void note(const std::string& text, const std::string& scope_override = "") {
    append_note(*store, key, scope_override.empty() ? scope() : scope_override, text);
  }
};

using LocalSocket = boost::asio::local::stream_protocol::socket;
using PipeStream = AsioByteStream<LocalSocket>;

/// The two connected ends of an in-process socket pair (asio::local::connect_pair), labelled
/// "pipe": `a` for the dialer, `b` for the listener.
struct Pipe {
  boost::asio::io_context io;
  std::optional<PipeStream> a, b;
  Pipe() {
    LocalSocket x(io), y(io);
    boost::asio::local::connect_pair(x, y);
    a.emplace(std::move(x), "pipe");
    b.emplace(std::move(y), "pipe");
  }
};

/// `node`'s listener session on a pipe's listener end, run in a thread from construction; the
/// test speaks for the dialer on dialer_end(). finish() closes the dialer's end, waits for the
/// session and returns its result (the destructor finishes when the test did not).
class ListenerOnPipe {
 public:
  explicit ListenerOnPipe(TestNode& node, sync::SessionOptions options = {})
      : thread_([this, &node, options] {
          result_ = sync::run_session(sync::Side::listener, *pipe_.b, *node.store, node.key.id(), node.config,
                                      options);
          pipe_.b->close();
        }) {}
  ListenerOnPipe(const ListenerOnPipe&) = delete;
  ListenerOnPipe& operator=(const ListenerOnPipe&) = delete;
  ~ListenerOnPipe() {
    if (thread_.joinable()) finish();
  }

  PipeStream& dialer_end() { return *pipe_.a; }
  sync::SessionResult finish() {
    pipe_.a->close();
    thread_.join();
    return std::move(result_);
  }

 private:
  Pipe pipe_;
  sync::SessionResult result_;
  std::thread thread_;  // Last: starts once the pipe and the result exist.
};

/// A central node (key 1) and district "bong" (key 2) enrolled on it: where most session tests
/// start.
struct CentralAndBong {
  NodeKey ck = test_key(1);
  TestNode central{ck, ck.id(), ""};
  TestNode bong{test_key(2), ck.id(), "bong"};
  CentralAndBong() { central.enroll(bong); }
};

/// Runs a session between `dialer` and `listener` over a local socket pair; returns both results.
inline std::pair<sync::SessionResult, sync::SessionResult> sync_over_pipe(
    TestNode& dialer, TestNode& listener, sync::SessionOptions options = {}) {
  ListenerOnPipe listening(listener, options);
  sync::SessionResult dr = sync::run_session(sync::Side::dialer, listening.dialer_end(), *dialer.store,
                                             dialer.key.id(), dialer.config, options);
  sync::SessionResult lr = listening.finish();
  return {std::move(dr), std::move(lr)};
}

}  // namespace mhero::testing
