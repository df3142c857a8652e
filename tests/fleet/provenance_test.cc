// Provenance across real nodes and a real relayed bundle: a record imported from a CSD file on the
// central node and changed by an accepted correction, and a health worker's answer (a response
// from a RapidPro run), reach district A through district B's stick. A's chains name each step:
// the bundle and the relay node, the carrying entries, the correction and its reviewer, the file,
// and the RapidPro run.
#include "fleet_fixture.h"

#include <capnp/message.h>

#include <fstream>

#include "messaging/message_codec.h"
#include "messaging/response_provenance.h"
#include "registry/correction_desk.h"
#include "registry/importer.h"
#include "registry/provenance.h"
#include "util/bytes.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

const char* kCsd = R"(<?xml version="1.0" encoding="UTF-8"?>
<CSD xmlns="urn:ihe:iti:csd:2013"><organizationDirectory/><serviceDirectory/>
  <facilityDirectory>
    <facility entityID="F-A"><otherID assigningAuthorityName="urn:mhero:district" code="A"/>
      <primaryName>Phebe</primaryName><record updated="2026-01-01T00:00:00+00:00" status="Active"/></facility>
  </facilityDirectory>
  <providerDirectory>
    <provider entityID="a1"><demographic><name><commonName>Korto Flomo</commonName></name>
      <contactPoint><codedType code="BP">0770123456</codedType></contactPoint></demographic>
      <facilities><facility entityID="F-A"/></facilities><record updated="2026-01-01T00:00:00+00:00" status="Active"/></provider>
  </providerDirectory></CSD>)";

std::string chain_text(const std::vector<registry::ProvenanceStep>& chain) {
  std::string all;
  for (const auto& s : chain) all += s.step + ": " + s.text + "\n";
  return all;
}

}  // namespace

TEST_CASE("provenance: a record and an answer that reached a district through a relayed bundle name each step",
          "[provenance]") {
  FleetNet net;
  net.receive(*net.b, net.send(*net.central, *net.b, "to-b.mhb").parts);
  Node& central = **net.central;
  registry::PhoneNormalizer phones("LR");
  {
    std::ofstream(net.tmp / "Providers.xml") << kCsd;
    registry::ImportOptions o;
    o.import_id = "file-import";
    REQUIRE(registry::import_csd_files(central.store(), central.key(), {net.tmp / "Providers.xml"}, phones, o).ok());
  }
  net.advance(1min);
  registry::Proposal p;
  p.entity_id = "a1";
  p.phones = {"0779999999"};
  p.note = "new number";
  p.user = "musu";
  auto proposed = registry::propose_correction(central.store(), central.key(), central.config(), phones, p);
  REQUIRE(proposed.ok());
  net.advance(1min);
  auto decided = registry::decide_correction(central.store(), central.key(), central.config(), phones,
                                             net.central->clock, {proposed->id, true, "", "ama", ""});
  REQUIRE(decided.ok());
  // The central node's response poller wrote a's answer to a RapidPro run into A's feed.
  net.advance(1min);
  ResponseRecord r;
  r.entity_id = "a1";
  r.district = "A";
  r.source_id = "run:0b6ed5cb-4b9f-422d-a53d-83965f93ff40";
  r.answered_at_ms = net.central->clock.now().count() - 30'000;
  r.values = {{"stock", "12"}};
  r.contact_uuid = "d33e9ad5-5c35-414c-abd4-e7451c69ff1d";
  r.phone = "+231779999999";
  capnp::MallocMessageBuilder m;
  response_to_capnp(r, m.initRoot<schema::Payload>().initResponse());
  REQUIRE(central.store().append(central.key(), "district/A", m.getRoot<schema::Payload>().asReader()).ok());

  // The stick for A goes to B first; B's next export for A carries it.
  net.advance(1h);
  auto for_a = net.send(*net.central, *net.a, "central-to-a.mhb");
  auto kept = net.receive(*net.b, for_a.parts);
  REQUIRE(kept[0].outcome == bundle::Outcome::relayed);
  net.advance(1h);
  auto from_b = net.send(*net.b, *net.a, "b-to-a.mhb");
  REQUIRE(from_b.relayed.size() == 1);
  std::vector<std::filesystem::path> files = from_b.parts;
  files.insert(files.end(), from_b.relayed.begin(), from_b.relayed.end());
  net.receive(*net.a, files);

  const std::string bundle_id = to_hex(std::span<const uint8_t>(for_a.bundle_id));
  const std::string via_b = "relayed through node " + (*net.b)->id().short_hex();
  const std::string from_central = "exported by node " + central.id().short_hex();

  auto record = registry::record_provenance((*net.a)->store(), (*net.a)->id(), registry::RecordKind::provider, "a1");
  REQUIRE(record.ok());
  std::string all = chain_text(*record);
  INFO(all);
  REQUIRE(record->size() >= 4);
  CHECK((*record)[0].step == "arrival");  // Newest first: it reached A last.
  CHECK_THAT((*record)[0].text, Catch::Contains("in bundle " + bundle_id) && Catch::Contains(from_central) &&
                                    Catch::Contains(via_b));
  CHECK_THAT(all, Catch::Contains("carried by registryDelta entry"));
  CHECK_THAT(all, Catch::Contains("correction " + proposed->id + " accepted by ama"));
  CHECK_THAT(all, Catch::Contains("(musu)"));
  CHECK_THAT(all, Catch::Contains("before the correction: value from file Providers.xml sha256:"));

  auto answer = response_provenance((*net.a)->store(), (*net.a)->id(), r.source_id);
  REQUIRE(answer.ok());
  all = chain_text(*answer);
  INFO(all);
  REQUIRE(answer->size() == 3);
  CHECK((*answer)[0].step == "arrival");
  CHECK_THAT((*answer)[0].text, Catch::Contains("in bundle " + bundle_id) && Catch::Contains(via_b));
  CHECK((*answer)[1].step == "entry");
  CHECK_THAT((*answer)[1].text, Catch::Contains("response entry") && Catch::Contains("district/A") &&
                                    Catch::Contains("written by node " + central.id().short_hex()) &&
                                    Catch::Contains("when it polled RapidPro"));
  CHECK((*answer)[2].step == "source");
  CHECK_THAT((*answer)[2].text, Catch::Contains("health worker a1 in RapidPro run 0b6ed5cb-4b9f-422d-a53d-83965f93ff40") &&
                                    Catch::Contains("from +231779999999"));
  CHECK((*answer)[2].at_ms == r.answered_at_ms);
  // On the central node the same answer was written there; an unknown source id is not_found.
  auto here = response_provenance(central.store(), central.id(), r.source_id);
  REQUIRE(here.ok());
  CHECK_THAT(chain_text(*here), Catch::Contains("written on this node"));
  auto unknown = response_provenance((*net.a)->store(), (*net.a)->id(), "run:nope");
  CHECK(unknown.status().code() == StatusCode::not_found);
  CHECK_THAT(unknown.status().message(), Catch::Contains("responses list --json"));
}
