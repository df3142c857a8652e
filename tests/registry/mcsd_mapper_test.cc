// mCSD (FHIR R4) -> registry records (registry/mcsd_bundle.h, mcsd_mapper.h) on iHRIS 5's own
// demo data (tests/registry/data/fhir/ihris-demo, as iHRIS ships it), imported into a real store.
#include <catch2/catch.hpp>

#include "fixture.h"
#include "registry/importer.h"
#include "registry/mcsd_bundle.h"
#include "registry/mcsd_mapper.h"
#include "registry/registry_query.h"

using namespace mhero;
using namespace mhero::registry;
using namespace mhero::testing;
using mhero::testing::RegistryStore;

namespace {

std::string demo(const std::string& file) {
  return std::string(MHERO_TEST_FHIR_DIR) + "/ihris-demo/" + file;
}

McsdChangeSet demo_changes() {
  McsdChangeSet changes;
  for (const char* f :
       {"bundle-Country.json", "bundle-Region.json", "bundle-District.json", "bundle-Facility.json",
        "bundle-Practitioner.json", "bundle-PractitionerRole.json"}) {
    auto b = parse_mcsd_bundle_file(demo(f));
    INFO(f << ": " << b.status().to_string());
    REQUIRE(b.ok());
    changes.add(std::move(b).value());
  }
  return changes;
}

McsdRules demo_rules() {
  McsdRules rules;
  auto n = load_job_code_system(demo("CodeSystem-ihris-job.json"), rules);
  REQUIRE(n.ok());
  CHECK(*n == 36);  // 36 of iHRIS's 51 jobs carry a cadre.
  return rules;
}

const char* kSource = "mcsd:http://ihris.test/fhir";

}  // namespace

TEST_CASE("mCSD: iHRIS 5 demo data maps to providers, facilities and districts") {
  McsdChangeSet changes = demo_changes();
  McsdRules rules = demo_rules();
  PhoneNormalizer phones("US");
  auto m = map_mcsd(changes, McsdHeld{}, rules, phones, kSource, "urn:mhero:district");
  CHECK(m.practitioners == 1007);
  CHECK(m.roles == 1008);
  CHECK(m.locations == 297);  // 247 countries, 5 regions, 30 districts, 15 facilities.
  CHECK(m.organizations_fhir == 15);
  CHECK(m.doc.providers.size() == 1007);
  CHECK(m.doc.facilities.size() == 15);
  CHECK(m.doc.organizations.size() == 282 + 15);  // Jurisdictions + Organizations.
  CHECK(m.role_updates.size() == 1008);

  RegistryStore rs;
  ImportOptions options;
  options.import_id = "mcsd-demo";
  auto report = import_records(*rs.store, rs.key, std::move(m.doc), options);
  INFO(report.status().to_string());
  REQUIRE(report.ok());
  CHECK(report->providers == 1007);
  CHECK(report->unassigned == 7);  // The 7 practitioners without a role.
  CHECK(report->added == 1007 + 15 + 297);
  CHECK(report->entries_by_scope.size() == 14);  // national + 13 districts with workers.

  const auto& views = rs.store->views();
  auto stats = registry_stats(views);
  REQUIRE(stats.ok());
  std::map<std::string, size_t> by_district(stats->by_district.begin(), stats->by_district.end());
  CHECK(by_district["TF.CC.CAP"] == 266);
  CHECK(by_district["TF.W.RSH"] == 169);
  CHECK(by_district["TF.S.NYS"] == 15);
  CHECK(by_district.size() == 13);

  auto p = find_provider(views, "Practitioner/P10024");  // Two roles, two facilities.
  REQUIRE(p.ok());
  CHECK(p->display_name() == p->forename + " " + p->surname);
  CHECK(p->district == "TF.CC.CAP");
  CHECK(p->facility_ids ==
        std::vector<std::string>{"Location/TF.CC.CAP.12", "Location/TF.CC.CAP.2"});
  REQUIRE(p->cadres.size() == 1);  // 2221-2D Specialized Doctor; 1231-1C Manager has no cadre.
  CHECK(p->cadres[0] ==
        CodedValue{"doctor", "http://ihris.org/fhir/CodeSystem/ihris-classification", ""});
  REQUIRE(p->skills.size() == 2);
  CHECK(p->skills[0].code == "2221-2D");
  CHECK(p->skills[0].label == "Specialized Doctor");
  CHECK(p->source == kSource);
  CHECK(p->status == RecordStatus::active);

  auto clerk = find_provider(views, "Practitioner/P9999");  // PR10001, Receptionist, no cadre.
  REQUIRE(clerk.ok());
  CHECK(clerk->district == "TF.S.NYS");
  CHECK(clerk->cadres.empty());
  CHECK(clerk->skills[0].code == "4222-1A");

  // Lorne Green: the one demo worker with phones (work 111…, work 333…, mobile 222…), no role.
  auto lorne = find_provider(views, "Practitioner/P10335");
  REQUIRE(lorne.ok());
  CHECK(lorne->common_names == std::vector<std::string>{"Lorne Green"});
  CHECK(lorne->district.empty());
  REQUIRE(lorne->phones.size() == 3);
  CHECK(lorne->phones[0].raw == "222-222-2222");  // use = mobile first.
  CHECK(lorne->phones[1].raw == "111-111-1111");
  CHECK(lorne->phones[2].raw == "333-333-3333");
  CHECK(lorne->phones[0].e164 == "+12222222222");
  CHECK_FALSE(lorne->phones[0].valid);  // 222 is no US area code: no demo worker is reachable.
  CHECK(stats->with_valid_mobile == 0);
  CHECK(has_warning(report->warnings, "Practitioner/P10335",
                    "telecom 3 (phone) is not a valid number"));

  auto facilities = held_facilities(views);
  REQUIRE(facilities.ok());
  const FacilityRecord& rsh = facilities->at("Location/TF.W.RSH.1");
  CHECK(rsh.name == "Rushonga Hospital");
  CHECK(rsh.district == "TF.W.RSH");
  // partOf, then iHRIS's bare-string managingOrganization.
  CHECK(rsh.organization_ids ==
        std::vector<std::string>{"Location/TF.W.RSH", "Organization/TF.W.RSH.1"});
  CHECK(rsh.facility_types[0].code == "urn:ihe:iti:mcsd:2019:facility");
  auto orgs = held_organizations(views);
  REQUIRE(orgs.ok());
  CHECK(orgs->at("Location/TF.W").district.empty());  // A region is above the districts.
  CHECK(orgs->at("Location/TF.W.RSH").parent_id == "Location/TF.W");
  CHECK(orgs->at("Organization/TF.W.RSH.1").source == kSource);
}

TEST_CASE("mCSD: district by level or identifier system instead of the type code") {
  McsdChangeSet changes = demo_changes();
  McsdRules rules = demo_rules();
  rules.district_level = 2;  // Country 1, region 2: regions become the districts.
  auto m =
      map_mcsd(changes, McsdHeld{}, rules, PhoneNormalizer("US"), kSource, "urn:mhero:district");
  RegistryStore rs;
  auto report = import_records(*rs.store, rs.key, std::move(m.doc), ImportOptions{});
  REQUIRE(report.ok());
  CHECK(find_provider(rs.store->views(), "Practitioner/P10024")->district == "TF.CC");
  CHECK(report->unassigned == 7);

  rules.district_level = 0;
  rules.district_identifier_system = "urn:example:district-code";  // No demo Location has one.
  auto none =
      map_mcsd(changes, McsdHeld{}, rules, PhoneNormalizer("US"), kSource, "urn:mhero:district");
  CHECK(has_warning(none.doc.warnings, "Location/TF.W.RSH", "without an identifier of system"));
}

TEST_CASE("mCSD: a malformed Bundle is an error naming it; a bad resource is a warning") {
  CHECK(parse_mcsd_bundle("{\"resourceType\":\"Bundle\",", "http://x/fhir/Practitioner")
            .status()
            .message() == "http://x/fhir/Practitioner: not JSON (nothing imported)");
  CHECK(parse_mcsd_bundle(R"({"resourceType":"OperationOutcome"})", "u").status().message() ==
        "u: resourceType is 'OperationOutcome', expected Bundle (nothing imported)");
  CHECK(parse_mcsd_bundle(R"({"resourceType":"Bundle","entry":{}})", "u").status().message() ==
        "u: Bundle.entry is not an array (nothing imported)");
  CHECK(parse_mcsd_bundle(R"({"resourceType":"Bundle","entry":[1]})", "u").status().message() ==
        "u entry 0 is not an object (nothing imported)");

  auto b = parse_mcsd_bundle(R"({"resourceType":"Bundle","type":"history","entry":[
    {"resource":{"resourceType":"Practitioner"}},
    {"fullUrl":"http://x/fhir/Practitioner/P2","request":{"method":"DELETE","url":"Practitioner/P2"},
     "response":{"etag":"W/\"4\""}},
    {"resource":{"resourceType":"PractitionerRole","id":"R1","code":[]}},
    {"resource":{"resourceType":"Practitioner","id":"P3","meta":{"lastUpdated":"yesterday"},
                 "telecom":[{"system":"sms","value":" "}]}}]})",
                             "page");
  REQUIRE(b.ok());
  REQUIRE(b->resources.size() == 3);
  CHECK(b->resources[0].deleted);
  CHECK(b->resources[0].reference() == "Practitioner/P2");
  CHECK(b->resources[0].version_id == "4");
  CHECK(b->warnings[0].reason == "resource without id skipped");
  CHECK(b->warnings[0].where == "page entry 0");
  McsdChangeSet changes;
  changes.add(std::move(b).value());
  auto m = map_mcsd(changes, McsdHeld{}, McsdRules{}, PhoneNormalizer("LR"), kSource,
                    "urn:mhero:district");
  CHECK(m.doc.removed_providers == std::vector<std::string>{"Practitioner/P2"});
  CHECK(has_warning(m.doc.warnings, "PractitionerRole/R1", "no practitioner reference"));
  CHECK(has_warning(m.doc.warnings, "Practitioner/P3", "no name"));
  CHECK(has_warning(m.doc.warnings, "Practitioner/P3", "invalid meta.lastUpdated 'yesterday'"));
  CHECK(has_warning(m.doc.warnings, "Practitioner/P3", "telecom 0 (sms) has no value"));
  REQUIRE(m.doc.providers.size() == 1);
  CHECK(m.doc.providers[0].entity_id == "Practitioner/P3");
}

TEST_CASE("mCSD: pages merge by id and version; the newer version wins") {
  McsdChangeSet changes;
  auto v = [](const char* version, const char* time, const char* phone) {
    McsdResource r;
    r.type = "Practitioner";
    r.id = "P1";
    r.version_id = version;
    r.last_updated = time;
    r.resource = {{"resourceType", "Practitioner"},
                  {"id", "P1"},
                  {"active", true},
                  {"telecom", {{{"system", "phone"}, {"value", phone}}}}};
    return r;
  };
  changes.add(v("3", "2024-03-01T00:00:00Z", "0770000003"));  // History: newest first.
  changes.add(v("2", "2024-02-01T00:00:00Z", "0770000002"));
  changes.add(v("10", "2024-01-01T00:00:00Z", "0770000010"));  // 10 > 3 numerically.
  REQUIRE(changes.size() == 1);
  CHECK(changes.of("Practitioner").at("P1").version_id == "10");
  auto m = map_mcsd(changes, McsdHeld{}, McsdRules{}, PhoneNormalizer("LR"), kSource,
                    "urn:mhero:district");
  CHECK(m.doc.providers.at(0).phones.at(0).e164 == "+231770000010");
}
