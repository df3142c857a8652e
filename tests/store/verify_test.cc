// verify_all finds damage made behind the store's back and names where it is.
#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include "store/keys.h"
#include "store/log_store.h"
#include "support/entries.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

// Opens the store's RocksDB directly and rewrites one entry's value, as a disk fault would.
void overwrite_entry(const std::filesystem::path& dir, const FeedId& feed, uint64_t seq,
                     const std::string& value) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name : {"default", keys::kEntries, keys::kFrontier, keys::kEntryIds, keys::kMeta,
                           keys::kQuarantine, keys::kViews}) {
    cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.string(), cfs, &handles, &db).ok());
  REQUIRE(db->Put({}, handles[1], keys::entry_key(feed, seq), value).ok());
  for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  delete db;
}

}  // namespace

TEST_CASE("verify_all names the feed and seq of an entry damaged on disk") {
  TempDir dir;
  ManualClock clock;
  NodeKey key = test_key(1);
  FeedId feed{key.id(), "national"};
  Entry second = make_note_entry(key, "national", 2, Hash256{}, "placeholder");
  {
    auto store = LogStore::open(dir / "db", clock);
    REQUIRE(store.ok());
    for (int i = 0; i < 3; ++i) append_note(**store, key, "national", "note " + std::to_string(i));
    CHECK((*store)->verify_all().empty());
    second = (*store)->get(feed, 2).value();
  }
  std::string bytes = second.encode();
  bytes[bytes.find("note 1") + 5] = '9';  // A flipped bit in the payload.
  overwrite_entry(dir / "db", feed, 2, bytes);

  auto store = LogStore::open(dir / "db", clock);
  REQUIRE(store.ok());
  auto faults = (*store)->verify_all();
  REQUIRE_FALSE(faults.empty());
  CHECK(faults[0].location == "feed " + feed.to_string() + " seq 2");
  CHECK_THAT(faults[0].problem, Catch::Contains("signature"));
}
