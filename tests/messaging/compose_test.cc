#include <catch2/catch.hpp>

#include "messaging/compose.h"

using namespace mhero;
using namespace std::chrono_literals;

namespace {
MessageRecord text(MessageTarget t) {
  MessageRecord m;
  m.texts = {{"", "hello"}};
  m.target = std::move(t);
  return m;
}
const std::chrono::milliseconds kNow{1'700'000'000'000};
}  // namespace

TEST_CASE("a district node targets only its own district") {
  auto m = text({{"NURSE"}, {}, {}, {}, {}});
  REQUIRE(prepare_message(m, Role::district, "BONG", kNow).ok());
  CHECK(m.target.districts == std::vector<std::string>{"BONG"});
  CHECK(m.id.size() == 36);
  auto other = text({{}, {"NIMBA"}, {}, {}, {}});
  Status s = prepare_message(other, Role::district, "BONG", kNow);
  CHECK(s.code() == StatusCode::permission_denied);
  CHECK(s.message().find("--district NIMBA") != std::string::npos);
  auto central = text({{}, {"NIMBA"}, {}, {}, {}});
  CHECK(prepare_message(central, Role::central, "", kNow).ok());
}

TEST_CASE("a central message for one district is written in that district's scope, others in national") {
  // Only the named district's node (and the central node) then hold its text (DESIGN.md "Who holds what").
  CHECK(message_scope(text({{"NURSE"}, {"BONG"}, {}, {}, {}}), Role::central, "national") == "district/BONG");
  CHECK(message_scope(text({{}, {"BONG"}, {"F1"}, {}, {"p1"}}), Role::central, "national") == "district/BONG");
  CHECK(message_scope(text({{}, {"BONG", "NIMBA"}, {}, {}, {}}), Role::central, "national") == "national");
  CHECK(message_scope(text({{}, {"BONG", "BONG"}, {}, {}, {}}), Role::central, "national") == "district/BONG");
  CHECK(message_scope(text({{"NURSE"}, {}, {}, {}, {}}), Role::central, "national") == "national");
  CHECK(message_scope(text({{}, {}, {}, {}, {"p1"}}), Role::central, "national") == "national");
  CHECK(message_scope(text({{}, {"no/such code"}, {}, {}, {}}), Role::central, "national") == "national");
  CHECK(message_scope(text({{}, {"BONG"}, {}, {}, {}}), Role::district, "district/BONG") == "district/BONG");
}

TEST_CASE("compose rejects bad input naming the option") {
  auto none = text({});
  CHECK(prepare_message(none, Role::central, "", kNow).message().find("no target") != std::string::npos);
  auto both = text({{"NURSE"}, {}, {}, {}, {}});
  both.flow_uuid = "11111111-2222-4333-8444-555555555555";
  CHECK(prepare_message(both, Role::central, "", kNow).code() == StatusCode::invalid_argument);
  MessageRecord bad_flow;
  bad_flow.flow_uuid = "not-a-uuid";
  bad_flow.target.cadres = {"NURSE"};
  CHECK(prepare_message(bad_flow, Role::central, "", kNow).message().find("--flow 'not-a-uuid'") != std::string::npos);
  auto past = text({{"NURSE"}, {}, {}, {}, {}});
  past.expires_at_ms = kNow.count() - 1;
  CHECK(prepare_message(past, Role::central, "", kNow).message() == "--expires is in the past");
  auto order = text({{"NURSE"}, {}, {}, {}, {}});
  order.not_before_ms = kNow.count() + 10'000;
  order.expires_at_ms = kNow.count() + 5'000;
  CHECK(prepare_message(order, Role::central, "", kNow).message() == "--expires must be after --not-before");
}

TEST_CASE("parse_when reads ISO 8601 UTC and +N delays") {
  CHECK(*parse_when("--expires", "+2h", kNow) == kNow.count() + 7'200'000);
  CHECK(*parse_when("--expires", "+30m", kNow) == kNow.count() + 1'800'000);
  CHECK(*parse_when("--not-before", "2026-12-01T08:00:00Z", kNow) == 1'796'112'000'000);
  auto bad = parse_when("--expires", "tomorrow", kNow);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("--expires 'tomorrow'") != std::string::npos);
}
