// A synthetic country in real CSD 1.0 XML (urn:ihe:iti:csd:2013): organizations (ministry ->
// county health team with a district otherID -> district health team), facilities under the
// district health teams, and providers with realistic cadres, skills, names and mobile numbers
// of the chosen region, plus a few messy records like real exports. Deterministic: the same
// options give byte-identical output on every machine.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace mhero::tools {

struct GenRegistryOptions {
  size_t providers = 1000;
  size_t districts = 15;
  size_t facilities_per_district = 8;
  uint64_t seed = 1;
  std::string region = "LR";       // Only LR numbers are generated (+231 77/88 mobiles).
  double messy_fraction = 0.01;    // Share of providers with a real-export defect.
  bool prefixed = false;           // Write csd:-prefixed elements.
  std::string district_authority = "urn:mhero:district";
  std::string updated = "2024-01-15T08:00:00+00:00";  // record/@updated of clean records.
};

struct GenRegistryCounts {
  size_t providers = 0, facilities = 0, organizations = 0;
  size_t messy = 0;             // Providers given a defect.
  size_t without_mobile = 0;    // Of which: no valid mobile (junk / fixed / empty).
  size_t unassigned = 0;        // Of which: no facility and no organization.
  size_t inactive = 0;
};

/// District codes used: "D01", "D02", …
std::string generated_district_code(size_t index);
/// Entity IDs used: "urn:uuid:…" derived from the seed and the record's kind and number.
std::string generated_provider_id(uint64_t seed, size_t index);

/// Writes the document to `out`; returns what was generated.
GenRegistryCounts generate_registry(const GenRegistryOptions& options, std::ostream& out);

}  // namespace mhero::tools
