// Cancel: the dispatcher stops before its next batch; the state reads "cancelled" with what was
// sent before (issue 12 "Cancel").
#include <catch2/catch.hpp>

#include "fixture.h"
#include "messaging/cancel.h"

using namespace mhero;
using namespace mhero::testing;

namespace {
void cancel(MessagingFixture& f, const std::string& id, const NodeKey& key, const std::string& scope) {
  CancelRecord c{id, "ama", "wrong text", f.clock.now().count(), "", ""};
  REQUIRE(write_cancel(*f.store, key, scope, c).ok());
}
}  // namespace

TEST_CASE("a cancel written during a dispatch pass stops it before the next batch", "[cancel]") {
  MessagingFixture f(250, 0);
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("all of Bong", {{}, {"BONG"}, {}, {}, {}}));
  auto service = f.service();
  bool cancelled = false;
  service->dispatcher().set_fault_hook([&](std::string_view step) {
    if (step == "outcome" && !cancelled) {
      cancel(f, id, f.central, "national");  // An operator presses Cancel while batch 0 is out.
      cancelled = true;
    }
    return false;
  });
  REQUIRE(service->run_once().ok());
  CHECK(f.emulator.deliveries().size() == 100);
  CHECK(f.emulator.calls()["POST /api/v2/broadcasts.json"] == 1);
  MessageState s = f.state(id);
  CHECK(s.state() == "cancelled");
  CHECK(s.describe() == "cancelled (100/250 sent before the cancel)");
  REQUIRE(s.summary);
  CHECK(s.summary->phase == "cancelled");
  CHECK(s.summary->recipient_count == 100);
  REQUIRE(s.cancel);
  CHECK(s.cancel->staff_user == "ama");
  CHECK(s.cancel->reason == "wrong text");
  // Later passes send nothing more.
  REQUIRE(service->run_once().ok());
  CHECK(f.emulator.deliveries().size() == 100);
}

TEST_CASE("a cancel between passes (batch budget) stops the rest; before any batch nothing is sent", "[cancel]") {
  MessagingFixture f(250, 0);
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("all of Bong", {{}, {"BONG"}, {}, {}, {}}));
  DispatcherOptions options;
  options.max_batches_per_pass = 1;
  auto service = f.service(options);
  REQUIRE(service->run_once().ok());
  CHECK(f.emulator.deliveries().size() == 100);
  CHECK(f.state(id).describe() == "dispatching: 100 workers sent so far");  // No preview recorded.
  MessageState previewed = f.state(id);
  previewed.message.previewed_count = 250;
  CHECK(previewed.describe() == "dispatching: 100 of about 250 workers sent so far");
  REQUIRE(check_cancel(f.state(id), Role::central, "").ok());
  cancel(f, id, f.central, "national");
  CHECK(f.state(id).state() == "cancelled");  // Held here at once, before the dispatcher's summary.
  REQUIRE(service->run_once().ok());
  CHECK(f.emulator.deliveries().size() == 100);
  CHECK(f.state(id).summary->phase == "cancelled");

  std::string early = f.send(f.central, "national", MessagingFixture::text_message("never", {{}, {"BONG"}, {}, {}, {}}));
  cancel(f, early, f.central, "national");
  CHECK(f.state(early).describe() == "cancelled (before any batch was handed to RapidPro)");
  REQUIRE(service->run_once().ok());
  CHECK(f.emulator.deliveries().size() == 100);
  // The dispatcher targeted 250 and sent none: the same words as before its pass, on every node.
  CHECK(f.state(early).describe() == "cancelled (before any batch was handed to RapidPro)");
}

TEST_CASE("two cancels of one message: every node keeps the earliest, whatever order they arrive in", "[cancel]") {
  MessagingFixture f(10, 0);
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("twice", {{}, {"BONG"}, {}, {}, {}}));
  int64_t now = f.clock.now().count();
  // The later one (a central operator) arrives first; the earlier (a district's) arrives after.
  REQUIRE(write_cancel(*f.store, f.central, "national", CancelRecord{id, "ministry", "late", now + 5000, "", ""}).ok());
  REQUIRE(write_cancel(*f.store, f.central, "national", CancelRecord{id, "musu", "early", now + 1000, "", ""}).ok());
  REQUIRE(f.state(id).cancel);
  CHECK(f.state(id).cancel->staff_user == "musu");
  CHECK(f.state(id).cancel->reason == "early");
  REQUIRE(write_cancel(*f.store, f.central, "national", CancelRecord{id, "ama", "later still", now + 9000, "", ""}).ok());
  CHECK(f.state(id).cancel->staff_user == "musu");
}

TEST_CASE("check_cancel refuses finished messages, second cancels and other districts' messages", "[cancel]") {
  MessagingFixture f(3, 0);
  std::string national = f.send(f.central, "national", MessagingFixture::text_message("n", {{}, {"BONG"}, {}, {}, {}}));
  std::string bong = f.send(f.district_bong, "district/BONG", MessagingFixture::text_message("b", {{}, {"BONG"}, {}, {}, {}}));
  CHECK(check_cancel(f.state(national), Role::district, "BONG").code() == StatusCode::permission_denied);
  CHECK(check_cancel(f.state(bong), Role::district, "BONG").ok());
  CHECK(check_cancel(f.state(bong), Role::district, "NIMBA").code() == StatusCode::permission_denied);
  cancel(f, bong, f.district_bong, "district/BONG");
  CHECK(check_cancel(f.state(bong), Role::district, "BONG").code() == StatusCode::failed_precondition);
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  Status done = check_cancel(f.state(national), Role::central, "");
  CHECK(done.code() == StatusCode::failed_precondition);
  CHECK(done.message() == "message " + national + " is dispatched: nothing is left to cancel");
}
