#include <catch2/catch.hpp>

#include <set>

#include "store/log_store.h"
#include "support/entries.h"
#include "support/temp_dir.h"
#include "util/bytes.h"

using namespace mhero;
using namespace mhero::testing;

TEST_CASE("a fork is quarantined with both entries kept and the feed frozen") {
  TempDir dir;
  ManualClock clock;
  NodeKey district = test_key(5);
  FeedId feed{district.id(), "district/BONG"};
  Entry e1 = make_note_entry(district, feed.scope, 1, Hash256{}, "one");
  Entry e2 = make_note_entry(district, feed.scope, 2, e1.id(), "two");
  Entry e2_other = make_note_entry(district, feed.scope, 2, e1.id(), "two, rewritten");
  Entry e3 = make_note_entry(district, feed.scope, 3, e2.id(), "three");

  auto opened = LogStore::open(dir / "s", clock);
  REQUIRE(opened.ok());
  LogStore& store = **opened;
  REQUIRE(store.ingest(std::vector<Entry>{e1, e2}).ok());

  IngestResult r = store.ingest(std::vector<Entry>{e2_other});
  CHECK(r.fault == IngestFault::fork);
  CHECK(r.status.code() == StatusCode::corruption);
  CHECK_THAT(r.status.message(), Catch::Contains("seq 2") && Catch::Contains("fork"));

  auto forks = store.forks();
  REQUIRE(forks.size() == 1);
  CHECK(forks[0].feed == feed);
  CHECK(forks[0].seq == 2);
  REQUIRE(forks[0].entries.size() == 2);
  std::set<Hash256> ids = {forks[0].entries[0].id(), forks[0].entries[1].id()};
  CHECK(ids == std::set<Hash256>{e2.id(), e2_other.id()});
  CHECK(store.frozen(feed));

  // The held entries stay; further entries of the feed are skipped (not taken, and not refusing
  // the batch: other feeds of it go on syncing), so a peer does not loop on the same refusal.
  CHECK(store.head_seq(feed) == 2);
  CHECK(store.get(feed, 2)->id() == e2.id());
  Entry n1 = make_note_entry(test_key(1), "national", 1, Hash256{}, "n");
  IngestResult later = store.ingest(std::vector<Entry>{e3, n1});
  CHECK(later.ok());
  CHECK(later.frozen_skipped == 1);
  CHECK(later.added == 1);
  CHECK(store.head_seq(feed) == 2);

  // Other feeds are unaffected.
  CHECK(store.head_seq(n1.feed()) == 1);
  CHECK(store.verify_all().empty());
}

TEST_CASE("two different entries for one seq inside one batch are a fork too") {
  TempDir dir;
  ManualClock clock;
  NodeKey district = test_key(5);
  Entry a = make_note_entry(district, "district/BONG", 1, Hash256{}, "a");
  Entry b = make_note_entry(district, "district/BONG", 1, Hash256{}, "b");
  auto store = LogStore::open(dir / "s", clock);
  REQUIRE(store.ok());
  IngestResult r = (*store)->ingest(std::vector<Entry>{a, b});
  CHECK(r.fault == IngestFault::fork);
  CHECK((*store)->entry_count() == 0);
  CHECK((*store)->forks().size() == 1);
}

TEST_CASE("an invalid entry at a held seq is corruption, not a fork") {
  TempDir dir;
  ManualClock clock;
  NodeKey district = test_key(5);
  Entry e1 = make_note_entry(district, "district/BONG", 1, Hash256{}, "original");
  std::string bytes = e1.encode();
  bytes.replace(bytes.find("original"), 8, "ORIGINAL");
  auto forged = Entry::decode(bytes);
  REQUIRE(forged.ok());
  auto store = LogStore::open(dir / "s", clock);
  REQUIRE(store.ok());
  REQUIRE((*store)->ingest(std::vector<Entry>{e1}).ok());
  CHECK((*store)->ingest(std::vector<Entry>{*forged}).fault == IngestFault::bad_signature);
  CHECK((*store)->forks().empty());
  CHECK_FALSE((*store)->frozen(e1.feed()));
}

// Regression (issue 16): a district restored from an old backup wrote seq 3' after its seq 2;
// the central node held the original 3 and 4 and refused the copy's seq 5 with "bad_prev" for
// ever, recording nothing. A validly signed entry that links to another entry than the one held
// before it is evidence of a fork: two different entries signed at that seq.
TEST_CASE("bad_prev_loop_is_a_fork: a valid entry whose prev is not the held entry is fork evidence") {
  TempDir dir;
  ManualClock clock;
  NodeKey district = test_key(5);
  FeedId feed{district.id(), "district/BONG"};
  Entry e1 = make_note_entry(district, feed.scope, 1, Hash256{}, "one");
  Entry e2 = make_note_entry(district, feed.scope, 2, e1.id(), "two");
  Entry e2_copy = make_note_entry(district, feed.scope, 2, e1.id(), "two, written by the restored copy");
  Entry e3_copy = make_note_entry(district, feed.scope, 3, e2_copy.id(), "three, by the copy");

  auto opened = LogStore::open(dir / "s", clock);
  REQUIRE(opened.ok());
  LogStore& store = **opened;
  REQUIRE(store.ingest(std::vector<Entry>{e1, e2}).ok());

  IngestResult r = store.ingest(std::vector<Entry>{e3_copy});
  CHECK(r.fault == IngestFault::fork);
  CHECK(r.status.code() == StatusCode::corruption);
  CHECK_THAT(r.status.message(), Catch::Contains("fork in the feed district/BONG of node " + district.id().hex() +
                                                 " at seq 2") &&
                                     Catch::Contains("Recovering from a fork"));
  auto forks = store.forks();
  REQUIRE(forks.size() == 1);
  CHECK(forks[0].feed == feed);
  CHECK(forks[0].seq == 2);
  REQUIRE(forks[0].entries.size() == 2);
  std::set<Hash256> ids = {forks[0].entries[0].id(), forks[0].entries[1].id()};
  CHECK(ids == std::set<Hash256>{e2.id(), e3_copy.id()});
  CHECK_THAT(forks[0].reason, Catch::Contains("seq 3") && Catch::Contains(to_hex(std::span<const uint8_t>(e2_copy.id()))));
  CHECK(store.frozen(feed));
  CHECK(store.head_seq(feed) == 2);

  // The same entries again: skipped, no refusal loop.
  IngestResult again = store.ingest(std::vector<Entry>{e3_copy});
  CHECK(again.ok());
  CHECK(again.frozen_skipped == 1);

  // A store that gets the evidence pair records the fork too (that is how it spreads).
  auto other = LogStore::open(dir / "t", clock);
  REQUIRE(other.ok());
  REQUIRE((*other)->ingest(std::vector<Entry>{e1, e2_copy}).ok());
  IngestResult spread = (*other)->ingest(forks[0].entries);
  CHECK(spread.fault == IngestFault::fork);
  CHECK((*other)->frozen(feed));
  REQUIRE((*other)->forks().size() == 1);
  CHECK((*other)->forks()[0].seq == 2);
}
