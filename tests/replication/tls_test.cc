// Replication over real TCP + TLS 1.3 on loopback (port 0), through the link simulator too.
#include <catch2/catch.hpp>

#include "linksim/linksim.h"
#include "node/holding.h"
#include "replication/backoff.h"
#include "replication/daemon.h"
#include "replication/peer_status.h"
#include "replication/status_report.h"

#include <sodium.h>

#include <fstream>
#include <thread>

#include "daemon_fixture.h"
#include "support/eventually.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

Frontier restricted(const Frontier& f, const NodeConfig& holder) {
  Frontier out;
  for (const auto& [feed, seq] : f.feeds()) {
    if (may_hold(holder.role, holder.district, feed)) out.set(feed, seq);
  }
  return out;
}

// 1,500 random base64 characters: a note that does not compress (~1.1 KB on the wire).
std::string incompressible_text() {
  unsigned char raw[1125];
  randombytes_buf(raw, sizeof raw);
  char text[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(text, sizeof text, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
  return text;
}

}  // namespace

TEST_CASE("a central node and 3 districts converge over TLS; no district gets another's feed") {
  Central central;
  std::vector<std::unique_ptr<TestNode>> districts;
  for (auto [n, code] : {std::pair{2, "bong"}, {3, "lofa"}, {4, "nimba"}}) {
    districts.push_back(std::make_unique<TestNode>(test_key(static_cast<uint8_t>(n)), central.key.id(), code));
    central.node.enroll(*districts.back());
    for (int i = 0; i < 25; ++i) districts.back()->note(std::string(code) + " note " + std::to_string(i));
    for (int i = 0; i < 10; ++i) central.node.note("for " + std::string(code), district_scope(code));
  }
  for (int i = 0; i < 40; ++i) central.node.note("national " + std::to_string(i));
  for (auto& d : districts) {
    Dialer dialer(*d);
    auto r = dialer.sync_to(central.daemon.port());
    INFO(r.status.to_string());
    REQUIRE(r.ok());
    CHECK(r.entries_sent == 25);
  }
  Frontier all = central.node.store->frontier();
  CHECK(all.total() == 3 + 40 + 30 + 75);
  for (auto& d : districts) {
    Frontier mine = d->store->frontier();
    CHECK(mine == restricted(all, d->config));
    for (const auto& [feed, seq] : mine.feeds()) {
      CHECK((feed.scope == "national" || feed.scope == d->scope()));
    }
    CHECK(d->store->verify_all().empty());
  }
  CHECK(central.node.store->verify_all().empty());
}

TEST_CASE("unknown and revoked keys are refused during the TLS handshake") {
  Central central;
  TestNode stranger(test_key(7), central.key.id(), "bong");
  stranger.note("let me in");
  Dialer s(stranger);
  auto r = s.sync_to(central.daemon.port());
  CHECK_FALSE(r.ok());
  CHECK(r.status.message().find("refused this node's key") != std::string::npos);
  CHECK(eventually([&] { return central.daemon.sessions_failed() >= 1; }));

  TestNode bong(test_key(2), central.key.id(), "bong");
  central.node.enroll(bong);
  bong.note("before revocation");
  Dialer b(bong);
  REQUIRE(b.sync_to(central.daemon.port()).ok());
  REQUIRE(revoke_key(*central.node.store, central.node.key, central.node.config, bong.key.id(), "test").ok());
  bong.note("after revocation");
  auto after = b.sync_to(central.daemon.port());
  CHECK_FALSE(after.ok());
  CHECK(central.node.store->head_seq(FeedId{bong.key.id(), "district/bong"}) == 1);
  CHECK(central.node.store->head_seq(FeedId{stranger.key.id(), "district/bong"}) == 0);
}

TEST_CASE("the next dial resumes the TLS session, and the peer's key is judged again on resumption") {
  Central central;
  TestNode bong(test_key(2), central.key.id(), "bong");
  central.node.enroll(bong);
  Dialer b(bong);
  bong.note("first");
  auto first = b.sync_to(central.daemon.port());
  REQUIRE(first.ok());
  CHECK_FALSE(first.tls_resumed);  // A process's first dial: full handshake.
  bong.note("second");
  auto second = b.sync_to(central.daemon.port());
  REQUIRE(second.ok());
  CHECK(second.tls_resumed);
  CHECK(second.peer == central.key.id());  // Known from the session's certificate.
  CHECK(second.entries_sent == 1);
  CHECK(central.node.store->head_seq(FeedId{bong.key.id(), "district/bong"}) == 2);
  auto third = b.sync_to(central.daemon.port());  // The session the second dial got.
  CHECK(third.ok());
  CHECK(third.tls_resumed);

  // Revoked since: the resumed session carries the old certificate, and the key is refused all
  // the same (told it was revoked, as after a full handshake), nothing of it kept.
  REQUIRE(revoke_key(*central.node.store, central.node.key, central.node.config, bong.key.id(), "test").ok());
  bong.note("after revocation");
  auto revoked = b.sync_to(central.daemon.port());
  CHECK(revoked.tls_resumed);
  CHECK_FALSE(revoked.ok());
  CHECK(revoked.status.message().find("revoked") != std::string::npos);
  CHECK(central.node.store->head_seq(FeedId{bong.key.id(), "district/bong"}) == 2);

  // Another district's dialer has no session of bong's to offer.
  TestNode lofa(test_key(3), central.key.id(), "lofa");
  central.node.enroll(lofa);
  Dialer l(lofa);
  auto other = l.sync_to(central.daemon.port());
  CHECK(other.ok());
  CHECK_FALSE(other.tls_resumed);
}

TEST_CASE("after the central node restarts, a district makes one full handshake, then resumes again") {
  Central central;
  TestNode bong(test_key(2), central.key.id(), "bong");
  central.node.enroll(bong);
  Dialer b(bong);
  REQUIRE(b.sync_to(central.daemon.port()).ok());
  REQUIRE(b.sync_to(central.daemon.port()).tls_resumed);
  uint16_t port = central.daemon.port();
  central.daemon.stop();
  SyncDaemon restarted(*central.node.store, central.node.key, central.node.config, fast_config(), central.node.clock);
  REQUIRE(restarted.start("127.0.0.1:" + std::to_string(port)).ok());
  auto first = b.sync_to(port);  // Offers the old session: unknown there, full handshake.
  CHECK(first.ok());
  CHECK_FALSE(first.tls_resumed);
  bong.note("after the restart");
  auto third = b.sync_to(port);
  CHECK(third.ok());
  CHECK(third.tls_resumed);
  CHECK(third.entries_sent == 1);
}

namespace {

// A central node and district bong, which holds 80 notes (120 KB that does not compress) for it,
// behind a 400 kbit/s link: in batches of 4 KiB, a session of ~3 s.
struct BongBehindSlowLink {
  Central central;
  TestNode bong{test_key(2), central.key.id(), "bong"};
  FeedId feed{bong.key.id(), "district/bong"};
  std::unique_ptr<linksim::LinkSim> sim;
  BongBehindSlowLink() {
    central.node.enroll(bong);
    for (int i = 0; i < 80; ++i) bong.note(incompressible_text());
    linksim::LinkSpec slow;
    slow.bandwidth_bps = 400'000;
    sim = std::move(linksim::LinkSim::start("127.0.0.1", central.daemon.port(), slow)).value();
  }
};

}  // namespace

TEST_CASE("a central node stopping mid-session tells the district so; the district keeps what was acknowledged") {
  BongBehindSlowLink net;
  Central& central = net.central;
  auto& sim = net.sim;
  const FeedId& feed = net.feed;
  Dialer b(net.bong);
  b.config.batch_bytes = 4 * 1024;
  sync::SessionResult cut;
  std::thread dialing([&] { cut = b.sync_to(sim->port()); });
  REQUIRE(eventually([&] { return central.node.store->head_seq(feed) > 0; }));
  uint16_t port = central.daemon.port();
  central.daemon.stop();
  dialing.join();

  INFO(cut.status.to_string());
  CHECK(cut.status.code() == StatusCode::unavailable);
  CHECK(cut.status.message().find("peer ended the session: the central node is stopping (its service was stopped "
                                  "or restarted); it keeps every batch it acknowledged") != std::string::npos);
  uint64_t kept = central.node.store->head_seq(feed);
  CHECK(kept < 80);
  CHECK(cut.entries_sent <= kept);  // Acknowledged ones are held; a batch committed as it stopped may be too.

  SyncDaemon restarted(*central.node.store, central.node.key, central.node.config, fast_config(), central.node.clock);
  REQUIRE(restarted.start("127.0.0.1:" + std::to_string(port)).ok());
  sim->set_spec({});
  auto after = b.sync_to(sim->port());
  INFO(after.status.to_string());
  REQUIRE(after.ok());
  CHECK(after.entries_sent == 80 - kept);
  CHECK(central.node.store->head_seq(feed) == 80);
  CHECK(central.node.store->verify_all().empty());
}

TEST_CASE("a district's mhero run stopping mid-session tells the central node so") {
  BongBehindSlowLink net;
  Central& central = net.central;
  TestNode& bong = net.bong;
  const FeedId& feed = net.feed;
  SyncConfig c = fast_config();
  c.peers = {"127.0.0.1:" + std::to_string(net.sim->port())};
  c.batch_bytes = 4 * 1024;
  SyncDaemon district(*bong.store, bong.key, bong.config, c, bong.clock);
  REQUIRE(district.start("").ok());
  REQUIRE(eventually([&] { return central.node.store->head_seq(feed) > 0; }));
  district.stop();
  REQUIRE(eventually([&] { return central.daemon.sessions_failed() >= 1; }));
  PeerRecord seen = load_peer_record(*central.node.store, bong.key.id().hex());
  INFO(seen.last_error);
  CHECK(seen.last_error.find("peer ended the session: district node bong is stopping") != std::string::npos);
  CHECK(central.node.store->head_seq(feed) < 80);
  CHECK(central.node.store->verify_all().empty());
}

TEST_CASE("a district refuses a server whose key is not the pinned central key") {
  Central impostor;  // Its key is test_key(1); the district pins test_key(9).
  TestNode bong(test_key(2), test_key(9).id(), "bong");
  Dialer b(bong);
  auto r = b.sync_to(impostor.daemon.port());
  CHECK(r.status.code() == StatusCode::permission_denied);
  CHECK(r.status.message().find("neither the pinned central key nor enrolled") != std::string::npos);
}

TEST_CASE("50 cuts at random byte offsets, both directions: then everything converges once") {
  Central central;
  TestNode bong(test_key(2), central.key.id(), "bong");
  central.node.enroll(bong);
  linksim::LinkSpec spec;
  spec.random_cut_max_bytes = 9000;
  spec.seed = 42;
  auto sim = std::move(linksim::LinkSim::start("127.0.0.1", central.daemon.port(), spec)).value();
  Dialer b(bong);
  b.config.batch_bytes = 1024;  // Many small batches, so cuts land between and inside them.
  int written_central = 1, written_bong = 0, rounds = 0;  // 1: the enrollment.
  while (sim->cuts() < 50 && rounds < 400) {
    ++rounds;
    for (int i = 0; i < 6; ++i, ++written_central) central.node.note("c" + std::to_string(written_central), "district/bong");
    for (int i = 0; i < 6; ++i, ++written_bong) bong.note("b" + std::to_string(written_bong));
    (void)b.sync_to(sim->port());
  }
  CHECK(sim->cuts() >= 50);
  auto plans = sim->cut_plans();
  CHECK(std::count_if(plans.begin(), plans.end(), [](auto& p) { return p.direction == linksim::Direction::up; }) > 10);
  CHECK(std::count_if(plans.begin(), plans.end(), [](auto& p) { return p.direction == linksim::Direction::down; }) > 10);
  sim->set_spec({});
  auto final_sync = b.sync_to(sim->port());
  INFO(final_sync.status.to_string());
  REQUIRE(final_sync.ok());
  REQUIRE(b.sync_to(sim->port()).ok());
  uint64_t bong_seq = central.node.store->head_seq(FeedId{bong.key.id(), "district/bong"});
  CHECK(bong_seq == static_cast<uint64_t>(written_bong));
  CHECK(bong.store->entry_count() == static_cast<uint64_t>(written_central + written_bong));
  CHECK(central.node.store->entry_count() == static_cast<uint64_t>(written_central + written_bong));
  CHECK(central.node.store->frontier() == bong.store->frontier());
  CHECK(bong.store->verify_all().empty());
  CHECK(central.node.store->verify_all().empty());
  CHECK(bong.store->forks().empty());
}

TEST_CASE("a link that cuts every connection before one batch gets through: batches halve until entries move") {
  Central central;
  TestNode bong(test_key(2), central.key.id(), "bong");
  central.node.enroll(bong);
  // 40 notes of 1,500 random base64 characters (60 KB, ~45 KB once compressed): one 64 KiB
  // batch is more than the link lets through, as the fresh-clone review found with a cut every
  // 40 KB. Before next_batch_bytes() no session ever moved an entry on such a link.
  for (int i = 0; i < 40; ++i) bong.note(incompressible_text());
  linksim::LinkSpec cut;
  cut.cut_after_bytes = 30'000;
  auto sim = std::move(linksim::LinkSim::start("127.0.0.1", central.daemon.port(), cut)).value();
  Dialer b(bong);
  const std::string label = "127.0.0.1:" + std::to_string(sim->port());
  REQUIRE(b.config.batch_bytes == 64 * 1024);

  auto first = b.sync_to(sim->port());
  CHECK(first.status.code() == StatusCode::unavailable);
  CHECK(first.batches_begun >= 1);
  CHECK(first.batches_sent == 0);  // None acknowledged.
  CHECK(load_peer_record(*bong.store, label).batch_bytes == 32 * 1024);

  FeedId feed{bong.key.id(), "district/bong"};
  // Sessions, and those that moved no entry into the central node. (Counted where the entries
  // land: a batch the central committed may have its ack cut on the way back, so the sender's
  // own count says 0 for a session that did move entries, more often on a loaded machine.)
  int sessions = 1, idle = 1;
  uint64_t size = 32 * 1024, lowest = size;
  while (central.node.store->head_seq(feed) < 40 && sessions < 40) {
    const uint64_t held_before = central.node.store->head_seq(feed);
    auto r = b.sync_to(sim->port());
    ++sessions;
    // The central's side of the session ends after it commits what arrived whole.
    CHECK(eventually([&] { return central.daemon.sessions_ok() + central.daemon.sessions_failed() >= uint64_t(sessions); }));
    idle += central.node.store->head_seq(feed) == held_before;
    uint64_t next = load_peer_record(*bong.store, label).batch_bytes;
    if (!r.ok()) CHECK((next != 0 && next <= size));  // Never raised by a cut session.
    size = next;
    if (size != 0) lowest = std::min(lowest, size);
  }
  INFO(sessions << " sessions, " << idle << " moved nothing, " << sim->cuts() << " cuts");
  CHECK(central.node.store->head_seq(feed) == 40);
  CHECK(idle <= 3);  // One per halving (64 -> 32 -> 16 KiB here), not one every other session.
  CHECK(lowest >= kBatchBytesFloor);
  CHECK(lowest <= 32 * 1024);

  // Sessions that go through raise it back, doubling, until the configured size is used again.
  sim->set_spec({});
  for (int i = 0; i < 8 && load_peer_record(*bong.store, label).batch_bytes != 0; ++i) {
    REQUIRE(b.sync_to(sim->port()).ok());
  }
  CHECK(load_peer_record(*bong.store, label).batch_bytes == 0);
  CHECK(central.node.store->frontier() == bong.store->frontier());
  CHECK(central.node.store->verify_all().empty());
}

TEST_CASE("next_batch_bytes: halved after a cut before any ack, kept after a cut after one, doubled back after a whole session") {
  sync::SessionResult cut_early;
  cut_early.status = unavailable("cut");
  cut_early.batches_begun = 2;
  CHECK(next_batch_bytes(65536, 65536, cut_early) == 32768);
  CHECK(next_batch_bytes(1500, 65536, cut_early) == kBatchBytesFloor);
  sync::SessionResult cut_after_ack = cut_early;
  cut_after_ack.batches_sent = 1;
  CHECK(next_batch_bytes(16384, 65536, cut_after_ack) == 16384);  // Gets through; larger may not.
  CHECK(next_batch_bytes(32768, 65536, sync::SessionResult{}) == 0);
  sync::SessionResult refused;
  refused.status = permission_denied("not enrolled");
  refused.batches_begun = 1;
  CHECK(next_batch_bytes(16384, 65536, refused) == 16384);  // Not the link's fault.
  sync::SessionResult cut_before_batches;
  cut_before_batches.status = unavailable("cut in the hello");
  CHECK(next_batch_bytes(16384, 65536, cut_before_batches) == 16384);
  CHECK(next_batch_bytes(16384, 65536, sync::SessionResult{}) == 32768);  // A whole session.
  PeerRecord peer;
  CHECK(batch_bytes_for(peer, 65536) == 65536);
  peer.batch_bytes = 8192;
  CHECK(batch_bytes_for(peer, 65536) == 8192);
  CHECK(batch_bytes_for(peer, 4096) == 4096);  // The configuration was lowered since.
}

TEST_CASE("a district daemon dials on start and again when new local entries appear") {
  Central central;
  TestNode bong(test_key(2), central.key.id(), "bong");
  central.node.enroll(bong);
  bong.note("first");
  SyncConfig config = fast_config();
  config.peers = {"127.0.0.1:" + std::to_string(central.daemon.port())};
  config.poll_interval = 1h;  // Only local news may trigger the second sync.
  SyncDaemon daemon(*bong.store, bong.key, bong.config, config, bong.clock);
  std::atomic<int> ticks{0};
  daemon.add_task({"counter", 10ms, [&] { ++ticks; }});
  daemon.set_status_file(bong.dir / "sync-status.json");
  REQUIRE(daemon.start("").ok());
  FeedId feed{bong.key.id(), "district/bong"};
  CHECK(eventually([&] { return central.node.store->head_seq(feed) == 1; }));
  bong.note("second");
  CHECK(eventually([&] { return central.node.store->head_seq(feed) == 2; }));
  CHECK(eventually([&] { return ticks >= 3; }));
  CHECK(eventually([&] {
    std::ifstream in(bong.dir / "sync-status.json");
    auto report = nlohmann::json::parse(in, nullptr, false);
    return !report.is_discarded() && report["peers"].size() == 1 &&
           report["peers"][0]["last_error"].get<std::string>().empty() && report["peers"][0]["entries_ahead"] == 0;
  }));
  daemon.stop();
  CHECK(daemon.sessions_ok() >= 2);
}

TEST_CASE("backoff doubles from the initial delay, is capped, and jitters within [0.5, 1]") {
  CHECK(backoff_delay(0, 100ms, 1s, 0.3) == 0ms);
  CHECK(backoff_delay(1, 100ms, 1s, 1.0) == 100ms);
  CHECK(backoff_delay(3, 100ms, 1s, 1.0) == 400ms);
  CHECK(backoff_delay(30, 100ms, 1s, 1.0) == 1000ms);
  CHECK(backoff_delay(30, 100ms, 1s, 0.0) == 500ms);
}

TEST_CASE("linksim: a blackout refuses connections, cut_after_bytes cuts exactly there") {
  Central central;
  TestNode bong(test_key(2), central.key.id(), "bong");
  central.node.enroll(bong);
  for (int i = 0; i < 50; ++i) bong.note("note " + std::to_string(i));
  linksim::LinkSpec dark;
  dark.blackouts = {{0ms, std::chrono::milliseconds(std::chrono::hours(1))}};
  auto sim = std::move(linksim::LinkSim::start("127.0.0.1", central.daemon.port(), dark)).value();
  Dialer b(bong);
  CHECK(b.sync_to(sim->port()).status.code() == StatusCode::unavailable);
  CHECK(sim->cuts() == 1);
  CHECK(sim->bytes_up() + sim->bytes_down() == 0);

  linksim::LinkSpec cut;
  cut.cut_after_bytes = 3000;
  sim->set_spec(cut);
  CHECK_FALSE(b.sync_to(sim->port()).ok());
  CHECK(sim->cuts() == 2);
  CHECK((sim->bytes_up() == 3000 || sim->bytes_down() == 3000));
  CHECK(sim->bytes_up() <= 3000);
  sim->set_spec({});
  CHECK(b.sync_to(sim->port()).ok());
  CHECK(central.node.store->head_seq(FeedId{bong.key.id(), "district/bong"}) == 50);
}
