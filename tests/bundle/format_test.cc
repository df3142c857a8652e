// Body format 2 (feed runs carried without seq and prev, rebuilt on import) and format 1 (each
// entry whole, still read for bundles in transit during an upgrade).
#include <capnp/message.h>

#include <sstream>

#include "bundle/body_reader.h"
#include "bundle/body_writer.h"
#include "bundle/checked_file.h"
#include "bundle/entry_codec.h"
#include "bundle_fixture.h"
#include "newer_entry.capnp.h"

namespace mhero::testing {

namespace {

// Canonicalises and signs a body built by `fill` the way a (possibly newer) node would.
template <typename Body, typename Fill>
Entry sign_body(const NodeKey& key, const std::string& scope, uint64_t seq, const Hash256& prev, uint64_t hlc,
                Fill&& fill) {
  capnp::MallocMessageBuilder message;
  auto body = message.initRoot<Body>();
  body.setAuthor(capnp::Data::Reader(key.id().bytes.data(), 32));
  body.setScope(scope);
  body.setSeq(seq);
  body.setPrev(capnp::Data::Reader(prev.data(), prev.size()));
  body.setHlcTime(hlc);
  fill(body);
  kj::Array<capnp::word> canonical = capnp::canonicalize(body.asReader());
  std::string_view bytes(reinterpret_cast<const char*>(canonical.asBytes().begin()), canonical.asBytes().size());
  Signature sig = key.sign(bytes);
  auto e = bundle::assemble_entry(bytes, std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()),
                                  "test entry");
  REQUIRE(e.ok());
  return std::move(*e);
}

Entry stock_alert(const NodeKey& key, uint64_t seq, const Hash256& prev) {
  return sign_body<FutureEntryBody>(key, "national", seq, prev, 77, [](FutureEntryBody::Builder b) {
    auto alert = b.initPayload().initStockAlert();
    alert.setFacility("FAC-0042");
    alert.setItem("ORS sachets");
    alert.setQuantity(12);
  });
}

Entry wider_payload(const NodeKey& key, uint64_t seq, const Hash256& prev) {
  return sign_body<WideEntryBody>(key, "national", seq, prev, 79, [](WideEntryBody::Builder b) {
    auto p = b.initPayload();
    p.setNote("with a priority");
    p.setPriority(3);
  });
}

Entry with_new_field(const NodeKey& key, uint64_t seq, const Hash256& prev) {
  return sign_body<NewerEntryBody>(key, "national", seq, prev, 78, [](NewerEntryBody::Builder b) {
    b.initPayload().setNote("from a newer node");
    b.setRelayedVia("MBR-03");
  });
}

struct BodyRun {
  std::vector<Entry> read;
  uint64_t raw_entries = 0;
  uint64_t body_bytes = 0;
};

BodyRun through_body(const std::vector<Entry>& entries, uint32_t format) {
  NodeKey recipient = test_key(9);
  std::stringstream out;
  auto writer = bundle::BodyWriter::start(recipient.id(), out, 3, format);
  REQUIRE(writer.ok());
  for (const Entry& e : entries) REQUIRE((*writer)->add(e).ok());
  REQUIRE((*writer)->finish().ok());
  BodyRun run;
  run.raw_entries = (*writer)->raw_entries();
  std::string body = out.str();
  run.body_bytes = body.size();
  std::istringstream in(body);
  Status s = bundle::read_body(in, body.size(), recipient, format, "test.mhb", [&](Entry&& e, uint64_t) -> Status {
    run.read.push_back(std::move(e));
    return {};
  });
  REQUIRE(s.ok());
  return run;
}

}  // namespace

TEST_CASE("body format 2 rebuilds every entry byte for byte; an entry it cannot rebuild travels whole",
          "[bundle][format]") {
  NodeKey k1 = test_key(1), k2 = test_key(2);
  std::vector<Entry> entries;
  Hash256 prev1{}, prev2{};
  uint64_t seq1 = 0;
  auto note1 = [&](const std::string& text, uint64_t hlc) {
    entries.push_back(make_note_entry(k1, "national", ++seq1, prev1, text, hlc));
    prev1 = entries.back().id();
  };
  // 5,000 entries of one feed: more than one segment; timestamps rising, equal, falling and 0.
  for (uint64_t i = 0; i < 5000; ++i) {
    uint64_t hlc = i % 97 == 0 ? 0 : i % 13 == 0 ? (uint64_t{1} << 63) + i : 1'700'000'000'000ull * 65536 + i * 3;
    note1("{\"n\":" + std::to_string(i) + "}", hlc);
  }
  // Another feed, starting mid-chain (seq 7, a non-zero prev) with a gap (9 -> 12).
  Hash256 some_prev = blake2b256("elsewhere");
  prev2 = some_prev;
  for (uint64_t seq : {7, 8, 9, 12}) {
    if (seq == 12) prev2 = some_prev;
    entries.push_back(make_note_entry(k2, "district/MBR-03", seq, prev2, "b", seq));
    prev2 = entries.back().id();
  }
  // Back to the first feed: a payload larger than a segment's tail budget, an unknown payload kind
  // (compact), then a body with a field this build does not know (raw), then notes again.
  note1(std::string(1'500'000, 'x'), 5);
  entries.push_back(stock_alert(k1, ++seq1, prev1));
  prev1 = entries.back().id();
  CHECK(bundle::compact_payload(entries.back()).has_value());
  // A wider payload struct: the segment's heads differ in size (carried one after the other).
  entries.push_back(wider_payload(k1, ++seq1, prev1));
  prev1 = entries.back().id();
  REQUIRE(bundle::compact_payload(entries.back()).has_value());
  CHECK(bundle::payload_head_bytes(*bundle::compact_payload(entries.back())) == 32);
  note1("same segment", 4);
  entries.push_back(with_new_field(k1, ++seq1, prev1));
  prev1 = entries.back().id();
  CHECK_FALSE(bundle::compact_payload(entries.back()).has_value());
  note1("after", 6);
  note1("", 7);

  for (uint32_t format : {bundle::kBodyFormatV2, bundle::kBodyFormatV1}) {
    INFO("format " << format);
    BodyRun run = through_body(entries, format);
    CHECK(run.raw_entries == (format == bundle::kBodyFormatV2 ? 1u : 0u));
    REQUIRE(run.read.size() == entries.size());
    size_t differ = 0, invalid = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      differ += run.read[i].encode() != entries[i].encode() ? 1 : 0;
      invalid += run.read[i].signature_valid() ? 0 : 1;
    }
    CHECK(differ == 0);
    CHECK(invalid == 0);
  }
  // Format 2 is the smaller one.
  CHECK(through_body(entries, bundle::kBodyFormatV2).body_bytes < through_body(entries, bundle::kBodyFormatV1).body_bytes);
}

TEST_CASE("bundles of format 1 and format 2 both import, to the same entries", "[bundle][format]") {
  BundleNet net;
  for (int i = 0; i < 300; ++i) {
    append_note(net.a->store(), net.a->key(), "district/A", "{\"reading\":" + std::to_string(i) + "}");
  }
  bundle::ExportOptions v1{BundleNet::profile(net.central), net.tmp / "v1.mhb"};
  v1.format_version = 1;
  auto old = bundle::export_bundle(*net.a, v1);
  REQUIRE(old.ok());
  auto fresh = net.send(net.a, net.central, "v2.mhb");
  auto old_file = bundle::check_file(old->parts[0]);
  auto new_file = bundle::check_file(fresh.parts[0]);
  REQUIRE(old_file.ok());
  REQUIRE(new_file.ok());
  CHECK(old_file->header.format_version == 1);
  CHECK(new_file->header.format_version == 2);
  CHECK(std::filesystem::file_size(fresh.parts[0]) < std::filesystem::file_size(old->parts[0]));

  auto first = net.receive(net.central, {fresh.parts[0]});
  REQUIRE(first.ok());
  CHECK((*first)[0].added == 300);
  // The same entries again through format 1: all already held, i.e. byte-identical ids.
  auto second = net.receive(net.central, {old->parts[0]});
  REQUIRE(second.ok());
  CHECK((*second)[0].outcome == bundle::Outcome::imported);
  CHECK((*second)[0].added == 0);
  CHECK((*second)[0].duplicates == 300);
  for (uint64_t seq = 1; seq <= 300; ++seq) {
    auto theirs = net.central->store().get(FeedId{net.a->id(), "district/A"}, seq);
    auto ours = net.a->store().get(FeedId{net.a->id(), "district/A"}, seq);
    REQUIRE(theirs.ok());
    REQUIRE(ours.ok());
    REQUIRE(theirs->encode() == ours->encode());
  }

  SECTION("an export in a format this program does not write is refused") {
    bundle::ExportOptions v3{BundleNet::profile(net.central), net.tmp / "v3.mhb"};
    v3.format_version = 3;
    auto r = bundle::export_bundle(*net.a, v3);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::invalid_argument);
    CHECK_FALSE(std::filesystem::exists(net.tmp / "v3.mhb"));
  }
}

TEST_CASE("a rebuilt entry that is not what its author signed is refused, naming file, feed and seq",
          "[bundle][format]") {
  BundleNet net;
  const NodeKey& key = net.a->key();
  Entry e1 = make_note_entry(key, "district/A", 1, Hash256{}, "one", 100);
  Entry e2 = make_note_entry(key, "district/A", 2, e1.id(), "two", 101);
  // A sender carrying e2 with another timestamp: its body rebuilds, but not to the signed bytes.
  Entry forged = make_note_entry(key, "district/A", 2, e1.id(), "two", 102);
  auto altered = bundle::assemble_entry(forged.body_bytes(), e2.signature(), "forged entry");
  REQUIRE(altered.ok());

  bundle::Header h;
  random_bytes(h.bundle_id.data(), h.bundle_id.size());
  h.sender = net.a->id();
  h.recipient = net.central->id();
  h.entry_count = 2;
  h.ranges.push_back({e1.feed(), 1, 2});
  std::stringstream body;
  auto writer = bundle::BodyWriter::start(h.recipient, body);
  REQUIRE(writer.ok());
  REQUIRE((*writer)->add(e1).ok());
  REQUIRE((*writer)->add(*altered).ok());
  REQUIRE((*writer)->finish().ok());
  CHECK((*writer)->raw_entries() == 0);
  h.body_bytes = (*writer)->written_bytes();
  h.body_hash = (*writer)->hash();
  h.plain_bytes = (*writer)->plain_bytes();
  auto path = net.tmp / "forged.mhb";
  write_bytes(path, bundle::encode_front(h, key) + body.str());

  std::string before = store_digest(net.central->store());
  auto r = net.receive(net.central, {path});
  REQUIRE_FALSE(r.ok());
  INFO(r.status().to_string());
  CHECK(r.status().message().find(path.string()) != std::string::npos);
  CHECK(r.status().message().find("district/A") != std::string::npos);
  CHECK(r.status().message().find("seq 2") != std::string::npos);
  CHECK(r.status().message().find("signature") != std::string::npos);
  CHECK(store_digest(net.central->store()) == before);
}

}  // namespace mhero::testing
