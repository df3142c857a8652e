#include "registry/csd_types.h"

namespace mhero::registry {

std::string ProviderRecord::display_name() const {
  if (!forename.empty() || !surname.empty()) {
    if (forename.empty()) return surname;
    if (surname.empty()) return forename;
    return forename + " " + surname;
  }
  if (!common_names.empty()) return common_names.front();
  return entity_id;
}

std::string ProviderRecord::mobile_e164() const {
  for (const auto& p : phones) {
    if (p.valid && p.mobile && !p.e164.empty()) return p.e164;
  }
  return {};
}

bool ProviderRecord::same_record(const ProviderRecord& o) const {
  return entity_id == o.entity_id && common_names == o.common_names && forename == o.forename &&
         surname == o.surname && cadres == o.cadres && skills == o.skills &&
         facility_ids == o.facility_ids && organization_ids == o.organization_ids &&
         district == o.district && phones == o.phones && status == o.status &&
         updated == o.updated && removed == o.removed && source == o.source &&
         correction == o.correction && source_differs == o.source_differs;
}

bool FacilityRecord::same_record(const FacilityRecord& o) const {
  return entity_id == o.entity_id && name == o.name && organization_ids == o.organization_ids &&
         district == o.district && updated == o.updated && removed == o.removed &&
         facility_types == o.facility_types && source == o.source;
}

bool OrganizationRecord::same_record(const OrganizationRecord& o) const {
  return entity_id == o.entity_id && name == o.name && parent_id == o.parent_id &&
         district == o.district && updated == o.updated && removed == o.removed &&
         source == o.source;
}

}  // namespace mhero::registry
