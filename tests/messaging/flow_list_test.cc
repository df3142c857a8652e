// RapidPro's flow list: flows.json through the client against the emulator (paging, filters,
// errors), the flowList entry the central node shares, and picking a flow by name.
#include <catch2/catch.hpp>

#include "fixture.h"
#include "messaging/flow_list.h"

using namespace mhero;
using namespace mhero::testing;
using json = nlohmann::json;

namespace {
constexpr const char* kSurvey = "11111111-2222-4333-8444-555555555555";
}

TEST_CASE("a flows.json result as RapidPro documents it becomes a FlowInfo", "[flows]") {
  // The example of RapidPro's FlowsEndpoint documentation (API v2).
  json item = json::parse(R"({
    "uuid": "5f05311e-8f81-4a67-a5b5-1501b6d6496a", "name": "Survey", "type": "message", "archived": false,
    "labels": [{"name": "Important", "uuid": "5a4eb79e-1b1f-4ae3-8700-09384cca385f"}], "expires": 600,
    "runs": {"active": 47, "completed": 123, "interrupted": 2, "expired": 34},
    "results": [{"key": "has_water", "name": "Has Water", "categories": ["Yes", "No", "Other"],
                 "node_uuids": ["99afcda7-f928-4d4a-ae83-c90c96deb76d"]}],
    "parent_refs": [], "created_on": "2016-01-06T15:33:00.813162Z", "modified_on": "2017-01-07T13:14:00.453567Z"})");
  auto f = flow_from_rapidpro(item);
  REQUIRE(f.ok());
  CHECK(f->uuid == "5f05311e-8f81-4a67-a5b5-1501b6d6496a");
  CHECK(f->name == "Survey");
  CHECK(f->type == "message");
  CHECK_FALSE(f->archived);
  CHECK(f->expires_minutes == 600);
  CHECK(f->result_keys == std::vector<std::string>{"has_water"});
  CHECK(flow_from_rapidpro(json::parse(R"({"name": "x"})")).status().message() == "no uuid");
  CHECK(flow_from_rapidpro(json::parse(R"({"uuid": "u"})")).status().message() == "flow u: no name");
}

TEST_CASE("fetch_flows follows next pages; the emulator filters and refuses like RapidPro", "[flows]") {
  auto options = MessagingFixture::default_options();
  options.page_size = 2;
  MessagingFixture f(1, 0, options);
  f.emulator.set_flow("22222222-2222-4333-8444-555555555555", "Training: hand washing");
  f.emulator.set_flow("33333333-2222-4333-8444-555555555555", "Old survey", true);
  f.emulator.set_flow("44444444-2222-4333-8444-555555555555", "Assessment", false, "survey");
  f.emulator.set_flow("55555555-2222-4333-8444-555555555555", "Validation");
  RapidProClient client(f.config, [](std::chrono::milliseconds) {});
  auto flows = fetch_flows(client);
  REQUIRE(flows.ok());
  REQUIRE(flows->size() == 5);
  CHECK(f.emulator.calls()["GET /api/v2/flows.json"] == 3);  // Pages of 2.
  std::vector<std::string> names;
  for (auto& fl : *flows) names.push_back(fl.name);
  CHECK(names == std::vector<std::string>{"Assessment", "Old survey", "Stock survey", "Training: hand washing", "Validation"});
  CHECK((*flows)[1].archived);
  CHECK((*flows)[0].type == "survey");
  CHECK((*flows)[2].result_keys == std::vector<std::string>{"stock", "expiry"});

  auto archived = client.get("flows.json", {{"archived", "true"}});
  REQUIRE(archived.ok());
  REQUIRE((*archived)["results"].size() == 1);
  CHECK((*archived)["results"][0]["name"] == "Old survey");
  auto one = client.get("flows.json", {{"uuid", kSurvey}});
  REQUIRE(one.ok());
  CHECK((*one)["results"][0]["runs"]["completed"] == 0);
  auto bad_uuid = client.get("flows.json", {{"uuid", "not-a-uuid"}});
  CHECK(bad_uuid.status().code() == StatusCode::failed_precondition);
  CHECK_THAT(bad_uuid.status().message(), Catch::Contains("Value for uuid must be a valid UUID"));
  auto bad_after = client.get("flows.json", {{"after", "yesterday"}});
  CHECK(bad_after.status().code() == StatusCode::failed_precondition);
  RapidProConfig wrong = f.config;
  wrong.token = "wrong";
  RapidProClient refused(wrong, [](std::chrono::milliseconds) {});
  CHECK(fetch_flows(refused).status().code() == StatusCode::failed_precondition);
}

TEST_CASE("the central node shares the flow list once per change; the newest list wins", "[flows]") {
  MessagingFixture f(1, 0);
  RapidProClient client(f.config, [](std::chrono::milliseconds) {});
  auto flows = fetch_flows(client);
  REQUIRE(flows.ok());
  auto wrote = share_flows(*f.store, f.central, f.clock, *flows);
  REQUIRE(wrote.ok());
  CHECK(*wrote);
  auto again = share_flows(*f.store, f.central, f.clock, *flows);
  REQUIRE(again.ok());
  CHECK_FALSE(*again);  // Unchanged: nothing written.
  f.emulator.set_flow("66666666-2222-4333-8444-555555555555", "Malaria assessment");
  f.clock.advance(std::chrono::minutes(1));
  auto changed = share_flows(*f.store, f.central, f.clock, fetch_flows(client).value());
  REQUIRE(changed.ok());
  CHECK(*changed);
  auto held = held_flows(f.store->views());
  REQUIRE(held.ok());
  REQUIRE(held->has_value());
  CHECK((*held)->flows.size() == 2);

  auto by_name = flow_by_name(**held, "  malaria ASSESSMENT ");
  REQUIRE(by_name.ok());
  CHECK(by_name->uuid == "66666666-2222-4333-8444-555555555555");
  auto missing = flow_by_name(**held, "Stock count");
  CHECK(missing.status().code() == StatusCode::not_found);
  CHECK(missing.status().message() == "no active RapidPro flow named 'Stock count' (flows: Malaria assessment, Stock survey)");
  FlowList twins = **held;
  twins.flows.push_back({"77777777-2222-4333-8444-555555555555", "Stock survey", "message", false, 0, {}});
  CHECK(flow_by_name(twins, "Stock survey").status().code() == StatusCode::invalid_argument);
  twins.flows.back().archived = true;
  CHECK(flow_by_name(twins, "Stock survey").ok());  // Archived flows are not offered.
}
