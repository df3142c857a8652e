#include <catch2/catch.hpp>

#include <deque>
#include <fstream>
#include <sstream>

#include "store/log_store.h"
#include "support/entries.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

std::vector<Entry> all_entries(LogStore& store) {
  std::vector<Entry> out;
  auto cursor = store.entries_after(Frontier{});
  while (true) {
    auto next = cursor->next();
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    out.push_back(std::move(**next));
  }
  return out;
}

std::unique_ptr<LogStore> open_store(const std::filesystem::path& dir, const Clock& clock) {
  auto store = LogStore::open(dir, clock);
  REQUIRE(store.ok());
  return std::move(store).value();
}

// Replaces the first occurrence of `from` in `bytes` with `to` (same length).
std::string replace_bytes(std::string bytes, std::string_view from, std::string_view to) {
  auto pos = bytes.find(from);
  REQUIRE(pos != std::string::npos);
  bytes.replace(pos, from.size(), to);
  return bytes;
}

// `n` notes "n0".."n<n-1>" appended to `national` in a store of their own, and a fresh store
// verifying on two threads to ingest them into.
struct NotesAndTarget {
  std::vector<Entry> entries;
  std::unique_ptr<LogStore> target;
};
NotesAndTarget notes_and_target(const TempDir& dir, const Clock& clock, int n) {
  auto a = open_store(dir / "a", clock);
  for (int i = 0; i < n; ++i) append_note(*a, test_key(1), "national", "n" + std::to_string(i));
  StoreOptions options;
  options.verify_threads = 2;
  auto b = LogStore::open(dir / "b", clock, options);
  REQUIRE(b.ok());
  return {all_entries(*a), std::move(b).value()};
}

// `entries` (from notes_and_target) with entry i's note "n<i>" changed in its last character, so
// that its signature no longer verifies.
std::vector<Entry> tampered_at(std::vector<Entry> entries, size_t i) {
  std::string note = "n" + std::to_string(i);
  auto bad = Entry::decode(replace_bytes(entries[i].encode(), note, note.substr(0, note.size() - 1) + "X"));
  REQUIRE(bad.ok());
  entries[i] = *bad;
  return entries;
}

}  // namespace

TEST_CASE("append chains entries and another store ingests them (round trip)") {
  TempDir dir;
  ManualClock clock;
  NodeKey central = test_key(1);
  auto a = open_store(dir / "a", clock);
  Entry e1 = append_note(*a, central, "national", "one");
  clock.advance(std::chrono::milliseconds(5));
  Entry e2 = append_note(*a, central, "national", "two");
  CHECK(e1.seq() == 1);
  CHECK(e2.seq() == 2);
  CHECK(e2.prev() == e1.id());
  CHECK(e2.hlc_time() > e1.hlc_time());
  CHECK(e1.prev() == Hash256{});

  auto b = open_store(dir / "b", clock);
  auto entries = all_entries(*a);
  IngestResult r = b->ingest(entries);
  REQUIRE(r.ok());
  CHECK(r.added == 2);
  CHECK(b->frontier() == a->frontier());
  CHECK(b->frontier().get(FeedId{central.id(), "national"}) == 2);
  CHECK(std::string(b->get(FeedId{central.id(), "national"}, 2)->payload().getNote()) == "two");
  CHECK(b->get_by_id(e1.id())->seq() == 1);
  CHECK(b->verify_all().empty());
}

TEST_CASE("entries created ahead are written after the head they were chained to, and refused once it moved") {
  TempDir dir;
  ManualClock clock;
  NodeKey central = test_key(1);
  auto store = open_store(dir / "a", clock);
  append_note(*store, central, "district/BONG", "held");
  NotePayload one("one"), two("two");
  std::vector<schema::Payload::Reader> payloads{one.reader(), two.reader()};

  auto created = store->create_chain(central, "district/BONG", payloads);
  REQUIRE(created.ok());
  REQUIRE(created->size() == 2);
  CHECK((*created)[0].seq() == 2);
  CHECK((*created)[1].prev() == (*created)[0].id());
  FeedId bong{central.id(), "district/BONG"};
  CHECK(store->head_seq(bong) == 1);  // Created, not written.

  SECTION("written when the head has not moved") {
    REQUIRE(store->append_created(*created).ok());
    CHECK(store->head_seq(bong) == 3);
    CHECK(std::string(store->get(bong, 3)->payload().getNote()) == "two");
    CHECK(store->verify_all().empty());
  }
  SECTION("refused as aborted, nothing written, when another append came between") {
    append_note(*store, central, "district/BONG", "between");
    Status s = store->append_created(*created);
    CHECK(s.code() == StatusCode::aborted);
    CHECK(s.message().find("feed " + bong.to_string() + " moved to seq 2") != std::string::npos);
    CHECK(store->head_seq(bong) == 2);
    CHECK(std::string(store->get(bong, 2)->payload().getNote()) == "between");
    CHECK(store->verify_all().empty());
  }
  SECTION("refused when the entries are not one chain") {
    std::vector<Entry> gap{(*created)[1]};
    CHECK(store->append_created(gap).code() == StatusCode::aborted);  // Seq 3 after head 1.
    std::vector<Entry> swapped{(*created)[0], (*created)[0]};
    CHECK(store->append_created(swapped).code() == StatusCode::invalid_argument);
    CHECK(store->head_seq(bong) == 1);
  }
  SECTION("a bad scope is refused before anything is signed") {
    CHECK(store->create_chain(central, "Bong", payloads).status().code() == StatusCode::invalid_argument);
  }
}

TEST_CASE("ingesting held entries again is a no-op") {
  TempDir dir;
  ManualClock clock;
  auto a = open_store(dir / "a", clock);
  for (int i = 0; i < 3; ++i) append_note(*a, test_key(1), "national", "n" + std::to_string(i));
  auto b = open_store(dir / "b", clock);
  auto entries = all_entries(*a);
  REQUIRE(b->ingest(entries).added == 3);
  IngestResult again = b->ingest(entries);
  REQUIRE(again.ok());
  CHECK(again.added == 0);
  CHECK(again.duplicates == 3);
  CHECK(b->entry_count() == 3);
}

TEST_CASE("a tampered payload byte is refused as corruption and nothing of the batch is kept") {
  TempDir dir;
  ManualClock clock;
  auto a = open_store(dir / "a", clock);
  append_note(*a, test_key(1), "national", "first");
  append_note(*a, test_key(1), "national", "urgent: cholera alert");
  auto entries = all_entries(*a);
  std::string tampered = replace_bytes(entries[1].encode(), "cholera", "CHOLERA");
  auto decoded = Entry::decode(tampered);
  REQUIRE(decoded.ok());  // Structurally fine; only the signature betrays it.
  std::vector<Entry> batch = {entries[0], *decoded};

  auto b = open_store(dir / "b", clock);
  IngestResult r = b->ingest(batch);
  REQUIRE_FALSE(r.ok());
  CHECK(r.fault == IngestFault::bad_signature);
  CHECK(r.status.code() == StatusCode::corruption);
  CHECK_THAT(r.status.message(), Catch::Contains("seq 2") && Catch::Contains("signature"));
  CHECK(b->entry_count() == 0);  // The valid first entry was not kept either.
}

TEST_CASE("an entry signed by a key other than its author is refused") {
  TempDir dir;
  ManualClock clock;
  NodeKey real = test_key(1);
  NodeKey impostor = test_key(2);
  Entry forged = make_note_entry(impostor, "national", 1, Hash256{}, "send money");
  std::string bytes = replace_bytes(forged.encode(), impostor.id().view(), real.id().view());
  auto decoded = Entry::decode(bytes);
  REQUIRE(decoded.ok());
  CHECK(decoded->feed().author == real.id());
  auto store = open_store(dir / "s", clock);
  IngestResult r = store->ingest(std::vector<Entry>{*decoded});
  CHECK(r.fault == IngestFault::bad_signature);
  CHECK(store->entry_count() == 0);
}

TEST_CASE("a gap in seq is refused with the missing range named") {
  TempDir dir;
  ManualClock clock;
  auto a = open_store(dir / "a", clock);
  for (int i = 0; i < 3; ++i) append_note(*a, test_key(1), "district/BONG", "x");
  auto entries = all_entries(*a);
  auto b = open_store(dir / "b", clock);
  IngestResult r = b->ingest(std::vector<Entry>{entries[0], entries[2]});
  CHECK(r.fault == IngestFault::seq_gap);
  CHECK(r.status.code() == StatusCode::failed_precondition);
  CHECK_THAT(r.status.message(), Catch::Contains("missing 2..2"));
  CHECK(b->entry_count() == 0);
}

TEST_CASE("an entry whose prev does not link is refused (and is fork evidence)") {
  TempDir dir;
  ManualClock clock;
  NodeKey key = test_key(1);
  Entry e1 = make_note_entry(key, "national", 1, Hash256{}, "one");
  Hash256 wrong{};
  wrong[0] = 7;
  Entry e2 = make_note_entry(key, "national", 2, wrong, "two");
  auto store = open_store(dir / "s", clock);
  IngestResult r = store->ingest(std::vector<Entry>{e1, e2});
  CHECK(r.fault == IngestFault::fork);  // Both validly signed by one key: its chain forked at seq 1.
  CHECK(store->entry_count() == 0);
  CHECK(store->frozen(e1.feed()));
}

TEST_CASE("entries arrive in any order within a batch") {
  TempDir dir;
  ManualClock clock;
  auto a = open_store(dir / "a", clock);
  for (int i = 0; i < 5; ++i) append_note(*a, test_key(1), "national", "x");
  for (int i = 0; i < 5; ++i) append_note(*a, test_key(3), "district/LOFA", "y");
  auto entries = all_entries(*a);
  std::reverse(entries.begin(), entries.end());
  auto b = open_store(dir / "b", clock);
  IngestResult r = b->ingest(entries);
  REQUIRE(r.ok());
  CHECK(r.added == 10);
}

TEST_CASE("reopening a store keeps its frontier, entries and metadata") {
  TempDir dir;
  ManualClock clock;
  Frontier before;
  {
    auto s = open_store(dir / "s", clock);
    for (int i = 0; i < 4; ++i) append_note(*s, test_key(1), "national", "x");
    append_note(*s, test_key(1), "district/BONG", "y");
    REQUIRE(s->put_meta("cursor/runs", "2026-11-30T00:00:00Z").ok());
    before = s->frontier();
  }
  auto s = open_store(dir / "s", clock);
  CHECK(s->frontier() == before);
  CHECK(s->frontier().total() == 5);
  CHECK(s->get_meta("cursor/runs").value() == std::optional<std::string>("2026-11-30T00:00:00Z"));
  Entry next = append_note(*s, test_key(1), "national", "after reopen");
  CHECK(next.seq() == 5);
  CHECK(s->verify_all().empty());
}

TEST_CASE("the HLC never goes backwards across a clock step back and a reopen") {
  TempDir dir;
  ManualClock clock(std::chrono::milliseconds(2'000'000'000'000));
  uint64_t last;
  {
    auto s = open_store(dir / "s", clock);
    last = append_note(*s, test_key(1), "national", "x").hlc_time();
  }
  clock.set(std::chrono::milliseconds(1'000'000'000'000));  // The district's clock reset.
  auto s = open_store(dir / "s", clock);
  CHECK(append_note(*s, test_key(1), "national", "y").hlc_time() > last);
}

TEST_CASE("entries_after returns only what the holder lacks, filtered by feed") {
  TempDir dir;
  ManualClock clock;
  auto s = open_store(dir / "s", clock);
  NodeKey central = test_key(1);
  for (int i = 0; i < 5; ++i) append_note(*s, central, "national", "n");
  for (int i = 0; i < 3; ++i) append_note(*s, central, "district/BONG", "b");
  for (int i = 0; i < 3; ++i) append_note(*s, central, "district/LOFA", "l");
  Frontier have;
  have.set(FeedId{central.id(), "national"}, 3);
  auto cursor = s->entries_after(have, [](const FeedId& f) { return f.scope != "district/LOFA"; });
  std::vector<std::pair<std::string, uint64_t>> got;
  while (true) {
    auto next = cursor->next();
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    got.emplace_back((*next)->feed().scope, (*next)->seq());
  }
  std::vector<std::pair<std::string, uint64_t>> want = {
      {"district/BONG", 1}, {"district/BONG", 2}, {"district/BONG", 3}, {"national", 4}, {"national", 5}};
  CHECK(got == want);
}

TEST_CASE("parallel signature verification gives the same verdicts as one thread") {
  TempDir dir;
  ManualClock clock;
  auto [entries, b] = notes_and_target(dir, clock, 300);
  std::vector<Entry> tampered = tampered_at(entries, 250);
  IngestResult refused = b->ingest(tampered);
  CHECK(refused.fault == IngestFault::bad_signature);
  CHECK_THAT(refused.status.message(), Catch::Contains("seq 251"));
  IngestResult accepted = b->ingest(entries);
  CHECK(accepted.added == 300);
}

TEST_CASE("a signature check started ahead of ingest gives the same verdicts, and only for its own entries") {
  TempDir dir;
  ManualClock clock;
  auto [entries, b] = notes_and_target(dir, clock, 120);

  // One bad signature among 120, checked on the store's threads before ingest is called.
  std::vector<Entry> tampered = tampered_at(entries, 97);
  auto check = b->check_signatures(tampered);
  check->finish();
  for (size_t i = 0; i < tampered.size(); ++i) CHECK(check->valid(i) == (i != 97));
  IngestResult refused = b->ingest(tampered, {}, check.get());
  CHECK(refused.fault == IngestFault::bad_signature);
  CHECK_THAT(refused.status.message(), Catch::Contains("seq 98"));
  CHECK(b->head_seq(entries[0].feed()) == 0);  // Nothing written.

  // A check of other entries (a copy of the same ones is another span) is refused, not trusted.
  std::vector<Entry> copy = entries;
  auto other = b->check_signatures(copy);
  IngestResult mismatched = b->ingest(entries, {}, other.get());
  CHECK(mismatched.status.code() == StatusCode::invalid_argument);
  CHECK(b->head_seq(entries[0].feed()) == 0);

  auto good = b->check_signatures(entries);
  IngestResult accepted = b->ingest(entries, {}, good.get());
  REQUIRE(accepted.ok());
  CHECK(accepted.added == 120);
  CHECK(b->verify_all().empty());
}

namespace {

// A view driven by its notes, to see what a view reads during a commit: "put K V", "erase K", or
// "scan P" (records "key=value;" for each key under "probe/P", in the order read).
class ProbeView final : public View {
 public:
  std::string_view name() const override { return "probe"; }
  int version() const override { return 1; }
  Status apply(const Entry& entry, ViewBatch& batch) override {
    if (entry.kind() != schema::Payload::NOTE) return {};
    std::istringstream words{std::string(entry.payload().getNote())};
    std::string op, key, value;
    words >> op >> key >> value;
    if (op == "put") batch.put("probe/" + key, value);
    if (op == "erase") batch.erase("probe/" + key);
    if (op == "scan") {
      std::string seen;
      MHERO_RETURN_IF_ERROR(batch.scan("probe/" + key, [&](std::string_view k, std::string_view v) {
        seen += std::string(k.substr(6)) + "=" + std::string(v) + ";";
        return true;
      }));
      scans.push_back(seen);
    }
    return {};
  }
  std::vector<std::string> scans;
};

}  // namespace

TEST_CASE("a view reads its own commit's writes over the stored ones, in key order, erases hidden") {
  TempDir dir;
  ManualClock clock;
  ProbeView probe;
  StoreOptions options;
  options.views = {&probe};
  // Both write paths: the WriteBatch, and SST files ingested (every commit is large enough).
  options.bulk_write_bytes = GENERATE(StoreOptions{}.bulk_write_bytes, size_t{1});
  INFO("bulk_write_bytes " << options.bulk_write_bytes);
  auto store = LogStore::open(dir / "db", clock, options);
  REQUIRE(store.ok());
  NodeKey key = test_key(1);
  auto commit = [&](std::vector<std::string> notes) {
    std::deque<NotePayload> payloads(notes.begin(), notes.end());
    std::vector<schema::Payload::Reader> readers;
    for (auto& p : payloads) readers.push_back(p.reader());
    REQUIRE((*store)->append_all(key, "national", readers).ok());
  };
  commit({"put a1 db", "put a3 db", "put a5 db", "put b1 db"});  // Stored.
  commit({"put a2 new", "put a3 new", "erase a5", "put a6 new", "put a0x gone", "erase a0x", "put b0 new",
          "scan a", "put a4 late", "scan a"});
  REQUIRE(probe.scans.size() == 2);
  CHECK(probe.scans[0] == "a1=db;a2=new;a3=new;a6=new;");
  CHECK(probe.scans[1] == "a1=db;a2=new;a3=new;a4=late;a6=new;");

  // Committed: the same when read back through a new commit.
  commit({"scan a", "scan b"});
  CHECK(probe.scans[2] == "a1=db;a2=new;a3=new;a4=late;a6=new;");
  CHECK(probe.scans[3] == "b0=new;b1=db;");
  auto a5 = (*store)->views().get("probe/a5");
  REQUIRE(a5.ok());
  CHECK_FALSE(a5->has_value());
}

TEST_CASE("a commit written as ingested SST files reads, reopens and verifies as one written through the WAL") {
  TempDir dir;
  ManualClock clock;  // The same times in both stores: the same entries, byte for byte.
  ProbeView wal_probe, bulk_probe;
  StoreOptions wal_options, bulk_options;
  wal_options.views = {&wal_probe};
  bulk_options.views = {&bulk_probe};
  bulk_options.bulk_write_bytes = 1;
  auto wal = LogStore::open(dir / "wal", clock, wal_options);
  auto bulk = LogStore::open(dir / "bulk", clock, bulk_options);
  REQUIRE(wal.ok());
  REQUIRE(bulk.ok());
  NodeKey key = test_key(1);
  auto commit_both = [&](std::string_view scope, std::vector<std::string> notes) {
    std::deque<NotePayload> payloads(notes.begin(), notes.end());
    std::vector<schema::Payload::Reader> readers;
    for (auto& p : payloads) readers.push_back(p.reader());
    REQUIRE((*wal)->append_all(key, scope, readers).ok());
    REQUIRE((*bulk)->append_all(key, scope, readers).ok());
  };
  commit_both("national", {"put a1 one", "put a2 two", "put b1 three"});
  commit_both("national", {"erase a1", "put a3 four", "put a2 five", "scan a"});
  std::vector<std::string> many;
  for (int i = 0; i < 300; ++i) many.push_back("put c" + std::to_string(1000 + i) + " v" + std::to_string(i));
  commit_both("district/BONG", many);
  commit_both("district/BONG", {"scan a", "scan c100"});

  auto same_contents = [&](LogStore& store, const ProbeView& probe) {
    std::vector<Entry> a = all_entries(**wal), b = all_entries(store);
    REQUIRE(a.size() == 309);
    REQUIRE(b.size() == a.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(b[i].encode() == a[i].encode());
    CHECK(probe.scans == wal_probe.scans);
    for (const char* k : {"probe/a1", "probe/a2", "probe/a3", "probe/b1", "probe/c1299"}) {
      auto x = (*wal)->views().get(k);
      auto y = store.views().get(k);
      REQUIRE(x.ok());
      REQUIRE(y.ok());
      CHECK(*x == *y);
    }
    for (const char* scope : {"national", "district/BONG"}) {
      FeedId feed{key.id(), scope};
      CHECK(store.head_seq(feed) == (*wal)->head_seq(feed));
    }
    CHECK(store.verify_all().empty());
  };
  same_contents(**bulk, bulk_probe);
  REQUIRE(bulk_probe.scans.size() == 3);
  CHECK(bulk_probe.scans[0] == "a2=five;a3=four;");
  CHECK(bulk_probe.scans[2] == "c1000=v0;c1001=v1;c1002=v2;c1003=v3;c1004=v4;c1005=v5;c1006=v6;c1007=v7;c1008=v8;"
                               "c1009=v9;");
  CHECK_FALSE(std::filesystem::exists(dir / "bulk" / "ingest"));  // Staging is emptied after each commit.

  // Reopened, with what a crash during a bulk commit leaves in staging: a partial file. It is
  // removed; the store holds the same and goes on at the next seq.
  bulk->reset();
  std::filesystem::create_directories(dir / "bulk" / "ingest");
  { std::ofstream(dir / "bulk" / "ingest" / "views.sst") << "half an SST file"; }
  ProbeView reopened_probe;
  reopened_probe.scans = bulk_probe.scans;
  bulk_options.views = {&reopened_probe};
  auto again = LogStore::open(dir / "bulk", clock, bulk_options);
  REQUIRE(again.ok());
  CHECK_FALSE(std::filesystem::exists(dir / "bulk" / "ingest"));
  same_contents(**again, reopened_probe);
  NotePayload next("put d1 after");
  auto appended = (*again)->append(key, "district/BONG", next.reader());
  REQUIRE(appended.ok());
  CHECK(appended->seq() == 303);
  auto d1 = (*again)->views().get("probe/d1");
  REQUIRE(d1.ok());
  CHECK(*d1 == std::optional<std::string>("after"));
  CHECK((*again)->verify_all().empty());
}
