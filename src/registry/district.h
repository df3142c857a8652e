// District scoping (DESIGN.md "Who holds what"): which district's feed a registry record goes to.
//
// A provider's district is the first found of: its facilities' districts (in document order), its
// organizations' districts, the configured address component of its own address. A facility's
// district: the mapping CSV, an otherID whose assigningAuthorityName is the configured district
// authority (its code is the district code), its organizations' chain, its address component.
// An organization's: the mapping CSV, its district otherID, then its parent's (cycles are cut).
// Nothing found = unassigned (empty code): the record stays national.
#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "registry/csd_types.h"
#include "util/status.h"

namespace mhero::registry {

struct DistrictRules {
  /// otherID/@assigningAuthorityName marking a district code on an organization or facility
  /// (config [registry] district_authority).
  std::string authority = "urn:mhero:district";
  /// addressLine/@component holding the district (config [registry] district_address_component);
  /// empty disables the address rule. Compared case-insensitively.
  std::string address_component;
  /// Facility or organization entityID -> district code (from --district-map CSV).
  std::unordered_map<std::string, std::string> map;
};

/// Reads a mapping CSV: one "entityID,district_code" per line; a first line "entityID,…" is a
/// header; blank lines and lines starting with '#' are skipped. Errors: not_found (unreadable),
/// invalid_argument "PATH:LINE: …" for a line without two fields or an invalid district code.
Result<std::unordered_map<std::string, std::string>> load_district_map(const std::filesystem::path& path);

/// Turns an address value into a district code ("Grand Bassa" -> "Grand-Bassa"); empty when the
/// result is not a valid district code.
std::string district_code_from_text(std::string_view text);

/// Resolves districts over one set of facilities and organizations (the import's plus those
/// already held). Not thread-safe (memoises). The pointed-to records must outlive it.
class DistrictResolver {
 public:
  DistrictResolver(const DistrictRules& rules,
                   std::unordered_map<std::string, const FacilityRecord*> facilities,
                   std::unordered_map<std::string, const OrganizationRecord*> organizations);

  std::string organization_district(const std::string& entity_id);
  std::string facility_district(const std::string& entity_id);
  std::string provider_district(const ProviderRecord& provider);

 private:
  std::string from_own(const std::string& id,
                       const std::vector<std::pair<std::string, std::string>>& other_ids) const;
  std::string from_address(const std::vector<AddressLine>& lines) const;

  const DistrictRules& rules_;
  std::unordered_map<std::string, const FacilityRecord*> facilities_;
  std::unordered_map<std::string, const OrganizationRecord*> organizations_;
  std::unordered_map<std::string, std::string> org_memo_, facility_memo_;
};

}  // namespace mhero::registry
