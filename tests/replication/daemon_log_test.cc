// What `mhero run` tells the operator after a failed sync: the peer, its address, the cause and
// the next attempt (replication/daemon.h), and how `mhero status` names a peer never reached.
#include <catch2/catch.hpp>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <mutex>
#include <tuple>
#include <thread>

#include "node/config_keys.h"
#include "node/node.h"
#include "replication/daemon.h"
#include "replication/peer_status.h"
#include "replication/status_report.h"
#include "support/temp_dir.h"

using namespace mhero;
using mhero::testing::TempDir;

namespace {

/// Keeps every log message (payload only) for the test to read.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override { lines_.emplace_back(msg.payload.data(), msg.payload.size()); }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

/// Routes spdlog's default logger to a LineSink for the scope's lifetime.
struct CapturedLog {
  std::shared_ptr<LineSink> sink = std::make_shared<LineSink>();
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  CapturedLog() { spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink)); }
  ~CapturedLog() { spdlog::set_default_logger(previous); }
};

/// A loopback port nothing listens on (bound, then closed).
uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

}  // namespace

TEST_CASE("human_delay and sync_failure_line say what failed, why and when the next try is") {
  using std::chrono::milliseconds;
  CHECK(human_delay(milliseconds(250)) == "250 ms");
  CHECK(human_delay(milliseconds(2500)) == "2.5 s");
  CHECK(human_delay(milliseconds(29600)) == "30 s");
  CHECK(sync_failure_line("central", "10.0.0.1:7447", unavailable("cannot connect to 10.0.0.1:7447: Connection refused"),
                          milliseconds(30000), 3) ==
        "sync with central at 10.0.0.1:7447 failed: cannot connect to 10.0.0.1:7447: Connection refused; "
        "next attempt in 30 s (failure 3)");
}

TEST_CASE("the daemon logs the cause of a failed sync with its central node, and status calls the peer central") {
  TempDir dir;
  NodePaths central_paths{dir / "central"}, paths{dir / "bong"};
  auto central = Node::init(central_paths, Role::central, "", std::nullopt);
  REQUIRE(central.ok());
  REQUIRE(Node::init(paths, Role::district, "BONG", *central).ok());
  ManualClock clock{std::chrono::milliseconds(1'700'000'000'000)};
  auto node = Node::open(paths, clock);
  REQUIRE(node.ok());

  std::string address = "127.0.0.1:" + std::to_string(closed_port());
  SyncConfig sync;
  sync.peers = {address};
  sync.retry_initial = sync.retry_cap = std::chrono::milliseconds(60000);  // One attempt in this test.
  CapturedLog log;
  std::string line;
  {
    SyncDaemon daemon((*node)->store(), (*node)->key(), (*node)->config(), sync, clock);
    REQUIRE(daemon.start("").ok());
    // Waits for the event (the refused connect), not for time to pass.
    for (int i = 0; i < 1000 && line.empty(); ++i) {
      for (const auto& l : log.sink->lines()) {
        if (l.find("next attempt") != std::string::npos) line = l;
      }
      if (line.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    daemon.stop();
  }
  INFO(line);
  std::string head = "sync with central at " + address + " failed: cannot connect to " + address +
                     ": Connection refused; next attempt in ";
  CHECK(line.substr(0, head.size()) == head);
  CHECK(line.ends_with(" s (failure 1)"));
  int seconds = std::stoi(line.substr(head.size()));
  CHECK(seconds >= 30);  // 60 s jittered to 50-100 %.
  CHECK(seconds <= 60);

  // The unreached peer is the district's pinned central node, not a "district".
  nlohmann::json report = status_report((*node)->store(), (*node)->config(), (*node)->id(), clock);
  REQUIRE(report["peers"].size() == 1);
  CHECK(report["peers"][0]["peer"] == address);
  CHECK(report["peers"][0]["role"] == "central");
  CHECK(report["peers"][0]["node"] == "");
  CHECK(report["peers"][0]["last_error"] == "unavailable: cannot connect to " + address + ": Connection refused");
}

TEST_CASE("expected_role: announced role, pinned central, and central before a district's first session") {
  NodeConfig district;
  district.role = Role::district;
  district.district = "BONG";
  district.central_key = *NodeId::from_hex(std::string(64, 'c'));
  NodeConfig central = district;
  central.role = Role::central;
  central.district.clear();

  PeerRecord unreached;
  CHECK(expected_role(unreached, district) == Role::central);
  CHECK(peer_description(unreached, district) == "central");
  CHECK_FALSE(expected_role(unreached, central).has_value());
  CHECK(peer_description(unreached, central) == "peer");

  PeerRecord lofa;
  lofa.node = *NodeId::from_hex(std::string(64, 'd'));
  lofa.role = Role::district;
  lofa.district = "LOFA";
  CHECK(expected_role(lofa, central) == Role::district);
  CHECK(peer_description(lofa, central) == "district LOFA");

  PeerRecord pinned;
  pinned.node = district.central_key;
  CHECK(peer_description(pinned, district) == "central");
}

TEST_CASE("SyncConfig reads the largest batch NodeConfig accepts, with frame_bytes_max absent or default") {
  for (const char* text : {"[sync]\nbatch_bytes = 16773120\n", "[sync]\nbatch_bytes = 16773120\nframe_bytes_max = 16777216\n"}) {
    NodeConfig config;
    config.table = toml::parse(text);
    auto sync = SyncConfig::from(config);
    REQUIRE(sync.ok());
    CHECK(sync->batch_bytes == 16773120u);
    CHECK(sync->frame_bytes_max == 16777216u);
  }
}

TEST_CASE("SyncConfig's defaults are the ones node/config_keys.h documents") {
  auto sync = SyncConfig::from(NodeConfig{});
  REQUIRE(sync.ok());
  auto documented = [](std::string_view key) {
    const ConfigKey* k = find_config_key("sync", key);
    REQUIRE(k != nullptr);
    std::string d(k->default_text);
    return std::stoll(d.substr(1, d.size() - 2));  // "`65536`"
  };
  CHECK(static_cast<int64_t>(sync->batch_bytes) == documented("batch_bytes"));
  CHECK(static_cast<int64_t>(sync->frame_bytes_max) == documented("frame_bytes_max"));
  CHECK(sync->retry_initial.count() == documented("retry_initial_ms"));
  CHECK(sync->retry_cap.count() == documented("retry_cap_ms"));
  CHECK(sync->poll_interval.count() == documented("poll_interval_ms"));
  CHECK(sync->local_check.count() == documented("local_check_ms"));
  CHECK(sync->handshake_timeout.count() == documented("handshake_timeout_ms"));
  CHECK(sync->idle_timeout.count() == documented("idle_timeout_ms"));
  CHECK(static_cast<int64_t>(sync->max_sessions) == documented("max_sessions"));
  CHECK(static_cast<int64_t>(sync->max_pending) == documented("max_pending"));
  CHECK(static_cast<int64_t>(sync->max_pending_per_address) == documented("max_pending_per_address"));
  CHECK(sync->pending_timeout.count() == documented("pending_timeout_ms"));
  CHECK(sync->busy_retry.count() == documented("busy_retry_ms"));
  CHECK(sync->max_clock_skew.count() == documented("max_clock_skew_ms"));
}

TEST_CASE("SyncConfig refuses a pending or clock limit out of range, naming the key") {
  for (auto [key, value, range] : {std::tuple{"max_pending", 0, "1 and 100000"},
                                   std::tuple{"pending_timeout_ms", 50, "100 and 86400000"},
                                   std::tuple{"busy_retry_ms", 10, "1000 and 86400000"},
                                   std::tuple{"max_clock_skew_ms", 999, "1000 and 31536000000"}}) {
    NodeConfig c;
    c.table.insert_or_assign("sync", toml::table{{key, value}});
    auto sync = SyncConfig::from(c);
    REQUIRE_FALSE(sync.ok());
    CHECK(sync.status().message() == "config.toml [sync] " + std::string(key) + " must be an integer between " +
                                         std::string(range));
  }
  NodeConfig c;  // The per-address limit never exceeds the total.
  c.table.insert_or_assign("sync", toml::table{{"max_pending", 4}, {"max_pending_per_address", 10}});
  auto sync = SyncConfig::from(c);
  REQUIRE(sync.ok());
  CHECK(sync->max_pending_per_address == 4);
}
