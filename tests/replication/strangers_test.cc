// Issue 16: strangers on the sync port, busy central nodes, revoked keys and wrong clocks, over
// real TCP + TLS 1.3 on loopback (port 0).
#include <catch2/catch.hpp>

#include "node/enrollment.h"
#include "replication/daemon.h"
#include "replication/frame.h"
#include "replication/peer_status.h"
#include "replication/status_report.h"
#include "stress-strangers/strangers.h"

#include "daemon_fixture.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> sources(int from, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back("127.0.0." + std::to_string(from + i));
  return out;
}

// An enrolled district that handshakes, sends its hello and then holds its session slot
// without a word, until destroyed. A slot that a previous holder just gave up is freed when the
// central node notices the close, a moment later: until then the central node answers "busy",
// and the holder dials again (for at most 5 s).
struct SlotHolder {
  Dialer dialer;
  Connection conn;
  SlotHolder(TestNode& node, uint16_t port) : dialer(node) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {
      auto c = dial_tls(*dialer.client_tls, "127.0.0.1:" + std::to_string(port),
                        [](const NodeId&) { return true; }, 5s);
      REQUIRE(c.ok());
      conn = std::move(*c);
      sync::FrameChannel channel(*conn.stream, 1 << 20);
      sync::Hello h;
      h.node = node.key.id();
      h.role = Role::district;
      h.district = node.config.district;
      h.version = sync::protocol_version();
      REQUIRE(channel.send(h).ok());
      auto answer = channel.receive();  // The central node's hello: the slot is taken.
      REQUIRE(answer.ok());
      if (std::holds_alternative<sync::Hello>(*answer)) return;
      auto* error = std::get_if<sync::Error>(&*answer);
      REQUIRE(error != nullptr);
      INFO(error->message);
      REQUIRE(error->message.find("busy") != std::string::npos);
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      conn.stream->close();
      std::this_thread::sleep_for(20ms);
    }
  }
  ~SlotHolder() { conn.stream->close(); }
};

}  // namespace

TEST_CASE("strangers: idle and slow-handshake connections from many addresses never keep districts from syncing") {
  SyncConfig c = fast_config();
  c.max_pending = 16;
  c.max_pending_per_address = 4;
  c.pending_timeout = 1s;
  Central central(c);
  std::vector<std::unique_ptr<TestNode>> districts;
  for (int n = 0; n < 4; ++n) {
    std::string code = "d" + std::to_string(n);
    districts.push_back(std::make_unique<TestNode>(test_key(static_cast<uint8_t>(10 + n)), central.key.id(), code));
    central.node.enroll(*districts.back());
  }
  stress::StrangerPlan plan;
  plan.port = central.daemon.port();
  plan.idle = 60;
  plan.slow = 60;
  plan.sources = sources(2, 12);
  plan.slow_byte_every = 100ms;
  stress::Strangers strangers(plan);
  REQUIRE(eventually([&] { return central.daemon.pending_cut() >= 100; }));  // Strangers fill and churn.
  for (int round = 0; round < 3; ++round) {
    for (auto& d : districts) {
      d->note("round " + std::to_string(round));
      Dialer dialer(*d);
      auto started = std::chrono::steady_clock::now();
      auto r = dialer.sync_to(central.daemon.port());
      INFO(r.status.to_string());
      REQUIRE(r.ok());
      CHECK(r.entries_sent == 1);
      CHECK(std::chrono::steady_clock::now() - started < 3s);
    }
  }
  for (auto& d : districts) CHECK(central.node.store->head_seq(FeedId{d->key.id(), d->scope()}) == 3);
  CHECK(strangers.cuts() > 0);
  CHECK(central.daemon.peers_turned_busy() == 0);
}

TEST_CASE("strangers: districts dialing at once from one address (a carrier NAT) never cut each other's handshakes") {
  SyncConfig c = fast_config();
  c.max_pending_per_address = 2;
  c.pending_timeout = 4s;  // Grace 2 s: every handshake here finishes within it.
  Central central(c);
  std::vector<std::unique_ptr<TestNode>> districts;
  for (int n = 0; n < 12; ++n) {
    districts.push_back(std::make_unique<TestNode>(test_key(static_cast<uint8_t>(20 + n)), central.key.id(),
                                                   "nat" + std::to_string(n)));
    central.node.enroll(*districts.back());
    districts.back()->note("behind the NAT");
  }
  std::vector<std::string> failures(districts.size());
  std::vector<int> attempts(districts.size(), 0);
  std::vector<std::thread> dials;
  for (size_t d = 0; d < districts.size(); ++d) {
    dials.emplace_back([&, d] {
      Dialer dialer(*districts[d]);
      for (attempts[d] = 1; attempts[d] <= 40; ++attempts[d]) {
        auto r = dialer.sync_to(central.daemon.port());
        failures[d] = r.status.to_string();
        if (r.ok()) return;
        std::this_thread::sleep_for(50ms);  // Turned away: dial again, as the daemon's backoff does.
      }
    });
  }
  for (auto& t : dials) t.join();
  for (size_t d = 0; d < districts.size(); ++d) {
    INFO(districts[d]->config.district << " after " << attempts[d] << " attempts: " << failures[d]);
    CHECK(central.node.store->head_seq(FeedId{districts[d]->key.id(), districts[d]->scope()}) == 1);
  }
  // A newcomer over the address's limit was turned away; no handshake in progress was cut.
  INFO("turned away: " << central.daemon.pending_turned_away());
  CHECK(central.daemon.pending_cut() == 0);
}

TEST_CASE("strangers: a connection that never finishes its handshake or hello is cut at pending_timeout_ms") {
  SyncConfig c = fast_config();
  c.pending_timeout = 300ms;
  Central central(c);
  stress::StrangerPlan plan;
  plan.port = central.daemon.port();
  plan.idle = 1;
  stress::Strangers strangers(plan);
  auto started = std::chrono::steady_clock::now();
  REQUIRE(eventually([&] { return strangers.cuts() >= 1; }, 5s));
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took >= 250ms);
  CHECK(took < 2s);

  // After the handshake, a silent dialer (no hello) is cut too, and holds no session slot.
  NodeKey k = test_key(11);
  TestNode bong(k, central.key.id(), "bong");
  central.node.enroll(bong);
  Dialer dialer(bong);
  auto conn = dial_tls(*dialer.client_tls, "127.0.0.1:" + std::to_string(central.daemon.port()),
                       [](const NodeId&) { return true; }, 5s);
  REQUIRE(conn.ok());
  uint8_t byte = 0;
  auto read = conn->stream->read_exact({&byte, 1});
  CHECK(read.code() == StatusCode::unavailable);
}

TEST_CASE("busy: when every session slot is taken by enrolled peers, a district is told busy and when to retry") {
  SyncConfig c = fast_config();
  c.max_sessions = 1;
  c.busy_retry = 1s;
  Central central(c);
  TestNode holder_node(test_key(11), central.key.id(), "lofa");
  TestNode bong(test_key(12), central.key.id(), "bong");
  central.node.enroll(holder_node);
  central.node.enroll(bong);
  bong.note("waiting");
  {
    SlotHolder holder(holder_node, central.daemon.port());
    Dialer dialer(bong);
    auto r = dialer.sync_to(central.daemon.port());
    INFO(r.status.to_string());
    CHECK(r.status.code() == StatusCode::resource_exhausted);
    REQUIRE(r.retry_after.has_value());
    CHECK(*r.retry_after >= 1s);
    CHECK(*r.retry_after <= 1500ms);
    CHECK(r.status.message().find("busy") != std::string::npos);
    CHECK(r.status.message().find("dial again in ") != std::string::npos);
    CHECK(r.status.message().find("enrolled") == std::string::npos);
    CHECK(central.daemon.peers_turned_busy() == 1);
    CHECK(load_peer_record(*bong.store, "127.0.0.1:" + std::to_string(central.daemon.port())).last_error.find("busy") !=
          std::string::npos);
  }
  // The slot is free again once the holder's session ended: the district's daemon, which was
  // told to come back after ~1 s, syncs then.
  SyncConfig dc = fast_config();
  dc.peers = {"127.0.0.1:" + std::to_string(central.daemon.port())};
  dc.retry_initial = 60s;  // A failure's backoff would be far longer than the retry-after.
  dc.retry_cap = 60s;
  SlotHolder again(holder_node, central.daemon.port());
  SyncDaemon district(*bong.store, bong.key, bong.config, dc, bong.clock);
  REQUIRE(district.start("").ok());
  REQUIRE(eventually([&] { return district.sessions_failed() >= 1; }));
  again.conn.stream->close();
  CHECK(eventually([&] { return central.node.store->head_seq(FeedId{bong.key.id(), "district/bong"}) == 1; }, 5s));
  district.stop();
}

TEST_CASE("revoked: the district is told it was revoked, when and by which central key, and what to do") {
  Central central;
  TestNode bong(test_key(2), central.key.id(), "bong");
  central.node.enroll(bong);
  bong.note("before revocation");
  Dialer b(bong);
  REQUIRE(b.sync_to(central.daemon.port()).ok());
  central.node.manual_clock.set(std::chrono::milliseconds(1'800'000'000'000));  // 2027-01-15T08:00:00Z
  bong.manual_clock.set(std::chrono::milliseconds(1'800'000'000'000));
  REQUIRE(revoke_key(*central.node.store, central.node.key, central.node.config, bong.key.id(), "test").ok());
  bong.note("after revocation");
  auto r = b.sync_to(central.daemon.port());
  INFO(r.status.to_string());
  CHECK(r.status.code() == StatusCode::permission_denied);
  const std::string& m = r.status.message();
  CHECK(m.find("revoked at 2027-01-15T08:00:00Z by central key " + central.key.id().hex()) != std::string::npos);
  CHECK(m.find("key " + bong.key.id().hex() + " of district bong") != std::string::npos);
  CHECK(m.find("`mhero init` in a new directory") != std::string::npos);
  CHECK(m.find("--district bong") != std::string::npos);
  CHECK(m.find("is this node enrolled") == std::string::npos);
  CHECK(m.find("is it enrolled") == std::string::npos);
  CHECK(central.node.store->head_seq(FeedId{bong.key.id(), "district/bong"}) == 1);  // Nothing after it.
  // The district's status keeps the reason; the central node's shows the peer as revoked.
  auto mine = load_peer_records(*bong.store);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].last_error.find("revoked at 2027-01-15T08:00:00Z") != std::string::npos);
  REQUIRE(eventually([&] { return central.daemon.sessions_failed() >= 1; }));
  auto report = status_report(*central.node.store, central.node.config, central.key.id(), central.node.clock);
  bool shown = false;
  for (const auto& p : report["peers"]) {
    if (p["peer"] != bong.key.id().hex()) continue;
    shown = true;
    REQUIRE(p["revoked"].is_object());
    CHECK(p["revoked"]["at"] == "2027-01-15T08:00:00Z");
    CHECK(p["revoked"]["by"] == central.key.id().hex());
    CHECK(p["district"] == "bong");
    CHECK(p["last_error"].get<std::string>().find("was revoked") != std::string::npos);
  }
  CHECK(shown);
}

TEST_CASE("clocks: a district whose clock is days off is refused naming the skew and the fix; within the bound it syncs") {
  Central central;
  TestNode bong(test_key(2), central.key.id(), "bong");
  central.node.enroll(bong);
  bong.note("written on a wrong clock");
  bong.manual_clock.advance(-std::chrono::hours(72));
  Dialer b(bong);
  auto r = b.sync_to(central.daemon.port());
  INFO(r.status.to_string());
  CHECK(r.status.code() == StatusCode::failed_precondition);
  const std::string& m = r.status.message();
  CHECK(m.find("clock skew") != std::string::npos);
  CHECK(m.find("the district node's clock is 3 d 0 h behind") != std::string::npos);
  CHECK(m.find("max_clock_skew_ms (600000 ms)") != std::string::npos);
  CHECK(m.find("timedatectl set-ntp true") != std::string::npos);
  CHECK(m.find("nothing was exchanged") != std::string::npos);
  CHECK(central.node.store->head_seq(FeedId{bong.key.id(), "district/bong"}) == 0);
  REQUIRE(eventually([&] { return central.daemon.sessions_failed() >= 1; }));
  // The central node recorded the skew it measured.
  auto record = load_peer_record(*central.node.store, bong.key.id().hex());
  REQUIRE(record.clock_offset_ms.has_value());
  CHECK(*record.clock_offset_ms >= 72 * 3600 * 1000 - 1000);

  bong.manual_clock.advance(std::chrono::hours(72) - std::chrono::minutes(5));  // 5 min behind: accepted.
  auto ok = b.sync_to(central.daemon.port());
  INFO(ok.status.to_string());
  CHECK(ok.ok());
  REQUIRE(ok.clock_offset_ms.has_value());
  CHECK(*ok.clock_offset_ms < -4 * 60 * 1000);  // The district sees central's clock 5 min ahead.
  CHECK(central.node.store->head_seq(FeedId{bong.key.id(), "district/bong"}) == 1);
}

TEST_CASE("clocks: human_skew and the refusal text name the skew both ways") {
  CHECK(sync::human_skew(800) == "800 ms");
  CHECK(sync::human_skew(-45'000) == "45 s");
  CHECK(sync::human_skew(3 * 60'000 + 5'000) == "3 min 5 s");
  CHECK(sync::human_skew(-(2 * 3'600'000 + 60'000)) == "2 h 1 min");
  CHECK(sync::human_skew(3LL * 86'400'000 + 3'600'000) == "3 d 1 h");
  std::string ahead = sync::clock_skew_message(-86'400'000, 1'800'000'000'000, 600s, Role::district, Role::central);
  CHECK(ahead.find("the district node's clock reads 2027-01-15T08:00:00Z, the central node's 2027-01-16T08:00:00Z") !=
        std::string::npos);
  CHECK(ahead.find("the central node's clock is 1 d 0 h ahead") != std::string::npos);
}
