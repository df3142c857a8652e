// The arrival log keeps the last N facts per peer in meta, newest first, and skips damage.
#include "fleet_fixture.h"

using namespace mhero;
using namespace mhero::testing;

TEST_CASE("the arrival log keeps the last N sessions per peer, newest first") {
  FleetNet net;
  LogStore& store = (*net.central)->store();
  fleet::ArrivalLog log(store, 5);
  NodeId a = (*net.a)->id(), b = (*net.b)->id();
  for (int i = 1; i <= 12; ++i) {
    SessionFact f;
    f.peer = a;
    f.address = "10.0.0.2:7447";
    f.ended_ms = 1000 * i;
    f.entries_received = static_cast<uint64_t>(i);
    REQUIRE(log.session_ended(f).ok());
  }
  SessionFact other;
  other.peer = b;
  other.ended_ms = 500;
  other.error = "unavailable: cannot connect";
  REQUIRE(log.session_ended(other).ok());

  auto sessions = fleet::read_sessions(store, a);
  REQUIRE(sessions.size() == 5);
  CHECK(sessions.front().entries_received == 12);
  CHECK(sessions.back().entries_received == 8);
  CHECK(fleet::read_sessions(store).size() == 6);
  auto failed = fleet::read_sessions(store, b);
  REQUIRE(failed.size() == 1);
  CHECK_FALSE(failed[0].ok());
  CHECK(failed[0].error == "unavailable: cannot connect");
}

TEST_CASE("a damaged arrival record is skipped, the others are read") {
  FleetNet net;
  LogStore& store = (*net.central)->store();
  fleet::ArrivalLog log(store);
  REQUIRE(log.key_refused({(*net.a)->id(), "10.0.0.9:5555", 42, "unknown key"}).ok());
  REQUIRE(store.put_meta("fleet/refused/0199", "{not json").ok());
  REQUIRE(store.put_meta("fleet/refused/0198", R"({"key": "zz", "at_ms": 1})").ok());
  auto refused = fleet::read_refused(store);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].address == "10.0.0.9:5555");
  CHECK(refused[0].at_ms == 42);
  // The next record still lands in the ring.
  REQUIRE(log.key_refused({(*net.b)->id(), "10.0.0.8:5555", 43, "revoked key"}).ok());
  CHECK(fleet::read_refused(store).size() == 2);
}
