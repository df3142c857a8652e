// The RapidPro client (integrations/rapidpro_client.h) reading a broadcast's SMS statuses from
// the emulator (RapidPro API v2 messages.json?broadcast=<id>): `next` pagination, 429 with
// Retry-After, 5xx retried then unavailable, 401 refused.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

// By path: the FHIR and OpenInfoMan emulators of this suite have an emulator.h too.
#include "../../tools/rapidpro-emulator/emulator.h"
#include "integrations/rapidpro_client.h"
#include "net/http_server.h"
#include "util/clock.h"

using namespace mhero;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  ManualClock clock;
  rapidpro_emulator::Emulator emulator;
  net::BackgroundHttpServer server;
  std::vector<std::chrono::milliseconds> sleeps;
  RapidProConfig config;
  explicit Fixture(rapidpro_emulator::EmulatorOptions o)
      : emulator(clock, std::move(o)), server({}, [this](const net::HttpRequest& r) { return emulator.handle(r); }) {
    REQUIRE(server.start().ok());
    config.url = server.base_url();
    config.token = "emulator-token";
    config.max_attempts = 3;
  }
  std::unique_ptr<RapidProClient> client(RapidProConfig c) {
    return std::make_unique<RapidProClient>(std::move(c), [this](std::chrono::milliseconds d) {
      sleeps.push_back(d);
      clock.advance(d);
    });
  }
};

rapidpro_emulator::EmulatorOptions small_pages() {
  rapidpro_emulator::EmulatorOptions o;
  o.page_size = 2;
  o.delivery_pattern = "dfe";
  o.retry_after_seconds = 3;
  return o;
}

}  // namespace

TEST_CASE("rapidpro client: a broadcast's SMS statuses over several pages", "[rapidpro-delivery]") {
  Fixture f(small_pages());
  std::vector<std::string> contacts;
  for (int i = 0; i < 5; ++i) contacts.push_back(f.emulator.add_contact("W", "tel:+23177000010" + std::to_string(i), {}));
  auto owned = f.client(f.config);
  RapidProClient& client = *owned;
  auto sent = client.post("broadcasts.json", {{"text", "Clinic closed Friday"}, {"contacts", contacts}});
  REQUIRE(sent.ok());
  REQUIRE(sent->ok());
  int64_t id = sent->body["id"];
  std::map<std::string, int> statuses;
  size_t calls = f.emulator.total_calls();
  Status s = client.list_all("messages.json", {{"broadcast", std::to_string(id)}}, [&](const json& sms) {
    ++statuses[sms["status"].get<std::string>()];
    CHECK(sms["broadcast"] == id);
    return Status{};
  });
  REQUIRE(s.ok());
  CHECK(statuses == std::map<std::string, int>{{"delivered", 2}, {"failed", 2}, {"errored", 1}});  // d f e d f
  CHECK(f.emulator.total_calls() - calls == 3);  // 5 SMS, 2 a page: three pages through `next`.
}

TEST_CASE("rapidpro client: 429 waits Retry-After; 5xx retried then unavailable; 401 refused", "[rapidpro-delivery]") {
  Fixture f(small_pages());
  auto owned = f.client(f.config);
  RapidProClient& client = *owned;
  f.emulator.throttle_next(1);
  auto throttled = client.get("messages.json", {{"broadcast", "1"}});
  REQUIRE(throttled.ok());
  CHECK(std::find(f.sleeps.begin(), f.sleeps.end(), 3s) != f.sleeps.end());

  f.emulator.fail_next(3, 503);
  auto down = client.get("messages.json", {{"broadcast", "1"}});
  CHECK(down.status().code() == StatusCode::unavailable);
  f.emulator.fail_next(2, 500);
  CHECK(client.get("messages.json", {{"broadcast", "1"}}).ok());  // Third try goes through.

  RapidProConfig wrong = f.config;
  wrong.token = "not-the-token";
  auto refused = f.client(wrong);
  auto r = refused->get("messages.json", {{"broadcast", "1"}});
  CHECK(r.status().code() == StatusCode::failed_precondition);
  auto bad = client.get("messages.json", {{"broadcast", "x"}});
  CHECK(bad.status().code() == StatusCode::failed_precondition);
  CHECK_THAT(bad.status().message(), Catch::Contains("Value for broadcast must be an integer"));
}
