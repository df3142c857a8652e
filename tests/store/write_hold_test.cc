// The write hold of a node that may be behind its own feeds (restored, copied): store/write_hold.cc.
#include <catch2/catch.hpp>

#include "store/log_store.h"
#include "support/entries.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

namespace {
Result<Entry> try_append(LogStore& store, const NodeKey& key, const std::string& scope) {
  capnp::MallocMessageBuilder m;
  m.initRoot<schema::Payload>().setNote("a note");
  return store.append(key, scope, m.getRoot<schema::Payload>().asReader());
}
}  // namespace

TEST_CASE("a held store refuses appends with the reason and what to do, until it learned the scope") {
  TempDir dir;
  ManualClock clock;
  NodeKey key = test_key(1);
  auto store = LogStore::open(dir / "s", clock);
  REQUIRE(store.ok());
  append_note(**store, key, "district/BONG", "before the backup");
  CHECK_FALSE((*store)->write_hold());

  REQUIRE((*store)->hold_writes("restored from the backup b.mhbak made 2026-12-01T10:00:00Z").ok());
  auto refused = try_append(**store, key, "district/BONG");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::failed_precondition);
  CHECK_THAT(refused.status().message(),
             Catch::Contains("restored from the backup b.mhbak") && Catch::Contains("mhero sync --peer") &&
                 Catch::Contains("--full") && Catch::Contains("resume-writes --no-peer-holds-more") &&
                 Catch::Contains("nothing was written"));
  CHECK((*store)->frontier().total() == 1);

  // Learned from a district peer: national and its district only.
  REQUIRE((*store)->learned_heads({"national", "district/LOFA"}, "a sync session with district LOFA").ok());
  CHECK((*store)->write_hold()->learned.size() == 2);
  CHECK(try_append(**store, key, "national").ok());
  CHECK_FALSE(try_append(**store, key, "district/BONG").ok());

  // Learned everything (from the central node): the hold ends.
  REQUIRE((*store)->learned_heads({"*"}, "a sync session with central").ok());
  CHECK_FALSE((*store)->write_hold());
  auto written = try_append(**store, key, "district/BONG");
  REQUIRE(written.ok());
  CHECK(written->seq() == 2);
}

TEST_CASE("the hold survives a reopen; resume-writes ends it and is recorded; without a hold it is refused") {
  TempDir dir;
  ManualClock clock;
  NodeKey key = test_key(1);
  {
    auto store = LogStore::open(dir / "s", clock);
    REQUIRE(store.ok());
    REQUIRE((*store)->hold_writes("its store was copied or moved").ok());
  }
  auto store = LogStore::open(dir / "s", clock);
  REQUIRE(store.ok());
  auto hold = (*store)->write_hold();
  REQUIRE(hold);
  CHECK(hold->reason == "its store was copied or moved");
  CHECK(hold->since_ms == clock.now().count());

  REQUIRE((*store)->resume_writes("cli:ops --no-peer-holds-more").ok());
  CHECK_FALSE((*store)->write_hold());
  int audits = 0;
  (*store)->scan_meta("writes/resumed/", [&](std::string_view, std::string_view v) {
    CHECK(v.find("cli:ops --no-peer-holds-more") != std::string_view::npos);
    CHECK(v.find("its store was copied or moved") != std::string_view::npos);
    ++audits;
    return true;
  });
  CHECK(audits == 1);
  append_note(**store, key, "national", "writes again");

  Status again = (*store)->resume_writes("twice");
  CHECK(again.code() == StatusCode::failed_precondition);
  CHECK_THAT(again.message(), Catch::Contains("not held"));
}

TEST_CASE("ingest is not held: a held node takes its own entries back from a peer") {
  TempDir dir;
  ManualClock clock;
  NodeKey key = test_key(1);
  Entry e1 = make_note_entry(key, "national", 1, Hash256{}, "one");
  Entry e2 = make_note_entry(key, "national", 2, e1.id(), "two");
  auto store = LogStore::open(dir / "s", clock);
  REQUIRE(store.ok());
  REQUIRE((*store)->hold_writes("restored").ok());
  CHECK((*store)->ingest(std::vector<Entry>{e1, e2}).ok());
  CHECK((*store)->head_seq(e1.feed()) == 2);
}
