#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <iterator>

#include "fixture.h"
#include "registry/csd_parser.h"

using namespace mhero;
using namespace mhero::registry;
using namespace mhero::testing;
using mhero::testing::csd_data_dir;

namespace {

CsdDocument parse_data(const std::string& name) {
  auto doc = parse_csd_file(csd_data_dir() + "/" + name, kLiberia);
  INFO(doc.status().to_string());
  REQUIRE(doc.ok());
  return std::move(doc).value();
}

size_t valid_mobiles(const CsdDocument& d) {
  size_t n = 0;
  for (const auto& p : d.providers) n += !p.mobile_e164().empty();
  return n;
}

}  // namespace

TEST_CASE("Rwanda iHRIS providers.xml gives 1,014 providers with cadre codes and no phones") {
  CsdDocument d = parse_data("providers.xml");
  CHECK(d.providers.size() == 1014);
  CHECK(valid_mobiles(d) == 0);
  CHECK(d.warnings.empty());
  const ProviderRecord& first = d.providers.front();
  CHECK(first.entity_id ==
        "urn:oid:2.25.309768652999692686176651983274504471835.646.1.615351552068889518564164611046405512878087");
  REQUIRE(first.cadres.size() == 1);
  CHECK(first.cadres[0].code == "CHW");
  CHECK(first.forename == "Dre");
  CHECK(first.surname == "Doctor");
  CHECK(first.status == RecordStatus::active);
  CHECK(first.updated == "2013-10-01T14:53:36+00:00");
}

TEST_CASE("Connectathon providers: names, cadre, skills, organizations, US phones invalid for LR") {
  CsdDocument d = parse_data("CSD-Providers-Connectathon-20150120.xml");
  CHECK(d.providers.size() == 9);
  CHECK(valid_mobiles(d) == 0);
  CHECK(d.warnings.size() == 9);  // One "not a valid number for region LR" per provider.
  CHECK(d.facilities.empty());  // Facility references only, no facility records.
  const ProviderRecord& p = d.providers.front();
  CHECK(p.entity_id == "urn:uuid:a97b9397-ce4e-4a57-b12a-0d46ce6f36b7");
  CHECK(p.common_names == std::vector<std::string>{"Banargee, Dev"});
  CHECK(p.display_name() == "Dev Banerjee");
  REQUIRE(p.cadres.size() == 1);
  CHECK(p.cadres[0] == CodedValue{"105-007", "1.3.6.1.4.1.21367.100.1", "Physician/Medical Oncology"});
  REQUIRE(p.skills.size() == 2);
  CHECK(p.skills[0].code == "109-003");  // specialty
  CHECK(p.skills[1].code == "108-001");  // credential
  CHECK(p.organization_ids.size() == 2);
  REQUIRE(p.phones.size() == 1);  // BP only, FAX ignored.
  CHECK(p.phones[0].raw == "555-777-1111");
  CHECK_FALSE(p.phones[0].valid);
}

TEST_CASE("Connectathon facilities, organizations, services files") {
  CsdDocument f = parse_data("CSD-Facilities-Connectathon-20150120.xml");
  CHECK(f.providers.empty());
  CHECK(f.facilities.size() == 3);
  CHECK(f.warnings.empty());
  CHECK(f.facilities[0].name == "Connectathon Radiology Facility");
  CsdDocument o = parse_data("CSD-Organizations-Connectathon-20150120.xml");
  CHECK(o.organizations.size() == 5);
  CHECK(o.warnings.empty());
  CsdDocument s = parse_data("CSD-Services-Connectathon-20150120.xml");
  CHECK(s.providers.empty());
  CHECK(s.services == 13);
}

TEST_CASE("SVS value sets parse as code lists") {
  CsdDocument d = parse_data("value-sets/1.3.6.1.4.1.21367.200.106-providerStatusCode.xml");
  REQUIRE(d.code_lists.size() == 1);
  CHECK(d.code_lists[0].oid == "1.3.6.1.4.1.21367.200.106");
  CHECK(d.code_lists[0].codes.size() == 4);
  CHECK(d.code_lists[0].codes[0] == CodedValue{"106-001", "1.3.6.1.4.1.21367.100.1", "Active"});
}

TEST_CASE("Files that are not CSD documents are refused by name") {
  auto xsd = parse_csd_file(csd_data_dir() + "/CSD.xsd", kLiberia);
  REQUIRE_FALSE(xsd.ok());
  CHECK(xsd.status().code() == StatusCode::invalid_argument);
  CHECK(xsd.status().message().find("root element is 'xs:schema'") != std::string::npos);
  auto req = parse_csd_file(csd_data_dir() + "/requests/get-all-providers.xml", kLiberia);
  REQUIRE_FALSE(req.ok());
  CHECK(req.status().message().find("csd:careServicesRequest") != std::string::npos);
  auto missing = parse_csd_file(csd_data_dir() + "/no-such.xml", kLiberia);
  CHECK(missing.status().code() == StatusCode::not_found);
  auto dir = parse_csd_file(csd_data_dir(), kLiberia);
  CHECK(dir.status().code() == StatusCode::invalid_argument);
  CHECK(dir.status().message().find("is a directory: name the CSD files in it") != std::string::npos);
}

TEST_CASE("A document with a DTD is refused: its entities would stay unexpanded in ids and names") {
  auto r = parse_csd_text(
      "<?xml version=\"1.0\"?>\n<!DOCTYPE CSD [<!ENTITY lol \"lol\"><!ENTITY lol3 \"&lol;&lol;\">]>\n"
      "<CSD xmlns=\"urn:ihe:iti:csd:2013\"><providerDirectory><provider entityID=\"&lol3;\"/></providerDirectory></CSD>",
      "dtd.xml", kLiberia);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::invalid_argument);
  CHECK(r.status().message().rfind("dtd.xml:2:", 0) == 0);
  CHECK(r.status().message().find(": a DOCTYPE (DTD) is not accepted in a CSD document (nothing imported)") !=
        std::string::npos);
}

TEST_CASE("Malformed XML is an error with file:line:column") {
  auto r = parse_csd_text("<CSD xmlns=\"urn:ihe:iti:csd:2013\">\n<providerDirectory>\n  <provider entityID=\"x\">\n</CSD>",
                          "bad.xml", kLiberia);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::invalid_argument);
  CHECK(r.status().message().rfind("bad.xml:4:", 0) == 0);
}

TEST_CASE("A document cut short is called truncated; a root in another namespace names that namespace") {
  std::ifstream in(csd_data_dir() + "/CSD-Providers-Connectathon-20150120.xml", std::ios::binary);
  std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(whole.size() > 4000);
  for (size_t cut : {whole.size() / 2, whole.size() / 3 + 7, whole.size() - 3}) {
    auto r = parse_csd_text(whole.substr(0, cut), "providers.xml", kLiberia);
    REQUIRE_FALSE(r.ok());
    INFO(r.status().message());
    CHECK(r.status().code() == StatusCode::invalid_argument);
    CHECK(r.status().message().rfind("providers.xml:", 0) == 0);
    CHECK(r.status().message().find("the file looks truncated, as by an interrupted download or copy; fetch or "
                                    "copy it again (nothing imported)") != std::string::npos);
  }
  // A file with no tag at all (a CSV given by mistake) is not called truncated.
  auto csv = parse_csd_text("entityID,name,phone\np1,Jane,+231770000001\n", "providers.csv", kLiberia);
  REQUIRE_FALSE(csv.ok());
  CHECK(csv.status().message() ==
        "providers.csv: this is not XML (No document element found; no tag in the whole file: a CSV or JSON "
        "file?): give the CSD XML document, e.g. OpenInfoMan's export of the directory (nothing imported)");
  // An empty file says so.
  for (const char* empty : {"", " \n\n"}) {
    auto none = parse_csd_text(empty, "e.xml", kLiberia);
    REQUIRE_FALSE(none.ok());
    CHECK(none.status().code() == StatusCode::invalid_argument);
    CHECK(none.status().message() == "e.xml: the file is empty (" + std::to_string(std::strlen(empty)) +
                                         " bytes): give the CSD XML document, e.g. OpenInfoMan's export of the "
                                         "directory, or fetch it with `mhero registry pull` (nothing imported)");
  }
  // A missing file names the reason.
  auto missing = parse_csd_file("/nonexistent/dir/providers.xml", kLiberia);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::not_found);
  CHECK(missing.status().message() ==
        "cannot read /nonexistent/dir/providers.xml: No such file or directory (nothing imported)");
  // A wrong end tag at the very end is a mismatch, not a truncation.
  auto mismatch = parse_csd_text("<CSD xmlns=\"urn:ihe:iti:csd:2013\"><providerDirectory/></CSX>", "m.xml", kLiberia);
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.status().message() == "m.xml:1:57: not well-formed XML: Start-end tags mismatch; correct the file "
                                       "at that place or export it again (nothing imported)");

  auto other = parse_csd_text("<CSD xmlns=\"urn:example:not-csd\"><providerDirectory/></CSD>", "o.xml", kLiberia);
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().message() ==
        "o.xml: root element is 'CSD' in namespace 'urn:example:not-csd', expected CSD in urn:ihe:iti:csd:2013 (or an "
        "SVS ValueSet in urn:ihe:iti:svs:2008): is this the registry's CSD export? (nothing imported)");
}

TEST_CASE("Messy records are kept or skipped with warnings, never abort") {
  auto r = parse_csd_text(mhero::testing::kFixtureCsd, "fixture.xml", kLiberia);
  REQUIRE(r.ok());
  CHECK(r->providers.size() == 8);  // p9 has no id.
  CHECK(r->facilities.size() == 3);
  CHECK(r->organizations.size() == 4);
  CHECK(r->warnings.size() == 6);
  CHECK(valid_mobiles(*r) == 6);  // p1 p2 p3 p4 p7 p8.
  const auto& p7 = r->providers[6];
  CHECK(p7.entity_id == "p7");  // From @urn.
  CHECK(p7.status == RecordStatus::unknown);
  CHECK(p7.updated == "0000-00-00T00:00:00");
  CHECK(p7.common_names.size() == 2);
  CHECK(r->providers[1].status == RecordStatus::active);   // 106-001.
  CHECK(r->providers[2].status == RecordStatus::inactive); // "Inactive".
  CHECK(r->providers[0].phones[0].e164 == "+231770123456");
  CHECK(r->providers[0].phones[0].mobile);
  CHECK(r->providers[5].phones[0].valid);  // Fixed line: valid, not mobile.
  CHECK_FALSE(r->providers[5].phones[0].mobile);
  CHECK(r->providers[7].facility_ids.empty());
  bool saw_empty_facility = false, saw_no_id = false;
  for (const auto& w : r->warnings) {
    saw_empty_facility |= w.entity_id == "p8" && w.reason.find("facility reference without entityID") != std::string::npos;
    saw_no_id |= w.entity_id.empty() && w.where.rfind("fixture.xml:", 0) == 0;
  }
  CHECK(saw_empty_facility);
  CHECK(saw_no_id);
}

TEST_CASE("Prefixed csd: and unprefixed documents parse to the same records") {
  auto plain = parse_csd_text(mhero::testing::kFixtureCsd, "plain.xml", kLiberia);
  std::string pre = mhero::testing::prefixed(mhero::testing::kFixtureCsd);
  REQUIRE(pre.find("<csd:provider entityID=\"p1\">") != std::string::npos);
  auto prefixed = parse_csd_text(pre, "prefixed.xml", kLiberia);
  REQUIRE(plain.ok());
  REQUIRE(prefixed.ok());
  REQUIRE(plain->providers.size() == prefixed->providers.size());
  CHECK(prefixed->providers[0].source == "csd:prefixed.xml");  // The source names the file…
  set_source(*prefixed, "csd:plain.xml");                        // …the rest is the same.
  for (size_t i = 0; i < plain->providers.size(); ++i) {
    CHECK(plain->providers[i].same_record(prefixed->providers[i]));
  }
  CHECK(prefixed->warnings.size() == plain->warnings.size());
}

TEST_CASE("Elements of another namespace are not CSD elements") {
  auto r = parse_csd_text(
      "<CSD xmlns='urn:ihe:iti:csd:2013' xmlns:x='urn:other'><providerDirectory>"
      "<x:provider entityID='a'/><provider entityID='b'><record status='Active' updated='2020-01-01T00:00:00Z'/></provider>"
      "</providerDirectory></CSD>",
      "ns.xml", kLiberia);
  REQUIRE(r.ok());
  REQUIRE(r->providers.size() == 1);
  CHECK(r->providers[0].entity_id == "b");
}

TEST_CASE("Duplicate entityIDs: the later record wins, with a warning") {
  auto r = parse_csd_text(
      "<CSD><providerDirectory><provider entityID='a'><codedType code='X'/><record status='Active' updated='2020-01-01T00:00:00Z'/></provider>"
      "<provider entityID='a'><codedType code='Y'/><record status='Active' updated='2020-01-01T00:00:00Z'/></provider></providerDirectory></CSD>",
      "dup.xml", kLiberia);
  REQUIRE(r.ok());
  REQUIRE(r->providers.size() == 1);
  CHECK(r->providers[0].cadres[0].code == "Y");
  CHECK(r->warnings.size() == 1);
}

TEST_CASE("A phone's extension is dropped with a warning; two numbers in one field are named as such") {
  auto provider = [](const std::string& phone) {
    return "<CSD xmlns='urn:ihe:iti:csd:2013'><providerDirectory><provider entityID='a'><demographic><contactPoint>"
           "<codedType code='BP' codingScheme='urn:ihe:iti:csd:2013:contactPoint'>" + phone +
           "</codedType></contactPoint></demographic><record status='Active' updated='2020-01-01T00:00:00Z'/>"
           "</provider></providerDirectory></CSD>";
  };
  auto ext = parse_csd_text(provider("0881824978 ext 5"), "ext.xml", kLiberia);
  REQUIRE(ext.ok());
  REQUIRE(ext->providers.size() == 1);
  CHECK(ext->providers[0].mobile_e164() == "+231881824978");
  CHECK(has_warning(ext->warnings, "a", "BP contact point 1: extension 5 dropped (an SMS reaches +231881824978 only)"));

  auto two = parse_csd_text(provider("0881824978 / 0770123456"), "two.xml", kLiberia);
  REQUIRE(two.ok());
  CHECK(has_warning(two->warnings, "a", "is not a valid number for region LR (two numbers in one field? give each its own "
                                        "contactPoint)"));

  auto plain = parse_csd_text(provider("0881824978"), "plain.xml", kLiberia);
  REQUIRE(plain.ok());
  CHECK(plain->warnings.empty());
}
