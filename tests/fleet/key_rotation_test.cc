// Key rotation end to end (node/key_rotation.h): real node directories, RocksDB on disk, TLS sync
// on loopback with the real daemon, real bundle files. A district rotates online and offline (by
// USB bundles both ways); the central node hands its key over to districts reached by sync and by
// bundle; forged announcements, a hand-over by a key that is not the pinned central key and a
// second rotation while one is pending are refused and change nothing.
#include <catch2/catch.hpp>

#include <capnp/message.h>
#include <sys/stat.h>

#include <fstream>

#include "fleet_fixture.h"
#include "node/key_rotation.h"
#include "store/scope.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kHourMs = 3600 * 1000;
// An HLC time (ms << 16) at ManualClock's start, for hand-made entries.
constexpr uint64_t kNow = uint64_t{1'700'000'000'000} << 16;

// Closes `n` and opens its directory again (Node::open runs the rotation's switch), keeping its time.
void reopen(std::unique_ptr<FleetNode>& n, const std::filesystem::path& dir) {
  auto now = n->clock.now();
  n.reset();
  n = std::make_unique<FleetNode>(dir, now);
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st;
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The next entry of `key`'s feed in `scope` as `store` holds it (for crafting entries by hand).
Entry next_entry(LogStore& store, const NodeKey& key, const std::string& scope, schema::Payload::Reader payload,
                 uint64_t hlc) {
  FeedId feed{key.id(), scope};
  uint64_t head = store.head_seq(feed);
  Hash256 prev{};
  if (head > 0) {
    auto last = store.get(feed, head);
    REQUIRE(last.ok());
    prev = last->id();
  }
  return Entry::create(key, scope, head + 1, prev, hlc, payload);
}

// A keyRotation payload from `old_key` to `new_key`, its proof signed by `prover`.
struct RotationPayload {
  capnp::MallocMessageBuilder message;
  RotationPayload(const NodeId& old_key, const NodeId& new_key, const NodeKey& prover, const std::string& scope,
                  int64_t overlap_ms = kHourMs) {
    auto r = message.initRoot<schema::Payload>().initKeyRotation();
    r.setOldKey(capnp::Data::Reader(old_key.bytes.data(), old_key.bytes.size()));
    r.setNewKey(capnp::Data::Reader(new_key.bytes.data(), new_key.bytes.size()));
    Signature proof = prover.sign(rotation_proof_message(old_key, new_key, scope, overlap_ms));
    r.setNewKeyProof(capnp::Data::Reader(proof.data(), proof.size()));
    r.setOverlapMs(overlap_ms);
  }
  schema::Payload::Reader reader() { return message.getRoot<schema::Payload>().asReader(); }
};

uint64_t held(FleetNode& n, const NodeId& author, const std::string& scope) {
  return n->store().head_seq(FeedId{author, scope});
}

}  // namespace

TEST_CASE("key rotation: a district rotates online; central enrolls, sync goes on with the new key, the old key "
          "is retired and refused, its entries stay valid") {
  FleetNet net;
  net.listen();
  const auto a_dir = net.tmp / "a";
  for (int i = 0; i < 3; ++i) net.a->note("before " + std::to_string(i));
  REQUIRE(net.sync_online(*net.a).ok());
  const NodeId old_id = net.a->node->id();

  auto started = start_key_rotation(**net.a, kHourMs);
  REQUIRE(started.ok());
  CHECK(started->old_key == old_id);
  CHECK(started->scope == "district/A");
  CHECK(started->seq == held(*net.a, old_id, "district/A"));
  CHECK(mode_of(a_dir / "node.key.next") == 0600);
  const NodeId new_id = started->new_key;
  net.a->note("between announcement and switch");  // Still the old key: central knows no other yet.
  CHECK(net.a->node->id() == old_id);
  const uint64_t old_head = held(*net.a, old_id, "district/A");

  // The announcement reaches central, which enrolls the successor right after the session.
  REQUIRE(net.sync_online(*net.a).ok());
  auto enrolled = find_enrolled((*net.central)->store().views(), new_id);
  REQUIRE(enrolled.ok());
  REQUIRE(enrolled->has_value());
  CHECK((*enrolled)->district == "A");
  CHECK((*enrolled)->replaces == old_id);
  CHECK((*enrolled)->overlap_until_ms == net.central->clock.now().count() + kHourMs);
  auto old_record = find_enrolled((*net.central)->store().views(), old_id);
  REQUIRE(old_record.ok());
  CHECK((*old_record)->successor == new_id);
  CHECK_FALSE((*old_record)->revoked);

  // The district learns the enrollment on its next sync and switches when it opens again.
  REQUIRE(net.sync_online(*net.a).ok());
  CHECK(net.a->node->id() == old_id);
  reopen(net.a, a_dir);
  CHECK(net.a->node->id() == new_id);
  CHECK_FALSE(std::filesystem::exists(a_dir / "node.key.next"));
  const auto kept = retired_key_path(a_dir, old_id);
  REQUIRE(std::filesystem::exists(kept));
  CHECK(mode_of(kept) == 0600);
  CHECK(mode_of(a_dir / "node.key") == 0600);

  // Overlap: the new key syncs over TLS and writes a new feed; both keys may sync.
  net.a->note("after the switch");
  auto r = net.sync_online(*net.a);
  INFO(r.status.to_string());
  REQUIRE(r.ok());
  CHECK(held(*net.central, new_id, "district/A") == 1);
  CHECK(held(*net.central, old_id, "district/A") == old_head);
  CHECK(*may_sync((*net.central)->store().views(), (*net.central)->config(), old_id));
  CHECK(*may_sync((*net.central)->store().views(), (*net.central)->config(), new_id));

  // The window ends: the next session makes central retire the old key, valid through old_head.
  net.advance(std::chrono::milliseconds(kHourMs + 1));
  REQUIRE(net.sync_online(*net.a).ok());
  old_record = find_enrolled((*net.central)->store().views(), old_id);
  REQUIRE(old_record.ok());
  CHECK((*old_record)->revoked);
  CHECK((*old_record)->retired);
  CHECK((*old_record)->valid_through == std::map<std::string, uint64_t>{{"district/A", old_head}});
  CHECK_FALSE(*may_sync((*net.central)->store().views(), (*net.central)->config(), old_id));
  CHECK((*net.central)->store().verify_all().empty());  // The old key's entries still verify.
  auto first = (*net.central)->store().get(FeedId{old_id, "district/A"}, 1);
  REQUIRE(first.ok());
  CHECK(first->signature_valid());

  // The old key signs one more entry: refused, nothing written.
  auto old_key = NodeKey::load_file(kept);
  REQUIRE(old_key.ok());
  NotePayload late("late, by the retired key");
  Entry stale = next_entry((*net.central)->store(), *old_key, "district/A", late.reader(),
                           static_cast<uint64_t>(net.central->clock.now().count()) << 16);
  auto ingest = (*net.central)->store().ingest(std::span<const Entry>(&stale, 1));
  CHECK(ingest.status.code() == StatusCode::permission_denied);
  CHECK(ingest.status.message() == "feed " + FeedId{old_id, "district/A"}.to_string() + " seq " +
                                       std::to_string(old_head + 1) + ": author " + old_id.hex() +
                                       " was retired after its key rotation; `district/A` entries are valid only "
                                       "through seq " + std::to_string(old_head) + ", not seq " +
                                       std::to_string(old_head + 1));
  CHECK(held(*net.central, old_id, "district/A") == old_head);

  // And it may no longer connect: TLS with the old key is refused by central.
  auto tls = make_tls_contexts(*old_key);
  REQUIRE(tls.ok());
  SyncConfig config = fast_sync_config();
  SyncContext ctx{(*net.a)->store(), *old_key, (*net.a)->config(), config, net.a->clock, *tls->first, *tls->second};
  CHECK_FALSE(sync_with(ctx, "127.0.0.1:" + std::to_string(net.daemon->port())).ok());

  // The district holds the retirement after its next sync and deletes the kept file.
  REQUIRE(net.sync_online(*net.a).ok());
  reopen(net.a, a_dir);
  CHECK_FALSE(std::filesystem::exists(kept));
  CHECK(net.a->node->id() == new_id);
}

TEST_CASE("key rotation: a district offline during the rotation comes back by USB, then syncs online with the "
          "new key") {
  FleetNet net;
  const auto b_dir = net.tmp / "b";
  net.b->note("offline 1");
  const NodeId old_id = net.b->node->id();
  auto started = start_key_rotation(**net.b, 24 * kHourMs);
  REQUIRE(started.ok());
  const NodeId new_id = started->new_key;

  // District -> central by USB: the announcement; central enrolls the successor on import.
  net.send(*net.b, *net.central, "b-to-central.mhb");
  net.receive(*net.central, {net.tmp / "b-to-central.mhb"});
  auto enrolled = find_enrolled((*net.central)->store().views(), new_id);
  REQUIRE(enrolled.ok());
  REQUIRE(enrolled->has_value());
  CHECK((*enrolled)->replaces == old_id);

  // Central -> district by USB, addressed to the old id (the one central knows the district by).
  net.send(*net.central, *net.b, "central-to-b.mhb");
  net.receive(*net.b, {net.tmp / "central-to-b.mhb"});
  reopen(net.b, b_dir);
  REQUIRE(net.b->node->id() == new_id);

  // During the overlap a bundle to the OLD id still opens (with the kept key file).
  net.b->note("written with the new key");
  bundle::ExportOptions to_old{{old_id, Role::district, "B"}, net.tmp / "central-to-old-b.mhb"};
  NotePayload for_b("for B");
  REQUIRE((*net.central)->store().append((*net.central)->key(), "district/B", for_b.reader()).ok());
  REQUIRE(bundle::export_bundle(**net.central, to_old).ok());
  auto reports = net.receive(*net.b, {net.tmp / "central-to-old-b.mhb"});
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].outcome == bundle::Outcome::imported);

  // Back online: TLS with the new key, the new feed reaches central.
  net.listen();
  auto r = net.sync_online(*net.b);
  INFO(r.status.to_string());
  REQUIRE(r.ok());
  CHECK(r.peer == (*net.central)->id());
  CHECK(held(*net.b, new_id, "district/B") >= 1);
  CHECK(held(*net.central, new_id, "district/B") == held(*net.b, new_id, "district/B"));
  CHECK(held(*net.central, old_id, "district/B") == held(*net.b, old_id, "district/B"));
  CHECK((*net.central)->store().verify_all().empty());
}

TEST_CASE("key rotation: the central node hands its key over; one district learns it by sync, one by bundle") {
  FleetNet net;
  net.listen();
  net.central->note("national before");
  REQUIRE(net.sync_online(*net.a).ok());
  const NodeId old_c = (*net.central)->id();
  std::filesystem::copy_file(net.tmp / "central" / "node.key", net.tmp / "old-central.key");

  auto started = start_key_rotation(**net.central, kHourMs);
  REQUIRE(started.ok());
  CHECK(started->scope == "national");
  const NodeId new_c = started->new_key;

  // A by sync, B by bundle: both pin the new key (config.toml rewritten) at their next open.
  REQUIRE(net.sync_online(*net.a).ok());
  net.send(*net.central, *net.b, "handover-to-b.mhb");
  net.receive(*net.b, {net.tmp / "handover-to-b.mhb"});
  reopen(net.a, net.tmp / "a");
  reopen(net.b, net.tmp / "b");
  for (auto* d : {net.a.get(), net.b.get()}) {
    CHECK((*d)->config().central_key == new_c);
    CHECK(*may_sync((*d)->store().views(), (*d)->config(), old_c));  // Overlap: both central keys.
    CHECK(*may_sync((*d)->store().views(), (*d)->config(), new_c));
  }
  CHECK(read_text(net.tmp / "a" / "config.toml").find("central_key = \"" + new_c.hex() + "\"") != std::string::npos);
  CHECK(read_text(net.tmp / "b" / "config.toml").find("central_key = \"" + new_c.hex() + "\"") != std::string::npos);

  // During the overlap the central node still uses its old key; districts still sync with it.
  REQUIRE(net.sync_online(*net.a).ok());

  // Window over: central switches (at open after the window), and retires its old key with the new one.
  net.daemon->stop();
  net.daemon.reset();
  net.advance(std::chrono::milliseconds(kHourMs + 1));
  reopen(net.central, net.tmp / "central");
  REQUIRE((*net.central)->id() == new_c);
  CHECK((*net.central)->config().central_key == new_c);
  CHECK_FALSE(std::filesystem::exists(net.tmp / "central" / "node.key.next"));
  CHECK(retired_key_files(net.tmp / "central").empty());
  CHECK(held(*net.central, new_c, "national") == 1);  // The retirement, signed by the new key.
  const uint64_t old_national = held(*net.central, old_c, "national");

  net.listen();
  net.central->note("national after");
  auto r = net.sync_online(*net.a);
  INFO(r.status.to_string());
  REQUIRE(r.ok());
  CHECK(r.peer == new_c);
  CHECK(held(*net.a, new_c, "national") == 2);
  CHECK(held(*net.a, old_c, "national") == old_national);
  CHECK((*net.a)->store().verify_all().empty());
  CHECK_FALSE(*may_sync((*net.a)->store().views(), (*net.a)->config(), old_c));

  net.send(*net.central, *net.b, "after-switch-to-b.mhb");
  net.receive(*net.b, {net.tmp / "after-switch-to-b.mhb"});
  CHECK(held(*net.b, new_c, "national") == 2);
  CHECK(held(*net.b, old_c, "national") == old_national);

  // The old central key writes one more national entry: refused at the district, nothing written.
  auto old_key = NodeKey::load_file(net.tmp / "old-central.key");
  REQUIRE(old_key.ok());
  NotePayload late("late, by the retired central key");
  Entry stale = next_entry((*net.a)->store(), *old_key, "national", late.reader(),
                           static_cast<uint64_t>(net.a->clock.now().count()) << 16);
  auto ingest = (*net.a)->store().ingest(std::span<const Entry>(&stale, 1));
  CHECK(ingest.status.code() == StatusCode::permission_denied);
  CHECK(ingest.status.message().find("retired after a central key hand-over") != std::string::npos);
  CHECK(held(*net.a, old_c, "national") == old_national);
}

TEST_CASE("key rotation: forged announcements, a hand-over not by the pinned central key and a second rotation are "
          "refused and change nothing") {
  FleetNet net;
  const NodeId a_id = net.a->node->id();
  const NodeKey stranger = test_key(77);
  const NodeKey next = test_key(78);
  net.a->note("one");
  const Frontier a_before = (*net.a)->store().frontier();

  SECTION("new key without proof: the proof is signed by another key") {
    RotationPayload p(a_id, next.id(), stranger, "district/A");
    auto r = (*net.a)->store().append((*net.a)->key(), "district/A", p.reader());
    CHECK(r.status().code() == StatusCode::permission_denied);
    CHECK(r.status().message() == "feed " + FeedId{a_id, "district/A"}.to_string() +
                                      " seq 2: keyRotation: the new key " + next.id().hex() +
                                      " did not sign it (its proof of possession does not verify): a forged or "
                                      "altered announcement; refused");
    CHECK((*net.a)->store().frontier() == a_before);

    // The same forged entry offered to central: refused, central unchanged.
    net.send(*net.a, *net.central, "a.mhb");
    net.receive(*net.central, {net.tmp / "a.mhb"});
    const Frontier c_before = (*net.central)->store().frontier();
    Entry forged = next_entry((*net.central)->store(), (*net.a)->key(), "district/A", p.reader(), kNow);
    auto ingest = (*net.central)->store().ingest(std::span<const Entry>(&forged, 1));
    CHECK(ingest.status.code() == StatusCode::permission_denied);
    CHECK((*net.central)->store().frontier() == c_before);
    CHECK_FALSE(find_enrolled((*net.central)->store().views(), next.id())->has_value());
  }

  SECTION("an announcement whose entry signature is wrong") {
    RotationPayload p(a_id, next.id(), next, "district/A");
    Entry good = next_entry((*net.central)->store(), (*net.a)->key(), "district/A", p.reader(), kNow);
    net.send(*net.a, *net.central, "a.mhb");
    net.receive(*net.central, {net.tmp / "a.mhb"});
    std::string bytes = good.encode();
    size_t at = bytes.find(std::string(good.signature()));
    REQUIRE(at != std::string::npos);
    bytes[at + 10] ^= 0x01;  // One bit of the Ed25519 signature.
    const Frontier c_before = (*net.central)->store().frontier();
    auto damaged = Entry::decode(bytes);
    if (damaged.ok()) {
      CHECK_FALSE(damaged->signature_valid());
      auto ingest = (*net.central)->store().ingest(std::span<const Entry>(&*damaged, 1));
      CHECK_FALSE(ingest.ok());
    }
    CHECK((*net.central)->store().frontier() == c_before);
    auto followed = follow_rotations((*net.central)->store(), (*net.central)->key(), (*net.central)->config(),
                                     net.central->clock.now().count());
    REQUIRE(followed.ok());
    CHECK(followed->empty());
    CHECK_FALSE(find_enrolled((*net.central)->store().views(), next.id())->has_value());
  }

  SECTION("an announcement naming another key as the old one") {
    RotationPayload p(stranger.id(), next.id(), next, "district/A");
    auto r = (*net.a)->store().append((*net.a)->key(), "district/A", p.reader());
    CHECK(r.status().code() == StatusCode::permission_denied);
    CHECK(r.status().message() == "feed " + FeedId{a_id, "district/A"}.to_string() + " seq 2: keyRotation names old key " +
                                      stranger.id().hex() + ", but is signed by " + a_id.hex() +
                                      ": a key may hand over only itself");
    CHECK((*net.a)->store().frontier() == a_before);
  }

  SECTION("a hand-over not signed by the pinned central key") {
    RotationPayload p(stranger.id(), next.id(), next, "national");
    Entry fake = next_entry((*net.a)->store(), stranger, "national", p.reader(), kNow);
    auto ingest = (*net.a)->store().ingest(std::span<const Entry>(&fake, 1));
    CHECK(ingest.status.code() == StatusCode::permission_denied);
    CHECK(ingest.status.message() == "feed " + FeedId{stranger.id(), "national"}.to_string() + " seq 1: author " +
                                         stranger.id().hex() +
                                         " is not the pinned central node and may not write `national`");
    CHECK((*net.a)->store().frontier() == a_before);
    // A hand-over in the name of the pinned central key, written by another key.
    RotationPayload q((*net.central)->id(), next.id(), next, "national");
    Entry in_its_name = Entry::create(stranger, "national", 1, Hash256{}, kNow, q.reader());
    auto rejected = (*net.a)->store().ingest(std::span<const Entry>(&in_its_name, 1));
    CHECK(rejected.status.code() == StatusCode::permission_denied);
    CHECK(rejected.status.message() == "feed " + FeedId{stranger.id(), "national"}.to_string() +
                                           " seq 1: keyRotation names old key " + (*net.central)->id().hex() +
                                           ", but is signed by " + stranger.id().hex() +
                                           ": a key may hand over only itself");
    reopen(net.a, net.tmp / "a");
    CHECK((*net.a)->config().central_key == (*net.central)->id());
    CHECK((*net.a)->store().frontier() == a_before);
  }

  SECTION("a rotate while a rotation is pending") {
    auto first = start_key_rotation(**net.a, kHourMs);
    REQUIRE(first.ok());
    const Frontier pending = (*net.a)->store().frontier();
    const std::string next_file = read_text(net.tmp / "a" / "node.key.next");
    auto second = start_key_rotation(**net.a, kHourMs);
    CHECK(second.status().code() == StatusCode::failed_precondition);
    CHECK(second.status().message() ==
          "a key rotation is pending: " + (net.tmp / "a" / "node.key.next").string() +
              " holds the announced new key; it takes over once this node holds the central node's enrollment "
              "of it (sync with central, or import a bundle from central, then restart). Nothing changed");
    CHECK((*net.a)->store().frontier() == pending);
    CHECK(read_text(net.tmp / "a" / "node.key.next") == next_file);

    // Even with the next key file gone, the store's announcement keeps it pending.
    std::filesystem::remove(net.tmp / "a" / "node.key.next");
    auto third = start_key_rotation(**net.a, kHourMs);
    CHECK(third.status().code() == StatusCode::failed_precondition);
    CHECK(third.status().message().find("this key already announced " + first->new_key.hex()) != std::string::npos);
    CHECK((*net.a)->store().frontier() == pending);
    CHECK_FALSE(std::filesystem::exists(net.tmp / "a" / "node.key.next"));

    // And a second announcement by the same key, written by hand, is refused by admission.
    RotationPayload p(a_id, next.id(), next, "district/A");
    auto r = (*net.a)->store().append((*net.a)->key(), "district/A", p.reader());
    CHECK(r.status().code() == StatusCode::permission_denied);
    CHECK(r.status().message().find("already announced a rotation to " + first->new_key.hex()) != std::string::npos);
    CHECK((*net.a)->store().frontier() == pending);
  }

  SECTION("a central rotate while its hand-over is pending") {
    REQUIRE(start_key_rotation(**net.central, kHourMs).ok());
    const Frontier pending = (*net.central)->store().frontier();
    auto again = start_key_rotation(**net.central, kHourMs);
    CHECK(again.status().code() == StatusCode::failed_precondition);
    CHECK(again.status().message().find("it takes over at the end of the overlap window or with `mhero key "
                                        "retire-old`") != std::string::npos);
    CHECK((*net.central)->store().frontier() == pending);
  }
}
