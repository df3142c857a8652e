// nodeStatus: written on a meaningful change and otherwise not more often than the interval; its
// size; it reaches the central node by bundle; absurd values from a peer and an unknown payload
// kind change nothing and are shown plainly.
#include "fleet_fixture.h"

#include <capnp/message.h>

#include <cstdio>

#include "fleet/fleet_json.h"
#include "fleet/node_status_view.h"
#include "fleet/node_status_writer.h"
#include "newer_entry.capnp.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

std::optional<std::string> run(fleet::NodeStatusWriter& w) {
  auto r = w.run_once();
  if (!r.ok()) FAIL(r.status().to_string());
  return *r;
}

}  // namespace

TEST_CASE("nodeStatus is written on change and not more often than the interval") {
  FleetNet net;
  fleet::NodeStatusWriter writer(**net.a, 15min);
  CHECK(run(writer) == "first");
  CHECK(run(writer) == std::nullopt);
  net.advance(14min);
  CHECK(run(writer) == std::nullopt);
  net.advance(1min);
  CHECK(run(writer) == "interval");
  CHECK(run(writer) == std::nullopt);  // Its own status entries never count as a change.

  for (int i = 0; i < 5; ++i) net.a->note("n" + std::to_string(i));
  net.advance(1min);
  CHECK(run(writer) == "pending");  // 1 -> 6 entries the central node lacks (its statuses aside).
  CHECK(run(writer) == std::nullopt);

  net.receive(*net.a, net.send(*net.central, *net.a, "to-a.mhb").parts);
  // First contact with the central node (by bundle); its receipt is one more entry pending.
  CHECK(run(writer) == "pending, contact");
  CHECK(run(writer) == std::nullopt);

  // What the last one says.
  auto latest = fleet::latest_status((*net.a)->store().views(), (*net.a)->id());
  REQUIRE(latest.ok());
  REQUIRE(latest->has_value());
  const fleet::StatusRecord& s = **latest;
  CHECK(s.reason == "pending, contact");
  CHECK(s.version == fleet::software_version());
  CHECK(s.free_disk_bytes > 0);
  CHECK(s.store_bytes > 0);
  CHECK(s.pending_entry_count == 9);  // 5 notes, 3 earlier statuses, the receipt.
  REQUIRE(s.peers.size() == 1);
  CHECK(s.peers[0].peer == (*net.central)->id());
  CHECK(s.peers[0].via == "bundle");
  CHECK(s.peers[0].bundle_id.size() == 32);
  auto history = fleet::status_history((*net.a)->store().views(), (*net.a)->id());
  REQUIRE(history.ok());
  CHECK(history->size() == 4);
}

TEST_CASE("inside mhero run the first check only takes a baseline; a change then writes") {
  FleetNet net;
  fleet::NodeStatusWriter writer(**net.a, 15min, fleet::FirstRun::baseline);
  CHECK(run(writer) == std::nullopt);
  CHECK((*net.a)->store().entry_count() == 0);
  net.a->note("n");
  CHECK(run(writer) == "pending");
  net.advance(15min);
  CHECK(run(writer) == "interval");
}

TEST_CASE("a district's nodeStatus entry is small and reaches the central console by bundle") {
  FleetNet net;
  net.receive(*net.a, net.send(*net.central, *net.a, "to-a.mhb").parts);
  fleet::NodeStatusWriter writer(**net.a, 15min);
  REQUIRE(run(writer) == "first");
  FeedId own{(*net.a)->id(), "district/A"};
  auto entry = (*net.a)->store().get(own, (*net.a)->store().head_seq(own));
  REQUIRE(entry.ok());
  REQUIRE(entry->kind() == schema::Payload::NODE_STATUS);
  std::printf("bytes per nodeStatus entry (district, one peer, signed): %zu\n", entry->encoded_size());
  CHECK(entry->encoded_size() < 512);

  net.advance(2h);
  net.receive(*net.central, net.send(*net.a, *net.central, "to-central.mhb").parts);
  fleet::DistrictRow row = net.row("A");
  REQUIRE(row.health.has_value());
  CHECK(row.health->plausible());
  CHECK(row.health->version == fleet::software_version());
  CHECK(row.health->as_of_ms == net.a->clock.now().count() - std::chrono::milliseconds(2h).count());
  CHECK(row.health->peers.size() == 1);
  CHECK(row.colour == fleet::Colour::green);
}

TEST_CASE("bad input: absurd nodeStatus values from a peer and an unknown kind change nothing") {
  FleetNet net;
  net.receive(*net.a, net.send(*net.central, *net.a, "to-a.mhb").parts);
  net.receive(*net.central, net.send(*net.a, *net.central, "to-central-1.mhb").parts);
  // The row without its per-feed seqs (an entry more of A's feed moves both sides' seq).
  auto row_json = [&] {
    auto j = fleet::to_json(net.row("A"));
    j.erase("lags");
    return j.dump();
  };
  std::string before = row_json();

  SECTION("an unknown payload kind from a newer node") {
    capnp::MallocMessageBuilder mb;
    auto alert = mb.initRoot<NewerPayload>().initStockAlert();
    alert.setFacility("F1");
    alert.setQuantity(3);
    auto unknown = (*net.a)->store().append((*net.a)->key(), "district/A",
                                           mb.getRoot<schema::Payload>().asReader());
    REQUIRE(unknown.ok());
    REQUIRE((*net.central)->store().ingest(std::vector<Entry>{*unknown}).ok());
    CHECK(row_json() == before);
    CHECK(net.row("A").behind_entries == 1);  // Only the central node's receipt of A's bundle.
    CHECK(net.row("A").ahead_entries == 0);
    auto alarms = fleet::alarms(net.central->context());
    REQUIRE(alarms.ok());
    CHECK(alarms->empty());
  }

  SECTION("a nodeStatus with absurd values") {
    capnp::MallocMessageBuilder mb;
    auto s = mb.initRoot<schema::Payload>().initNodeStatus();
    s.setFreeDiskBytes(uint64_t{1} << 62);
    s.setClockOffsetMs(int64_t{100} * 365 * 86'400'000);
    s.setVersion("0.1\x01<script>");
    auto peers = s.initPeers(1);
    peers[0].setPeer(capnp::Data::Reader(reinterpret_cast<const uint8_t*>("short"), 5));
    auto absurd = (*net.a)->store().append((*net.a)->key(), "district/A", mb.getRoot<schema::Payload>().asReader());
    REQUIRE(absurd.ok());
    REQUIRE((*net.central)->store().ingest(std::vector<Entry>{*absurd}).ok());
    fleet::DistrictRow row = net.row("A");
    REQUIRE(row.health.has_value());
    CHECK_FALSE(row.health->plausible());
    CHECK(row.health->problems == std::vector<std::string>{"version is not short printable text",
                                                           "free disk above 1 PiB", "clock offset beyond 10 years",
                                                           "a peer id is not 32 bytes"});
    CHECK(row.health->version == "0.1?<script>");
    CHECK(row.colour == fleet::Colour::green);  // Its values are not used.
    CHECK_FALSE(row.clock_offset_ms.has_value());
    CHECK(row.colour_reasons == std::vector<std::string>{"latest status implausible, ignored"});
    auto alarms = fleet::alarms(net.central->context());
    REQUIRE(alarms.ok());
    REQUIRE(alarms->size() == 1);
    CHECK(alarms->front().kind == "implausible_status");
    CHECK(alarms->front().severity == fleet::Severity::info);
    CHECK(alarms->front().what.find("free disk above 1 PiB") != std::string::npos);
  }
}
