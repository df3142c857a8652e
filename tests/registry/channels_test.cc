// Channels (issue 20): a health worker's contact points on SMS, WhatsApp and Telegram, read from
// CSD contactPoint codes and FHIR telecom, kept through the store, ordered into RapidPro urns,
// and targeting limited to channels.
#include <catch2/catch.hpp>

#include "fixture.h"
#include "node/config.h"
#include "registry/correction.h"
#include "registry/csd_parser.h"
#include "registry/mcsd_bundle.h"
#include "registry/mcsd_mapper.h"
#include "registry/record_codec.h"
#include "registry/registry_config.h"
#include "registry/registry_query.h"
#include "registry/targeting.h"

using namespace mhero;
using namespace mhero::registry;
using namespace mhero::testing;
using mhero::testing::RegistryStore;

namespace {

// Liberian CSD: p1 SMS + WhatsApp (local code WA) + Telegram (TG); p2 WhatsApp only; p3 SMS
// only; p4 a Telegram id that is not one and a fax; p5 inactive with WhatsApp.
const char* kChannelsCsd = R"(<?xml version="1.0" encoding="UTF-8"?>
<CSD xmlns="urn:ihe:iti:csd:2013">
  <organizationDirectory>
    <organization entityID="O-BONG"><otherID assigningAuthorityName="urn:mhero:district" code="BONG"/>
      <primaryName>Bong County Health Team</primaryName><record updated="2024-01-01T00:00:00+00:00" status="Active"/></organization>
  </organizationDirectory>
  <serviceDirectory/>
  <facilityDirectory>
    <facility entityID="F1"><primaryName>Phebe Hospital</primaryName>
      <organizations><organization entityID="O-BONG"/></organizations>
      <record updated="2024-01-01T00:00:00+00:00" status="Active"/></facility>
  </facilityDirectory>
  <providerDirectory>
    <provider entityID="p1"><codedType code="NURSE" codingScheme="urn:mhero:cadre"/>
      <demographic><name><forename>Korto</forename><surname>Flomo</surname></name>
        <contactPoint><codedType code="BP">0770123456</codedType></contactPoint>
        <contactPoint><codedType code="WA">+231 77 012 3456</codedType></contactPoint>
        <contactPoint><codedType code="TG">55501234</codedType></contactPoint></demographic>
      <facilities><facility entityID="F1"/></facilities><record updated="2024-02-01T10:00:00+00:00" status="Active"/></provider>
    <provider entityID="p2"><codedType code="NURSE" codingScheme="urn:mhero:cadre"/>
      <demographic><name><forename>Musu</forename><surname>Kollie</surname></name>
        <contactPoint><codedType code="WA">0886543210</codedType></contactPoint></demographic>
      <facilities><facility entityID="F1"/></facilities><record updated="2024-02-01T10:00:00+00:00" status="Active"/></provider>
    <provider entityID="p3"><codedType code="CHW" codingScheme="urn:mhero:cadre"/>
      <demographic><name><forename>Sumo</forename><surname>Kpan</surname></name>
        <contactPoint><codedType code="BP">0775550001</codedType></contactPoint></demographic>
      <facilities><facility entityID="F1"/></facilities><record updated="2024-02-01T10:00:00+00:00" status="Active"/></provider>
    <provider entityID="p4"><codedType code="CHW" codingScheme="urn:mhero:cadre"/>
      <demographic><name><forename>Jartu</forename><surname>Weah</surname></name>
        <contactPoint><codedType code="TG">@jartu</codedType></contactPoint>
        <contactPoint><codedType code="FAX">0775550002</codedType></contactPoint></demographic>
      <facilities><facility entityID="F1"/></facilities><record updated="2024-02-01T10:00:00+00:00" status="Active"/></provider>
    <provider entityID="p5"><codedType code="NURSE" codingScheme="urn:mhero:cadre"/>
      <demographic><name><forename>Old</forename><surname>Post</surname></name>
        <contactPoint><codedType code="WA">0886540000</codedType></contactPoint></demographic>
      <facilities><facility entityID="F1"/></facilities><record updated="2024-02-01T10:00:00+00:00" status="Inactive"/></provider>
  </providerDirectory>
</CSD>)";

PhoneNormalizer liberia() { return PhoneNormalizer("LR", {{"BP", Channel::sms}, {"WA", Channel::whatsapp}, {"TG", Channel::telegram}}); }

const ProviderRecord& provider(const CsdDocument& doc, const std::string& id) {
  for (const auto& p : doc.providers) {
    if (p.entity_id == id) return p;
  }
  FAIL("no provider " << id);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("channels: CSD contact point codes give SMS, WhatsApp and Telegram urns") {
  auto doc = parse_csd_text(kChannelsCsd, "channels.xml", liberia());
  REQUIRE(doc.ok());
  const ProviderRecord& p1 = provider(*doc, "p1");
  REQUIRE(p1.phones.size() == 3);
  CHECK(p1.phones[0].channel == Channel::sms);
  CHECK(p1.phones[1].channel == Channel::whatsapp);
  CHECK(p1.phones[1].e164 == "+231770123456");
  CHECK(p1.phones[2].channel == Channel::telegram);
  CHECK(p1.phones[2].e164.empty());
  CHECK(p1.mobile_e164() == "+231770123456");
  CHECK(p1.urns() == std::vector<std::string>{"tel:+231770123456", "whatsapp:231770123456", "telegram:55501234"});
  // The node's order ([rapidpro] channel_order), then whatever it leaves out.
  std::vector<Channel> whatsapp_first{Channel::whatsapp};
  CHECK(p1.urns(whatsapp_first) ==
        std::vector<std::string>{"whatsapp:231770123456", "tel:+231770123456", "telegram:55501234"});

  const ProviderRecord& p2 = provider(*doc, "p2");
  CHECK(p2.mobile_e164().empty());  // Not an SMS number: no "mobile" for SMS.
  CHECK(p2.urns() == std::vector<std::string>{"whatsapp:231886543210"});

  const ProviderRecord& p4 = provider(*doc, "p4");
  REQUIRE(p4.phones.size() == 1);  // The fax is not a channel.
  CHECK_FALSE(p4.phones[0].valid);
  CHECK(p4.urns().empty());
  CHECK(has_warning(doc->warnings, "p4", "TG contact point 1 is not a Telegram chat id (1-15 digits)"));

  // Without the local codes (the default, BP only), only SMS numbers are read.
  auto plain = parse_csd_text(kChannelsCsd, "channels.xml", PhoneNormalizer("LR"));
  REQUIRE(plain.ok());
  CHECK(provider(*plain, "p1").urns() == std::vector<std::string>{"tel:+231770123456"});
  CHECK(provider(*plain, "p2").phones.empty());
}

TEST_CASE("channels: contact points and the preferred channel survive the store and the CSD export") {
  auto doc = parse_csd_text(kChannelsCsd, "channels.xml", liberia());
  REQUIRE(doc.ok());
  ProviderRecord p1 = provider(*doc, "p1");
  p1.preferred_channel = Channel::telegram;
  capnp::MallocMessageBuilder builder;
  to_capnp(p1, builder.initRoot<schema::Provider>());
  ProviderRecord back = from_capnp(builder.getRoot<schema::Provider>().asReader());
  CHECK(back.same_record(p1));
  CHECK(back.phones == p1.phones);
  CHECK(back.preferred_channel == Channel::telegram);
  CHECK(back.urns().front() == "telegram:55501234");
  back.preferred_channel.reset();
  CHECK_FALSE(back.same_record(p1));  // A changed preference is a changed record.

  RegistryStore rs;
  REQUIRE(import_records(*rs.store, rs.key, std::move(doc).value(), ImportOptions{}).ok());
  auto held = find_provider(rs.store->views(), "p1");
  REQUIRE(held.ok());
  CHECK(held->urns() == std::vector<std::string>{"tel:+231770123456", "whatsapp:231770123456", "telegram:55501234"});
}

TEST_CASE("channels: targeting counts and limits workers per channel") {
  auto doc = parse_csd_text(kChannelsCsd, "channels.xml", liberia());
  REQUIRE(doc.ok());
  RegistryStore rs;
  REQUIRE(import_records(*rs.store, rs.key, std::move(doc).value(), ImportOptions{}).ok());
  TargetSpec any{{}, {"BONG"}, {}, {}, {}};
  auto all = resolve_target(rs.store->views(), any);
  REQUIRE(all.ok());
  REQUIRE(all->recipients.size() == 3);  // p1, p2 (WhatsApp only), p3.
  CHECK(all->recipients[1].entity_id == "p2");
  CHECK(all->recipients[1].send_urn == "whatsapp:231886543210");
  CHECK(all->recipients[1].e164.empty());
  CHECK(all->excluded_no_mobile == 1);  // p4: nothing that reaches.
  CHECK(all->excluded_inactive == 1);   // p5.
  CHECK(all->excluded_no_channel == 0);

  TargetSpec sms = any;
  sms.channels = {Channel::sms};
  auto by_sms = resolve_target(rs.store->views(), sms);
  REQUIRE(by_sms.ok());
  REQUIRE(by_sms->recipients.size() == 2);
  CHECK(by_sms->recipients[0].send_urn == "tel:+231770123456");
  CHECK(by_sms->recipients[0].urns.size() == 3);  // The contact keeps every urn.
  CHECK(by_sms->excluded_no_channel == 1);        // p2.

  TargetSpec telegram = any;
  telegram.channels = {Channel::telegram};
  telegram.channel_order = {Channel::whatsapp, Channel::sms};
  auto by_telegram = resolve_target(rs.store->views(), telegram);
  REQUIRE(by_telegram.ok());
  REQUIRE(by_telegram->recipients.size() == 1);
  CHECK(by_telegram->recipients[0].send_urn == "telegram:55501234");
  CHECK(by_telegram->recipients[0].urns.front() == "whatsapp:231770123456");
  CHECK(by_telegram->excluded_no_channel == 2);
}

TEST_CASE("channels: FHIR telecom carries WhatsApp and Telegram urns and the preferred rank") {
  auto b = parse_mcsd_bundle(R"({"resourceType":"Bundle","type":"searchset","entry":[
    {"resource":{"resourceType":"Practitioner","id":"P1","name":[{"family":"Flomo","given":["Korto"]}],
      "telecom":[{"system":"phone","value":"0770123456","use":"mobile","rank":2},
                 {"system":"other","value":"whatsapp:231770123456","rank":1},
                 {"system":"other","value":"telegram:55501234"},
                 {"system":"other","value":"telegram:not-an-id"},
                 {"system":"email","value":"korto@example.org","rank":0}]}},
    {"resource":{"resourceType":"Practitioner","id":"P2","name":[{"family":"Kpan","given":["Sumo"]}],
      "telecom":[{"system":"sms","value":"0775550001"}]}}]})",
                             "page");
  REQUIRE(b.ok());
  McsdChangeSet changes;
  changes.add(std::move(b).value());
  auto m = map_mcsd(changes, McsdHeld{}, McsdRules{}, PhoneNormalizer("LR"), "mcsd:http://x/fhir", "urn:mhero:district");
  REQUIRE(m.doc.providers.size() == 2);
  const ProviderRecord& p1 = m.doc.providers[0];
  CHECK(p1.preferred_channel == Channel::whatsapp);  // rank 1 (the e-mail's rank 0 is no channel).
  CHECK(p1.urns() == std::vector<std::string>{"whatsapp:231770123456", "tel:+231770123456", "telegram:55501234"});
  CHECK(has_warning(m.doc.warnings, "Practitioner/P1", "telecom 3 (other) is not a Telegram chat id (1-15 digits)"));
  const ProviderRecord& p2 = m.doc.providers[1];
  CHECK_FALSE(p2.preferred_channel.has_value());
  CHECK(p2.urns() == std::vector<std::string>{"tel:+231775550001"});
}

TEST_CASE("channels: a phone correction replaces the SMS numbers and keeps the other channels") {
  auto doc = parse_csd_text(kChannelsCsd, "channels.xml", liberia());
  REQUIRE(doc.ok());
  Correction c;
  c.id = "c1";
  c.change.phones = {"+231779999999"};
  PhoneNormalizer phones = liberia();
  ProviderRecord corrected = apply_change(provider(*doc, "p1"), c, [&](const std::string& raw) { return phones.normalize(raw); });
  CHECK(corrected.urns() == std::vector<std::string>{"tel:+231779999999", "whatsapp:231770123456", "telegram:55501234"});
  CHECK(field_value(corrected, "phone") == "+231779999999");
}

TEST_CASE("channels: config names contact point codes and the channel order, and refuses bad items") {
  auto config = [](const std::string& text) {
    NodeConfig c;
    c.table = toml::parse(text);
    return c;
  };
  auto ok = RegistryConfig::from(config("[registry]\ncontact_point_codes = [\"BP=sms\", \"WA=whatsapp\", \"TG=telegram\"]\n"));
  REQUIRE(ok.ok());
  CHECK(ok->contact_point_codes.size() == 3);
  CHECK(ok->normalizer().channel_of_code("WA") == Channel::whatsapp);
  CHECK(ok->normalizer().channel_of_code("whatsapp") == Channel::whatsapp);  // A channel's own name.
  CHECK_FALSE(ok->normalizer().channel_of_code("FAX").has_value());
  auto bad = RegistryConfig::from(config("[registry]\ncontact_point_codes = [\"BP=sms\", \"WA=signal\"]\n"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "config [registry] contact_point_codes item 2 'WA=signal': write CODE=CHANNEL with CHANNEL sms, whatsapp or "
        "telegram (e.g. \"WA=whatsapp\")");
}
