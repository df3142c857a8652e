// District -> central -> district with receipts; idempotent import; scope filtering.
#include "bundle_fixture.h"
#include "replication/peer_status.h"

namespace mhero::testing {

namespace {

uint64_t entries_by(LogStore& store, const NodeId& author, const std::string& scope) {
  return store.frontier().get(FeedId{author, scope});
}

}  // namespace

TEST_CASE("bundle round trip central -> district -> central -> district carries receipts", "[bundle]") {
  BundleNet net;
  for (int i = 0; i < 5; ++i) {
    append_note(net.central->store(), net.central->key(), "national", "nat " + std::to_string(i));
    append_note(net.central->store(), net.central->key(), "district/A", "for A " + std::to_string(i));
    append_note(net.central->store(), net.central->key(), "district/B", "for B " + std::to_string(i));
  }

  // Central -> A: national (2 enrollments + 5 notes) and district/A (5), never district/B.
  auto down = net.send(net.central, net.a, "down.mhb");
  CHECK(down.entry_count == 12);
  REQUIRE(down.parts.size() == 1);
  auto imported = net.receive(net.a, {down.parts[0]});
  REQUIRE(imported.ok());
  CHECK((*imported)[0].outcome == bundle::Outcome::imported);
  CHECK((*imported)[0].added == 12);
  CHECK(entries_by(net.a->store(), net.central->id(), "national") == 7);
  CHECK(entries_by(net.a->store(), net.central->id(), "district/A") == 5);
  CHECK(entries_by(net.a->store(), net.central->id(), "district/B") == 0);
  // A wrote its receipt into its own feed.
  CHECK(entries_by(net.a->store(), net.a->id(), "district/A") == 1);
  auto receipt = net.a->store().get(FeedId{net.a->id(), "district/A"}, 1);
  REQUIRE(receipt.ok());
  REQUIRE(receipt->kind() == schema::Payload::RECEIPT);
  auto r = receipt->payload().getReceipt();
  CHECK(std::string_view(reinterpret_cast<const char*>(r.getSender().begin()), r.getSender().size()) ==
        net.central->id().view());
  CHECK(to_hex(std::string_view(reinterpret_cast<const char*>(r.getBundleId().begin()), r.getBundleId().size())) ==
        to_hex(std::span<const uint8_t>(down.bundle_id)));

  // A second import is a no-op, said so.
  std::string before = store_digest(net.a->store());
  auto again = net.receive(net.a, {down.parts[0]});
  REQUIRE(again.ok());
  CHECK((*again)[0].outcome == bundle::Outcome::already_imported);
  CHECK(store_digest(net.a->store()) == before);

  // A works offline, then sends its feed (with the receipt) back to the central node.
  for (int i = 0; i < 3; ++i) append_note(net.a->store(), net.a->key(), "district/A", "answer " + std::to_string(i));
  auto up = net.send(net.a, net.central, "up.mhb");
  CHECK(up.entry_count == 4);  // Receipt + 3 notes; nothing the central node wrote goes back.
  auto up_imported = net.receive(net.central, {up.parts[0]});
  REQUIRE(up_imported.ok());
  CHECK((*up_imported)[0].added == 4);
  // The central node now knows from A's receipt what A holds.
  auto known = known_frontier(net.central->store(), net.a->id());
  REQUIRE(known.ok());
  CHECK(known->get(FeedId{net.central->id(), "national"}) == 7);
  CHECK(known->get(FeedId{net.central->id(), "district/A"}) == 5);

  // So the next bundle to A carries only what A lacks: the central node's own receipt.
  auto down2 = net.send(net.central, net.a, "down2.mhb");
  CHECK(down2.entry_count == 1);
  REQUIRE(net.receive(net.a, {down2.parts[0]}).ok());
  auto known_central = known_frontier(net.a->store(), net.central->id());
  REQUIRE(known_central.ok());
  CHECK(known_central->get(FeedId{net.a->id(), "district/A"}) == 4);  // Learnt from the central receipt.
  CHECK(net.a->store().verify_all().empty());
  CHECK(net.central->store().verify_all().empty());

  // --full ignores what is known.
  auto full = net.send(net.central, net.a, "full.mhb", 0, true);
  CHECK(full.entry_count == 8 + 5 + 4);  // national (with the receipt), district/A, and A's own feed.
}

TEST_CASE("a bundle leaves out what a sync session already gave its recipient", "[bundle]") {
  BundleNet net;
  for (int i = 0; i < 5; ++i) {
    append_note(net.central->store(), net.central->key(), "national", "nat " + std::to_string(i));
    append_note(net.central->store(), net.central->key(), "district/A", "for A " + std::to_string(i));
  }
  // Without the session, a bundle to A carries national (2 enrollments + 5 notes) and district/A.
  CHECK(net.send(net.central, net.a, "before.mhb").entry_count == 12);

  // A session moves them to A (what sync's ingest does) and the central records A's frontier as
  // the session learned it: its hello, raised by its acks (replication/peer_status.h).
  auto cursor = net.central->store().entries_after(Frontier{});
  std::vector<Entry> sent;
  while (true) {
    auto next = cursor->next();
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    if ((*next)->feed().scope != "district/B") sent.push_back(std::move(**next));
  }
  REQUIRE(net.a->store().ingest(sent, "").ok());
  sync::SessionResult session;
  session.peer = net.a->id();
  session.peer_role = Role::district;
  session.peer_district = "A";
  session.peer_frontier = net.a->store().frontier();
  REQUIRE(record_session(net.central->store(), "a.example:7447", "a.example:7447", session, 1'700'000'000'000).ok());

  auto after = net.send(net.central, net.a, "after.mhb");
  CHECK(after.entry_count == 0);
  CHECK(after.base.get(FeedId{net.central->id(), "district/A"}) == 5);
  append_note(net.central->store(), net.central->key(), "district/A", "after the session");
  auto next = net.send(net.central, net.a, "next.mhb");
  CHECK(next.entry_count == 1);
  auto imported = net.receive(net.a, next.parts);
  REQUIRE(imported.ok());
  CHECK((*imported)[0].added == 1);
  CHECK(entries_by(net.a->store(), net.central->id(), "district/A") == 6);
}

}  // namespace mhero::testing
