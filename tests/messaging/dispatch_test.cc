#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "fixture.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

std::set<std::string> delivered_urns(const rapidpro_emulator::Emulator& e) {
  std::set<std::string> out;
  for (auto& d : e.deliveries()) out.insert(d.urn);
  return out;
}

/// Dispatch entries of a feed scope written by the central key.
std::vector<BatchRecord> dispatch_entries(LogStore& store, const NodeKey& key, const std::string& scope) {
  std::vector<BatchRecord> out;
  FeedId feed{key.id(), scope};
  for (uint64_t seq = 1; seq <= store.head_seq(feed); ++seq) {
    auto e = store.get(feed, seq).value();
    if (e.kind() == schema::Payload::DISPATCH) out.push_back(batch_from_capnp(e.payload().getDispatch()));
  }
  return out;
}

}  // namespace

TEST_CASE("a district message and an urgent national message reach exactly the targeted workers, duplicates = 0") {
  MessagingFixture f(6, 5);
  // District BONG's nurses (district node's own feed); the central node's urgent CHW alert.
  std::string district_msg = f.send(f.district_bong, "district/BONG",
                                    MessagingFixture::text_message("Bong nurses: meeting", {{"NURSE"}, {"BONG"}, {}, {}, {}}));
  std::string urgent_msg = f.send(f.central, "national",
                                  MessagingFixture::text_message("Alert: cholera", {{"CHW"}, {}, {}, {}, {}}, true));
  auto service = f.service();
  REQUIRE(service->run_once().ok());

  // Nurses of BONG: 0, 2, 4 (inactive and junk-phone nurses excluded). CHWs: BONG 1,3,5; NIMBA 1,3.
  std::set<std::string> nurses{worker_phone(0, 0), worker_phone(0, 2), worker_phone(0, 4)};
  std::set<std::string> chws{worker_phone(0, 1), worker_phone(0, 3), worker_phone(0, 5), worker_phone(1, 1),
                             worker_phone(1, 3)};
  std::set<std::string> expected;
  for (auto& p : nurses) expected.insert("tel:" + p);
  for (auto& p : chws) expected.insert("tel:" + p);
  CHECK(delivered_urns(f.emulator) == expected);
  CHECK(f.emulator.deliveries().size() == 8);
  CHECK(f.emulator.duplicate_count() == 0);
  // Urgent before routine.
  CHECK(f.emulator.deliveries().front().text == "Alert: cholera");
  CHECK(f.emulator.deliveries().back().text == "Bong nurses: meeting");

  CHECK(f.state(district_msg).describe() == "dispatched 3/3");
  CHECK(f.state(urgent_msg).describe() == "dispatched 5/5");
  // Dispatch records go to the author's scope: intent, outcome, summary.
  auto bong = dispatch_entries(*f.store, f.central, "district/BONG");
  REQUIRE(bong.size() == 3);
  CHECK(bong[0].phase == "intent");
  CHECK(bong[0].recipients == std::vector<std::string>{"BONG-0", "BONG-2", "BONG-4"});
  CHECK(bong[1].phase == "sent");
  CHECK(bong[1].broadcast_uuids.size() == 1);
  CHECK(bong[2].batch == kSummaryBatch);
  CHECK(dispatch_entries(*f.store, f.central, "national").size() == 3);

  // A second pass sends nothing more.
  REQUIRE(service->run_once().ok());
  CHECK(f.emulator.deliveries().size() == 8);
  // Contacts carry globalid and the worker's name.
  CHECK(f.emulator.contact_fields("tel:" + worker_phone(0, 0))["globalid"] == "BONG-0");
}

TEST_CASE("more than 100 recipients go out in batches of at most 100") {
  MessagingFixture f(250, 0);
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("all of Bong", {{}, {"BONG"}, {}, {}, {}}));
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  CHECK(f.emulator.deliveries().size() == 250);
  CHECK(f.emulator.duplicate_count() == 0);
  CHECK(f.emulator.calls()["POST /api/v2/broadcasts.json"] == 3);
  CHECK(f.state(id).describe() == "dispatched 250/250");
  CHECK(f.state(id).batches.size() == 3);
}

TEST_CASE("existing RapidPro contacts are matched by urn and keep their groups") {
  MessagingFixture f(2, 0);
  f.emulator.add_contact("Old Name", "tel:" + worker_phone(0, 0), {"Nurses", "Bong county"});
  f.send(f.central, "national", MessagingFixture::text_message("hello", {{}, {"BONG"}, {}, {}, {}}));
  REQUIRE(f.service()->run_once().ok());
  CHECK(f.emulator.contact_count() == 2);
  CHECK(f.emulator.contact_groups("tel:" + worker_phone(0, 0)) == std::vector<std::string>{"Nurses", "Bong county"});
  CHECK(f.emulator.contact_fields("tel:" + worker_phone(0, 0))["globalid"] == "BONG-0");
  CHECK(f.emulator.duplicate_count() == 0);
}

TEST_CASE("a contact deleted in RapidPro fails one batch with what to do; the next message makes it again") {
  MessagingFixture f(2, 0);
  auto service = f.service();
  f.send(f.central, "national", MessagingFixture::text_message("first", {{}, {"BONG"}, {}, {}, {}}));
  REQUIRE(service->run_once().ok());
  REQUIRE(f.emulator.deliveries().size() == 2);
  f.emulator.delete_contact("tel:" + worker_phone(0, 0));  // Staff cleaned up RapidPro.
  std::string second = f.send(f.central, "national", MessagingFixture::text_message("second", {{}, {"BONG"}, {}, {}, {}}));
  REQUIRE(service->run_once().ok());
  MessageState failed = f.state(second);
  CHECK(failed.state() == "failed");
  REQUIRE(failed.batches.size() == 1);
  CHECK_THAT(failed.batches.at(0).error, Catch::Contains("No such object") &&
                                             Catch::Contains("they are made again at the next send"));
  CHECK(f.emulator.deliveries().size() == 2);  // RapidPro refused the whole batch: nothing went.
  std::string third = f.send(f.central, "national", MessagingFixture::text_message("third", {{}, {"BONG"}, {}, {}, {}}));
  REQUIRE(service->run_once().ok());  // The same process: its contact index was dropped.
  CHECK(f.state(third).describe() == "dispatched 2/2");
  CHECK(f.emulator.delivered_count("tel:" + worker_phone(0, 0)) == 2);
  CHECK(f.emulator.duplicate_count() == 0);
}

TEST_CASE("an expired message is never sent and is marked expired; a future one waits") {
  MessagingFixture f(3, 0);
  auto expired = MessagingFixture::text_message("too late", {{}, {"BONG"}, {}, {}, {}});
  expired.expires_at_ms = f.clock.now().count() + 1000;
  std::string expired_id = f.send(f.central, "national", expired);
  auto later = MessagingFixture::text_message("tomorrow", {{}, {"BONG"}, {}, {}, {}});
  later.not_before_ms = f.clock.now().count() + 3'600'000;
  std::string later_id = f.send(f.central, "national", later);
  f.clock.advance(2s);
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  CHECK(f.emulator.deliveries().empty());
  CHECK(f.state(expired_id).describe() == "expired");
  CHECK(f.state(later_id).describe() == "pending");
  f.clock.advance(1h);
  REQUIRE(service->run_once().ok());
  CHECK(f.emulator.deliveries().size() == 3);
  CHECK(f.state(later_id).describe() == "dispatched 3/3");
  CHECK(f.state(expired_id).describe() == "expired");
}

TEST_CASE("HTTP 429 is honoured with Retry-After and nothing is sent twice") {
  MessagingFixture f(3, 0);
  f.emulator.throttle_next(3);
  f.send(f.central, "national", MessagingFixture::text_message("hi", {{}, {"BONG"}, {}, {}, {}}));
  REQUIRE(f.service()->run_once().ok());
  CHECK(f.emulator.deliveries().size() == 3);
  CHECK(f.emulator.duplicate_count() == 0);
  REQUIRE(f.sleeps.size() >= 3);
  CHECK(f.sleeps[0] == 7s);
  CHECK(f.sleeps[2] == 7s);
}

TEST_CASE("a 5xx/timeout on a send whose fate is unknown is reconciled, never sent twice") {
  MessagingFixture f(3, 0);
  f.send(f.central, "national", MessagingFixture::text_message("hi", {{}, {"BONG"}, {}, {}, {}}));
  SECTION("RapidPro acted before failing: found, recorded, not resent") {
    f.emulator.fail_next_send(1, 504, true);
    REQUIRE(f.service()->run_once().ok());
    CHECK(f.emulator.calls()["POST /api/v2/broadcasts.json"] == 1);
  }
  SECTION("RapidPro did not act: resent after backoff") {
    f.emulator.fail_next_send(2, 503, false);
    REQUIRE(f.service()->run_once().ok());
    CHECK(f.emulator.calls()["POST /api/v2/broadcasts.json"] == 3);
    CHECK(f.sleeps == std::vector<std::chrono::milliseconds>{1s, 2s});
  }
  CHECK(f.emulator.deliveries().size() == 3);
  CHECK(f.emulator.duplicate_count() == 0);
}

TEST_CASE("a 400 is recorded with RapidPro's text and does not block other messages") {
  MessagingFixture f(3, 0);
  MessageRecord bad;
  bad.flow_uuid = "99999999-2222-4333-8444-555555555555";
  bad.target = {{}, {"BONG"}, {}, {}, {}};
  bad.urgent = true;
  std::string bad_id = f.send(f.central, "national", bad);
  std::string good_id = f.send(f.central, "national", MessagingFixture::text_message("fine", {{}, {"BONG"}, {}, {}, {}}));
  REQUIRE(f.service()->run_once().ok());
  CHECK(f.state(bad_id).state() == "failed");
  CHECK(f.state(bad_id).describe() == "failed: flow: No such object: 99999999-2222-4333-8444-555555555555");
  CHECK(f.state(good_id).describe() == "dispatched 3/3");
  CHECK(f.emulator.deliveries().size() == 3);
}

TEST_CASE("RapidPro unreachable: unavailable, nothing recorded as sent, next pass delivers") {
  MessagingFixture f(2, 0);
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("hi", {{}, {"BONG"}, {}, {}, {}}));
  f.emulator.fail_next(100, 502);
  auto service = f.service();
  Status s = service->run_once();
  CHECK(s.code() == StatusCode::unavailable);
  CHECK(f.state(id).state() == "pending");
  f.emulator.fail_next(0);
  REQUIRE(service->run_once().ok());
  CHECK(f.state(id).describe() == "dispatched 2/2");
  CHECK(f.emulator.duplicate_count() == 0);
}

TEST_CASE("a stop requested during RapidPro's backoff ends the pass at once; the next start sends exactly once") {
  MessagingFixture f(3, 0);
  StopSignal stop;
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("hi", {{}, {"BONG"}, {}, {}, {}}));
  SECTION("during the wait after a send whose fate is unknown") {
    f.emulator.fail_next_send(1, 503, false);
    f.stop = &stop;
    f.on_sleep = [&] { stop.request(); };
    Status s = f.service()->run_once();
    CHECK(s.code() == StatusCode::unavailable);
    CHECK(s.message().find("HTTP 503; not reconciled now: this node is stopping") != std::string::npos);
    // One wait begun, no look and no second send; the poll for answers is left for the next start.
    CHECK(f.sleeps == std::vector<std::chrono::milliseconds>{1s});
    CHECK(f.emulator.calls()["POST /api/v2/broadcasts.json"] == 1);
    CHECK(f.emulator.calls()["GET /api/v2/runs.json"] == 0);
    CHECK(f.state(id).state() == "dispatching");
  }
  SECTION("during a GET's backoff (the answers poll)") {
    REQUIRE(f.service()->run_once().ok());  // Sent.
    f.emulator.fail_next(100, 502);
    f.stop = &stop;
    f.on_sleep = [&] { stop.request(); };
    f.sleeps.clear();
    Status s = f.service()->run_once();
    CHECK(s.code() == StatusCode::unavailable);
    CHECK(s.message().find("HTTP 502; not tried again: this node is stopping") != std::string::npos);
    CHECK(f.sleeps.size() == 1);
    // No call after the stop: the delivery poll did not start.
    CHECK(f.emulator.calls()["GET /api/v2/broadcasts.json"] == 0);
    f.emulator.fail_next(0);
  }
  // The next start (no stop requested) looks before sending: every worker gets it once.
  f.stop = nullptr;
  f.on_sleep = nullptr;
  REQUIRE(f.service()->run_once().ok());
  CHECK(f.state(id).describe() == "dispatched 3/3");
  CHECK(f.emulator.deliveries().size() == 3);
  CHECK(f.emulator.duplicate_count() == 0);
}

TEST_CASE("a stop ends a real backoff wait early, and a stopped client starts no request") {
  MessagingFixture f(1, 0);
  f.config.backoff_initial = 120s;  // Were the wait not ended, this test would take minutes.
  f.config.backoff_max = 120s;
  StopSignal stop;
  RapidProClient client(f.config);  // No injected sleep: the stop signal's wait.
  client.set_stop_signal(&stop);
  f.emulator.fail_next(100, 502);
  std::thread sigterm([&] {
    std::this_thread::sleep_for(200ms);
    stop.request();
  });
  auto started = std::chrono::steady_clock::now();
  auto r = client.get("flows.json");
  sigterm.join();
  CHECK(std::chrono::steady_clock::now() - started < 60s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("not tried again: this node is stopping") != std::string::npos);
  CHECK(client.calls() == 1);
  CHECK_FALSE(client.wait(1s));
  auto after = client.get("flows.json");
  CHECK(after.status().message().find(": not tried: this node is stopping") != std::string::npos);
  CHECK(client.calls() == 1);
}

TEST_CASE("contacts RapidPro refuses (unknown contact field) are recorded; nothing sent means failed") {
  auto o = MessagingFixture::default_options();
  o.field_keys = {"district"};  // This RapidPro has no "globalid" field.
  MessagingFixture f(2, 0, o);
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("hi", {{}, {"BONG"}, {}, {}, {}}));
  REQUIRE(f.service()->run_once().ok());
  CHECK(f.emulator.deliveries().empty());
  CHECK(f.state(id).state() == "failed");
  CHECK(f.state(id).summary->error ==
        "2 health worker(s) refused by RapidPro, first: BONG-0: fields: Invalid contact field key: globalid");
}

TEST_CASE("dispatch works over HTTPS with the configured CA file") {
  TempDir certs;
  auto files = write_self_signed_cert(certs.path());
  net::HttpServerOptions http;
  http.cert_chain_file = files.cert;
  http.key_file = files.key;
  MessagingFixture f(2, 0, MessagingFixture::default_options(), http);
  REQUIRE(f.config.url.starts_with("https://"));
  f.config.ca_file = files.cert;
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("secure", {{}, {"BONG"}, {}, {}, {}}));
  REQUIRE(f.service()->run_once().ok());
  CHECK(f.state(id).describe() == "dispatched 2/2");
}
