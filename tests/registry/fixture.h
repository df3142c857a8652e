// A small Liberian CSD document for registry tests: three districts reached in different ways
// (organization chain, facility otherID, provider organization), one unassigned provider and
// the messy records real exports contain. Expected values are listed next to each record.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "registry/importer.h"
#include "registry/registry_view.h"
#include "store/log_store.h"
#include "support/entries.h"
#include "support/temp_dir.h"

namespace mhero::testing {

inline std::string csd_data_dir() { return MHERO_TEST_CSD_DIR; }

/// Liberian numbers (region LR), as the fixture's records are written.
inline const registry::PhoneNormalizer kLiberia("LR");

/// `s` with its first `from` replaced by `to`; the test fails when `s` holds no `from`.
inline std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

/// Whether `ws` holds a warning about `id` whose reason contains `part`.
inline bool has_warning(const std::vector<registry::RecordWarning>& ws, const std::string& id,
                        const std::string& part) {
  for (const auto& w : ws) {
    if (w.entity_id == id && w.reason.find(part) != std::string::npos) return true;
  }
  return false;
}

// Districts: BONG  p1 p5 p7 p8 | NIMBA p2 p3 | MARGIBI p6 | unassigned p4. p9 has no id.
// Recipients (active, district, valid mobile): p1 p2 p7 p8.
// Warnings (6): p5 junk phone, p6 fixed line, p7 missing status + invalid updated, p8 empty
// facility entityID, p9 without entityID.
inline const char* kFixtureCsd = R"(<?xml version="1.0" encoding="UTF-8"?>
<CSD xmlns="urn:ihe:iti:csd:2013">
  <organizationDirectory>
    <organization entityID="O-ROOT"><primaryName>Ministry of Health</primaryName>
      <record updated="2024-01-01T00:00:00+00:00" status="Active"/></organization>
    <organization entityID="O-BONG"><otherID assigningAuthorityName="urn:mhero:district" code="BONG"/>
      <primaryName>Bong County Health Team</primaryName><parent entityID="O-ROOT"/>
      <record updated="2024-01-01T00:00:00+00:00" status="Active"/></organization>
    <organization entityID="O-BONG-DHT"><primaryName>Gbarnga District Health Team</primaryName>
      <parent entityID="O-BONG"/><record updated="2024-01-01T00:00:00+00:00" status="Active"/></organization>
    <organization entityID="O-NIMBA"><otherID assigningAuthorityName="urn:mhero:district" code="NIMBA"/>
      <primaryName>Nimba County Health Team</primaryName><parent entityID="O-ROOT"/>
      <record updated="2024-01-01T00:00:00+00:00" status="Active"/></organization>
  </organizationDirectory>
  <serviceDirectory/>
  <facilityDirectory>
    <facility entityID="F1"><primaryName>Phebe Hospital</primaryName>
      <organizations><organization entityID="O-BONG-DHT"/></organizations>
      <record updated="2024-01-01T00:00:00+00:00" status="Active"/></facility>
    <facility entityID="F2"><primaryName>Ganta Clinic</primaryName>
      <organizations><organization entityID="O-NIMBA"/></organizations>
      <record updated="2024-01-01T00:00:00+00:00" status="Active"/></facility>
    <facility entityID="F3"><otherID assigningAuthorityName="urn:mhero:district" code="MARGIBI"/>
      <primaryName>Kakata Health Center</primaryName>
      <record updated="2024-01-01T00:00:00+00:00" status="Active"/></facility>
  </facilityDirectory>
  <providerDirectory>
    <provider entityID="p1">
      <codedType code="NURSE" codingScheme="urn:mhero:cadre">Nurse</codedType>
      <demographic><name><commonName>Korto Flomo</commonName><forename>Korto</forename><surname>Flomo</surname></name>
        <contactPoint><codedType code="BP" codingScheme="urn:ihe:iti:csd:2013:contactPoint">0770123456</codedType></contactPoint></demographic>
      <facilities><facility entityID="F1"/></facilities>
      <specialty code="MIDWIFERY" codingScheme="urn:mhero:skill"/>
      <record updated="2024-02-01T10:00:00+00:00" status="Active"/>
    </provider>
    <provider entityID="p2">
      <codedType code="CHW" codingScheme="urn:mhero:cadre">Community health worker</codedType>
      <demographic><name><commonName>Musu Kollie</commonName></name>
        <contactPoint><codedType code="BP">+231886123456</codedType></contactPoint></demographic>
      <facilities><facility entityID="F2"/></facilities>
      <credential><codedType code="IMCI" codingScheme="urn:mhero:skill"/></credential>
      <record updated="2024-02-01T10:00:00+00:00" status="106-001"/>
    </provider>
    <provider entityID="p3">
      <codedType code="NURSE" codingScheme="urn:mhero:cadre"/>
      <demographic><name><commonName>Inactive Nurse</commonName></name>
        <contactPoint><codedType code="BP">0770000003</codedType></contactPoint></demographic>
      <facilities><facility entityID="F2"/></facilities>
      <record updated="2024-02-01T10:00:00+00:00" status="Inactive"/>
    </provider>
    <provider entityID="p4">
      <codedType code="NURSE" codingScheme="urn:mhero:cadre"/>
      <demographic><name><commonName>Nowhere Nurse</commonName></name>
        <contactPoint><codedType code="BP">0770000004</codedType></contactPoint></demographic>
      <record updated="2024-02-01T10:00:00+00:00" status="Active"/>
    </provider>
    <provider entityID="p5">
      <codedType code="NURSE" codingScheme="urn:mhero:cadre"/>
      <demographic><name><commonName>Junk Phone</commonName></name>
        <contactPoint><codedType code="BP">44.44.44</codedType></contactPoint></demographic>
      <facilities><facility entityID="F1"/></facilities>
      <record updated="2024-02-01T10:00:00+00:00" status="Active"/>
    </provider>
    <provider entityID="p6">
      <codedType code="MIDWIFE" codingScheme="urn:mhero:cadre"/>
      <demographic><name><commonName>Fixed Line</commonName></name>
        <contactPoint><codedType code="BP">021 234 567</codedType></contactPoint></demographic>
      <facilities><facility entityID="F3"/></facilities>
      <specialty code="MIDWIFERY" codingScheme="urn:mhero:skill"/>
      <record updated="2024-02-01T10:00:00+00:00" status="active"/>
    </provider>
    <provider urn="p7">
      <codedType code="CHW" codingScheme="urn:mhero:cadre"/>
      <demographic><name><commonName>Urn Only</commonName><commonName>U. Only</commonName></name>
        <contactPoint><codedType code="BP">0776543210</codedType></contactPoint></demographic>
      <facilities><facility entityID="F1"/></facilities>
      <record updated="0000-00-00T00:00:00"/>
    </provider>
    <provider entityID="p8">
      <codedType code="CHW" codingScheme="urn:mhero:cadre"/>
      <demographic><name><forename>Empty</forename><surname>Facility</surname></name>
        <contactPoint><codedType code="BP">0886000001</codedType></contactPoint></demographic>
      <organizations><organization entityID="O-BONG"/></organizations>
      <facilities><facility entityID=""/></facilities>
      <record updated="2024-02-01T10:00:00+00:00" status="Active"/>
    </provider>
    <provider>
      <codedType code="CHW" codingScheme="urn:mhero:cadre"/>
      <record updated="2024-02-01T10:00:00+00:00" status="Active"/>
    </provider>
  </providerDirectory>
</CSD>
)";

/// The same document with every CSD element written as csd:NAME.
inline std::string prefixed(const std::string& xml) {
  std::string out = std::regex_replace(xml, std::regex("<(/?)([A-Za-z])"), "<$1csd:$2");
  return std::regex_replace(out, std::regex("xmlns=\""), "xmlns:csd=\"");
}

inline std::filesystem::path write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  std::filesystem::path p = dir / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

/// A store with the registry view, and the central key.
struct RegistryStore {
  TempDir dir;
  ManualClock clock;
  registry::RegistryView view;
  NodeKey key = test_key(1);
  std::unique_ptr<LogStore> store;
  RegistryStore() {
    StoreOptions options;
    options.views = {&view};
    options.sync = false;
    auto s = LogStore::open(dir / "db", clock, options);
    if (!s.ok()) throw std::runtime_error(s.status().to_string());
    store = std::move(s).value();
  }
};

}  // namespace mhero::testing
