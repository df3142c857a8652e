// The Districts page for districts that sync online: real sessions over TLS on loopback.
#include "fleet_fixture.h"

#include "fleet/fleet_json.h"
#include "fleet/node_health.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

TEST_CASE("a district that synced online shows last contact online with bytes, entries and lag 0") {
  FleetNet net;
  for (int i = 0; i < 5; ++i) net.a->note("a note " + std::to_string(i));
  net.listen();
  net.advance(1min);
  auto r = net.sync_online(*net.a);
  INFO(r.status.to_string());
  REQUIRE(r.ok());
  CHECK(r.entries_sent == 5);

  fleet::DistrictRow row = net.row("A");
  CHECK(row.node == (*net.a)->id());
  CHECK(row.label == "Bong county office");
  CHECK(row.last_contact.via == fleet::ContactVia::session);
  CHECK(row.last_contact.at_ms == net.central->clock.now().count());
  CHECK(row.last_contact.entries_received == 5);           // Central received A's 5 notes.
  CHECK(row.last_contact.entries_sent == r.entries_received);  // A received the enrollments.
  CHECK(row.last_contact.bytes_in == r.bytes_written);
  CHECK(row.last_contact.bytes_out == r.bytes_read);
  CHECK(row.last_contact.bytes_in > 0);
  CHECK(row.behind_entries == 0);
  CHECK(row.ahead_entries == 0);
  CHECK_FALSE(row.behind_ms.has_value());
  REQUIRE_FALSE(row.lags.empty());
  for (const auto& l : row.lags) {
    INFO(l.feed.to_string());
    CHECK(l.entries == 0);
    CHECK(l.lacking.empty());
  }
  CHECK(row.colour == fleet::Colour::green);
  REQUIRE(row.clock_offset_ms.has_value());
  CHECK(*row.clock_offset_ms == 0);  // Both ManualClocks agree.

  // B never synced: it lacks the national feed's entries; its lag in time is their age.
  net.advance(2h);
  fleet::DistrictRow b = net.row("B");
  CHECK(b.last_contact.via == fleet::ContactVia::none);
  CHECK(b.behind_entries == 2);  // The two enrollments in the national feed.
  REQUIRE(b.behind_ms.has_value());
  CHECK(*b.behind_ms == std::chrono::milliseconds(2h + 1min).count());

  // The district answers for itself: one row, its contact with the central node.
  auto own = fleet::districts(net.a->context());
  REQUIRE(own.ok());
  REQUIRE(own->size() == 1);
  CHECK(own->front().district == "A");
  CHECK(own->front().enrolled);  // It learnt its enrollment in the session.
  CHECK(own->front().last_contact.via == fleet::ContactVia::session);
  CHECK(own->front().last_contact.entries_sent == 5);
  CHECK(own->front().behind_entries == 0);
  CHECK(own->front().ahead_entries == 0);

  // The detail page lists the session as both sides saw it.
  auto detail = fleet::district_detail(net.central->context(), "A");
  REQUIRE(detail.ok());
  REQUIRE(detail->sessions.size() == 1);
  CHECK_FALSE(detail->sessions[0].dialed);
  CHECK(detail->sessions[0].entries_received == 5);
  CHECK(detail->last_errors.empty());
}

TEST_CASE("the clock offset is measured from the hello: a district 10 min ahead is amber with an alarm") {
  FleetNet net;
  net.a->clock.advance(10min);
  net.listen();
  auto r = net.sync_online(*net.a);
  REQUIRE(r.ok());
  REQUIRE(r.clock_offset_ms.has_value());
  CHECK(*r.clock_offset_ms == std::chrono::milliseconds(10min).count());  // A's clock minus the central node's.
  CHECK(fleet::clock_offset((*net.a)->store(), (*net.central)->id()) == std::chrono::milliseconds(10min).count());

  fleet::DistrictRow row = net.row("A");
  REQUIRE(row.clock_offset_ms.has_value());
  CHECK(*row.clock_offset_ms == std::chrono::milliseconds(10min).count());
  CHECK(row.colour == fleet::Colour::amber);
  REQUIRE(row.colour_reasons.size() == 1);
  CHECK(row.colour_reasons[0] == "clock ahead by 10 min");

  auto list = fleet::alarms(net.central->context());
  REQUIRE(list.ok());
  auto skew = std::find_if(list->begin(), list->end(), [](const auto& a) { return a.kind == "clock_skew"; });
  REQUIRE(skew != list->end());
  CHECK(skew->subject == "A");
  CHECK(skew->what == "District A's clock is 10 min ahead of the central node's.");
  CHECK(skew->action.find("NTP") != std::string::npos);
}

TEST_CASE("an unknown key trying to sync is recorded as refused and shows as an alarm") {
  FleetNet net;
  TempDir other;
  auto id = Node::init(NodePaths{other / "x"}, Role::district, "X", (*net.central)->id());
  REQUIRE(id.ok());
  FleetNode stranger(other / "x");
  net.listen();
  auto r = net.sync_online(stranger);
  CHECK_FALSE(r.ok());

  auto refused = fleet::read_refused((*net.central)->store());
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].key == *id);
  CHECK(refused[0].address.rfind("127.0.0.1:", 0) == 0);
  CHECK(refused[0].reason.rfind("unknown key", 0) == 0);
  CHECK(refused[0].at_ms == net.central->clock.now().count());

  auto list = fleet::alarms(net.central->context());
  REQUIRE(list.ok());
  REQUIRE(list->size() >= 1);
  const fleet::Alarm& a = list->front();
  CHECK(a.kind == "refused_key");
  CHECK(a.subject == id->hex());
  CHECK(a.what.find("unknown key") != std::string::npos);
  CHECK(a.action.find("mhero enroll --district CODE --key " + id->hex()) != std::string::npos);
  // The stranger's own log names the failed session (transport error only).
  auto sessions = fleet::read_sessions(stranger->store());
  REQUIRE(sessions.size() == 1);
  CHECK_FALSE(sessions[0].ok());
}
