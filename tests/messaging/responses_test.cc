#include <catch2/catch.hpp>

#include "fixture.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

std::vector<ResponseRecord> response_entries(LogStore& store, const NodeKey& key, const std::string& scope) {
  std::vector<ResponseRecord> out;
  FeedId feed{key.id(), scope};
  for (uint64_t seq = 1; seq <= store.head_seq(feed); ++seq) {
    auto e = store.get(feed, seq).value();
    if (e.kind() == schema::Payload::RESPONSE) out.push_back(response_from_capnp(e.payload().getResponse()));
  }
  return out;
}

}  // namespace

TEST_CASE("flow answers land only in their district's feed, once, with the message and values") {
  MessagingFixture f(3, 2);
  MessageRecord m;
  m.flow_uuid = "11111111-2222-4333-8444-555555555555";
  m.target = {{}, {"BONG", "NIMBA"}, {}, {}, {}};
  std::string id = f.send(f.central, "national", m);
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  CHECK(service->last_poll().written == 0);  // Nobody answered yet.
  f.clock.advance(6min);                     // Simulated workers answer after 5 minutes.
  REQUIRE(service->run_once().ok());
  CHECK(service->last_poll().written == 5);

  auto bong = response_entries(*f.store, f.central, "district/BONG");
  auto nimba = response_entries(*f.store, f.central, "district/NIMBA");
  REQUIRE(bong.size() == 3);
  REQUIRE(nimba.size() == 2);
  for (auto& r : bong) {
    CHECK(r.district == "BONG");
    CHECK(r.entity_id.starts_with("BONG-"));
    CHECK(r.message_id == id);
    CHECK(r.values == std::vector<std::pair<std::string, std::string>>{{"expiry", "2027-01"}, {"stock", "12"}});
  }
  for (auto& r : nimba) CHECK(r.entity_id.starts_with("NIMBA-"));
  CHECK(response_entries(*f.store, f.central, "national").empty());

  // Polling again writes nothing new (cursor saved, inclusive after= deduplicated).
  REQUIRE(service->run_once().ok());
  CHECK(service->last_poll().written == 0);
  // A fresh service (restart) neither.
  auto again = f.service();
  REQUIRE(again->run_once().ok());
  CHECK(again->last_poll().written == 0);

  CHECK(list_responses(f.store->views(), id, std::string("BONG"))->size() == 3);
  CHECK(list_responses(f.store->views(), id, std::nullopt)->size() == 5);
  CHECK(f.state(id).responses == 5);
}

TEST_CASE("free-text replies to a broadcast map to the latest message sent to the worker") {
  auto o = MessagingFixture::default_options();
  o.broadcast_reply = "received";
  o.answer_delay = 1min;
  MessagingFixture f(2, 1, o);
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("please confirm", {{}, {"NIMBA"}, {}, {}, {}}));
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  f.clock.advance(2min);
  REQUIRE(service->run_once().ok());
  auto nimba = response_entries(*f.store, f.central, "district/NIMBA");
  REQUIRE(nimba.size() == 1);
  CHECK(nimba[0].entity_id == "NIMBA-0");
  CHECK(nimba[0].message_id == id);
  CHECK(nimba[0].raw_text == "received");
  CHECK(response_entries(*f.store, f.central, "district/BONG").empty());
}

TEST_CASE("bug rapidpro_reply_any_shape: results that are not objects or hold other types are skipped, not thrown") {
  // nlohmann's value() threw type_error on `"responded": "yes"` or a result that is a number,
  // and nothing caught it: one odd reply ended `mhero run`.
  MessagingFixture f(2, 1);
  f.intercept = [](const net::HttpRequest& r) -> std::optional<net::HttpResponse> {
    std::string path = r.path();
    if (path.ends_with("/runs.json")) {
      return net::HttpResponse::json(200, R"({"next": null, "results": [1, "x", null,
        {"responded": "yes", "values": {"a": 1}},
        {"responded": true, "values": {"a": {"value": "1"}}, "contact": 7, "modified_on": 5}]})");
    }
    if (path.ends_with("/messages.json")) {
      return net::HttpResponse::json(200, R"({"next": null, "results": [2,
        {"id": 5, "text": 7, "contact": {"uuid": "c-1"}, "urn": 4},
        {"uuid": [], "contact": "c"}]})");
    }
    if (path.ends_with("/contacts.json") && r.query_param("uuid")) {
      return net::HttpResponse::json(200, R"({"next": null, "results": "x"})");
    }
    return std::nullopt;
  };
  auto service = f.service();
  Status s;
  REQUIRE_NOTHROW(s = service->run_once());
  CHECK(s.ok());
  CHECK(service->last_poll().skipped == 8);  // 5 runs and 3 messages, none usable.
  CHECK(service->last_poll().written == 0);
  CHECK(response_entries(*f.store, f.central, "district/BONG").empty());
}
