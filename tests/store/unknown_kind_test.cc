// An entry whose payload kind this build does not know (written by a newer node) is verified,
// stored and forwarded unchanged.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <catch2/catch.hpp>

#include "future.capnp.h"
#include "store/log_store.h"
#include "support/entries.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

// Builds, canonicalises and signs a FutureEntryBody the way a newer node would.
std::string future_entry(const NodeKey& key) {
  capnp::MallocMessageBuilder message;
  auto body = message.initRoot<FutureEntryBody>();
  body.setAuthor(capnp::Data::Reader(key.id().bytes.data(), 32));
  body.setScope("national");
  body.setSeq(1);
  Hash256 zero{};
  body.setPrev(capnp::Data::Reader(zero.data(), zero.size()));
  body.setHlcTime(HybridClock::make(1'700'000'000'000, 0));
  auto alert = body.initPayload().initStockAlert();
  alert.setFacility("FAC-0042");
  alert.setItem("ORS sachets");
  alert.setQuantity(12);
  kj::Array<capnp::word> canonical = capnp::canonicalize(body.asReader());
  auto bytes = canonical.asBytes();
  Signature sig = key.sign(std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));

  capnp::MallocMessageBuilder envelope;
  auto signed_entry = envelope.initRoot<schema::SignedEntry>();
  signed_entry.setBody(capnp::Data::Reader(bytes.begin(), bytes.size()));
  signed_entry.setSignature(capnp::Data::Reader(sig.data(), sig.size()));
  auto flat = capnp::messageToFlatArray(envelope);
  return std::string(reinterpret_cast<const char*>(flat.asBytes().begin()), flat.asBytes().size());
}

}  // namespace

TEST_CASE("an unknown payload kind is verified, stored and forwarded byte for byte") {
  TempDir dir;
  ManualClock clock;
  NodeKey newer_central = test_key(1);
  std::string wire = future_entry(newer_central);

  auto decoded = Entry::decode(wire, "entry from a newer node");
  REQUIRE(decoded.ok());
  CHECK(decoded->signature_valid());
  CHECK(decoded->kind_name() == "unknown(17)");

  auto here = LogStore::open(dir / "here", clock);
  REQUIRE(here.ok());
  REQUIRE((*here)->ingest(std::vector<Entry>{*decoded}).added == 1);

  // Forward it from this (older) node to a third one: the bytes must be unchanged.
  auto cursor = (*here)->entries_after(Frontier{});
  auto forwarded = cursor->next();
  REQUIRE(forwarded.ok());
  REQUIRE(forwarded->has_value());
  CHECK((*forwarded)->encode() == wire);

  auto there = LogStore::open(dir / "there", clock);
  REQUIRE(there.ok());
  REQUIRE((*there)->ingest(std::vector<Entry>{**forwarded}).added == 1);
  auto held = (*there)->get(FeedId{newer_central.id(), "national"}, 1);
  REQUIRE(held.ok());
  CHECK(held->encode() == wire);
  CHECK((*there)->verify_all().empty());

  // The newer node can still read its own kind from what we forwarded.
  auto body = capnp::readMessageUnchecked<FutureEntryBody>(
      reinterpret_cast<const capnp::word*>(held->body_bytes().data()));
  CHECK(std::string(body.getPayload().getStockAlert().getItem()) == "ORS sachets");
  CHECK(body.getPayload().getStockAlert().getQuantity() == 12);
}
