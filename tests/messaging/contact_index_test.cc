// The RapidPro contact index kept in the store (messaging/contact_index.h): a restarted process
// catches up with ?after= instead of listing every contact, and still sees what changed in
// RapidPro while it was down.
#include <catch2/catch.hpp>

#include "fixture.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

size_t contact_listings(const rapidpro_emulator::Emulator& e) {
  auto calls = e.calls();
  auto it = calls.find("GET /api/v2/contacts.json");
  return it == calls.end() ? 0 : it->second;
}

size_t contact_upserts(const rapidpro_emulator::Emulator& e) {
  auto calls = e.calls();
  auto it = calls.find("POST /api/v2/contacts.json");
  return it == calls.end() ? 0 : it->second;
}

MessageRecord to_bong(const std::string& text) { return MessagingFixture::text_message(text, {{}, {"BONG"}, {}, {}, {}}); }

}  // namespace

TEST_CASE("a restarted dispatcher loads the kept contact index: two catch-up calls, not one per 250 contacts") {
  MessagingFixture f(600, 0);
  f.send(f.central, "national", to_bong("first"));
  REQUIRE(f.service()->run_once().ok());
  REQUIRE(f.emulator.contact_count() == 600);
  size_t listed = contact_listings(f.emulator), upserted = contact_upserts(f.emulator);
  f.clock.advance(1s);
  std::string second = f.send(f.central, "national", to_bong("second"));
  REQUIRE(f.service()->run_once().ok());  // A new service: what a restarted process builds.
  CHECK(f.state(second).describe() == "dispatched 600/600");
  CHECK(contact_listings(f.emulator) - listed == 2);  // ?after=<cursor>, ?deleted=true&after=<cursor>.
  CHECK(contact_upserts(f.emulator) == upserted);
  CHECK(f.emulator.duplicate_count() == 0);
}

TEST_CASE("a contact changed in RapidPro while the node was down is caught by the after= cursor") {
  MessagingFixture f(3, 0);
  f.send(f.central, "national", to_bong("first"));
  REQUIRE(f.service()->run_once().ok());
  // Staff give BONG-0's contact another number in RapidPro.
  f.clock.advance(1s);
  RapidProClient staff(f.config);
  auto page = staff.get("contacts.json", {{"urn", "tel:" + worker_phone(0, 0)}});
  REQUIRE(page.ok());
  std::string uuid = (*page)["results"][0]["uuid"];
  auto edited = staff.post("contacts.json", {{"urns", {"tel:+231770999999"}}}, {{"uuid", uuid}});
  REQUIRE(edited.ok());
  REQUIRE(edited->ok());
  f.clock.advance(1s);
  std::string second = f.send(f.central, "national", to_bong("second"));
  REQUIRE(f.service()->run_once().ok());
  CHECK(f.state(second).describe() == "dispatched 3/3");
  CHECK(f.emulator.delivered_count("tel:" + worker_phone(0, 0)) == 2);  // The registry's number again.
  CHECK(f.emulator.delivered_count("tel:+231770999999") == 0);
  CHECK(f.emulator.contact_count() == 3);
}

TEST_CASE("a contact deleted in RapidPro while the node was down is dropped at the catch-up and made again") {
  MessagingFixture f(2, 0);
  f.send(f.central, "national", to_bong("first"));
  REQUIRE(f.service()->run_once().ok());
  f.clock.advance(1s);
  f.emulator.delete_contact("tel:" + worker_phone(0, 0));
  f.clock.advance(1s);
  std::string second = f.send(f.central, "national", to_bong("second"));
  REQUIRE(f.service()->run_once().ok());
  CHECK(f.state(second).describe() == "dispatched 2/2");  // Not a batch refused with "No such object".
  CHECK(f.emulator.delivered_count("tel:" + worker_phone(0, 0)) == 2);
  CHECK(f.emulator.duplicate_count() == 0);
  // The kept index no longer names the deleted contact.
  std::string why;
  auto held = ContactIndexStore(*f.store, f.config.url).load(&why);
  REQUIRE(held);
  CHECK(held->contacts.size() == 2);
}

TEST_CASE("a kept contact index for another RapidPro URL is not used") {
  MessagingFixture f(2, 0);
  f.send(f.central, "national", to_bong("first"));
  REQUIRE(f.service()->run_once().ok());
  std::string why;
  CHECK(ContactIndexStore(*f.store, f.config.url).load(&why).has_value());
  CHECK_FALSE(ContactIndexStore(*f.store, "http://127.0.0.1:1/other").load(&why).has_value());
  CHECK_THAT(why, Catch::Contains("another RapidPro URL"));
}

TEST_CASE("a kept contact index that does not decode is listed again in full; the message still goes") {
  MessagingFixture f(2, 0);
  f.send(f.central, "national", to_bong("first"));
  REQUIRE(f.service()->run_once().ok());
  REQUIRE(f.store->put_meta("rapidpro-contacts/1/0000000000", "{not json").ok());  // The snapshot's first record.
  std::string why;
  CHECK_FALSE(ContactIndexStore(*f.store, f.config.url).load(&why).has_value());
  CHECK_THAT(why, Catch::Contains("rapidpro-contacts/1/0000000000") && Catch::Contains("does not decode"));
  size_t upserted = contact_upserts(f.emulator);
  std::string second = f.send(f.central, "national", to_bong("second"));
  REQUIRE(f.service()->run_once().ok());
  CHECK(f.state(second).describe() == "dispatched 2/2");
  CHECK(contact_upserts(f.emulator) == upserted);  // Listed again: matched, nothing re-created.
  CHECK(f.emulator.contact_count() == 2);
  auto held = ContactIndexStore(*f.store, f.config.url).load(&why);  // Replaced by the new listing.
  REQUIRE(held);
  CHECK(held->contacts.size() == 2);
}
