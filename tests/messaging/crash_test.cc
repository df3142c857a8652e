// The dispatcher killed at every step of a dispatch, then a fresh dispatcher on the same store:
// every targeted worker receives the message exactly once.
#include <catch2/catch.hpp>

#include "fixture.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

void crash_at_every_step(bool flow) {
  size_t steps_total = 0;
  for (size_t k = 1;; ++k) {
    MessagingFixture f(130, 40);  // Two BONG batches (130) and one NIMBA batch.
    MessageRecord m;
    if (flow) {
      m.flow_uuid = "11111111-2222-4333-8444-555555555555";
    } else {
      m.texts = {{"", "exactly once"}};
    }
    m.target = {{}, {"BONG", "NIMBA"}, {}, {}, {}};
    std::string id = f.send(f.central, "national", m);
    size_t step = 0;
    bool crashed = false;
    {
      auto first = f.service();
      first->dispatcher().set_fault_hook([&](std::string_view) { return ++step == k; });
      Status s = first->run_once();
      crashed = s.code() == StatusCode::aborted;
      if (!crashed) REQUIRE(s.ok());
    }
    if (!crashed) {
      steps_total = k - 1;
      CHECK(f.emulator.deliveries().size() == 170);
      break;
    }
    f.clock.advance(std::chrono::seconds(30));
    auto second = f.service();  // A fresh process: new client, new contact index.
    REQUIRE(second->run_once().ok());
    INFO("crash after step " << k);
    CHECK(f.emulator.deliveries().size() == 170);
    CHECK(f.emulator.duplicate_count() == 0);
    CHECK(f.emulator.contact_count() == 170);
    CHECK(f.state(id).describe() == "dispatched 170/170");
  }
  // contacts, intent, post, outcome for each of 2 batches (100 + 70), then the summary.
  CHECK(steps_total == 2 * 4 + 1);
}

}  // namespace

TEST_CASE("broadcast: the dispatcher killed at every step and restarted delivers exactly once") {
  crash_at_every_step(false);
}

TEST_CASE("flow start: the dispatcher killed at every step and restarted delivers exactly once") {
  crash_at_every_step(true);
}
