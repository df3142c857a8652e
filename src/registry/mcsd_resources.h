// Per-resource mapping of mCSD resources (private to src/registry; used by mcsd_mapper.cc).
// See mcsd_mapper.h for what each resource becomes.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "registry/csd_types.h"
#include "registry/mcsd_bundle.h"
#include "registry/mcsd_mapper.h"
#include "registry/phone.h"

namespace mhero::registry::mcsd {

struct Context {
  const McsdRules& rules;
  const PhoneNormalizer& phones;
  std::vector<RecordWarning>& warnings;
  void warn(const McsdResource& r, std::string reason) const {
    warnings.push_back(RecordWarning{r.reference(), std::move(reason), ""});
  }
};

/// A Reference's `reference` ("Location/X"), or a bare string where a Reference is due (iHRIS's
/// managingOrganization); absolute URLs are cut to "Type/id". Empty when absent.
std::string reference_of(const nlohmann::json& value);

/// Codings of a CodeableConcept (or of each of an array of them).
std::vector<CodedValue> codings_of(const nlohmann::json& concept_or_list);

/// Practitioner -> Provider without its role fields. Status from `active` (false: inactive;
/// the caller removes it).
ProviderRecord map_practitioner(const McsdResource& r, const Context& ctx);

/// PractitionerRole -> McsdRole; nullopt (with a warning) without a practitioner reference.
std::optional<McsdRole> map_role(const McsdResource& r, const Context& ctx);

/// True for a jurisdiction Location (type or physicalType, see mcsd_mapper.h).
bool is_jurisdiction(const nlohmann::json& location, const McsdRules& rules);

/// A jurisdiction Location -> Organization (district code not yet applied).
OrganizationRecord map_jurisdiction(const McsdResource& r, const Context& ctx);

/// The district code a district Location carries (identifier or id), empty (with a warning)
/// when it is not a valid district code.
std::string district_code_of(const McsdResource& r, const Context& ctx);

/// A facility Location -> Facility.
FacilityRecord map_facility(const McsdResource& r, const Context& ctx);

/// Organization -> Organization.
OrganizationRecord map_organization(const McsdResource& r, const Context& ctx);

/// False for `active: false` (Practitioner, PractitionerRole, Organization) or Location
/// `status` inactive/suspended.
bool is_active(const McsdResource& r);

}  // namespace mhero::registry::mcsd
