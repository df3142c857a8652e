// mCSD resources (IHE mCSD, FHIR R4) -> the registry records the CSD path produces
// (csd_types.h; schema/payload.capnp Provider, Facility, Organization), so district scoping,
// targeting and entries are the same for both sources.
//
//   Practitioner (+ its PractitionerRoles) -> Provider "Practitioner/<id>":
//     names from `name` (use official first); phones from `telecom` with system phone or sms,
//     use mobile first, normalised to E.164 (phone.h); status from `active` (false = removal);
//     updated = meta.lastUpdated. From each active role: the job codings of `code`
//     (McsdRules::job_system) as skills plus `specialty`; the cadre of each job
//     (McsdRules::job_cadres) as cadres; `location` references as facility ids
//     ("Location/<id>"); `organization` as organization ids.
//   Location, a jurisdiction (type jurisdiction, legacy urn:ihe:iti:mcsd:2019:jurisdiction, or
//     physicalType jdn) -> Organization "Location/<id>" whose parent is `partOf`; the district
//     one (McsdRules) carries its district code, so DistrictResolver finds it up the chain.
//   Location, otherwise a facility -> Facility "Location/<id>" whose organizations are `partOf`
//     then `managingOrganization` (a Reference, or iHRIS's bare string); types from `type`.
//     status inactive = removal.
//   Organization -> Organization "Organization/<id>", parent `partOf`; active false = removal.
//
// With McsdRules::csd_id_system set, a Practitioner carrying an identifier of that system is the
// Provider of that CSD entityID (one record with the CSD source's; record_sources.h); the alias
// is kept between pulls (McsdHeld::aliases) for the roles and removals that name the Practitioner.
//
// A role names its practitioner, so roles are kept between pulls (McsdRole, node meta) and a
// Provider is rebuilt from its Practitioner (this pull's or the one held) and all its roles.
// Each record's source is "mcsd:<base URL>". Problems are per-record RecordWarnings naming the
// resource ("PractitionerRole/PR1: no location"), never an abort.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "registry/csd_types.h"
#include "registry/mcsd_bundle.h"
#include "registry/mcsd_rules.h"
#include "registry/phone.h"

namespace mhero::registry {

/// What a PractitionerRole contributes to its Provider, kept between pulls.
struct McsdRole {
  std::string practitioner;                   // "Practitioner/<id>".
  std::vector<CodedValue> jobs, specialties;  // code (jobs), specialty.
  std::vector<std::string> locations;         // "Location/<id>".
  std::vector<std::string> organizations;     // "Organization/<id>".
  bool operator==(const McsdRole&) const = default;
};

/// JSON form of a role for node meta; decode errors: corruption.
std::string encode_role(const McsdRole& role);
Result<McsdRole> decode_role(std::string_view text);

/// Records already held, for what this pull does not carry.
struct McsdHeld {
  /// Roles from earlier pulls by role id.
  std::unordered_map<std::string, McsdRole> roles;
  /// Practitioner reference -> the CSD entityID its Provider is keyed by (McsdRules::
  /// csd_id_system), from earlier pulls.
  std::unordered_map<std::string, std::string> aliases;
  /// The held live Provider of an entity id, if any.
  std::function<std::optional<ProviderRecord>(const std::string&)> provider;
  /// The held Organization's parent id, if that organization is held (district_level rule).
  std::function<std::optional<std::string>(const std::string&)> organization_parent;
};

struct McsdMapping {
  CsdDocument doc;  // Records, removals and warnings; importer.h imports it.
  /// Role id -> its new value (nullopt: deleted or inactive), to save once the import committed.
  std::map<std::string, std::optional<McsdRole>> role_updates;
  /// Practitioner reference -> its new alias ("" = keyed by the reference again), to save then.
  std::map<std::string, std::string> alias_updates;
  size_t practitioners = 0, roles = 0, locations = 0, organizations_fhir = 0;  // Resources read.
};

/// Maps one change set. `source` is stored as each record's source ("mcsd:<base URL>");
/// `district_authority` must be the importer's DistrictRules::authority.
McsdMapping map_mcsd(const McsdChangeSet& changes, const McsdHeld& held, const McsdRules& rules,
                     const PhoneNormalizer& phones, const std::string& source,
                     const std::string& district_authority);

}  // namespace mhero::registry
