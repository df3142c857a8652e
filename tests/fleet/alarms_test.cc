// The Alarms page: forks with both entries as evidence, silent districts turning amber then red
// (ManualClock), dispatch failures, and the pending messages of the Districts page.
#include "fleet_fixture.h"

#include <capnp/message.h>

#include "integrations/dhis2_push.h"
#include "messaging/message_codec.h"
#include "messaging/message_view.h"
#include "util/bytes.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

const fleet::Alarm* find_kind(const std::vector<fleet::Alarm>& list, const std::string& kind) {
  for (const auto& a : list) {
    if (a.kind == kind) return &a;
  }
  return nullptr;
}

std::string evidence(const fleet::Alarm& a, const std::string& label) {
  for (const auto& [k, v] : a.evidence) {
    if (k == label) return v;
  }
  return "";
}

}  // namespace

TEST_CASE("a fork shows as a critical alarm with both entry ids and what to do") {
  FleetNet net;
  Entry first = append_note((*net.a)->store(), (*net.a)->key(), "district/A", "the real seq 1");
  Entry second = make_note_entry((*net.a)->key(), "district/A", 1, Hash256{}, "a copied key's seq 1", first.hlc_time());
  LogStore& central = (*net.central)->store();
  REQUIRE(central.ingest(std::vector<Entry>{first}).ok());
  IngestResult forked = central.ingest(std::vector<Entry>{second});
  REQUIRE(forked.fault == IngestFault::fork);

  auto list = fleet::alarms(net.central->context());
  REQUIRE(list.ok());
  REQUIRE_FALSE(list->empty());
  const fleet::Alarm& a = list->front();  // Critical first.
  CHECK(a.kind == "fork");
  CHECK(a.severity == fleet::Severity::critical);
  CHECK(a.subject == FeedId{(*net.a)->id(), "district/A"}.to_string());
  CHECK(evidence(a, "seq") == "1");
  CHECK(evidence(a, "author") == (*net.a)->id().hex());
  std::string id1 = to_hex(std::span<const uint8_t>(first.id()));
  std::string id2 = to_hex(std::span<const uint8_t>(second.id()));
  CHECK(evidence(a, "entry 1") != evidence(a, "entry 2"));
  CHECK((evidence(a, "entry 1") == id1 || evidence(a, "entry 2") == id1));
  CHECK((evidence(a, "entry 1") == id2 || evidence(a, "entry 2") == id2));
  CHECK(a.what.find("district A") != std::string::npos);
  CHECK(a.what.find("seq 1") != std::string::npos);
  CHECK(a.what.find("frozen") != std::string::npos);
  CHECK(a.action.find("mhero revoke --key " + (*net.a)->id().hex()) != std::string::npos);
  CHECK(a.action.find("Recovering from a fork") != std::string::npos);
  // The Districts page shows the district red, with the reason.
  auto rows = fleet::districts(net.central->context());
  REQUIRE(rows.ok());
  auto row = std::find_if(rows->begin(), rows->end(), [](const fleet::DistrictRow& r) { return r.district == "A"; });
  REQUIRE(row != rows->end());
  CHECK(row->colour == fleet::Colour::red);
  CHECK(std::find(row->colour_reasons.begin(), row->colour_reasons.end(),
                  "forked at feed district/A seq 1 (see Alarms)") != row->colour_reasons.end());

  // README "Recovering from a fork": the key revoked, the fork is settled (a warning until the
  // district's new key is enrolled, then information only).
  REQUIRE(revoke_key(central, (*net.central)->key(), (*net.central)->config(), (*net.a)->id(), "fork").ok());
  auto revoked = fleet::alarms(net.central->context());
  REQUIRE(revoked.ok());
  CHECK(find_kind(*revoked, "fork") == nullptr);
  const fleet::Alarm* settled = find_kind(*revoked, "fork_settled");
  REQUIRE(settled != nullptr);
  CHECK(settled->severity == fleet::Severity::warning);
  CHECK(settled->action.find("mhero enroll --district A --key NEW") != std::string::npos);
  NodeKey fresh = NodeKey::generate();
  REQUIRE(enroll_key(central, (*net.central)->key(), (*net.central)->config(), fresh.id(), "A", "new A").ok());
  auto enrolled = fleet::alarms(net.central->context());
  REQUIRE(enrolled.ok());
  settled = find_kind(*enrolled, "fork_settled");
  REQUIRE(settled != nullptr);
  CHECK(settled->severity == fleet::Severity::info);
  CHECK(settled->action.find("writes with its new key " + fresh.id().short_hex()) != std::string::npos);
  CHECK(evidence(*settled, "new key") == fresh.id().hex());
}

TEST_CASE("a silent district turns amber after silent_amber_ms and red after silent_red_ms") {
  FleetNet net;
  CHECK(net.row("A").colour == fleet::Colour::green);
  net.advance(24h);
  CHECK(net.row("A").colour == fleet::Colour::green);  // Not beyond the threshold yet.
  net.advance(1h);
  fleet::DistrictRow amber = net.row("A");
  CHECK(amber.colour == fleet::Colour::amber);
  CHECK(amber.silent_ms == std::chrono::milliseconds(25h).count());
  REQUIRE(amber.colour_reasons.size() == 1);
  CHECK(amber.colour_reasons[0] == "never heard from since enrollment 1 d 1 h ago");
  auto list = fleet::alarms(net.central->context());
  REQUIRE(list.ok());
  const fleet::Alarm* silent = find_kind(*list, "silent");
  REQUIRE(silent);
  CHECK(silent->severity == fleet::Severity::warning);

  net.advance(48h);
  fleet::DistrictRow red = net.row("A");
  CHECK(red.colour == fleet::Colour::red);
  list = fleet::alarms(net.central->context());
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);  // A and B.
  CHECK(list->front().severity == fleet::Severity::critical);
  CHECK(list->front().what.rfind("District A has been silent for 3 d 1 h", 0) == 0);

  // A bundle from A ends its silence; B stays red.
  net.receive(*net.central, net.send(*net.a, *net.central, "a.mhb").parts);
  CHECK(net.row("A").colour == fleet::Colour::green);
  CHECK(net.row("B").colour == fleet::Colour::red);

  // Revoked keys are grey and raise no silence alarm.
  REQUIRE(revoke_key((*net.central)->store(), (*net.central)->key(), (*net.central)->config(), (*net.b)->id(), "test").ok());
  auto rows = fleet::districts(net.central->context());
  REQUIRE(rows.ok());
  CHECK(rows->back().revoked);
  CHECK(rows->back().colour == fleet::Colour::grey);
  list = fleet::alarms(net.central->context());
  REQUIRE(list.ok());
  CHECK(find_kind(*list, "silent") == nullptr);
}

TEST_CASE("a pending message counts for its district; a dispatch failure is an alarm") {
  FleetNet net;
  LogStore& store = (*net.central)->store();
  MessageRecord m;
  m.id = "msg-1";
  m.texts = {{"", "Report stock levels"}};
  m.target.districts = {"A"};
  capnp::MallocMessageBuilder mb;
  message_to_capnp(m, mb.initRoot<schema::Payload>().initOutgoingMessage());
  REQUIRE(store.append((*net.central)->key(), "national", mb.getRoot<schema::Payload>().asReader()).ok());
  CHECK(net.row("A").pending_messages == 1);
  CHECK(net.row("B").pending_messages == 0);
  {
    // This central node has no [rapidpro] url: messaging is off, and what waits is an alarm.
    auto waiting = fleet::alarms(net.central->context());
    REQUIRE(waiting.ok());
    const fleet::Alarm* off = find_kind(*waiting, "messaging_off");
    REQUIRE(off);
    CHECK(off->severity == fleet::Severity::critical);
    CHECK(off->what == "1 message waits to be handed to RapidPro, but messaging is off on this central node: "
                       "[rapidpro] url is not set in config.toml.");
    CHECK(off->action.find("Set [rapidpro] url") == 0);
    CHECK(evidence(*off, "waiting") == "1");
  }

  BatchRecord summary;
  summary.message_id = "msg-1";
  summary.batch = kSummaryBatch;
  summary.phase = "failed";
  summary.error = "flow: No such object";
  summary.called_at_ms = net.central->clock.now().count();
  capnp::MallocMessageBuilder db;
  batch_to_capnp(summary, db.initRoot<schema::Payload>().initDispatch());
  REQUIRE(store.append((*net.central)->key(), "national", db.getRoot<schema::Payload>().asReader()).ok());
  CHECK(net.row("A").pending_messages == 0);

  auto list = fleet::alarms(net.central->context());
  REQUIRE(list.ok());
  const fleet::Alarm* failed = find_kind(*list, "dispatch_failed");
  REQUIRE(failed);
  CHECK_FALSE(find_kind(*list, "messaging_off"));  // Nothing waits any more.
  CHECK(failed->subject == "msg-1");
  CHECK(failed->what.find("No such object") != std::string::npos);
  CHECK(evidence(*failed, "error") == "flow: No such object");
  CHECK(failed->at_ms == summary.called_at_ms);
}

TEST_CASE("values DHIS2 refused at the last push are a warning alarm naming its reason; a clean push clears it") {
  FleetNet net;
  NodeConfig config = (*net.central)->config();
  config.table.insert_or_assign("dhis2", toml::table{{"url", "http://dhis2.test/api/"}});
  fleet::FleetContext ctx{(*net.central)->store(), config, (*net.central)->id(), net.central->clock,
                          fleet::Thresholds::from(config)};
  auto record = [&](int64_t at_ms, std::vector<size_t> rejected) {
    integrations::Dhis2PushReport r;
    r.at_ms = at_ms;
    r.sent = {{"sTkLvl00001", "202612", "ouA", "", "12", 2}, {"sTkLvl00001", "202612", "ouB", "", "4", 1}};
    r.http_status = rejected.empty() ? 200 : 409;
    r.rejected = std::move(rejected);
    if (!r.rejected.empty()) {
      r.summary = nlohmann::json{{"status", "WARNING"},
                                 {"conflicts", {{{"object", "ouB"}, {"value", "Organisation unit not in hierarchy"}}}}};
    }
    char at[17];
    std::snprintf(at, sizeof at, "%016llx", static_cast<unsigned long long>(at_ms));
    // The key push_dhis2 writes: the url as Dhis2Config::from normalises it (no "/api", no '/').
    REQUIRE((*net.central)->store().put_meta("dhis2/http://dhis2.test/push/" + std::string(at),
                                             integrations::push_record_json(r).dump()).ok());
  };
  record(1'780'000'000'000, {1});
  auto list = fleet::alarms(ctx);
  REQUIRE(list.ok());
  const fleet::Alarm* a = find_kind(*list, "dhis2_push_refused");
  REQUIRE(a != nullptr);
  CHECK(a->severity == fleet::Severity::warning);
  CHECK(a->subject == "http://dhis2.test");
  CHECK(a->what == "DHIS2 refused 1 of the 2 values the last push posted, first because: Organisation unit not in hierarchy.");
  CHECK(a->action.find("posted again at the next push") != std::string::npos);
  record(1'780'000'060'000, {});
  auto cleared = fleet::alarms(ctx);
  REQUIRE(cleared.ok());
  CHECK(find_kind(*cleared, "dhis2_push_refused") == nullptr);
}
