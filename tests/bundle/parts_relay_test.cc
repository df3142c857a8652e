// Multi-part bundles imported in shuffled order, and relay through a third node.
#include <algorithm>
#include <random>

#include "bundle_fixture.h"

namespace mhero::testing {

namespace {

void fill_district_a(BundleNet& net, int count) {
  std::mt19937 rng(7);
  for (int i = 0; i < count; ++i) {
    std::string text(600, ' ');
    for (auto& ch : text) ch = static_cast<char>('a' + rng() % 26);  // Poorly compressible.
    append_note(net.central->store(), net.central->key(), "district/A", text);
  }
}

}  // namespace

TEST_CASE("bundle parts are applied once all are present, in any order", "[bundle]") {
  BundleNet net;
  fill_district_a(net, 120);
  auto sent = net.send(net.central, net.a, "split.mhb", 16 * 1024);
  REQUIRE(sent.parts.size() >= 3);
  CHECK(sent.entry_count == 122);
  for (const auto& p : sent.parts) CHECK(std::filesystem::file_size(p) <= 16 * 1024);
  std::vector<std::filesystem::path> shuffled = sent.parts;
  std::mt19937 rng(42);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);

  SECTION("all parts in one import, shuffled") {
    auto r = net.receive(net.a, shuffled);
    REQUIRE(r.ok());
    uint64_t added = 0;
    for (const auto& f : *r) {
      CHECK(f.outcome == bundle::Outcome::imported);
      added += f.added;
    }
    CHECK(added == 122);
  }
  SECTION("one part per import, shuffled: nothing applied until the last arrives") {
    std::string empty = store_digest(net.a->store());
    for (size_t i = 0; i + 1 < shuffled.size(); ++i) {
      auto r = net.receive(net.a, {shuffled[i]});
      REQUIRE(r.ok());
      CHECK((*r)[0].outcome == bundle::Outcome::waiting_for_parts);
      CHECK(store_digest(net.a->store()) == empty);
    }
    auto last = net.receive(net.a, {shuffled.back()});
    REQUIRE(last.ok());
    CHECK((*last)[0].outcome == bundle::Outcome::imported);
    CHECK((*last)[0].added == 122);
    CHECK(std::filesystem::is_empty(net.tmp / "a" / "bundle-parts"));
  }
  CHECK(net.a->store().entry_count() == 123);  // 122 + A's receipt.
  CHECK(net.a->store().verify_all().empty());
  // Any part again: already imported.
  auto again = net.receive(net.a, {sent.parts[1]});
  REQUIRE(again.ok());
  CHECK((*again)[0].outcome == bundle::Outcome::already_imported);
}

TEST_CASE("max_bytes cuts parts by what entries compress to, not by their plain size", "[bundle]") {
  BundleNet net;
  // 40 entries of ~40 KB that compress about 10:1 (words from a short vocabulary), as registry
  // chunks do: 1.6 MB plain, ~160 KB compressed.
  std::mt19937 rng(11);
  const std::vector<std::string> words = {"nurse ", "midwife ", "Bong ", "clinic ", "+23177", "active ", "D01 "};
  for (int i = 0; i < 40; ++i) {
    std::string text;
    while (text.size() < 40'000) text += words[rng() % words.size()] + std::to_string(rng() % 100);
    append_note(net.central->store(), net.central->key(), "district/A", text);
  }
  const uint64_t max = 48 * 1024;
  auto one = net.send(net.central, net.a, "whole.mhb");
  auto sent = net.send(net.central, net.a, "split.mhb", max);
  uint64_t whole = std::filesystem::file_size(one.parts[0]);
  INFO(whole << " bytes in one part; " << sent.parts.size() << " parts");
  for (const auto& p : sent.parts) CHECK(std::filesystem::file_size(p) <= max);
  CHECK(sent.parts.size() <= whole / max + 3);  // Near the fewest possible (by plain size: one entry each).
  bundle::ExportOptions plain{net.profile(net.a), net.tmp / "plain.mhb", false, max};
  plain.split_by_plain_size = true;
  auto by_plain = bundle::export_bundle(*net.central, plain);
  REQUIRE(by_plain.ok());
  for (const auto& p : by_plain->parts) CHECK(std::filesystem::file_size(p) <= max);
  CHECK(by_plain->parts.size() >= 40);  // The bound that always holds: one 40 KB entry a part.
  // Below one entry's compressed size: refused, naming the size that works.
  bundle::ExportOptions tiny{net.profile(net.a), net.tmp / "tiny.mhb", false, 2000};
  auto refused = bundle::export_bundle(*net.central, tiny);
  REQUIRE_FALSE(refused.ok());
  const std::string& why = refused.status().message();
  INFO(why);
  CHECK_THAT(why, Catch::StartsWith("--max-bytes 2000 is too small: entry "));
  CHECK_THAT(why, Catch::Contains("the largest entry of this export about "));
  auto at = why.find("give --max-bytes ");
  REQUIRE(at != std::string::npos);
  tiny.max_bytes = std::stoull(why.substr(at + 17));
  tiny.out = net.tmp / "enough.mhb";
  auto enough = bundle::export_bundle(*net.central, tiny);
  INFO(tiny.max_bytes);
  REQUIRE(enough.ok());
  for (const auto& p : enough->parts) CHECK(std::filesystem::file_size(p) <= tiny.max_bytes);

  auto r = net.receive(net.a, sent.parts);
  REQUIRE(r.ok());
  CHECK(net.a->store().head_seq(FeedId{net.central->id(), "district/A"}) >= 40);
  CHECK(net.a->store().verify_all().empty());
}

TEST_CASE("bundle relay: district B -> district A -> central, unchanged and unreadable at A", "[bundle]") {
  BundleNet net;
  // Both districts learn the enrollments (A must know B to carry its bundle).
  REQUIRE(net.receive(net.a, {net.send(net.central, net.a, "to-a.mhb").parts[0]}).ok());
  REQUIRE(net.receive(net.b, {net.send(net.central, net.b, "to-b.mhb").parts[0]}).ok());
  for (int i = 0; i < 5; ++i) append_note(net.b->store(), net.b->key(), "district/B", "from B " + std::to_string(i));

  auto from_b = net.send(net.b, net.central, "b-to-central.mhb");
  std::string original = read_bytes(from_b.parts[0]);
  std::string a_before = store_digest(net.a->store());
  auto at_a = net.receive(net.a, {from_b.parts[0]});
  REQUIRE(at_a.ok());
  CHECK((*at_a)[0].outcome == bundle::Outcome::relayed);
  CHECK(store_digest(net.a->store()) == a_before);  // A learnt nothing of B's entries.
  CHECK(net.a->store().frontier().get(FeedId{net.b->id(), "district/B"}) == 0);
  auto twice = net.receive(net.a, {from_b.parts[0]});
  REQUIRE(twice.ok());
  CHECK((*twice)[0].outcome == bundle::Outcome::already_relayed);

  // A's next export to the central node carries B's file unchanged beside its own.
  auto from_a = net.send(net.a, net.central, "a-to-central.mhb");
  REQUIRE(from_a.relayed.size() == 1);
  CHECK(read_bytes(from_a.relayed[0]) == original);

  std::vector<std::filesystem::path> stick = from_a.parts;
  stick.push_back(from_a.relayed[0]);
  auto at_central = net.receive(net.central, stick);
  REQUIRE(at_central.ok());
  CHECK((*at_central)[0].outcome == bundle::Outcome::imported);
  CHECK((*at_central)[1].outcome == bundle::Outcome::imported);
  CHECK((*at_central)[1].added == 6);  // B's receipt + 5 notes.
  CHECK(net.central->store().frontier().get(FeedId{net.b->id(), "district/B"}) == 6);

  // Once the central node's receipt for B's bundle reaches A, A stops carrying it.
  REQUIRE(net.receive(net.a, {net.send(net.central, net.a, "back.mhb").parts[0]}).ok());
  auto later = net.send(net.a, net.central, "a-later.mhb");
  CHECK(later.relayed.empty());
}

}  // namespace mhero::testing

namespace mhero::testing {

TEST_CASE("bundle relay: a kept bundle its recipient never receipts is dropped after 60 days, with a warning",
          "[bundle]") {
  BundleNet net;
  REQUIRE(net.receive(net.a, {net.send(net.central, net.a, "to-a.mhb").parts[0]}).ok());
  REQUIRE(net.receive(net.b, {net.send(net.central, net.b, "to-b.mhb").parts[0]}).ok());
  append_note(net.b->store(), net.b->key(), "district/B", "from B");
  auto from_b = net.send(net.b, net.central, "b-to-central.mhb");
  REQUIRE(net.receive(net.a, {from_b.parts[0]}).ok());

  // 59 days on, the central node has still not receipted it: A carries it on every export.
  net.clock.advance(std::chrono::hours(24 * 59));
  auto carried = net.send(net.a, net.central, "a-59.mhb");
  CHECK(carried.relayed.size() == 1);
  CHECK(carried.warnings.empty());

  // Past 60 days: dropped from A's shelf, said once, never carried again.
  net.clock.advance(std::chrono::hours(24 * 2));
  auto dropped = net.send(net.a, net.central, "a-61.mhb");
  CHECK(dropped.relayed.empty());
  REQUIRE(dropped.warnings.size() == 1);
  CHECK_THAT(dropped.warnings[0], Catch::Contains("dropped relayed bundle " + net.central->id().hex()));
  CHECK_THAT(dropped.warnings[0], Catch::Contains("(from node " + net.b->id().hex() + " for node " +
                                                  net.central->id().hex() + "): written 61 days ago"));
  CHECK_THAT(dropped.warnings[0], Catch::Contains("`mhero enroll`"));
  CHECK(std::filesystem::is_empty(net.tmp / "a" / "relay"));
  CHECK(net.send(net.a, net.central, "a-62.mhb").warnings.empty());
}

TEST_CASE("bundle import: an incomplete bundle names its missing parts; a damaged file among good ones is set aside",
          "[bundle]") {
  BundleNet net;
  fill_district_a(net, 120);
  auto sent = net.send(net.central, net.a, "split.mhb", 16 * 1024);
  const size_t m = sent.parts.size();
  REQUIRE(m >= 3);
  auto first = net.receive(net.a, {sent.parts[1]});
  REQUIRE(first.ok());
  CHECK((*first)[0].outcome == bundle::Outcome::waiting_for_parts);
  std::string count = std::to_string(m);
  CHECK_THAT((*first)[0].reason, Catch::StartsWith("held 1 of " + count + " parts; missing: split.part1of" + count +
                                                   ".mhb, split.part3of" + count + ".mhb"));

  // A zero-byte copy of part 1 beside the others: set aside, the others kept; then the good part 1.
  std::filesystem::path empty = net.tmp / "copy" / sent.parts[0].filename();
  std::filesystem::create_directories(empty.parent_path());
  { std::ofstream touch(empty); }
  std::vector<std::filesystem::path> stick(sent.parts.begin() + 2, sent.parts.end());
  stick.insert(stick.begin(), empty);
  std::string before = store_digest(net.a->store());
  auto mixed = net.receive(net.a, stick);
  REQUIRE(mixed.ok());
  REQUIRE(mixed->size() == stick.size());
  CHECK((*mixed)[0].outcome == bundle::Outcome::set_aside);
  CHECK((*mixed)[0].unreadable);
  CHECK_THAT((*mixed)[0].reason, Catch::Contains(empty.string() + ": the file is empty (0 bytes)"));
  CHECK_THAT((*mixed)[0].reason, Catch::Contains("the other files were imported"));
  CHECK((*mixed)[1].outcome == bundle::Outcome::waiting_for_parts);
  CHECK_THAT((*mixed)[1].reason, Catch::Contains("missing: split.part1of" + count + ".mhb (import it;"));
  CHECK(store_digest(net.a->store()) == before);

  auto last = net.receive(net.a, {sent.parts[0]});
  REQUIRE(last.ok());
  CHECK((*last)[0].outcome == bundle::Outcome::imported);
  CHECK((*last)[0].added == 122);

  // Alone, a damaged file still refuses the call, saying what to do.
  std::filesystem::path grown = net.tmp / "grown.mhb";
  std::filesystem::copy_file(sent.parts[0], grown);
  { std::ofstream out(grown, std::ios::app | std::ios::binary); out << "xx"; }
  auto alone = net.receive(net.a, {grown});
  REQUIRE_FALSE(alone.ok());
  CHECK_THAT(alone.status().message(), Catch::Contains("2 unexpected bytes after the body"));
  CHECK_THAT(alone.status().message(), Catch::EndsWith("Nothing was changed; copy the bundle again from the "
                                                       "exporting node and import that copy"));

  // No file of several can be imported: the call is refused, naming each file and why.
  std::string held = store_digest(net.a->store());
  auto none = net.receive(net.a, {empty, grown});
  REQUIRE_FALSE(none.ok());
  INFO(none.status().message());
  CHECK_THAT(none.status().message(), Catch::StartsWith("none of the 2 files could be imported; nothing was changed:\n  " +
                                                        empty.string() + ": the file is empty (0 bytes)"));
  CHECK_THAT(none.status().message(), Catch::Contains("\n  " + grown.string() + ": "));
  CHECK_THAT(none.status().message(), Catch::Contains("2 unexpected bytes after the body"));
  CHECK(none.status().message().find("the other files were") == std::string::npos);
  CHECK(store_digest(net.a->store()) == held);
  // Files that are not there: "not found", not "corruption".
  auto missing = net.receive(net.a, {net.tmp / "nowhere-1.mhb", net.tmp / "nowhere-2.mhb"});
  REQUIRE_FALSE(missing.ok());
  INFO(missing.status().message());
  CHECK(missing.status().code() == StatusCode::not_found);
  CHECK_THAT(missing.status().message(), Catch::StartsWith("none of the 2 files could be imported"));
}

}  // namespace mhero::testing
