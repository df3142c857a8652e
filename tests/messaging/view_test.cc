// The messages view gives the same states whatever order feeds arrive in.
#include <catch2/catch.hpp>

#include <capnp/message.h>

#include "messaging/compose.h"
#include "messaging/message_query.h"
#include "messaging/message_view.h"
#include "support/entries.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

Entry make(const NodeKey& key, const std::string& scope, uint64_t seq, const Hash256& prev,
           const std::function<void(schema::Payload::Builder)>& fill) {
  capnp::MallocMessageBuilder b;
  fill(b.initRoot<schema::Payload>());
  return Entry::create(key, scope, seq, prev, seq, b.getRoot<schema::Payload>().asReader());
}

}  // namespace

TEST_CASE("message states are the same whichever feed arrives first") {
  NodeKey central = test_key(1), district = test_key(2);
  MessageRecord m;
  m.id = "m-1";
  m.texts = {{"", "hi"}};
  m.target.districts = {"BONG"};
  Entry msg = make(district, "district/BONG", 1, Hash256{}, [&](auto p) { message_to_capnp(m, p.initOutgoingMessage()); });
  BatchRecord intent{"m-1", 0, "intent", 1, {"e1", "e2"}, {"c1", "c2"}, {}, {}, 0, 2, "", 5, {}, ""};
  BatchRecord sent = intent;
  sent.phase = "sent";
  sent.broadcast_uuids = {"b1"};
  sent.recipient_count = 2;
  BatchRecord summary{"m-1", kSummaryBatch, "sent", 0, {}, {}, {}, {}, 2, 2, "", 6, {}, ""};
  Entry d1 = make(central, "district/BONG", 1, Hash256{}, [&](auto p) { batch_to_capnp(intent, p.initDispatch()); });
  Entry d2 = make(central, "district/BONG", 2, d1.id(), [&](auto p) { batch_to_capnp(sent, p.initDispatch()); });
  Entry d3 = make(central, "district/BONG", 3, d2.id(), [&](auto p) { batch_to_capnp(summary, p.initDispatch()); });
  ResponseRecord r{"m-1", "e1", 10, {{"k", "v"}}, "v", "run:1", "BONG", ""};
  Entry d4 = make(central, "district/BONG", 4, d3.id(), [&](auto p) { response_to_capnp(r, p.initResponse()); });

  std::vector<std::string> described;
  for (bool message_first : {true, false}) {
    TempDir dir;
    ManualClock clock;
    MessageView view;
    auto store = LogStore::open(dir / "db", clock, StoreOptions{{&view}, nullptr, true, 1}).value();
    if (message_first) {
      REQUIRE(store->ingest(std::vector<Entry>{msg}).ok());
      REQUIRE(store->ingest(std::vector<Entry>{d1, d2, d3, d4}).ok());
    } else {
      REQUIRE(store->ingest(std::vector<Entry>{d1, d2}).ok());
      REQUIRE(store->ingest(std::vector<Entry>{d3, d4}).ok());
      REQUIRE(store->ingest(std::vector<Entry>{msg}).ok());
    }
    auto s = message_state(store->views(), "m-1").value();
    described.push_back(s.describe() + " responses " + std::to_string(s.responses));
    CHECK(*response_held(store->views(), "run:1"));
  }
  CHECK(described[0] == "dispatched 2/2 responses 1");
  CHECK(described[1] == described[0]);
}
