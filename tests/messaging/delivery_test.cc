// The delivery poller (messaging/delivery_poller.h) against the RapidPro emulator: counts per
// RapidPro status written once in the message's scope, idempotent polls, bounds, backoff on
// RapidPro errors, and the end of polling.
#include <catch2/catch.hpp>

#include "fixture.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

std::vector<DeliveryRecord> reports(LogStore& store, const NodeKey& key, const std::string& scope) {
  std::vector<DeliveryRecord> out;
  FeedId feed{key.id(), scope};
  for (uint64_t seq = 1; seq <= store.head_seq(feed); ++seq) {
    auto e = store.get(feed, seq).value();
    if (e.kind() == schema::Payload::DELIVERY_REPORT) out.push_back(delivery_from_capnp(e.payload().getDeliveryReport()));
  }
  return out;
}

DeliveryRecord held(MessagingFixture& f, const std::string& id) {
  auto r = delivery_report(f.store->views(), id);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  return **r;
}

}  // namespace

TEST_CASE("delivery: counts per RapidPro status are written once in the message's scope", "[delivery]") {
  MessagingFixture f(5, 2);  // Emulator pattern "dfdedsdw": BONG's 5 SMS are d f d e d.
  std::string id = f.send(f.district_bong, "district/BONG",
                          MessagingFixture::text_message("Meeting on Monday", {{}, {"BONG"}, {}, {}, {}}));
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  REQUIRE(f.state(id).state() == "dispatched");
  REQUIRE(f.state(id).batches.at(0).broadcast_ids.size() == 1);
  CHECK(service->last_delivery().written == 1);
  DeliveryRecord r = held(f, id);
  CHECK(r.counts == std::map<std::string, uint32_t>{{"delivered", 3}, {"errored", 1}, {"failed", 1}});
  CHECK(r.failures == std::map<std::string, uint32_t>{{"errored", 1}, {"failed", 1}});
  CHECK(r.broadcast_count == 1);
  CHECK(r.total() == 5);
  CHECK_FALSE(r.final);  // errored: RapidPro tries again.
  // In the district's feed (the district sees it after its next sync), not in national.
  CHECK(reports(*f.store, f.central, "district/BONG").size() == 1);
  CHECK(reports(*f.store, f.central, "national").empty());

  // Idempotent: polling again with the same statuses writes nothing.
  f.clock.advance(1min);
  REQUIRE(service->run_once().ok());
  CHECK(service->last_delivery().broadcasts == 1);
  CHECK(service->last_delivery().written == 0);
  CHECK(reports(*f.store, f.central, "district/BONG").size() == 1);
  // A restarted service neither.
  auto again = f.service();
  REQUIRE(again->run_once().ok());
  CHECK(again->last_delivery().written == 0);
}

TEST_CASE("delivery: a shorter listing (RapidPro archived the messages) keeps the last report", "[delivery]") {
  MessagingFixture f(5, 0);  // d f d e d: "errored" keeps the report open.
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("Alert", {{}, {"BONG"}, {}, {}, {}}));
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  REQUIRE(held(f, id).total() == 5);
  f.emulator.archive_messages();
  f.clock.advance(1min);
  REQUIRE(service->run_once().ok());
  CHECK(service->last_delivery().broadcasts == 1);
  CHECK(service->last_delivery().written == 0);
  CHECK(held(f, id).counts == std::map<std::string, uint32_t>{{"delivered", 3}, {"errored", 1}, {"failed", 1}});
}

TEST_CASE("delivery: a report is final when every SMS is final, then the message is not polled", "[delivery]") {
  auto o = MessagingFixture::default_options();
  o.delivery_pattern = "ddf";
  MessagingFixture f(3, 0, o);
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("Alert", {{}, {"BONG"}, {}, {}, {}}));
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  DeliveryRecord r = held(f, id);
  CHECK(r.final);
  CHECK(r.counts == std::map<std::string, uint32_t>{{"delivered", 2}, {"failed", 1}});
  size_t calls = f.emulator.calls()["GET /api/v2/messages.json"];
  REQUIRE(service->run_once().ok());
  CHECK(service->last_delivery().broadcasts == 0);
  CHECK(f.emulator.calls()["GET /api/v2/messages.json"] == calls + 1);  // Only the response poller's.
}

TEST_CASE("delivery: polling stops delivery_poll_stop_ms after the first send, with a final report", "[delivery]") {
  MessagingFixture g(4, 0);  // d f d e: "errored" keeps the report open.
  std::string open = g.send(g.central, "national", MessagingFixture::text_message("Hello", {{}, {"BONG"}, {}, {}, {}}));
  DeliveryPollerOptions options;
  options.stop_after = 1h;
  auto service = g.service({}, options);
  REQUIRE(service->run_once().ok());
  CHECK_FALSE(held(g, open).final);
  g.clock.advance(61min);
  REQUIRE(service->run_once().ok());
  CHECK(service->last_delivery().written == 1);
  CHECK(held(g, open).final);
  CHECK(held(g, open).counts.at("errored") == 1);
  REQUIRE(service->run_once().ok());
  CHECK(service->last_delivery().broadcasts == 0);
}

TEST_CASE("delivery: at most delivery_poll_max_count broadcasts a pass, oldest report first", "[delivery]") {
  MessagingFixture f(4, 0);
  std::string a = f.send(f.central, "national", MessagingFixture::text_message("One", {{}, {"BONG"}, {}, {}, {}}));
  f.clock.advance(1s);
  std::string b = f.send(f.central, "national", MessagingFixture::text_message("Two", {{}, {"BONG"}, {}, {}, {}}));
  DeliveryPollerOptions options;
  options.max_broadcasts = 1;
  auto service = f.service({}, options);
  REQUIRE(service->run_once().ok());
  CHECK(service->last_delivery().broadcasts == 1);
  bool first_a = delivery_report(f.store->views(), a)->has_value();
  bool first_b = delivery_report(f.store->views(), b)->has_value();
  CHECK(first_a != first_b);
  f.clock.advance(1min);
  REQUIRE(service->run_once().ok());
  CHECK(service->last_delivery().broadcasts == 1);
  CHECK(delivery_report(f.store->views(), a)->has_value());
  CHECK(delivery_report(f.store->views(), b)->has_value());
}

TEST_CASE("delivery: RapidPro errors back off (5xx, 401) and 429 waits Retry-After", "[delivery]") {
  MessagingFixture f(3, 0);
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("Hi", {{}, {"BONG"}, {}, {}, {}}));
  DeliveryPollerOptions options;
  options.backoff_initial = 2min;
  options.backoff_max = 5min;
  auto service = f.service({}, options);
  REQUIRE(service->dispatcher().run_once().ok());

  // 5xx on every try of the GET: unavailable, then the poller skips passes until the backoff ends.
  f.emulator.fail_next(100, 503);
  const int64_t started = f.clock.now().count();
  auto failed = service->delivery().run_once();
  CHECK(failed.status().code() == StatusCode::unavailable);
  f.emulator.fail_next(0);
  int64_t until = service->delivery().backoff_until_ms();
  CHECK(until == started + 2 * 60'000);
  size_t calls = f.emulator.total_calls();
  auto skipped = service->delivery().run_once();
  REQUIRE(skipped.ok());
  CHECK(skipped->skipped);
  CHECK(f.emulator.total_calls() == calls);  // No request while backing off.
  CHECK_FALSE(delivery_report(f.store->views(), id)->has_value());

  // 429 with Retry-After 7 s: the client waits and the poll goes through.
  f.clock.advance(3min);
  f.sleeps.clear();
  f.emulator.throttle_next(1);
  auto polled = service->delivery().run_once();
  REQUIRE(polled.ok());
  CHECK(polled->written == 1);
  CHECK(std::find(f.sleeps.begin(), f.sleeps.end(), 7s) != f.sleeps.end());
  CHECK(service->delivery().backoff_until_ms() == 0);

  // A wrong token (401): refused, backoff again, doubling to at most backoff_max. (A new
  // message: the first one's report is final, so it is polled no more.)
  f.send(f.central, "national", MessagingFixture::text_message("Again", {{}, {"BONG"}, {}, {}, {}}));
  REQUIRE(service->dispatcher().run_once().ok());
  RapidProConfig bad = f.config;
  bad.token = "wrong";
  RapidProClient client(bad, [&](std::chrono::milliseconds d) { f.clock.advance(d); });
  DeliveryPoller poller(*f.store, f.central, f.clock, client, options);
  auto refused = poller.run_once();
  CHECK(refused.status().code() == StatusCode::failed_precondition);
  int64_t first_wait = poller.backoff_until_ms() - f.clock.now().count();
  f.clock.advance(std::chrono::milliseconds(first_wait));
  CHECK(poller.run_once().status().code() == StatusCode::failed_precondition);
  int64_t second_wait = poller.backoff_until_ms() - f.clock.now().count();
  CHECK(first_wait == 2 * 60'000);
  CHECK(second_wait == 4 * 60'000);
  f.clock.advance(std::chrono::milliseconds(second_wait));
  CHECK(poller.run_once().status().code() == StatusCode::failed_precondition);
  CHECK(poller.backoff_until_ms() - f.clock.now().count() == 5 * 60'000);
}

TEST_CASE("delivery: a flow message gets no report; a report replays into the view in any order", "[delivery]") {
  MessagingFixture f(2, 0);
  MessageRecord m;
  m.flow_uuid = "11111111-2222-4333-8444-555555555555";
  m.target = {{}, {"BONG"}, {}, {}, {}};
  std::string id = f.send(f.central, "national", m);
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  CHECK(service->last_delivery().broadcasts == 0);
  CHECK_FALSE(delivery_report(f.store->views(), id)->has_value());

  // An older report arriving after a newer one does not replace it.
  auto write = [&](int64_t polled, uint32_t delivered) {
    DeliveryRecord d;
    d.message_id = "m-1";
    d.counts = {{"delivered", delivered}};
    d.polled_at_ms = polled;
    capnp::MallocMessageBuilder b;
    delivery_to_capnp(d, b.initRoot<schema::Payload>().initDeliveryReport());
    REQUIRE(f.store->append(f.central, "national", b.getRoot<schema::Payload>().asReader()).ok());
  };
  write(2000, 5);
  write(1000, 3);
  CHECK(held(f, "m-1").counts.at("delivered") == 5);
  CHECK(held(f, "m-1").polled_at_ms == 2000);
}
