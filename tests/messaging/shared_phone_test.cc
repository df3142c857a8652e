// Several health workers on one phone: one SMS, counted as workers and phones; their replies are
// ambiguous between them (issue 12 "Shared phones").
#include <catch2/catch.hpp>

#include <set>

#include "fixture.h"
#include "messaging/answer_view.h"
#include "messaging/reach_preview.h"
#include "registry/registry_query.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

/// BONG-0's phone is also held by three more Bong workers.
std::string three_more_on_bong0() {
  std::string phone = worker_phone(0, 0);
  return shared_phone_provider("BONG-s1", "BONG", "NURSE", phone) + shared_phone_provider("BONG-s2", "BONG", "CHW", phone) +
         shared_phone_provider("BONG-s3", "BONG", "CHW", phone);
}

}  // namespace

TEST_CASE("four workers on one phone get one SMS and dispatch says 4 workers on 1 phone", "[shared-phones]") {
  MessagingFixture f(5, 0, MessagingFixture::default_options(), {}, three_more_on_bong0());
  std::string id = f.send(f.central, "national",
                          MessagingFixture::text_message("Bong-0 team: stock count", {{}, {}, {}, {}, {"BONG-0", "BONG-s1", "BONG-s2", "BONG-s3"}}));
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  CHECK(f.emulator.deliveries().size() == 1);
  CHECK(f.emulator.delivered_count("tel:" + worker_phone(0, 0)) == 1);
  MessageState s = f.state(id);
  CHECK(s.describe() == "dispatched 4/4 workers on 1 phone");
  REQUIRE(s.summary);
  CHECK(s.summary->recipient_count == 4);
  CHECK(s.summary->phone_count == 1);
  CHECK(s.summary->shared_phone_count == 1);
  REQUIRE(s.batches.size() == 1);
  CHECK(s.batches[0].recipients == std::vector<std::string>{"BONG-0", "BONG-s1", "BONG-s2", "BONG-s3"});
  CHECK(s.batches[0].contact_uuids.size() == 4);
  CHECK(std::set<std::string>(s.batches[0].contact_uuids.begin(), s.batches[0].contact_uuids.end()).size() == 1);
  CHECK(f.emulator.contact_count() == 1);
  CHECK(service->dispatcher().workers_sent() == 4);
  CHECK(service->dispatcher().phones_sent() == 1);
}

TEST_CASE("the preview and registry stats count shared phones", "[shared-phones]") {
  MessagingFixture f(5, 0, MessagingFixture::default_options(), {}, three_more_on_bong0());
  RegistryDirectory directory(f.store->views());
  auto reach = directory.resolve({{}, {"BONG"}, {}, {}, {}});
  REQUIRE(reach.ok());
  MessageRecord m = MessagingFixture::text_message("Hello", {{}, {"BONG"}, {}, {}, {}});
  ReachPreview p = preview_reach(*reach, m);
  CHECK(p.sharing.workers == 8);
  CHECK(p.sharing.phones == 5);
  CHECK(sharing_text(p.sharing) == "8 workers, 5 phones: 1 phone is shared by 4 workers");
  CHECK(p.total_segments == 5);
  CHECK(p.excluded_inactive == 1);
  CHECK(p.excluded_no_mobile == 1);
  auto stats = registry::registry_stats(f.store->views());
  REQUIRE(stats.ok());
  CHECK(stats->shared_phones == 1);
  CHECK(stats->workers_on_shared_phones == 4);
}

TEST_CASE("sharing text names the range of workers per shared phone", "[shared-phones]") {
  std::vector<Worker> w;
  for (int i = 0; i < 412; ++i) w.push_back({"W" + std::to_string(i), "", "+2317700" + std::to_string(10000 + i), "BONG"});
  // 7 phones shared: five by 2 workers, two by 3 workers -> 412 workers on 403 phones.
  int k = 0;
  for (int p = 0; p < 7; ++p) {
    int extra = p < 5 ? 1 : 2;
    for (int e = 0; e < extra; ++e) w[400 + k++].e164 = w[p].e164;
  }
  PhoneSharing s = phone_sharing(w);
  CHECK(s.workers == 412);
  CHECK(s.phones == 403);
  CHECK(sharing_text(s) == "412 workers, 403 phones: 7 phones are shared by 2\u20133 workers");
  CHECK(sharing_text(phone_sharing({w[0], w[1]})) == "2 workers, 2 phones");
}

TEST_CASE("a reply from a shared phone is recorded against the contact, ambiguous between its workers", "[shared-phones]") {
  auto options = MessagingFixture::default_options();
  options.broadcast_reply = "12 boxes";
  MessagingFixture f(3, 0, options, {}, shared_phone_provider("BONG-s1", "BONG", "CHW", worker_phone(0, 0)));
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("Stock?", {{}, {"BONG"}, {}, {}, {}}));
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  CHECK(f.emulator.deliveries().size() == 3);  // BONG-0 and BONG-s1 share a phone.
  f.clock.advance(10min);
  REQUIRE(service->run_once().ok());
  auto responses = list_responses(f.store->views(), id, std::nullopt);
  REQUIRE(responses.ok());
  REQUIRE(responses->size() == 3);
  const ResponseRecord* shared = nullptr;
  for (const auto& r : *responses) {
    if (r.phone == worker_phone(0, 0)) shared = &r;
  }
  REQUIRE(shared != nullptr);
  CHECK(shared->entity_id.empty());
  CHECK(shared->shared_with == std::vector<std::string>{"BONG-0", "BONG-s1"});
  CHECK_FALSE(shared->contact_uuid.empty());
  CHECK(shared->raw_text == "12 boxes");
  CHECK(shared->district == "BONG");
  for (const auto& r : *responses) {
    if (&r != shared) {
      CHECK_FALSE(r.entity_id.empty());
      CHECK(r.shared_with.empty());
    }
  }
}

TEST_CASE("a reply from a phone shared across two districts is listed under both districts, held once", "[shared-phones]") {
  // The poller writes one copy per district (each district's node holds its own); the central
  // node keeps the first as the answer and lists it under each district as their nodes do.
  auto options = MessagingFixture::default_options();
  options.broadcast_reply = "7 boxes";
  MessagingFixture f(3, 0, options, {}, shared_phone_provider("NIMBA-s1", "NIMBA", "CHW", worker_phone(0, 0)));
  std::string id = f.send(f.central, "national", MessagingFixture::text_message("Stock?", {{}, {"BONG"}, {}, {}, {}}));
  auto service = f.service();
  REQUIRE(service->run_once().ok());
  f.clock.advance(10min);
  REQUIRE(service->run_once().ok());
  auto sources = [&](const AnswerFilter& filter) {
    std::vector<std::string> out;
    REQUIRE(scan_answers(f.store->views(), filter, "", [&](const ResponseRecord& r, const std::string&) {
      if (r.phone == worker_phone(0, 0)) out.push_back(r.district + " " + r.raw_text);
      return true;
    }).ok());
    return out;
  };
  CHECK(sources({"", ""}) == std::vector<std::string>{"BONG 7 boxes"});  // Held once.
  CHECK(sources({"", "BONG"}) == std::vector<std::string>{"BONG 7 boxes"});
  CHECK(sources({"", "NIMBA"}) == std::vector<std::string>{"NIMBA 7 boxes"});
  CHECK(sources({id, "NIMBA"}) == std::vector<std::string>{"NIMBA 7 boxes"});
  CHECK(sources({id, ""}).size() == 1);
}
