// DHIS2 both ways (integrations/dhis2_pull.h, dhis2_push.h) against the DHIS2 emulator
// (tools/dhis2-emulator) on loopback, into a real RocksDB store: org units in as facility and
// organization records, answers out as data values with DHIS2's import summary.
#include <catch2/catch.hpp>

#include <capnp/message.h>

#include <fstream>

#include "dhis2_emulator.h"
#include "integrations/dhis2_pull.h"
#include "integrations/dhis2_push.h"
#include "messaging/answer_view.h"
#include "messaging/compose.h"
#include "messaging/flow_list.h"
#include "messaging/message_view.h"
#include "net/http_server.h"
#include "registry/importer.h"
#include "registry/registry_query.h"
#include "registry/registry_view.h"
#include "payload.capnp.h"
#include "support/entries.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;
using nlohmann::json;
namespace de = mhero::dhis2_emulator;
namespace in = mhero::integrations;

namespace {

const char* kFlow = "f3a8c2d1-5b6e-4f70-9a1b-2c3d4e5f6a7b";
const int64_t kStart = 1'780'000'000'000;  // 2026-05-28T20:26:40Z: period 202605, week 2026W22.

struct Dhis2Fixture {
  TempDir dir;
  ManualClock clock{std::chrono::milliseconds(kStart)};
  NodeKey key = test_key(1);
  registry::RegistryView registry_view;
  MessageView message_view;
  AnswerView answer_view;
  std::unique_ptr<LogStore> store;
  de::Emulator emulator;
  net::BackgroundHttpServer http{net::HttpServerOptions{},
                                 [this](const net::HttpRequest& r) { return emulator.handle(r); }};
  in::Dhis2Config config;
  std::string message_id;
  int responses = 0;

  static de::EmulatorOptions options() {
    de::EmulatorOptions o;
    o.tree.districts = 2;
    o.tree.chiefdoms_per_district = 2;
    o.tree.facilities_per_chiefdom = 2;
    return o;
  }

  Dhis2Fixture() : emulator(options(), clock) {
    store = LogStore::open(dir / "db", clock, StoreOptions{{&registry_view, &message_view, &answer_view}, nullptr, false, 1})
                .value();
    REQUIRE(http.start().ok());
    config.url = http.base_url();
    config.username = "admin";
    config.password = "district";
    config.page_count = 4;
    config.timeout = 10s;
    config.overlap = 0ms;  // Exact increments here; the overlap's re-reads are tested below.
    clock.advance(1h);  // The server's org units were last updated an hour ago.
  }

  Result<in::Dhis2PullReport> pull(int max_moved_percent = 100) {
    net::HttpClient client;
    registry::ImportOptions o;
    o.import_id = "dhis2-test";
    o.started = clock.now();
    o.max_moved_percent = max_moved_percent;
    return in::pull_dhis2(*store, key, client, config, o);
  }

  /// Facility-level org units (level 4), by uid.
  std::vector<de::OrgUnit> facilities() const {
    std::vector<de::OrgUnit> out;
    for (const auto& [id, ou] : emulator.org_units()) {
      if (ou.level == 4) out.push_back(ou);
    }
    return out;
  }
  std::string district_code_of(const de::OrgUnit& facility) const {
    auto units = emulator.org_units();
    return units.at(units.at(facility.parent).parent).code;
  }
  /// One facility (the first by uid) of each district, in district-code order: [0] and [1] are
  /// in two different districts, whatever order the uids fall in.
  std::vector<de::OrgUnit> one_per_district() const {
    std::map<std::string, de::OrgUnit> by_district;
    for (const auto& ou : facilities()) by_district.emplace(district_code_of(ou), ou);
    std::vector<de::OrgUnit> out;
    for (const auto& [code, ou] : by_district) out.push_back(ou);
    REQUIRE(out.size() >= 2);
    return out;
  }

  /// Imports providers (as a CSD source would) working at the facilities with these codes.
  void add_providers(const std::vector<std::pair<std::string, std::string>>& id_and_facility) {
    registry::CsdDocument doc;
    for (const auto& [id, facility] : id_and_facility) {
      registry::ProviderRecord p;
      p.entity_id = id;
      p.forename = "Worker";
      p.surname = id;
      p.facility_ids = {facility};
      p.status = registry::RecordStatus::active;
      p.source = "csd:test";
      doc.providers.push_back(p);
    }
    registry::ImportOptions o;
    o.import_id = "csd-test";
    REQUIRE(registry::import_records(*store, key, std::move(doc), o).ok());
  }

  void write_survey() {
    MessageRecord m;
    m.id = new_message_id();
    m.flow_uuid = kFlow;
    m.author = "test";
    REQUIRE(write_message(*store, key, "national", m).ok());
    message_id = m.id;
  }

  /// A worker's answer to the survey, answered at `at_ms`.
  void answer(const std::string& entity_id, const std::string& stock, int64_t at_ms) {
    ResponseRecord r;
    r.message_id = message_id;
    r.entity_id = entity_id;
    r.answered_at_ms = at_ms;
    r.values = {{"stock_level", stock}, {"stockout", "no"}};
    r.source_id = "run-" + std::to_string(++responses);
    r.district = registry::find_provider(store->views(), entity_id).value().district;
    capnp::MallocMessageBuilder b;
    response_to_capnp(r, b.initRoot<schema::Payload>().initResponse());
    std::vector<schema::Payload::Reader> payloads = {b.getRoot<schema::Payload>().asReader()};
    REQUIRE(store->append_all(key, r.district.empty() ? "national" : "district/" + r.district, payloads).ok());
  }

  Result<in::Dhis2PushReport> push(const std::vector<in::Dhis2ValueRule>& rules, bool dry_run = false, bool all = false) {
    net::HttpClient client;
    return in::push_dhis2(*store, client, config, rules, clock, dry_run, all);
  }

  /// The emulator's stored values as "de period ou = value".
  std::vector<std::string> stored() const {
    std::vector<std::string> out;
    for (const auto& v : emulator.values()) out.push_back(v.data_element + " " + v.period + " " + v.org_unit + " = " + v.value);
    std::sort(out.begin(), out.end());
    return out;
  }
};

in::Dhis2ValueRule rule(const std::string& de_uid, in::Dhis2Aggregation agg,
                        in::Dhis2Period period = in::Dhis2Period::monthly) {
  in::Dhis2ValueRule r;
  r.flow = kFlow;
  r.result = "stock_level";
  r.data_element = de_uid;
  r.period = period;
  r.aggregation = agg;
  return r;
}

size_t pushed_meta(const LogStore& store) {
  size_t n = 0;
  store.scan_meta("dhis2/", [&](std::string_view k, std::string_view) {
    n += k.find("/pushed/") != std::string_view::npos;
    return true;
  });
  return n;
}

}  // namespace

TEST_CASE("dhis2 emulator: 401 without credentials, Basic and ApiToken accepted, pager shape") {
  Dhis2Fixture f;
  net::HttpClient client;
  auto r = client.get(f.config.url + "/api/organisationUnits.json").value();
  CHECK(r.status == 401);
  CHECK(json::parse(r.body)["httpStatusCode"] == 401);
  r = client.get(f.config.url + "/api/organisationUnits.json?pageSize=5&page=2&fields=id,level",
                 {{"Authorization", "ApiToken d2pat_emulator0000000000000000000000000000"}})
          .value();
  REQUIRE(r.status == 200);
  json j = json::parse(r.body);
  CHECK(j["pager"]["page"] == 2);
  CHECK(j["pager"]["pageCount"] == 3);
  CHECK(j["pager"]["total"] == 15);
  CHECK(j["pager"]["pageSize"] == 5);
  CHECK(j["pager"]["nextPage"].get<std::string>().find("page=3") != std::string::npos);
  CHECK(j["organisationUnits"].size() == 5);
  CHECK(j["organisationUnits"][0].size() == 2);  // id and level only.
  r = client.get(f.config.url + "/api/organisationUnits.json?filter=lastUpdated:gt:2026-05-28&filter=level:eq:2&paging=false",
                 {{"Authorization", f.config.authorization()}})
          .value();
  j = json::parse(r.body);
  CHECK_FALSE(j.contains("pager"));
  CHECK(j["organisationUnits"].size() == 2);
  r = client.get(f.config.url + "/api/organisationUnits.json?filter=colour:eq:red", {{"Authorization", f.config.authorization()}})
          .value();
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["message"] == "Unknown path property: colour");
}

TEST_CASE("dhis2 pull: org units become organizations and facilities with levels and districts") {
  Dhis2Fixture f;
  auto report = f.pull();
  REQUIRE(report.ok());
  CHECK(report->org_units == 15);  // 1 national + 2 districts + 4 chiefdoms + 8 facilities.
  CHECK(report->pages == 4);       // pageSize 4.
  CHECK(report->organizations == 7);
  CHECK(report->facilities == 8);
  CHECK(report->since.empty());
  auto held = registry::held_facilities(f.store->views()).value();
  REQUIRE(held.size() == 8);
  for (const auto& ou : f.facilities()) {
    INFO(ou.code);
    REQUIRE(held.count(ou.code));  // match = code: the code is the facility's entityID.
    CHECK(held.at(ou.code).district == f.district_code_of(ou));
    CHECK(held.at(ou.code).name == ou.name);
    CHECK(held.at(ou.code).source == "dhis2:" + f.config.url);
    CHECK(held.at(ou.code).organization_ids == std::vector<std::string>{"urn:dhis2:" + ou.parent});
    CHECK(f.store->get_meta(in::dhis2_facility_key(f.config.url, ou.code)).value() == ou.id);
  }
  auto orgs = registry::held_organizations(f.store->views()).value();
  size_t districts = 0;
  for (const auto& [id, o] : orgs) districts += o.parent_id.empty() ? 0 : !o.district.empty();
  CHECK(orgs.size() == 7);
  CHECK(districts == 6);  // Districts and chiefdoms; the national root has none.

  SECTION("a second pull asks only for what changed since the mark, and writes nothing new") {
    f.clock.advance(1h);
    auto again = f.pull();
    REQUIRE(again.ok());
    CHECK_FALSE(again->since.empty());
    CHECK(again->org_units == 0);
    CHECK(again->import.entries_written() == 0);
    auto fac = f.facilities().front();
    REQUIRE(f.emulator.rename(fac.id, "Renamed MCHP").ok());
    f.clock.advance(1h);
    again = f.pull();
    REQUIRE(again.ok());
    CHECK(again->org_units == 1);
    CHECK(registry::held_facilities(f.store->views()).value().at(fac.code).name == "Renamed MCHP");
    f.config.overlap = 2h;  // Re-reads what changed in the last two hours: the same records.
    again = f.pull();
    REQUIRE(again.ok());
    CHECK(again->org_units == 1);
    CHECK(again->import.entries_written() == 0);
  }
  SECTION("match = attribute:<uid> names the facility by that attribute's value") {
    Dhis2Fixture g;
    auto fac = g.facilities().front();
    REQUIRE(g.emulator.set_attribute(fac.id, "csdEntityID", "urn:uuid:0c4d8f1e-0000-4000-8000-000000000001").ok());
    g.config.match = {in::Dhis2Match::Kind::attribute, "csdEntityID"};
    REQUIRE(g.pull().ok());
    auto h = registry::held_facilities(g.store->views()).value();
    CHECK(h.count("urn:uuid:0c4d8f1e-0000-4000-8000-000000000001"));
    CHECK(h.count("urn:dhis2:" + g.facilities().back().id));  // No attribute: its uid.
  }
}

TEST_CASE("dhis2 pull: a facility moved to another district moves its providers' scope") {
  Dhis2Fixture f;
  auto facs = f.one_per_district();
  const auto &a = facs[0], &b = facs[1];  // Two districts.
  f.add_providers({{"p1", a.code}, {"p2", a.code}, {"p3", b.code}});
  CHECK(registry::find_provider(f.store->views(), "p1").value().district == "");  // Facility not known yet.
  auto first = f.pull();
  REQUIRE(first.ok());
  CHECK(first->providers_rescoped == 3);
  std::string d1 = f.district_code_of(a), d2 = f.district_code_of(b);
  REQUIRE(d1 != d2);
  CHECK(registry::find_provider(f.store->views(), "p1").value().district == d1);
  CHECK(registry::find_provider(f.store->views(), "p3").value().district == d2);

  // DHIS2 moves facility a under a chiefdom of the other district.
  f.clock.advance(1h);
  REQUIRE(f.emulator.move(a.id, b.parent).ok());
  f.clock.advance(1min);
  auto moved = f.pull();
  REQUIRE(moved.ok());
  CHECK(moved->org_units == 1);
  CHECK(moved->moved_facilities == 1);
  CHECK(moved->providers_rescoped == 2);
  CHECK(moved->import.moved == 2);
  CHECK(registry::held_facilities(f.store->views()).value().at(a.code).district == d2);
  for (const char* id : {"p1", "p2"}) {
    INFO(id);
    CHECK(registry::find_provider(f.store->views(), id).value().district == d2);
  }
  CHECK(moved->import.entries_by_scope.count("district/" + d1));  // Tombstones in the old feed.
  CHECK(moved->import.entries_by_scope.count("district/" + d2));
}

TEST_CASE("dhis2 pull: errors change nothing and say what to do") {
  Dhis2Fixture f;
  SECTION("401: the credentials are named") {
    f.config.password = "wrong";
    auto r = f.pull();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::permission_denied);
    CHECK(r.status().message().find("check [dhis2] username/password_file or token_file") != std::string::npos);
    CHECK(f.emulator.refused() == 1);
  }
  SECTION("a page that is not JSON is named, and nothing is imported") {
    f.emulator.fail_next(200, "{\"organisationUnits\": [", 1);
    auto r = f.pull();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::invalid_argument);
    CHECK(r.status().message().find("page=2") != std::string::npos);
    CHECK(r.status().message().find("is not JSON") != std::string::npos);
  }
  SECTION("500: unavailable (try again later), the URL and DHIS2's message named") {
    f.emulator.fail_next(500, R"({"httpStatus":"Internal Server Error","httpStatusCode":500,"status":"ERROR",)"
                              R"("message":"Database connection lost"})", 2);
    auto r = f.pull();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::unavailable);
    CHECK(r.status().message().find("DHIS2 answered HTTP 500 (Database connection lost) for " + f.config.url +
                                    "/api/organisationUnits.json?") != std::string::npos);
    CHECK(r.status().message().find("page=3") != std::string::npos);
  }
  SECTION("a page that is JSON but not a listing is named") {
    f.emulator.fail_next(200, R"({"organisationUnit": []})");
    auto r = f.pull();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::invalid_argument);
    CHECK(r.status().message().find("page=1") != std::string::npos);
    CHECK(r.status().message().find("is not an organisationUnits listing") != std::string::npos);
  }
  SECTION("an org unit without a path is named with its JSON") {
    f.emulator.fail_next(200, R"({"pager":{"page":1,"pageCount":1},"organisationUnits":[{"id":"ImspTQPwCqd","level":1}]})");
    auto r = f.pull();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::invalid_argument);
    CHECK(r.status().message().find(R"(lists an org unit without id, level or path ({"id":"ImspTQPwCqd","level":1}))") !=
          std::string::npos);
  }
  CHECK(registry::held_facilities(f.store->views()).value().empty());
  CHECK_FALSE(f.store->get_meta(in::dhis2_mark_key(f.config.url)).value());
}

TEST_CASE("dhis2 push: answers become data values for the workers' facilities and periods") {
  Dhis2Fixture f;
  REQUIRE(f.pull().ok());
  auto facs = f.facilities();
  const auto &a = facs[0], &b = facs[1];
  f.add_providers({{"w1", a.code}, {"w2", a.code}, {"w3", b.code}});
  f.write_survey();
  int64_t now = f.clock.now().count();
  f.answer("w1", "12", now);
  f.answer("w2", "8", now + 1000);
  f.answer("w3", "5", now + 2000);
  std::vector<in::Dhis2ValueRule> rules = {rule("sTkLvl00001", in::Dhis2Aggregation::sum),
                                           rule("sTkRcv00001", in::Dhis2Aggregation::last, in::Dhis2Period::weekly)};
  auto r = f.push(rules);
  REQUIRE(r.ok());
  CHECK(r->http_status == 200);
  CHECK(r->sent.size() == 4);
  CHECK(r->summary["status"] == "SUCCESS");
  CHECK(r->summary["importCount"] == json::parse(R"({"imported":4,"updated":0,"ignored":0,"deleted":0})"));
  CHECK(f.stored() == std::vector<std::string>{"sTkLvl00001 202605 " + a.id + " = 20",
                                               "sTkLvl00001 202605 " + b.id + " = 5",
                                               "sTkRcv00001 2026W22 " + a.id + " = 8",
                                               "sTkRcv00001 2026W22 " + b.id + " = 5"});

  SECTION("a second push posts nothing; --all re-posts the same values, which DHIS2 ignores") {
    auto again = f.push(rules);
    REQUIRE(again.ok());
    CHECK(again->sent.empty());
    CHECK(again->unchanged == 4);
    CHECK(again->http_status == 0);
    auto all = f.push(rules, false, true);
    REQUIRE(all.ok());
    CHECK(all->sent.size() == 4);
    CHECK(all->summary["importCount"] == json::parse(R"({"imported":0,"updated":0,"ignored":4,"deleted":0})"));
    CHECK(f.emulator.values().size() == 4);
  }
  SECTION("a corrected answer updates the value, once") {
    f.answer("w2", "10", now + 60'000);  // w2 corrects 8 -> 10 in the same month and week.
    auto corrected = f.push(rules);
    REQUIRE(corrected.ok());
    REQUIRE(corrected->sent.size() == 2);
    CHECK(corrected->summary["importCount"] == json::parse(R"({"imported":0,"updated":2,"ignored":0,"deleted":0})"));
    CHECK(f.stored()[0] == "sTkLvl00001 202605 " + a.id + " = 22");  // 12 + 10, not 12 + 8 + 10.
    CHECK(f.stored()[2] == "sTkRcv00001 2026W22 " + a.id + " = 10");
  }
  SECTION("a dry run stores nothing in DHIS2 and records nothing as pushed") {
    f.answer("w3", "7", now + 60'000);
    size_t held = pushed_meta(*f.store);
    auto dry = f.push(rules, true);
    REQUIRE(dry.ok());
    CHECK(dry->sent.size() == 2);
    CHECK(dry->summary["importCount"]["updated"] == 2);
    CHECK(f.stored()[1] == "sTkLvl00001 202605 " + b.id + " = 5");
    CHECK(pushed_meta(*f.store) == held);
    CHECK(f.push(rules).value().sent.size() == 2);
  }
  SECTION("mhero dhis2 status's records: newest first, with DHIS2's answer; a push that posts nothing is not kept") {
    REQUIRE(f.push(rules).ok());
    REQUIRE(f.push(rules, false, true).ok());  // Same millisecond as the first: both kept.
    auto pushes = in::dhis2_pushes(*f.store, f.config, 10);
    REQUIRE(pushes.size() == 2);
    CHECK(pushes[1]["summary"]["importCount"]["imported"] == 4);
    CHECK(pushes[0]["summary"]["importCount"]["ignored"] == 4);
    CHECK(pushes[0]["sent"].size() == 4);
    CHECK(in::dhis2_pushes(*f.store, f.config, 1).size() == 1);
  }
}

TEST_CASE("dhis2 push: conflicts come back with DHIS2's reasons and are tried again") {
  Dhis2Fixture f;
  REQUIRE(f.pull().ok());
  auto facs = f.one_per_district();
  const auto &a = facs[0], &far = facs[1];  // Two districts.
  f.add_providers({{"w1", a.code}, {"w2", far.code}});
  f.write_survey();
  int64_t now = f.clock.now().count();
  f.answer("w1", "12", now);
  f.answer("w2", "4", now);
  f.emulator.set_user_org_units({f.emulator.org_units().at(a.parent).parent});  // District 1 only.
  f.emulator.close_period("2026W22");
  std::vector<in::Dhis2ValueRule> rules = {rule("sTkLvl00001", in::Dhis2Aggregation::last),
                                           rule("nOSuchDE001", in::Dhis2Aggregation::last),
                                           rule("sTkRcv00001", in::Dhis2Aggregation::mean, in::Dhis2Period::weekly)};
  auto r = f.push(rules);
  REQUIRE(r.ok());
  CHECK(r->http_status == 409);
  CHECK(r->summary["status"] == "WARNING");
  CHECK(r->summary["importCount"] == json::parse(R"({"imported":1,"updated":0,"ignored":5,"deleted":0})"));
  std::map<std::string, std::string> reasons;
  for (const auto& c : r->summary["conflicts"]) reasons[c["errorCode"]] = c["value"];
  CHECK(reasons["E7610"] == "Data element not found or not accessible: `nOSuchDE001`");
  CHECK(reasons["E7617"] == "Organisation unit: `" + far.id + "` not in hierarchy of current user: `admin`");
  CHECK(reasons["E7643"] == "Period: `2026W22` is not open for this data set at this time: `QX4ZTUbOt3a`");
  CHECK(r->rejected.size() == 5);
  CHECK(f.stored() == std::vector<std::string>{"sTkLvl00001 202605 " + a.id + " = 12"});
  CHECK(pushed_meta(*f.store) == 1);
  // The refused values are posted again next time (DHIS2 may have been fixed meanwhile).
  f.emulator.add_data_element("nOSuchDE001", "Added later");
  auto again = f.push(rules);
  REQUIRE(again.ok());
  CHECK(again->sent.size() == 5);
  CHECK(again->summary["importCount"]["imported"] == 1);
}

TEST_CASE("dhis2 push: 401 and a malformed answer record nothing as pushed") {
  Dhis2Fixture f;
  REQUIRE(f.pull().ok());
  f.add_providers({{"w1", f.facilities().front().code}});
  f.write_survey();
  f.answer("w1", "12", f.clock.now().count());
  std::vector<in::Dhis2ValueRule> rules = {rule("sTkLvl00001", in::Dhis2Aggregation::last)};
  SECTION("401") {
    f.config.password = "";
    f.config.token = "d2pat_wrong";
    auto r = f.push(rules);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::permission_denied);
    CHECK(r.status().message().find("token_file") != std::string::npos);
  }
  SECTION("malformed JSON") {
    f.emulator.fail_next(200, "{\"response\": {\"importCount\": ");
    auto r = f.push(rules);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::invalid_argument);
    CHECK(r.status().message().find("/api/dataValueSets.json") != std::string::npos);
    CHECK(r.status().message().find("is malformed JSON") != std::string::npos);
  }
  SECTION("500: unavailable, the values go again next time") {
    f.emulator.fail_next(500, R"({"httpStatus":"Internal Server Error","httpStatusCode":500,"status":"ERROR",)"
                              R"("message":"Java heap space"})");
    auto r = f.push(rules);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::unavailable);
    CHECK(r.status().message() == "DHIS2 answered HTTP 500 (Java heap space) for " + f.config.url +
                                      "/api/dataValueSets.json?importStrategy=CREATE_AND_UPDATE; nothing was "
                                      "recorded as pushed, the next push sends the values again");
  }
  SECTION("JSON that is not an import summary") {
    f.emulator.fail_next(404, R"({"httpStatus":"Not Found","httpStatusCode":404,"status":"ERROR","message":"No endpoint"})");
    auto r = f.push(rules);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::invalid_argument);
    CHECK(r.status().message() == "DHIS2's answer to " + f.config.url +
                                      "/api/dataValueSets.json?importStrategy=CREATE_AND_UPDATE (HTTP 404) is not an "
                                      "import summary: No endpoint");
  }
  CHECK(pushed_meta(*f.store) == 0);
  CHECK(in::dhis2_pushes(*f.store, f.config, 10).empty());
  CHECK(f.emulator.values().empty());
}

TEST_CASE("dhis2 push: a 409 refusing the whole set records no value as pushed; the next push sends them again") {
  Dhis2Fixture f;
  REQUIRE(f.pull().ok());
  auto facs = f.one_per_district();
  f.add_providers({{"w1", facs[0].code}, {"w2", facs[1].code}});
  f.write_survey();
  f.answer("w1", "12", f.clock.now().count());
  f.answer("w2", "3", f.clock.now().count());
  std::vector<in::Dhis2ValueRule> rules = {rule("sTkLvl00001", in::Dhis2Aggregation::last)};
  // What dhis2-core answers when the import as a whole fails (e.g. the user may not write data).
  f.emulator.fail_next(409, R"({"httpStatus":"Conflict","httpStatusCode":409,"status":"ERROR",)"
                            R"("message":"An error occurred, please check import summary.","response":)"
                            R"({"responseType":"ImportSummary","status":"ERROR","description":)"
                            R"("The import process failed: User is not allowed to write data",)"
                            R"("importCount":{"imported":0,"updated":0,"ignored":0,"deleted":0},"conflicts":[]}})");
  auto r = f.push(rules);
  REQUIRE(r.ok());
  CHECK(r->http_status == 409);
  CHECK(r->summary["status"] == "ERROR");
  CHECK(r->rejected == std::vector<size_t>{0, 1});
  CHECK(pushed_meta(*f.store) == 0);
  CHECK(f.emulator.values().empty());
  auto kept = in::dhis2_pushes(*f.store, f.config, 10);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0]["summary"]["description"] == "The import process failed: User is not allowed to write data");
  CHECK(kept[0]["rejected"] == json::parse("[0,1]"));
  auto again = f.push(rules);
  REQUIRE(again.ok());
  CHECK(again->sent.size() == 2);
  CHECK(again->summary["importCount"]["imported"] == 2);
  CHECK(pushed_meta(*f.store) == 2);
  std::vector<std::string> want = {"sTkLvl00001 202605 " + facs[0].id + " = 12",
                                   "sTkLvl00001 202605 " + facs[1].id + " = 3"};
  std::sort(want.begin(), want.end());
  CHECK(f.stored() == want);
}

TEST_CASE("dhis2 mapping: the file's errors name the place") {
  TempDir dir;
  auto write = [&](const std::string& text) {
    std::ofstream(dir / "map.toml") << text;
    return in::load_dhis2_mapping(dir / "map.toml");
  };
  auto ok = write("[[value]]\nflow = \"Stock survey\"\nresult = \"stock_level\"\ndata_element = \"sTkLvl00001\"\n"
                  "period = \"weekly\"\naggregation = \"mean\"\n");
  REQUIRE(ok.ok());
  CHECK(ok->front().period == in::Dhis2Period::weekly);
  CHECK(ok->front().aggregation == in::Dhis2Aggregation::mean);
  std::string path = (dir / "map.toml").string();
  CHECK(write("[[value]]\nflow = \"x\"\nresult = \"r\"\ndata_element = \"d\"\naggregation = \"median\"\n")
            .status()
            .message() == path + ": [[value]] 1: aggregation 'median' is not last, sum or mean");
  CHECK(write("[[value]]\nflow = \"x\"\nresult = \"r\"\n").status().message() ==
        path + ": [[value]] 1: data_element is not set");
  CHECK(write("title = \"none\"\n").status().message() == path + ": no [[value]] table (flow result -> data element)");
  auto syntax = write("[[value]\nflow = \"x\"\n");
  CHECK(syntax.status().code() == StatusCode::invalid_argument);
  CHECK(syntax.status().message().rfind(path + ":1: ", 0) == 0);
  CHECK(write("[[value]]\nflow = \"x\"\nresult = \"r\"\ndata_element = \"d\"\naggregate = \"sum\"\n")
            .status()
            .message() == path + ": [[value]] 1: unknown key `aggregate` (flow, result, data_element, "
                                 "category_option_combo, period, aggregation)");
  CHECK(write("[[value]]\nflow = \"x\"\nresult = \"r\"\ndata_element = 12\n").status().message() ==
        path + ": [[value]] 1: data_element is not a string");
  CHECK(write("[[value]]\nflow = \"x\"\nresult = \"r\"\ndata_element = \"d\"\nperiod = \"daily\"\n")
            .status()
            .message() == path + ": [[value]] 1: period 'daily' is not weekly or monthly");
  CHECK(write("[[value]]\nflow = \"x\"\nresult = \"r\"\ndata_element = \"d\"\n"
              "[[value]]\nflow = \"y\"\nresult = \"s\"\ndata_element = \"d\"\n")
            .status()
            .message() == path + ": [[value]] 2: data_element d (default category option combo) is already "
                                 "[[value]] 1's; one data value cannot take two results");
  auto gone = in::load_dhis2_mapping(dir / "absent.toml");
  CHECK(gone.status().code() == StatusCode::not_found);
  CHECK(gone.status().message() == "DHIS2 mapping file " + (dir / "absent.toml").string() + " is not readable");
  CHECK(in::dhis2_period(in::Dhis2Period::weekly, 1'767'225'600'000) == "2026W1");  // 2026-01-01 (Thursday).
  CHECK(in::dhis2_period(in::Dhis2Period::weekly, 1'767'139'200'000) == "2026W1");  // 2025-12-31 is in 2026's week 1.
  CHECK(in::dhis2_number_text(20.0 / 3) == "6.6667");
}

TEST_CASE("dhis2 push: a rule naming the flow matches a message sent by uuid; a rule nothing matches is reported") {
  Dhis2Fixture f;
  REQUIRE(f.pull().ok());
  auto facs = f.facilities();
  f.add_providers({{"w1", facs[0].code}});
  f.write_survey();  // Sent by flow uuid: the message carries no flow name.
  f.answer("w1", "12", f.clock.now().count());
  REQUIRE(share_flows(*f.store, f.key, f.clock, {FlowInfo{kFlow, "Stock survey", "survey", false, 0, {"stock_level"}}}).ok());
  in::Dhis2ValueRule by_name = rule("sTkLvl00001", in::Dhis2Aggregation::last);
  by_name.flow = "Stock survey";
  in::Dhis2ValueRule misspelt = rule("sTkRcv00001", in::Dhis2Aggregation::last);
  misspelt.flow = "Stok survey";
  auto r = f.push({by_name, misspelt});
  REQUIRE(r.ok());
  CHECK(r->sent.size() == 1);
  CHECK(r->responses_used == 1);
  CHECK(r->unmatched == std::vector<std::string>{"Stok survey / stock_level"});
  CHECK(in::dhis2_pushes(*f.store, f.config, 1).front()["unmatched"] == json::array({"Stok survey / stock_level"}));
}
