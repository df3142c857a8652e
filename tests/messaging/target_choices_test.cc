// The compose pickers' choices (src/messaging/target_choices.cc): facilities read by name and
// district; an entityID shows only where two held facilities share a name.
#include <catch2/catch.hpp>

#include "messaging/target_choices.h"
#include "registry/csd_parser.h"
#include "registry/importer.h"
#include "registry/registry_view.h"
#include "support/entries.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

std::string facility_xml(const std::string& id, const std::string& name, const std::string& district) {
  return "<facility entityID=\"" + id + "\"><otherID assigningAuthorityName=\"urn:mhero:district\" code=\"" + district +
         "\"/><primaryName>" + name + "</primaryName><record updated=\"2024-01-01T00:00:00+00:00\" status=\"Active\"/></facility>";
}

std::string worker_xml(const std::string& id, const std::string& facility, const std::string& phone,
                       const std::string& status = "Active") {
  return "<provider entityID=\"" + id + "\"><codedType code=\"NURSE\" codingScheme=\"urn:mhero:cadre\"/><demographic><name>"
         "<commonName>Worker " + id + "</commonName></name><contactPoint><codedType code=\"BP\">" + phone +
         "</codedType></contactPoint></demographic><facilities><facility entityID=\"" + facility +
         "\"/></facilities><record updated=\"2024-02-01T10:00:00+00:00\" status=\"" + status + "\"/></provider>";
}

/// The target choices of a fresh store that imported one CSD document made of these facility
/// and provider elements.
TargetChoices choices_of(const std::string& facilities, const std::string& providers) {
  TempDir dir;
  ManualClock clock{std::chrono::milliseconds(1'700'000'000'000)};
  registry::RegistryView view;
  auto store = LogStore::open(dir / "db", clock, StoreOptions{{&view}}).value();
  std::string csd = R"(<?xml version="1.0"?><CSD xmlns="urn:ihe:iti:csd:2013"><organizationDirectory/><serviceDirectory/><facilityDirectory>)" +
                    facilities + "</facilityDirectory><providerDirectory>" + providers + "</providerDirectory></CSD>";
  registry::PhoneNormalizer phones("LR");
  auto doc = registry::parse_csd_text(csd, "facilities.xml", phones);
  REQUIRE(doc.ok());
  REQUIRE(registry::import_records(*store, test_key(1), std::move(doc).value(), registry::ImportOptions{}).ok());
  auto choices = target_choices(store->views());
  REQUIRE(choices.ok());
  return std::move(choices).value();
}

}  // namespace

TEST_CASE("facility choices read by name and district; twin names in one district keep their entityIDs") {
  const std::string phebe = "urn:uuid:0b6c1d2e-3f40-4a51-8b62-7c83d94ea5f6";
  const std::string twin_a = "urn:uuid:11111111-aaaa-4aaa-8aaa-111111111111";
  const std::string twin_b = "urn:uuid:22222222-bbbb-4bbb-8bbb-222222222222";
  const std::string namesake = "urn:uuid:33333333-cccc-4ccc-8ccc-333333333333";  // Same name, other district.
  auto choices = choices_of(facility_xml(phebe, "Phebe Hospital", "BONG") + facility_xml(twin_a, "Town Clinic", "BONG") +
                                facility_xml(twin_b, "Town Clinic", "BONG") + facility_xml(namesake, "Town Clinic", "NIMBA"),
                            worker_xml("p1", phebe, "0770000001") + worker_xml("p2", phebe, "0770000002") +
                                worker_xml("p3", twin_a, "0770000003") + worker_xml("p4", twin_b, "0770000004") +
                                worker_xml("p5", namesake, "0770000005"));
  std::vector<std::string> shown;
  for (const auto& c : choices.facilities) shown.push_back(choice_text(c) + ", " + c.detail + " · " + std::to_string(c.providers));
  CHECK(shown == std::vector<std::string>{"Phebe Hospital, BONG · 2", "Town Clinic (" + twin_a + "), BONG · 1",
                                          "Town Clinic (" + twin_b + "), BONG · 1", "Town Clinic, NIMBA · 1"});
  // Cadres keep their code: staff know it, and a code list may give one name to two codes.
  REQUIRE(choices.cadres.size() == 1);
  CHECK(choice_text(choices.cadres[0]) == "NURSE");
}

TEST_CASE("the pickers count the workers a message can reach beside those held") {
  auto choices = choices_of(facility_xml("F-PHEBE", "Phebe Hospital", "BONG") + facility_xml("F-NONE", "Unmapped Post", ""),
                            worker_xml("p1", "F-PHEBE", "0770000001") +
                                worker_xml("p2", "F-PHEBE", "12") +                      // No valid number.
                                worker_xml("p3", "F-PHEBE", "0770000003", "Inactive") +  // Inactive.
                                worker_xml("p4", "F-NONE", "0770000004"));               // No district.
  REQUIRE(choices.cadres.size() == 1);
  CHECK(reach_text(choices.cadres[0]) == "1 of 4 workers reachable");
  std::vector<std::string> facilities;
  for (const auto& c : choices.facilities) facilities.push_back(choice_text(c) + " · " + reach_text(c));
  CHECK(facilities == std::vector<std::string>{"Phebe Hospital · 1 of 3 workers reachable",
                                               "Unmapped Post · 0 of 1 worker reachable"});
  REQUIRE(choices.districts.size() == 1);
  CHECK(reach_text(choices.districts[0]) == "1 of 3 workers reachable");
  choices.districts[0].reachable = 3;
  CHECK(reach_text(choices.districts[0]) == "3 workers");
}

TEST_CASE("a target's codes no held worker carries are named, with what is held") {
  auto choices = choices_of(facility_xml("F-PHEBE", "Phebe Hospital", "BONG"),
                            worker_xml("p1", "F-PHEBE", "0770000001") + worker_xml("p2", "F-PHEBE", "0770000002"));
  MessageTarget target;
  target.cadres = {"NURSE", "RN2", "RN2"};  // A good code beside a mistyped one (given twice).
  target.districts = {"BONG"};
  target.facilities = {"F-GONE"};
  UnknownTargetCodes unknown = unknown_target_codes(choices, target);
  CHECK(unknown.cadres == std::vector<std::string>{"RN2"});
  CHECK(unknown.districts.empty());
  CHECK(unknown.facilities == std::vector<std::string>{"F-GONE"});
  CHECK_FALSE(unknown.empty());
  CHECK(unknown_codes_text("cadre", unknown.cadres, choices.cadres) ==
        "no health worker in this node's registry carries the cadre code \"RN2\" (it holds NURSE)");
  CHECK(unknown_codes_text("facility", unknown.facilities, choices.facilities) ==
        "no health worker in this node's registry carries the facility entityID \"F-GONE\" (it holds Phebe Hospital = F-PHEBE)");
  CHECK(unknown_codes_text("skill", {"A", "B"}, choices.skills) ==
        "no health worker in this node's registry carries the skill codes \"A\", \"B\" (none of its workers has one)");
  // Many held codes: the first eight, sorted, then a count.
  std::vector<TargetChoice> many;
  for (char c = 'J'; c >= 'A'; --c) {
    TargetChoice choice;
    choice.value = std::string(1, c);
    many.push_back(choice);
  }
  CHECK(unknown_codes_text("cadre", {"Z"}, many) ==
        "no health worker in this node's registry carries the cadre code \"Z\" (it holds A, B, C, D, E, F, G, H and 2 more)");
  // A node holding no registry yet leaves the target to the central node.
  CHECK(unknown_target_codes(TargetChoices{}, target).empty());
}
