#include <catch2/catch.hpp>

#include <set>

#include "store/log_store.h"
#include "support/entries.h"
#include "support/temp_dir.h"

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

  // The held entries stay; further entries of the feed are refused.
  CHECK(store.head_seq(feed) == 2);
  CHECK(store.get(feed, 2)->id() == e2.id());
  IngestResult later = store.ingest(std::vector<Entry>{e3});
  CHECK(later.fault == IngestFault::feed_frozen);
  CHECK(store.head_seq(feed) == 2);

  // Other feeds are unaffected.
  CHECK(store.ingest(std::vector<Entry>{make_note_entry(test_key(1), "national", 1, Hash256{}, "n")}).ok());
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
