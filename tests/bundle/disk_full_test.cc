// Disk full during `mhero bundle import`, on a real small file system: the importing node's store
// lives on an 8 MiB tmpfs mounted in a private mount namespace (`unshare`), nearly filled, so the
// real `mhero` binary runs out of space part-way through the import. Then space is freed and the
// same import completes.
#include <cstdlib>
#include <regex>

#include "bundle_fixture.h"
#include "support/mount_namespace.h"
#include "support/run_mhero.h"

namespace mhero::testing {

namespace {

constexpr int kNotes = 2400;
constexpr int kSegment = 200;
// Free space left on the tmpfs before the first import: room to open the store and commit some
// segments, not all of them (found by measuring; the test checks that the import stopped part-way).
constexpr int kReserveBytes = 384 * 1024;

uint64_t number(const std::string& text, const std::string& pattern) {
  std::smatch m;
  INFO("looking for /" << pattern << "/ in:\n" << text);
  REQUIRE(std::regex_search(text, m, std::regex(pattern)));
  return std::stoull(m[1].str());
}

}  // namespace

TEST_CASE("bundle import on a real full disk (8 MiB tmpfs) keeps whole segments and completes after "
          "space is freed", "[bundle][disk]") {
  const char* bin = std::getenv("MHERO_BIN");
  REQUIRE(bin != nullptr);
  BundleNet net;
  {
    std::vector<std::unique_ptr<NotePayload>> notes;
    for (int i = 0; i < kNotes; ++i) {
      notes.push_back(std::make_unique<NotePayload>("visit report " + std::to_string(i) + ": " +
                                                    to_hex(blake2b256(std::to_string(i)))));
    }
    std::vector<schema::Payload::Reader> payloads;
    for (auto& n : notes) payloads.push_back(n->reader());
    REQUIRE(net.central->store().append_all(net.central->key(), "district/A", payloads).ok());
  }
  auto sent = net.send(net.central, net.a, "to-a.mhb");
  REQUIRE(sent.entry_count == kNotes + 2);  // The notes and the two enrollments (national feed).
  const Frontier covers = sent.covers;
  const FeedId national{net.central->id(), "national"};
  const FeedId notes_feed{net.central->id(), "district/A"};
  REQUIRE(covers.get(national) == 2);
  REQUIRE(covers.get(notes_feed) == kNotes);
  net.a.node.reset();  // The binary opens A's store.

  const auto out = net.tmp / "out";
  const auto mnt = net.tmp / "mnt";
  std::filesystem::create_directories(out);
  std::filesystem::create_directories(mnt);
  const std::string bundle = sent.parts.at(0).string();
  const std::string import = std::string(bin) + " bundle import --segment-entries " + std::to_string(kSegment) +
                             " --dir \"$M/a\" " + bundle;
  const auto script = net.tmp / "disk-full.sh";
  write_bytes(script,
              "set -u\n"
              "M=$1; O=" + out.string() + "\n"
              "mount -t tmpfs -o size=8m tmpfs \"$M\" || exit 1\n"
              "cp -a " + (net.tmp / "a").string() + " \"$M/a\"\n"
              "head -c " + std::to_string(kReserveBytes) + " /dev/zero > \"$M/reserve\"\n"
              "dd if=/dev/zero of=\"$M/filler\" bs=64k 2>/dev/null\n"
              "rm \"$M/reserve\"\n"
              "df -k \"$M\" > \"$O/df.txt\"\n"
              + import + " > \"$O/first.txt\" 2>&1; echo $? > \"$O/first.rc\"\n"
              "cp -a \"$M/a\" \"$O/after-fail\"\n"
              + import + " > \"$O/still-full.txt\" 2>&1; echo $? > \"$O/still-full.rc\"\n"
              "rm \"$M/filler\"\n"
              + import + " > \"$O/second.txt\" 2>&1; echo $? > \"$O/second.rc\"\n"
              "cp -a \"$M/a\" \"$O/after-retry\"\n"
              "umount \"$M\"\n");
  std::string variant = run_in_mount_namespace(script, mnt, net.tmp / "unshare.log");
  require_mount_namespace(variant, read_bytes(net.tmp / "unshare.log"));
  INFO("ran with " << variant << "; df before the import:\n" << read_bytes(out / "df.txt"));

  // 1. The import ran out of space part-way: a clear message naming the file and what to do.
  std::string first = read_bytes(out / "first.txt");
  INFO("first import:\n" << first);
  CHECK(read_bytes(out / "first.rc") != "0\n");
  CHECK_THAT(first, Catch::Contains(bundle + ": the disk is full"));
  CHECK_THAT(first, Catch::Contains("Free disk space there and import the same file again"));
  uint64_t kept = number(first, R"(the import stopped after (\d+) new entries, kept in whole segments)");
  CHECK(kept % kSegment == 0);
  CHECK(kept > 0);                 // Part-way: some segments went in...
  CHECK(kept < kNotes + 2);        // ...not all.

  // Trying again before freeing space fails the same way, and does no harm.
  std::string still_full = read_bytes(out / "still-full.txt");
  INFO("import again while the disk is still full:\n" << still_full);
  CHECK(read_bytes(out / "still-full.rc") != "0\n");
  CHECK_THAT(still_full, Catch::Contains(bundle + ": the disk is full"));

  // 2. The store holds exactly those whole segments (national feed first), and verifies.
  CliRun verify = run_mhero("log verify --dir " + (out / "after-fail").string());
  CHECK(verify.code == 0);
  CHECK_THAT(verify.out, Catch::Contains("ok: " + std::to_string(kept) + " entries in 2 feeds verified"));
  {
    TestNode a = open_test_node(out / "after-fail", net.clock);
    Frontier f = a->store().frontier();
    CHECK(f.get(national) == (kept > 0 ? 2 : 0));
    CHECK(f.get(notes_feed) == (kept > 0 ? kept - 2 : 0));
    CHECK(a->store().verify_all().empty());
    auto done = a->store().get_meta("bundle/imported/" + to_hex(std::span<const uint8_t>(sent.bundle_id)));
    REQUIRE(done.ok());
    CHECK_FALSE(done->has_value());  // No receipt: the bundle is not marked imported.
  }

  // 3. With the filler gone, the same import completes from there.
  std::string second = read_bytes(out / "second.txt");
  INFO("second import:\n" << second);
  CHECK(read_bytes(out / "second.rc") == "0\n");
  CHECK(number(second, R"((\d+) new entries, \d+ already held; receipt written)") == kNotes + 2 - kept);
  CHECK(number(second, R"(new entries, (\d+) already held)") == kept);
  TestNode a = open_test_node(out / "after-retry", net.clock);
  Frontier f = a->store().frontier();
  CHECK(f.get(national) == covers.get(national));
  CHECK(f.get(notes_feed) == covers.get(notes_feed));
  CHECK(a->store().verify_all().empty());
}

}  // namespace mhero::testing
