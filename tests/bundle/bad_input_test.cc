// Bad bundle files are refused with an error naming the file and the fault, and the store is
// byte-identical afterwards.
#include <random>

#include "bundle_fixture.h"

namespace mhero::testing {

namespace {

// A small real bundle from the central node to A, and A's store digest before importing it.
struct Corruptible {
  BundleNet net;
  std::filesystem::path good;
  std::string bytes;
  std::string digest;

  Corruptible() {
    for (int i = 0; i < 4; ++i) {
      append_note(net.central->store(), net.central->key(), "district/A", "note " + std::to_string(i));
    }
    good = net.send(net.central, net.a, "good.mhb").parts.at(0);
    bytes = read_bytes(good);
    digest = store_digest(net.a->store());
  }

  // Imports `content` as file `name` at A; returns the error (requires refusal).
  Status refused(const std::string& content, const std::string& name = "bad.mhb",
                 bundle::ImportOptions options = {}) {
    auto path = net.tmp / name;
    write_bytes(path, content);
    auto r = net.receive(net.a, {path}, options);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find(path.string()) != std::string::npos);
    return r.status();
  }
};

}  // namespace

TEST_CASE("bundle import refuses 1,000 random single-byte corruptions and 100 truncations", "[bundle]") {
  Corruptible c;
  std::mt19937_64 rng(20261130);
  for (int i = 0; i < 1000; ++i) {
    std::string bad = c.bytes;
    size_t at = rng() % bad.size();
    bad[at] = static_cast<char>(bad[at] ^ static_cast<char>(1 + rng() % 255));
    Status s = c.refused(bad);
    INFO("flip at byte " << at << ": " << s.to_string());
    CHECK((s.code() == StatusCode::corruption || s.code() == StatusCode::failed_precondition ||
           s.code() == StatusCode::permission_denied || s.code() == StatusCode::not_found));
  }
  for (int i = 0; i < 100; ++i) {
    size_t keep = rng() % c.bytes.size();
    Status s = c.refused(c.bytes.substr(0, keep));
    INFO("truncated to " << keep << " bytes: " << s.to_string());
    CHECK((s.code() == StatusCode::corruption || s.code() == StatusCode::failed_precondition));
  }
  CHECK(store_digest(c.net.a->store()) == c.digest);
  // The untouched file still imports.
  auto ok = c.net.receive(c.net.a, {c.good});
  REQUIRE(ok.ok());
  CHECK((*ok)[0].added == 6);
}

TEST_CASE("bundle import names the fault of each bad file", "[bundle]") {
  Corruptible c;
  SECTION("truncated file") {
    Status s = c.refused(c.bytes.substr(0, c.bytes.size() - 10));
    CHECK(s.message().find("truncated") != std::string::npos);
    CHECK(s.message().find("copy the bundle again from the exporting node") != std::string::npos);
  }
  SECTION("flipped body byte") {
    std::string bad = c.bytes;
    bad[bad.size() - 30] ^= 0x40;
    CHECK(c.refused(bad).message().find("does not match the hash") != std::string::npos);
  }
  SECTION("flipped header byte") {
    std::string bad = c.bytes;
    bad[100] ^= 0x01;
    CHECK(c.refused(bad).code() == StatusCode::corruption);
  }
  SECTION("newer format version") {
    std::string bad = c.bytes;
    bad[11] = 3;
    Status s = c.refused(bad);
    CHECK(s.code() == StatusCode::failed_precondition);
    CHECK(s.message().find("newer") != std::string::npos);
  }
  SECTION("not a bundle") {
    CHECK(c.refused("hello, world").message().find("not an mhero bundle") != std::string::npos);
  }
  SECTION("unknown sender: a district the central node never enrolled") {
    auto path = c.net.tmp / "stranger";
    auto id = Node::init(NodePaths{path}, Role::district, "A", c.net.central->id());
    REQUIRE(id.ok());
    TestNode stranger = open_test_node(path, c.net.clock);
    append_note(stranger->store(), stranger->key(), "district/A", "hi");
    auto sent = c.net.send(stranger, c.net.a, "from-stranger.mhb");
    auto r = c.net.receive(c.net.a, {sent.parts[0]});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::permission_denied);
    CHECK(r.status().message().find(sent.parts[0].string() + ": unknown sender " + stranger->id().hex()) !=
          std::string::npos);
    CHECK(r.status().message().find("import the central node's latest bundle first") != std::string::npos);
    // At the central node: enroll it.
    std::string central_before = store_digest(c.net.central->store());
    auto to_central = c.net.send(stranger, c.net.central, "stranger-to-central.mhb");
    auto at_central = c.net.receive(c.net.central, {to_central.parts[0]});
    REQUIRE_FALSE(at_central.ok());
    CHECK(at_central.status().message().find(to_central.parts[0].string() + ": unknown sender") !=
          std::string::npos);
    CHECK(at_central.status().message().find("mhero enroll --district CODE --key " + stranger->id().hex()) !=
          std::string::npos);
    CHECK(store_digest(c.net.central->store()) == central_before);
  }
  SECTION("empty file: said to be empty, probably an unfinished copy") {
    Status s = c.refused("", "empty.mhb");
    CHECK(s.code() == StatusCode::corruption);
    CHECK(s.message().find("empty.mhb: the file is empty (0 bytes), probably an unfinished copy") !=
          std::string::npos);
    CHECK(s.message().find("copy the bundle again") != std::string::npos);
  }
  SECTION("a few bytes that are not a bundle") {
    CHECK(c.refused("MHX").message().find("bad.mhb: not an mhero bundle (3 bytes") != std::string::npos);
  }
  SECTION("the start of a bundle, cut short") {
    CHECK(c.refused("MHBU").message().find("bad.mhb: truncated: only 4 bytes") != std::string::npos);
  }
  SECTION("this node's own bundle: refused, to be carried to its recipient") {
    append_note(c.net.a->store(), c.net.a->key(), "district/A", "from A");
    std::string digest_a = store_digest(c.net.a->store());
    auto own = c.net.send(c.net.a, c.net.central, "a-own.mhb");
    auto r = c.net.receive(c.net.a, {own.parts[0]});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::failed_precondition);
    const std::string& m = r.status().message();
    CHECK(m.find(own.parts[0].string() + ": this node wrote this bundle") != std::string::npos);
    CHECK(m.find("addressed to the central node " + c.net.central->id().hex()) != std::string::npos);
    CHECK(m.find("carry it to that node") != std::string::npos);
    CHECK(store_digest(c.net.a->store()) == digest_a);
    CHECK_FALSE(std::filesystem::exists(c.net.tmp / "a" / "relay"));
    c.digest = digest_a;
  }
  SECTION("at a district, a bundle for a node it does not know is kept for the central node") {
    // District B addresses a node that A has never heard of.
    append_note(c.net.b->store(), c.net.b->key(), "district/B", "from B");
    bundle::PeerProfile nobody{test_key(77).id(), Role::district, "B"};
    auto r = bundle::export_bundle(*c.net.b, {nobody, c.net.tmp / "b-to-nobody.mhb"});
    REQUIRE(r.ok());
    auto imp = c.net.receive(c.net.a, {r->parts[0]});
    REQUIRE(imp.ok());
    CHECK((*imp)[0].outcome == bundle::Outcome::relayed_to_central);
    CHECK(store_digest(c.net.a->store()) == c.digest);  // Nothing imported.
    // It rides with A's next export to the central node (which knows every enrolled node), not
    // toward another district.
    CHECK(c.net.send(c.net.a, c.net.b, "a-to-b.mhb").relayed.empty());
    auto to_central = c.net.send(c.net.a, c.net.central, "a-to-central.mhb");
    REQUIRE(to_central.relayed.size() == 1);
    CHECK(read_bytes(to_central.relayed[0]) == read_bytes(r->parts[0]));
    // The central node never enrolled that node either: it refuses the file, naming it.
    std::string central_before = store_digest(c.net.central->store());
    auto at_central = c.net.receive(c.net.central, {to_central.relayed[0]});
    REQUIRE_FALSE(at_central.ok());
    CHECK(at_central.status().message().find(to_central.relayed[0].string()) != std::string::npos);
    CHECK(at_central.status().message().find("never enrolled at this central node") != std::string::npos);
    CHECK(store_digest(c.net.central->store()) == central_before);
    // A bundle the central node wrote for a node A does not know is not carried back to it.
    auto from_central = bundle::export_bundle(*c.net.central, {nobody, c.net.tmp / "c-to-nobody.mhb"});
    REQUIRE(from_central.ok());
    auto kept = c.net.receive(c.net.a, {from_central->parts[0]});
    REQUIRE(kept.ok());
    CHECK((*kept)[0].outcome == bundle::Outcome::relayed_to_central);
    CHECK(c.net.send(c.net.a, c.net.central, "a-to-central-2.mhb").relayed.size() == 1);  // Only B's.
  }
  SECTION("at the central node, a bundle for a node never enrolled is refused with what to do") {
    // District A writes to a node it believes in but the central node never enrolled.
    REQUIRE(c.net.receive(c.net.a, {c.good}).ok());
    bundle::PeerProfile nobody{test_key(78).id(), Role::district, "A"};
    auto r = bundle::export_bundle(*c.net.a, {nobody, c.net.tmp / "a-to-nobody.mhb"});
    REQUIRE(r.ok());
    std::string central_before = store_digest(c.net.central->store());
    auto imp = c.net.receive(c.net.central, {r->parts[0]});
    REQUIRE_FALSE(imp.ok());
    CHECK(imp.status().code() == StatusCode::not_found);
    const std::string& m = imp.status().message();
    CHECK(m.find(r->parts[0].string() + ": addressed to node " + test_key(78).id().hex()) != std::string::npos);
    CHECK(m.find("never enrolled at this central node") != std::string::npos);
    CHECK(m.find("mhero enroll --district CODE --key " + test_key(78).id().hex()) != std::string::npos);
    CHECK(store_digest(c.net.central->store()) == central_before);
    CHECK_FALSE(std::filesystem::exists(c.net.tmp / "central" / "relay"));
    // And at a district it would ride on toward the central node.
    c.digest = store_digest(c.net.a->store());
  }
  SECTION("strict import refuses a bundle for another node") {
    auto sent = c.net.send(c.net.central, c.net.b, "for-b.mhb");
    bundle::ImportOptions strict;
    strict.relay = false;
    auto r = c.net.receive(c.net.a, {sent.parts[0]}, strict);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::failed_precondition);
    CHECK(r.status().message().find("not to this node") != std::string::npos);
  }
  CHECK(store_digest(c.net.a->store()) == c.digest);
}

TEST_CASE("bundle import: one damaged file among good ones is set aside, the good one imported", "[bundle]") {
  Corruptible c;
  std::string bad = c.bytes;
  bad[bad.size() / 2] ^= 0x10;
  write_bytes(c.net.tmp / "bad.mhb", bad);
  auto r = c.net.receive(c.net.a, {c.good, c.net.tmp / "bad.mhb"});
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].outcome == bundle::Outcome::imported);
  CHECK((*r)[1].outcome == bundle::Outcome::set_aside);
  CHECK((*r)[1].unreadable);
  CHECK_THAT((*r)[1].reason, Catch::Contains((c.net.tmp / "bad.mhb").string() + ": the body does not match the hash"));
  CHECK_THAT((*r)[1].reason, Catch::Contains("copy the bundle again from the exporting node"));
  CHECK(store_digest(c.net.a->store()) != c.digest);
  CHECK(c.net.a->store().verify_all().empty());
}

TEST_CASE("bundle import: this node's own bundle among others is set aside, the others imported", "[bundle]") {
  // A stick that passes through the district that wrote one of its bundles (on its way to the
  // central node by way of a neighbour): that district imports what is for it and leaves its own.
  Corruptible c;
  append_note(c.net.a->store(), c.net.a->key(), "district/A", "from A");
  auto own = c.net.send(c.net.a, c.net.central, "a-own.mhb");
  auto r = c.net.receive(c.net.a, {own.parts[0], c.good});
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].outcome == bundle::Outcome::set_aside);
  CHECK_FALSE((*r)[0].unreadable);
  CHECK_THAT((*r)[0].reason, Catch::Contains(own.parts[0].string() + ": this node wrote this bundle"));
  CHECK_THAT((*r)[0].reason, Catch::Contains("addressed to the central node " + c.net.central->id().hex()));
  CHECK_THAT((*r)[0].reason, Catch::Contains("carry it to that node"));
  CHECK((*r)[1].outcome == bundle::Outcome::imported);
  CHECK(c.net.a->store().entry_count() > 0);
  CHECK_FALSE(std::filesystem::exists(c.net.tmp / "a" / "relay" / own.parts[0].filename()));
  CHECK(c.net.a->store().verify_all().empty());
}

TEST_CASE("bundle export to a folder that does not exist says so and writes nothing", "[bundle]") {
  BundleNet net;
  auto r = bundle::export_bundle(*net.a, {BundleNet::profile(net.central), net.tmp / "no-stick" / "a.mhb"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::failed_precondition);
  CHECK_THAT(r.status().message(), Catch::Contains("no-stick does not exist (is the USB stick mounted?"));
  CHECK_FALSE(std::filesystem::exists(net.tmp / "no-stick"));
}

TEST_CASE("bundle import after a failed segment (disk full) keeps whole segments only and resumes",
          "[bundle]") {
  Corruptible c;
  bundle::ImportOptions options;
  options.segment_entries = 2;
  int calls = 0;
  options.ingest = [&](std::span<const Entry> segment) {
    if (++calls == 2) {
      IngestResult full;
      full.status = failed_precondition("No space left on device (injected)");
      return full;
    }
    return c.net.a->store().ingest(segment);
  };
  auto r = c.net.receive(c.net.a, {c.good}, options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("No space left") != std::string::npos);
  CHECK(r.status().message().find("this segment was not written") != std::string::npos);
  // Exactly the first segment (2 entries) is in; no receipt, not marked imported.
  CHECK(c.net.a->store().entry_count() == 2);
  CHECK(c.net.a->store().verify_all().empty());
  // Once there is room again, the same file completes the import.
  auto again = c.net.receive(c.net.a, {c.good});
  REQUIRE(again.ok());
  CHECK((*again)[0].outcome == bundle::Outcome::imported);
  CHECK((*again)[0].added == 4);
  CHECK((*again)[0].duplicates == 2);
}

}  // namespace mhero::testing

TEST_CASE("bundle import refuses a bundle exported by a clock days ahead, changing nothing; it imports once the clocks agree",
          "[bundle]") {
  using namespace mhero;
  using namespace mhero::testing;
  BundleNet net;
  const auto now = net.clock.now();
  net.clock.set(now + std::chrono::hours(72));  // District A's clock is 3 days fast.
  append_note(net.a->store(), net.a->key(), "district/A", "written on a clock 3 days fast");
  net.send(net.a, net.central, "ahead.mhb");
  net.clock.set(now);
  std::string before = store_digest(net.central->store());
  auto refused = net.receive(net.central, {net.tmp / "ahead.mhb"});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::failed_precondition);
  CHECK_THAT(refused.status().message(),
             Catch::Contains((net.tmp / "ahead.mhb").string() + ": exported at ") &&
                 Catch::Contains("3 d 0 h ahead of this node's clock") &&
                 Catch::Contains("more than [sync] max_clock_skew_ms (600000 ms); nothing was imported. One of the "
                                 "two clocks is wrong"));
  CHECK(store_digest(net.central->store()) == before);
  net.clock.set(now + std::chrono::hours(72));  // This node's clock set right (it was the slow one).
  auto imported = net.receive(net.central, {net.tmp / "ahead.mhb"});
  REQUIRE(imported.ok());
  CHECK((*imported)[0].outcome == bundle::Outcome::imported);
}
