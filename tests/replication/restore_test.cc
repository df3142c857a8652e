// A node restored from an old copy of its store, or two copies of one node both writing
// (issue 16, "Restore from a backup must not fork"), over in-process sync sessions.
#include <catch2/catch.hpp>

#include "test_nodes.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

// Replaces `to`'s store by a copy of `from`'s as it is now (a RocksDB checkpoint, as `mhero
// backup` takes), opened with `to`'s views and admission: `to` then is a restored or cloned node.
void copy_store(TestNode& from, TestNode& to) {
  to.store.reset();
  std::filesystem::remove_all(to.dir / "db");
  REQUIRE(from.store->checkpoint(to.dir / "db").ok());
  StoreOptions options;
  options.views = {&to.view};
  options.admission = &to.admission;
  options.sync = false;
  auto opened = LogStore::open(to.dir / "db", to.manual_clock, options);
  REQUIRE(opened.ok());
  to.store = std::move(opened).value();
}

Result<Entry> try_note(TestNode& node, const std::string& scope = "") {
  capnp::MallocMessageBuilder m;
  m.initRoot<schema::Payload>().setNote("after the restore");
  return node.store->append(node.key, scope.empty() ? node.scope() : scope, m.getRoot<schema::Payload>().asReader());
}

}  // namespace

TEST_CASE("a district restored from a backup learns its own feed from central before writing; no fork") {
  NodeKey ck = test_key(1);
  TestNode central(ck, ck.id(), "");
  TestNode bong(test_key(2), ck.id(), "bong");
  central.enroll(bong);
  for (int i = 0; i < 5; ++i) bong.note("before the backup " + std::to_string(i));
  REQUIRE(sync_over_pipe(bong, central).first.ok());
  TestNode restored(test_key(2), ck.id(), "bong");
  copy_store(bong, restored);  // The backup.
  for (int i = 0; i < 5; ++i) bong.note("after the backup " + std::to_string(i));
  REQUIRE(sync_over_pipe(bong, central).first.ok());
  FeedId feed{bong.key.id(), "district/bong"};
  REQUIRE(central.store->head_seq(feed) == 10);

  REQUIRE(restored.store->hold_writes("restored from the backup test.mhbak").ok());
  auto refused = try_note(restored);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("behind its own feed district/bong"));
  CHECK(restored.store->head_seq(feed) == 5);

  auto [d, l] = sync_over_pipe(restored, central);
  INFO(d.status.to_string() << " / " << l.status.to_string());
  REQUIRE(d.ok());
  REQUIRE(l.ok());
  CHECK(d.entries_received == 5);  // Its own seqs 6..10, its own signatures, back from central.
  CHECK(restored.store->head_seq(feed) == 10);
  CHECK_FALSE(restored.store->write_hold());

  auto next = try_note(restored);
  REQUIRE(next.ok());
  CHECK(next->seq() == 11);  // Continues after the peer's head.
  auto [d2, l2] = sync_over_pipe(restored, central);
  REQUIRE(d2.ok());
  REQUIRE(l2.ok());
  CHECK(central.store->head_seq(feed) == 11);
  CHECK(central.store->forks().empty());
  CHECK(restored.store->forks().empty());
}

TEST_CASE("a central node restored from a backup learns national and a district's feed from that district") {
  NodeKey ck = test_key(1);
  TestNode central(ck, ck.id(), "");
  TestNode bong(test_key(2), ck.id(), "bong"), lofa(test_key(3), ck.id(), "lofa");
  central.enroll(bong);
  central.enroll(lofa);
  central.note("national 1");
  central.note("for bong 1", "district/bong");
  TestNode restored(ck, ck.id(), "");
  copy_store(central, restored);
  central.note("national 2");
  central.note("for bong 2", "district/bong");
  REQUIRE(sync_over_pipe(bong, central).first.ok());
  FeedId national{ck.id(), "national"}, for_bong{ck.id(), "district/bong"};
  uint64_t national_head = central.store->head_seq(national);

  REQUIRE(restored.store->hold_writes("restored from the backup central.mhbak").ok());
  CHECK_FALSE(try_note(restored).ok());
  auto [d, l] = sync_over_pipe(bong, restored);
  INFO(d.status.to_string() << " / " << l.status.to_string());
  REQUIRE(d.ok());
  REQUIRE(l.ok());
  CHECK(restored.store->head_seq(national) == national_head);
  CHECK(restored.store->head_seq(for_bong) == 2);
  auto hold = restored.store->write_hold();
  REQUIRE(hold);  // LOFA's feed written by central is not learned yet: only what BONG holds.
  CHECK(hold->learned.count("national") == 1);
  CHECK(hold->learned.count("district/bong") == 1);

  auto n = try_note(restored);
  REQUIRE(n.ok());
  CHECK(n->seq() == national_head + 1);
  auto b = try_note(restored, "district/bong");
  REQUIRE(b.ok());
  CHECK(b->seq() == 3);
  auto l1 = try_note(restored, "district/lofa");
  REQUIRE_FALSE(l1.ok());
  CHECK_THAT(l1.status().message(), Catch::Contains("district/lofa"));
}

TEST_CASE("two copies of one district both writing: the fork is found by sync at every node, and sync goes on") {
  NodeKey ck = test_key(1);
  TestNode central(ck, ck.id(), "");
  TestNode bong(test_key(2), ck.id(), "bong");
  central.enroll(bong);
  for (int i = 0; i < 3; ++i) bong.note("shared " + std::to_string(i));
  REQUIRE(sync_over_pipe(bong, central).first.ok());
  TestNode copy(test_key(2), ck.id(), "bong");
  copy_store(bong, copy);  // A cloned disk, and no hold (an older mhero, or a wrong override).
  for (int i = 0; i < 2; ++i) bong.note("original " + std::to_string(i));
  for (int i = 0; i < 3; ++i) copy.note("copy " + std::to_string(i));
  FeedId feed{bong.key.id(), "district/bong"};
  REQUIRE(sync_over_pipe(bong, central).first.ok());
  REQUIRE(central.store->head_seq(feed) == 5);

  // The copy sends its seq 6, which links to its own seq 5: the central node records the fork
  // (no more "bad_prev" for ever) and the session ends with a clear error naming node, feed, seq.
  auto [d, l] = sync_over_pipe(copy, central);
  REQUIRE_FALSE(d.ok());
  REQUIRE_FALSE(l.ok());
  std::string expected = "fork in the feed district/bong of node " + bong.key.id().hex() + " at seq 5";
  CHECK_THAT(l.status.message(), Catch::Contains(expected));
  CHECK_THAT(d.status.message(), Catch::Contains(expected));
  REQUIRE(central.store->forks().size() == 1);
  CHECK(central.store->frozen(feed));

  // Next session: the central node sends its evidence; the copy records the fork itself.
  auto [d2, l2] = sync_over_pipe(copy, central);
  CHECK_FALSE(d2.ok());
  REQUIRE(copy.store->forks().size() == 1);
  CHECK(copy.store->forks()[0].seq == 5);
  CHECK(copy.store->frozen(feed));
  CHECK_FALSE(try_note(copy).ok());  // Its feed is frozen: it writes no more into it.

  // And then sessions end cleanly: the loop is over, the rest goes on syncing.
  central.note("national after the fork");
  auto [d3, l3] = sync_over_pipe(copy, central);
  INFO(d3.status.to_string() << " / " << l3.status.to_string());
  CHECK(d3.ok());
  CHECK(l3.ok());
  CHECK(d3.entries_received == 1);

  // The original district learns of the fork too, from the central node's evidence.
  auto [d4, l4] = sync_over_pipe(bong, central);
  CHECK_FALSE(d4.ok());
  REQUIRE(bong.store->forks().size() == 1);
  CHECK(bong.store->frozen(feed));
  auto [d5, l5] = sync_over_pipe(bong, central);
  CHECK(d5.ok());
  CHECK(l5.ok());
}
