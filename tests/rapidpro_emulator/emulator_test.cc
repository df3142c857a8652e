#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "emulator.h"
#include "integrations/rapidpro_time.h"
#include "net/http_client.h"
#include "net/http_server.h"

using namespace mhero;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  ManualClock clock;
  rapidpro_emulator::Emulator emulator;
  net::BackgroundHttpServer server;
  net::HttpClient client;
  explicit Fixture(rapidpro_emulator::EmulatorOptions o = {})
      : emulator(clock, std::move(o)),
        server({}, [this](const net::HttpRequest& r) { return emulator.handle(r); }) {
    REQUIRE(server.start().ok());
  }
  net::HttpResponse call(const std::string& method, const std::string& path, const json& body = nullptr,
                         const std::string& token = "emulator-token") {
    auto r = client.request(method, server.base_url() + path, {{"Authorization", "Token " + token}},
                            body.is_null() ? "" : body.dump());
    REQUIRE(r.ok());
    return *r;
  }
};

}  // namespace

TEST_CASE("emulator requires Authorization: Token") {
  Fixture f;
  CHECK(f.call("GET", "/api/v2/contacts.json", nullptr, "wrong").status == 401);
  CHECK(f.call("GET", "/api/v2/contacts.json").status == 200);
}

TEST_CASE("emulator validates contacts like RapidPro (400 with field errors)") {
  Fixture f;
  auto long_name = f.call("POST", "/api/v2/contacts.json", {{"name", std::string(65, 'a')}, {"urns", {"tel:+250788000001"}}});
  CHECK(long_name.status == 400);
  CHECK(json::parse(long_name.body)["name"][0] == "Ensure this field has no more than 64 characters.");
  auto bad_urn = f.call("POST", "/api/v2/contacts.json", {{"name", "A"}, {"urns", {"tel:0788"}}});
  CHECK(bad_urn.status == 400);
  CHECK(bad_urn.body.find("Invalid URN") != std::string::npos);
  auto bad_field = f.call("POST", "/api/v2/contacts.json", {{"name", "A"}, {"fields", {{"nickname", "x"}}}});
  CHECK(bad_field.status == 400);
  CHECK(json::parse(bad_field.body)["fields"][0] == "Invalid contact field key: nickname");
  auto ok = f.call("POST", "/api/v2/contacts.json",
                   {{"name", "A"}, {"urns", {"tel:+250788000001"}}, {"fields", {{"globalid", "e1"}}}});
  CHECK(ok.status == 201);
  auto dup = f.call("POST", "/api/v2/contacts.json", {{"name", "B"}, {"urns", {"tel:+250788000001"}}});
  CHECK(dup.status == 400);
  CHECK(f.emulator.contact_count() == 1);
}

TEST_CASE("emulator updates keep groups unless groups are given") {
  Fixture f;
  std::string uuid = f.emulator.add_contact("Old", "tel:+250788000002", {"Nurses", "Bong"});
  auto up = f.call("POST", "/api/v2/contacts.json?uuid=" + uuid, {{"name", "New"}, {"fields", {{"globalid", "e2"}}}});
  CHECK(up.status == 200);
  CHECK(f.emulator.contact_groups("tel:+250788000002") == std::vector<std::string>{"Nurses", "Bong"});
  CHECK(f.emulator.contact_fields("tel:+250788000002")["globalid"] == "e2");
  CHECK(f.call("POST", "/api/v2/contacts.json?uuid=nope", {{"name", "x"}}).status == 404);
}

TEST_CASE("emulator pages 250 per page with next links, newest first") {
  Fixture f;
  for (int i = 0; i < 600; ++i) f.emulator.add_contact("C", "tel:+2507880" + std::to_string(10000 + i), {});
  auto p1 = json::parse(f.call("GET", "/api/v2/contacts.json").body);
  CHECK(p1["results"].size() == 250);
  REQUIRE(p1["next"].is_string());
  auto next = p1["next"].get<std::string>();
  auto r2 = f.client.get(next, {{"Authorization", "Token emulator-token"}});
  REQUIRE(r2.ok());
  auto p2 = json::parse(r2->body);
  CHECK(p2["results"].size() == 250);
  auto p3 = json::parse(f.client.get(p2["next"].get<std::string>(), {{"Authorization", "Token emulator-token"}})->body);
  CHECK(p3["results"].size() == 100);
  CHECK(p3["next"].is_null());
  CHECK(p3["previous"].is_string());
}

TEST_CASE("emulator broadcasts: over 100 contacts is 400; deliveries are recorded per urn") {
  Fixture f;
  std::vector<std::string> uuids;
  for (int i = 0; i < 101; ++i) uuids.push_back(f.emulator.add_contact("C", "tel:+2507880" + std::to_string(20000 + i), {}));
  auto too_many = f.call("POST", "/api/v2/broadcasts.json", {{"text", "hi"}, {"contacts", uuids}});
  CHECK(too_many.status == 400);
  CHECK(json::parse(too_many.body)["contacts"][0] == "Ensure this field has no more than 100 elements.");
  uuids.pop_back();
  CHECK(f.call("POST", "/api/v2/broadcasts.json", {{"text", "hi"}, {"contacts", uuids}}).status == 201);
  CHECK(f.call("POST", "/api/v2/broadcasts.json", {{"text", "hi"}, {"contacts", {uuids[0]}}}).status == 201);
  CHECK(f.emulator.delivered_count("tel:+250788020000") == 2);
  CHECK(f.emulator.duplicate_count() == 1);
  auto d = json::parse(f.call("GET", "/emulator/deliveries.json").body);
  CHECK(d["total"] == 101);
  CHECK(d["duplicates"] == 1);
}

TEST_CASE("emulator throttles with 429 and Retry-After") {
  rapidpro_emulator::EmulatorOptions o;
  o.retry_after_seconds = 7;
  Fixture f(o);
  f.emulator.throttle_next(1);
  auto r = f.call("GET", "/api/v2/runs.json");
  CHECK(r.status == 429);
  CHECK(r.header("Retry-After") == std::optional<std::string>("7"));
  CHECK(f.call("GET", "/api/v2/runs.json").status == 200);
}

TEST_CASE("emulator health workers answer flows after the simulated delay") {
  rapidpro_emulator::EmulatorOptions o;
  o.flows = {{"f1", "Stock"}};
  o.flow_answers = {{"stock", "12"}};
  o.answer_delay = 10min;
  Fixture f(o);
  std::string c = f.emulator.add_contact("C", "tel:+250788030000", {});
  CHECK(f.call("POST", "/api/v2/flow_starts.json", {{"flow", "nope"}, {"contacts", {c}}}).status == 400);
  CHECK(f.call("POST", "/api/v2/flow_starts.json", {{"flow", "f1"}, {"contacts", {c}}, {"extra", {{"k", "v"}}}}).status == 201);
  auto runs = json::parse(f.call("GET", "/api/v2/runs.json").body)["results"];
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["responded"] == false);
  CHECK(json::parse(f.call("GET", "/api/v2/messages.json?folder=incoming").body)["results"].empty());
  f.clock.advance(10min);
  runs = json::parse(f.call("GET", "/api/v2/runs.json").body)["results"];
  CHECK(runs[0]["responded"] == true);
  CHECK(runs[0]["exit_type"] == "completed");
  CHECK(runs[0]["values"]["stock"]["value"] == "12");
  auto in = json::parse(f.call("GET", "/api/v2/messages.json?folder=incoming").body)["results"];
  REQUIRE(in.size() == 1);
  CHECK(in[0]["text"] == "12");
  CHECK(in[0]["direction"] == "in");
}

TEST_CASE("emulator listings: after/before bound inclusively; a malformed bound is 400") {
  Fixture f;
  std::string c = f.emulator.add_contact("C", "tel:+250788030000", {});
  auto first = f.clock.now();
  REQUIRE(f.call("POST", "/api/v2/broadcasts.json", {{"text", "one"}, {"contacts", {c}}}).status == 201);
  f.clock.advance(1000ms);
  auto second = f.clock.now();
  REQUIRE(f.call("POST", "/api/v2/broadcasts.json", {{"text", "two"}, {"contacts", {c}}}).status == 201);
  auto at = [](std::chrono::milliseconds t) {  // URL-encoded: the offset's '+' as %2B.
    std::string s = format_rapidpro_time(t);
    return s.replace(s.find('+'), 1, "%2B");
  };
  auto texts = [&](const std::string& query) {
    auto r = f.call("GET", "/api/v2/broadcasts.json" + query);
    REQUIRE(r.status == 200);
    json page = json::parse(r.body);
    std::vector<std::string> out;
    for (auto& b : page["results"]) out.push_back(b["text"].get<std::string>());
    return out;
  };
  CHECK(texts("") == std::vector<std::string>{"two", "one"});
  CHECK(texts("?after=" + at(second)) == std::vector<std::string>{"two"});
  CHECK(texts("?before=" + at(first)) == std::vector<std::string>{"one"});
  CHECK(texts("?after=" + at(first) + "&before=" + at(second)) ==
        std::vector<std::string>{"two", "one"});
  for (std::string path : {"/api/v2/broadcasts.json?after=yesterday", "/api/v2/contacts.json?before=2024-13-45",
                           "/api/v2/runs.json?after=x", "/api/v2/messages.json?before=x",
                           "/api/v2/flow_starts.json?after=x"}) {
    auto r = f.call("GET", path);
    INFO(path);
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["detail"] == "Invalid after/before timestamp");
  }
}

TEST_CASE("emulator messages.json?broadcast= lists a broadcast's SMS with the pattern's statuses") {
  rapidpro_emulator::EmulatorOptions o;
  o.delivery_pattern = "dfesqw";
  Fixture f(o);
  std::vector<std::string> uuids;
  for (int i = 0; i < 8; ++i) uuids.push_back(f.emulator.add_contact("C", "tel:+2507880" + std::to_string(30000 + i), {}));
  auto sent = json::parse(f.call("POST", "/api/v2/broadcasts.json", {{"text", "Meeting at 10"}, {"contacts", uuids}}).body);
  auto other = json::parse(f.call("POST", "/api/v2/broadcasts.json", {{"text", "Other"}, {"contacts", {uuids[0]}}}).body);
  long id = sent["id"];
  auto page = json::parse(f.call("GET", "/api/v2/messages.json?broadcast=" + std::to_string(id)).body);
  REQUIRE(page["results"].size() == 8);
  std::map<std::string, int> statuses;
  for (auto& m : page["results"]) {
    CHECK(m["broadcast"] == id);
    CHECK(m["direction"] == "out");
    ++statuses[m["status"].get<std::string>()];
  }
  // Positions 0..7 of "dfesqw": d f e s q w d f.
  CHECK(statuses == std::map<std::string, int>{{"delivered", 2}, {"failed", 2}, {"errored", 1}, {"sent", 1},
                                               {"queued", 1}, {"wired", 1}});
  // Deterministic: the same listing again gives the same statuses; the other broadcast is apart.
  CHECK(json::parse(f.call("GET", "/api/v2/messages.json?broadcast=" + std::to_string(id)).body) == page);
  auto one = json::parse(f.call("GET", "/api/v2/messages.json?broadcast=" + other["id"].dump()).body);
  REQUIRE(one["results"].size() == 1);
  CHECK(one["results"][0]["status"] == "delivered");
}

TEST_CASE("emulator messages.json?broadcast= refuses what RapidPro refuses") {
  Fixture f;
  auto both = f.call("GET", "/api/v2/messages.json?broadcast=1&folder=incoming");
  CHECK(both.status == 400);
  CHECK_THAT(both.body, Catch::Contains("You may only specify one of the contact, folder, label, broadcast parameters"));
  auto word = f.call("GET", "/api/v2/messages.json?broadcast=abc");
  CHECK(word.status == 400);
  CHECK_THAT(word.body, Catch::Contains("Value for broadcast must be an integer"));
  CHECK(f.call("GET", "/api/v2/messages.json?broadcast=1", nullptr, "wrong").status == 401);
  f.emulator.fail_next(1, 502);
  CHECK(f.call("GET", "/api/v2/messages.json?broadcast=1").status == 502);
  f.emulator.throttle_next(1);
  auto throttled = f.call("GET", "/api/v2/messages.json?broadcast=1");
  CHECK(throttled.status == 429);
  CHECK(throttled.header("Retry-After").has_value());
  CHECK(json::parse(f.call("GET", "/api/v2/messages.json?broadcast=1").body)["results"].empty());
}
