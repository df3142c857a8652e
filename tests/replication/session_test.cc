// Sync sessions over an in-process pipe (asio::local::connect_pair).
#include <catch2/catch.hpp>

#include <functional>
#include <mutex>

#include "bundle/record_codec.h"
#include "replication/batch.h"
#include "replication/frame.h"
#include "replication/peer_status.h"
#include "replication/status_report.h"
#include "test_nodes.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

// `n` notes reading "n", chained in bong's feed from seq 1, made by hand (no store): what the
// hand-driven dialers below send.
std::vector<Entry> bong_notes(const NodeKey& key, int n) {
  std::vector<Entry> entries;
  Hash256 prev{};
  for (int i = 1; i <= n; ++i) {
    entries.push_back(make_note_entry(key, "district/bong", static_cast<uint64_t>(i), prev, "n"));
    prev = entries.back().id();
  }
  return entries;
}

// Sends the hello of district bong's `key` on `ch` and reads the listener's.
void say_hello(sync::FrameChannel& ch, const NodeKey& key) {
  sync::Hello hello{key.id(), Role::district, "bong", sync::protocol_version(), {}, {}};
  REQUIRE(ch.send(hello).ok());
  auto theirs = ch.receive();
  REQUIRE(theirs.ok());
  CHECK(std::holds_alternative<sync::Hello>(*theirs));
}

// Batch `number` carrying `entries` length-prefixed; `tampered`: one byte of a later entry's note
// changed, so that its signature no longer verifies.
sync::Batch entries_batch(uint64_t number, std::span<const Entry> entries, BatchCompressor& compressor,
                          bool tampered = false) {
  std::string raw = pack_entries(entries);
  if (tampered) {
    size_t note = raw.find("n", raw.size() / 2 + 10);
    REQUIRE(note != std::string::npos);
    raw[note] = 'X';
  }
  return sync::Batch{number, static_cast<uint32_t>(entries.size()), static_cast<uint32_t>(raw.size()),
                     compressor.compress(raw)};
}

// The central node and an enrolled district bong, whose side of a session the test speaks by
// hand on `ch`, the hellos exchanged.
struct HandDialer {
  NodeKey ck = test_key(1);
  TestNode central{ck, ck.id(), ""};
  TestNode bong{test_key(2), ck.id(), "bong"};
  bool enrolled = (central.enroll(bong), true);
  ListenerOnPipe listening{central};
  sync::FrameChannel ch{listening.dialer_end(), 1 << 20};
  HandDialer() { say_hello(ch, bong.key); }
  uint64_t bong_head() const { return central.store->head_seq(FeedId{bong.key.id(), "district/bong"}); }
};

}  // namespace

TEST_CASE("a district and the central node converge over a pipe, each way") {
  NodeKey ck = test_key(1);
  TestNode central(ck, ck.id(), "");
  TestNode bong(test_key(2), ck.id(), "bong");
  central.enroll(bong);
  for (int i = 0; i < 30; ++i) central.note("national " + std::to_string(i));
  for (int i = 0; i < 5; ++i) central.note("for bong " + std::to_string(i), "district/bong");
  for (int i = 0; i < 20; ++i) bong.note("from bong " + std::to_string(i));

  auto [d, l] = sync_over_pipe(bong, central);
  INFO(d.status.to_string() << " / " << l.status.to_string());
  REQUIRE(d.ok());
  REQUIRE(l.ok());
  CHECK(d.entries_sent == 20);
  CHECK(l.entries_received == 20);
  CHECK(d.entries_received == 36);  // 30 notes + 1 enrollment + 5 district notes.
  CHECK(central.store->frontier() == bong.store->frontier());
  CHECK(bong.store->verify_all().empty());

  // A second session has nothing to do: 4 frames, 2 round trips.
  auto [d2, l2] = sync_over_pipe(bong, central);
  REQUIRE(d2.ok());
  CHECK(d2.entries_sent + d2.entries_received == 0);
  CHECK(d2.frames_sent == 2);
  CHECK(d2.frames_received == 2);
  CHECK(d2.bytes_written + d2.bytes_read < 2048);
}

TEST_CASE("batches are pipelined within the window and acknowledged in order") {
  CentralAndBong nodes;
  TestNode &central = nodes.central, &bong = nodes.bong;
  for (int i = 0; i < 600; ++i) bong.note("routine notice " + std::to_string(i) + std::string(200, 'x'));

  sync::SessionOptions options;
  options.batch_bytes = 4096;          // ~15 entries per batch, ~40 batches.
  options.window_min_bytes = 16 * 1024;

  SECTION("several batches in flight, all acknowledged, nothing lost; progress reported per batch") {
    std::mutex mu;  // Both sides report, each on its own thread.
    std::vector<sync::SessionProgress> reports;
    options.on_progress = [&](const sync::SessionProgress& p) {
      std::lock_guard lock(mu);
      reports.push_back(p);
    };
    auto [d, l] = sync_over_pipe(bong, central, options);
    std::lock_guard lock(mu);
    // Each side reports each batch the other acknowledged and each it committed.
    CHECK(reports.size() == d.batches_sent + d.batches_received + l.batches_sent + l.batches_received);
    uint64_t sent_max = 0, received_max = 0;
    for (const auto& p : reports) {
      sent_max = std::max(sent_max, p.entries_sent);
      received_max = std::max(received_max, p.entries_received);
      CHECK(p.bytes_written + p.bytes_read > 0);
    }
    CHECK(sent_max == 600);
    CHECK(received_max == 600);
    INFO(d.status.to_string() << " / " << l.status.to_string());
    REQUIRE(d.ok());
    REQUIRE(l.ok());
    CHECK(d.batches_in_flight_max > 1);
    CHECK(d.batches_in_flight_max <= 64);  // SendWindow::kMaxBatchesInFlight.
    CHECK(d.batches_sent == l.batches_received);
    CHECK(d.entries_sent == 600);
    CHECK(l.entries_received == 600);
    CHECK(central.store->frontier() == bong.store->frontier());
  }
  SECTION("window 0 and 0: one batch at a time") {
    options.window_min_bytes = options.window_max_bytes = 0;
    auto [d, l] = sync_over_pipe(bong, central, options);
    REQUIRE(d.ok());
    CHECK(d.batches_in_flight_max == 1);
    CHECK(d.batches_sent > 30);
    CHECK(l.entries_received == 600);
  }
}

TEST_CASE("a refusal while batches are in flight reaches the sender with its reason") {
  CentralAndBong nodes;
  const NodeKey& ck = nodes.ck;
  TestNode& bong = nodes.bong;
  for (int i = 0; i < 400; ++i) bong.note("notice " + std::to_string(i) + std::string(200, 'x'));
  // The test speaks for the central node: hello, it acknowledges batch 1, then refuses batch 2
  // and hangs up while the district's next batches are on their way.
  Pipe pipe;
  sync::SessionOptions options;
  options.batch_bytes = 4096;
  sync::SessionResult d;
  std::thread dialer([&] {
    d = sync::run_session(sync::Side::dialer, *pipe.a, *bong.store, bong.key.id(), bong.config, options);
  });
  sync::FrameChannel ch(*pipe.b, 1 << 20);
  REQUIRE(ch.receive().ok());  // The district's hello.
  sync::Hello hello{ck.id(), Role::central, "", sync::protocol_version(), {}, {}};
  hello.record_batches = true;
  REQUIRE(ch.send(hello).ok());
  auto first = ch.receive();
  REQUIRE(first.ok());
  auto* batch1 = std::get_if<sync::Batch>(&*first);
  REQUIRE(batch1 != nullptr);
  uint32_t acked = batch1->entry_count;
  REQUIRE(ch.send(sync::Ack{1, {}}).ok());
  auto second = ch.receive();
  REQUIRE(second.ok());
  CHECK(std::holds_alternative<sync::Batch>(*second));
  REQUIRE(ch.send(sync::Error{status_code_name(StatusCode::resource_exhausted), "the disk is full at the central node"}).ok());
  pipe.b->close();
  dialer.join();
  INFO(d.status.to_string());
  CHECK(d.status.code() == StatusCode::resource_exhausted);
  CHECK(d.status.message() == "peer ended the session: the disk is full at the central node");
  CHECK(d.entries_sent == acked);  // Batch 1's, acknowledged before the refusal.
  CHECK(d.batches_sent == 1);
}

TEST_CASE("the listener's hello carries only where its frontier differs from the dialer's") {
  CentralAndBong nodes;
  TestNode &central = nodes.central, &bong = nodes.bong;
  for (int i = 0; i < 5; ++i) bong.note("from bong " + std::to_string(i));
  for (int i = 0; i < 5; ++i) central.note("national " + std::to_string(i));
  REQUIRE(sync_over_pipe(bong, central).first.ok());

  // Central moves on in one feed and starts another (for bong's district); bong writes more too.
  central.note("national 5");
  central.note("for bong", "district/bong");
  bong.note("from bong 5");
  auto [d, l] = sync_over_pipe(bong, central);
  REQUIRE(d.ok());
  REQUIRE(l.ok());
  CHECK(d.entries_received == 2);
  CHECK(l.entries_received == 1);
  CHECK(d.peer_frontier == central.store->frontier());  // Rebuilt from the delta, raised by acks.
  CHECK(bong.store->frontier() == central.store->frontier());

  // A no-op: the delta is empty, so the listener's hello is smaller than a full one.
  auto [delta, unused] = sync_over_pipe(bong, central);
  sync::SessionOptions older;
  older.entry_batches_only = true;  // Speaks as a node before the delta: full frontiers.
  auto [full, unused2] = sync_over_pipe(bong, central, older);
  REQUIRE(delta.ok());
  REQUIRE(full.ok());
  CHECK(delta.peer_frontier == full.peer_frontier);
  CHECK(delta.bytes_read + 100 < full.bytes_read);
  CHECK(delta.bytes_written == full.bytes_written);
}

TEST_CASE("a district never receives another district's feeds") {
  NodeKey ck = test_key(1);
  TestNode central(ck, ck.id(), "");
  TestNode bong(test_key(2), ck.id(), "bong"), lofa(test_key(3), ck.id(), "lofa");
  central.enroll(bong);
  central.enroll(lofa);
  lofa.note("lofa secret");
  central.note("for lofa", "district/lofa");
  REQUIRE(sync_over_pipe(lofa, central).first.ok());
  REQUIRE(sync_over_pipe(bong, central).first.ok());
  Frontier held = bong.store->frontier();
  for (const auto& [feed, seq] : held.feeds()) {
    INFO(feed.to_string());
    CHECK((feed.scope == "national" || feed.scope == "district/bong"));
  }
  CHECK(bong.store->frontier().size() == 1);  // Only national (the enrollments).
}

TEST_CASE("an unknown key is refused by the session") {
  NodeKey ck = test_key(1);
  TestNode central(ck, ck.id(), "");
  TestNode stranger(test_key(7), ck.id(), "bong");  // Never enrolled.
  stranger.note("hello");
  auto [d, l] = sync_over_pipe(stranger, central);
  CHECK(l.status.code() == StatusCode::permission_denied);
  CHECK(d.status.code() == StatusCode::permission_denied);
  CHECK(d.status.message().find("neither the pinned central key nor enrolled") != std::string::npos);
  CHECK(central.store->frontier().size() == 0);
}

TEST_CASE("urgent messages are batched first") {
  NodeKey ck = test_key(1);
  TestNode central(ck, ck.id(), "");
  TestNode bong(test_key(2), ck.id(), "bong");
  for (int i = 0; i < 10; ++i) central.note("routine " + std::to_string(i), "district/bong");
  capnp::MallocMessageBuilder urgent;
  auto m = urgent.initRoot<schema::Payload>().initOutgoingMessage();
  m.setMessageId("m-1");
  m.setPriority(schema::Priority::URGENT);
  REQUIRE(central.store->append(ck, "national", urgent.getRoot<schema::Payload>().asReader()).ok());
  central.note("after urgent");
  central.enroll(bong);
  auto planner = BatchPlanner::plan(*central.store, Frontier{}, nullptr);
  REQUIRE(planner.ok());
  CHECK((*planner)->remaining() == 13);
  auto first = (*planner)->next(1);  // One entry per batch.
  REQUIRE(first.ok());
  REQUIRE(first->size() == 1);
  CHECK(is_urgent(first->front()));
  std::vector<std::string> order;
  while (true) {
    auto b = (*planner)->next(1);
    REQUIRE(b.ok());
    if (b->empty()) break;
    order.push_back(b->front().feed().scope);
  }
  REQUIRE(order.size() == 12);
  CHECK(order[0] == "national");
  CHECK(order[1] == "national");
  CHECK(order[2] == "district/bong");
}

TEST_CASE("a tampered entry ends the session and nothing of its batch is kept") {
  HandDialer d;  // Then a batch whose 3rd entry is tampered.
  BatchCompressor compressor;
  REQUIRE(d.ch.send(entries_batch(1, bong_notes(d.bong.key, 4), compressor, true)).ok());
  auto reply = d.ch.receive();
  REQUIRE(reply.ok());
  auto* err = std::get_if<sync::Error>(&*reply);
  REQUIRE(err != nullptr);
  CHECK(err->code == "corruption");
  sync::SessionResult lr = d.listening.finish();
  CHECK(lr.status.code() == StatusCode::corruption);
  CHECK(d.bong_head() == 0);
}

TEST_CASE("batches sent back to back are committed and acknowledged in order; a bad one keeps those before it") {
  HandDialer d;
  std::vector<Entry> entries = bong_notes(d.bong.key, 12);
  // Three batches of four written before any ack is read, so the listener finds each next one
  // waiting while it holds the one before (checking its signatures ahead of the commit). The
  // third has a tampered entry.
  BatchCompressor compressor;
  for (uint64_t b = 0; b < 3; ++b) {
    auto four = std::span<const Entry>(entries).subspan(b * 4, 4);
    REQUIRE(d.ch.send(entries_batch(b + 1, four, compressor, b == 2)).ok());
  }
  for (uint64_t b = 1; b <= 2; ++b) {
    auto reply = d.ch.receive();
    REQUIRE(reply.ok());
    auto* ack = std::get_if<sync::Ack>(&*reply);
    REQUIRE(ack != nullptr);
    CHECK(ack->number == b);
    CHECK(ack->frontier.get(FeedId{d.bong.key.id(), "district/bong"}) == 4 * b);
  }
  auto reply = d.ch.receive();
  REQUIRE(reply.ok());
  auto* err = std::get_if<sync::Error>(&*reply);
  REQUIRE(err != nullptr);
  CHECK(err->code == "corruption");
  CHECK_THAT(err->message, Catch::Contains("batch 3 refused"));
  sync::SessionResult lr = d.listening.finish();
  CHECK(lr.status.code() == StatusCode::corruption);
  CHECK(lr.batches_received == 2);
  CHECK(lr.entries_received == 8);
  CHECK(d.bong_head() == 8);
  CHECK(d.central.store->verify_all().empty());
}

TEST_CASE("a batch received whole is kept when the link breaks inside the next frame") {
  HandDialer d;
  BatchCompressor compressor;
  REQUIRE(d.ch.send(entries_batch(1, bong_notes(d.bong.key, 4), compressor)).ok());
  // The next frame's header (100 bytes announced) and 10 bytes of it, then the link is gone: the
  // listener, holding batch 1 while it reads on, still keeps it.
  const uint8_t partial[14] = {0, 0, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  REQUIRE(d.listening.dialer_end().write_all(partial).ok());
  d.listening.dialer_end().close();
  sync::SessionResult lr = d.listening.finish();
  CHECK(lr.status.code() == StatusCode::unavailable);
  CHECK(lr.batches_received == 1);
  CHECK(d.bong_head() == 4);
  CHECK(d.central.store->verify_all().empty());
}

TEST_CASE("batches travel as records between nodes that read them, as entries to an older node") {
  // Three identical pairs: both new; an older listener; an older dialer (SessionOptions::
  // entry_batches_only speaks as a node before the records encoding).
  sync::SessionOptions older;
  older.entry_batches_only = true;
  auto pair_sync = [&](bool old_dialer, bool old_listener) {
    NodeKey ck = test_key(1);
    TestNode central(ck, ck.id(), "");
    TestNode bong(test_key(2), ck.id(), "bong");
    central.enroll(bong);
    for (int i = 0; i < 300; ++i) {
      bong.note("stock count at facility " + std::to_string(i % 37) + ": ORS " + std::to_string(i * 7 % 101));
      central.note("national notice " + std::to_string(i));
    }
    ListenerOnPipe listening(central, old_listener ? older : sync::SessionOptions{});
    auto d = sync::run_session(sync::Side::dialer, listening.dialer_end(), *bong.store, bong.key.id(), bong.config,
                               old_dialer ? older : sync::SessionOptions{});
    auto l = listening.finish();
    INFO(d.status.to_string() << " / " << l.status.to_string());
    REQUIRE(d.ok());
    REQUIRE(l.ok());
    CHECK(d.entries_sent == 300);
    CHECK(d.entries_received == 301);  // The notices and bong's enrollment.
    CHECK(central.store->frontier() == bong.store->frontier());
    CHECK(central.store->verify_all().empty());
    CHECK(bong.store->verify_all().empty());
    return std::pair{d.bytes_written, d.bytes_read};  // Dialer's batches out, listener's in.
  };
  auto both_new = pair_sync(false, false);
  auto old_listener = pair_sync(false, true);
  auto old_dialer = pair_sync(true, false);
  // Records cost each entry about its payload and signature: well under length-prefixed entries.
  CHECK(both_new.first * 10 < old_listener.first * 8);   // The dialer's batches to an older listener.
  CHECK(both_new.second * 10 < old_dialer.second * 8);   // The listener's batches to an older dialer.
  CHECK(both_new.first * 10 < old_dialer.first * 8);     // An older dialer sends entries, read as ever.
}

TEST_CASE("a records batch that does not decode ends the session and nothing of it is kept") {
  NodeKey ck = test_key(1);
  TestNode central(ck, ck.id(), "");
  TestNode bong(test_key(2), ck.id(), "bong");
  central.enroll(bong);
  std::vector<Entry> entries = bong_notes(bong.key, 4);
  struct Case {
    std::string name;
    uint8_t encoding;
    std::function<std::string(std::string)> damage;  // Of the raw records.
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"a flipped signature byte", sync::kBatchRecords, [](std::string r) { r[r.size() - 10] ^= 1; return r; },
            "batch 1 refused"},
           {"cut short", sync::kBatchRecords, [](std::string r) { return r.substr(0, r.size() - 70); },
            "the records end inside a segment's signatures"},
           {"an unknown record tag", sync::kBatchRecords, [](std::string r) { r[0] = 9; return r; },
            "record tag 9 is not a segment (1) or a raw entry (2)"},
           {"an unknown encoding", 7, [](std::string r) { return r; }, "batch 1: encoding 7 is not one this node reads"},
       }) {
    INFO(c.name);
    ListenerOnPipe listening(central);
    sync::FrameChannel ch(listening.dialer_end(), 1 << 20);
    say_hello(ch, bong.key);
    std::string raw;
    bundle::RecordEncoder encoder([&](std::string_view bytes, bool) {
      raw += bytes;
      return Status{};
    });
    for (const Entry& e : entries) REQUIRE(encoder.add(e).ok());
    REQUIRE(encoder.flush().ok());
    raw = c.damage(raw);
    BatchCompressor compressor;
    sync::Batch batch{1, 4, static_cast<uint32_t>(raw.size()), compressor.compress(raw), c.encoding};
    REQUIRE(ch.send(batch).ok());
    auto reply = ch.receive();
    REQUIRE(reply.ok());
    auto* err = std::get_if<sync::Error>(&*reply);
    REQUIRE(err != nullptr);
    CHECK(err->code == "corruption");
    CHECK_THAT(err->message, Catch::Contains(c.says));
    sync::SessionResult lr = listening.finish();
    CHECK(lr.status.code() == StatusCode::corruption);
    CHECK(central.store->head_seq(FeedId{bong.key.id(), "district/bong"}) == 0);
  }
}

TEST_CASE("a malformed or oversized frame ends the session") {
  NodeKey ck = test_key(1);
  TestNode central(ck, ck.id(), "");
  for (std::string garbage : {std::string("\x00\x00\x00\x05hello", 9), std::string("\xff\xff\xff\xff", 4)}) {
    Pipe pipe;
    REQUIRE(pipe.a->write_all(std::span(reinterpret_cast<const uint8_t*>(garbage.data()), garbage.size())).ok());
    sync::SessionOptions options;
    options.frame_bytes_max = 1 << 20;
    auto r = sync::run_session(sync::Side::listener, *pipe.b, *central.store, ck.id(), central.config, options);
    INFO(r.status.to_string());
    CHECK((r.status.code() == StatusCode::corruption || r.status.code() == StatusCode::resource_exhausted));
  }
}

TEST_CASE("a protocol version mismatch is a clear error on both sides") {
  NodeKey ck = test_key(1);
  TestNode central(ck, ck.id(), "");
  TestNode bong(test_key(2), ck.id(), "bong");
  central.enroll(bong);
  ListenerOnPipe listening(central);
  sync::FrameChannel ch(listening.dialer_end(), 1 << 20);
  REQUIRE(ch.send(sync::Hello{bong.key.id(), Role::district, "bong", sync::protocol_version() + 1, {}, {}}).ok());
  auto reply = ch.receive();
  sync::SessionResult lr = listening.finish();
  REQUIRE(reply.ok());
  auto* err = std::get_if<sync::Error>(&*reply);
  REQUIRE(err != nullptr);
  CHECK(err->message.find("protocol version mismatch") != std::string::npos);
  CHECK(lr.status.code() == StatusCode::failed_precondition);
}

TEST_CASE("status: a node met under two addresses is counted against all it holds; the older row names the newer") {
  NodeKey ck = test_key(1);
  TestNode central(ck, ck.id(), "");
  TestNode bong(test_key(2), ck.id(), "bong");
  central.enroll(bong);
  bong.note("one");
  auto [d1, l1] = sync_over_pipe(bong, central);
  REQUIRE(d1.ok());
  REQUIRE(record_session(*bong.store, "127.0.0.1:40001", "127.0.0.1:40001", d1, 1'700'000'000'000).ok());
  bong.note("two");
  bong.note("three");
  auto [d2, l2] = sync_over_pipe(bong, central);
  REQUIRE(d2.ok());
  REQUIRE(record_session(*bong.store, "central:7447", "central:7447", d2, 1'700'000'060'000).ok());

  nlohmann::json report = status_report(*bong.store, bong.config, bong.key.id(), bong.manual_clock);
  REQUIRE(report["peers"].size() == 2);
  for (const auto& p : report["peers"]) {
    INFO(p.dump());
    CHECK(p["entries_ahead"] == 0);  // The old row's own frontier lacks "two" and "three".
    CHECK(p["entries_behind"] == 0);
    if (p["peer"] == "127.0.0.1:40001") {
      CHECK(p["superseded_by"] == "central:7447");
    } else {
      CHECK(p["superseded_by"].is_null());
    }
  }
}

TEST_CASE("peer status records the last success, the lag and the last error") {
  NodeKey ck = test_key(1);
  TestNode central(ck, ck.id(), "");
  TestNode bong(test_key(2), ck.id(), "bong");
  central.enroll(bong);
  bong.note("one");
  auto [d, l] = sync_over_pipe(bong, central);
  REQUIRE(d.ok());
  REQUIRE(record_session(*bong.store, "central:7447", "central:7447", d, 1'700'000'000'000).ok());
  bong.note("two");
  bong.note("three");
  auto records = load_peer_records(*bong.store);
  REQUIRE(records.size() == 1);
  CHECK(records[0].last_success_ms == 1'700'000'000'000);
  CHECK(records[0].role == Role::central);
  CHECK(records[0].last_error.empty());
  Lag l1 = lag(bong.store->frontier(), bong.config, records[0]);
  CHECK(l1.ahead == 2);
  CHECK(l1.behind == 0);
  REQUIRE(record_failure(*bong.store, "central:7447", "central:7447", unavailable("link down"), 1'700'000'001'000).ok());
  records = load_peer_records(*bong.store);
  CHECK(records[0].last_success_ms == 1'700'000'000'000);
  CHECK(records[0].last_error.find("link down") != std::string::npos);
}
