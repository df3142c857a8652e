// The Districts and District detail pages for districts that only send bundles: real export and
// import, the chain of custody, and a bundle relayed by another district.
#include "fleet_fixture.h"

#include "util/bytes.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

TEST_CASE("a district that only sent a bundle shows the bundle id, and receipts prove the chain") {
  FleetNet net;
  // The central node's bundle carries A's enrollment to A; A answers with its own.
  auto down = net.send(*net.central, *net.a, "to-a.mhb");
  net.advance(1h);
  net.receive(*net.a, down.parts);
  for (int i = 0; i < 3; ++i) net.a->note("a note " + std::to_string(i));
  net.advance(1h);
  auto up = net.send(*net.a, *net.central, "to-central.mhb");
  int64_t exported = net.a->clock.now().count();
  net.advance(3h);
  auto reports = net.receive(*net.central, up.parts);
  REQUIRE(reports.size() == 1);
  REQUIRE(reports[0].outcome == bundle::Outcome::imported);
  std::string up_id = to_hex(std::span<const uint8_t>(up.bundle_id));
  std::string down_id = to_hex(std::span<const uint8_t>(down.bundle_id));

  fleet::DistrictRow row = net.row("A");
  CHECK(row.last_contact.via == fleet::ContactVia::bundle);
  CHECK(row.last_contact.bundle_id == up_id);
  CHECK(row.last_contact.exported_ms == exported);
  CHECK(row.last_contact.at_ms == net.central->clock.now().count());
  CHECK(row.last_contact.entries_received == 4);  // 3 notes and A's receipt of the central bundle.
  CHECK_FALSE(row.last_contact.relayed_by.has_value());
  CHECK(row.relayed_by_district.empty());
  // A's receipt says it holds both enrollments; it lacks only the central node's receipt of its
  // bundle, written just now.
  CHECK(row.behind_entries == 1);
  REQUIRE(row.behind_ms.has_value());
  CHECK(*row.behind_ms == 0);
  CHECK(row.ahead_entries == 0);
  CHECK(row.colour == fleet::Colour::green);

  auto detail = fleet::district_detail(net.central->context(), "A");
  REQUIRE(detail.ok());
  REQUIRE(detail->bundles.size() == 2);
  const fleet::BundleCustody& in = detail->bundles[0];  // Newest: A's bundle, imported here.
  CHECK(in.bundle_id == up_id);
  CHECK(in.sender_name == "district A");
  CHECK(in.recipient_name == "central");
  CHECK(in.exported_ms == exported);
  CHECK(in.entries_new == 4);
  REQUIRE(in.receipt_seq.has_value());  // The central node's own receipt.
  const fleet::BundleCustody& out = detail->bundles[1];  // The central bundle, receipted by A.
  CHECK(out.bundle_id == down_id);
  CHECK(out.sender_name == "central");
  CHECK(out.recipient_name == "district A");
  CHECK(out.imported_ms == net.central->clock.now().count() - std::chrono::milliseconds(4h).count());  // A's clock at its import.
  REQUIRE(out.receipt_seq.has_value());
  CHECK(*out.receipt_seq == 1);  // A's first entry is that receipt.
}

TEST_CASE("a bundle relayed by another district names the relay node") {
  FleetNet net;
  // Both districts learn their enrollments from the central node's bundles.
  net.receive(*net.a, net.send(*net.central, *net.a, "to-a.mhb").parts);
  net.receive(*net.b, net.send(*net.central, *net.b, "to-b.mhb").parts);
  net.a->note("from A");
  auto from_a = net.send(*net.a, *net.central, "a-to-central.mhb");
  // The stick goes to B first: B keeps A's bundle for relay, and its next export carries it.
  auto kept = net.receive(*net.b, from_a.parts);
  REQUIRE(kept[0].outcome == bundle::Outcome::relayed);
  net.advance(1h);
  auto from_b = net.send(*net.b, *net.central, "b-to-central.mhb");
  REQUIRE(from_b.relayed.size() == 1);
  std::vector<std::filesystem::path> files = from_b.parts;
  files.insert(files.end(), from_b.relayed.begin(), from_b.relayed.end());
  net.receive(*net.central, files);

  fleet::DistrictRow a = net.row("A");
  CHECK(a.last_contact.via == fleet::ContactVia::bundle);
  CHECK(a.last_contact.bundle_id == to_hex(std::span<const uint8_t>(from_a.bundle_id)));
  REQUIRE(a.last_contact.relayed_by.has_value());
  CHECK(*a.last_contact.relayed_by == (*net.b)->id());
  CHECK(a.relayed_by_district == "district B");
  fleet::DistrictRow b = net.row("B");
  CHECK(b.last_contact.bundle_id == to_hex(std::span<const uint8_t>(from_b.bundle_id)));
  CHECK_FALSE(b.last_contact.relayed_by.has_value());

  // B's detail shows the bundle it carried for A.
  auto detail = fleet::district_detail(net.central->context(), "B");
  REQUIRE(detail.ok());
  bool carried = false;
  for (const auto& c : detail->bundles) {
    if (c.sender == (*net.a)->id()) {
      carried = true;
      CHECK(c.relayed_by_name == "district B");
      CHECK(c.recipient_name == "central");
    }
  }
  CHECK(carried);
}
