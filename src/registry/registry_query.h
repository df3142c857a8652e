// Reads of the registry view (registry_view.h) that any node can make on what it holds.
// All functions read a consistent-enough view through ViewReader; none writes. Thread-safe when
// the reader is.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "registry/csd_types.h"
#include "store/view.h"

namespace mhero::registry {

/// The current record of provider `entity_id` (with its district). Errors: not_found when
/// absent or removed; corruption when the held record does not decode.
Result<ProviderRecord> find_provider(const ViewReader& views, std::string_view entity_id);

/// Current providers with phone `e164` ("+231770123456") among their BP numbers, in entityID
/// order; empty when none. Errors: corruption.
Result<std::vector<ProviderRecord>> find_by_phone(const ViewReader& views, std::string_view e164);

/// Index names: "cadre", "district", "facility", "skill", "phone".
/// Calls fn(entityID) for every current provider with `value` in `index`, in entityID order.
Status scan_index(const ViewReader& views, std::string_view index, std::string_view value,
                  const std::function<void(std::string_view)>& fn);

/// Calls fn(record) for every current (not removed) provider in entityID order until fn
/// returns false. Errors: corruption.
Status for_each_provider(const ViewReader& views, const std::function<bool(const ProviderRecord&)>& fn);

struct ProviderFilter {
  std::vector<std::string> cadres, districts, facilities, skills;  // OR within, AND across.
};
/// Current providers matching `filter` (all when every list is empty), in entityID order.
Result<std::vector<ProviderRecord>> list_providers(const ViewReader& views, const ProviderFilter& filter);

/// Held facilities and organizations (removed ones included, flagged), by entityID.
Result<std::unordered_map<std::string, FacilityRecord>> held_facilities(const ViewReader& views);
Result<std::unordered_map<std::string, OrganizationRecord>> held_organizations(const ViewReader& views);

struct RegistryStats {
  size_t providers = 0, active = 0, inactive = 0, status_unknown = 0, with_valid_mobile = 0,
         unassigned = 0, removed = 0;
  /// Removed records that were unassigned (national feed): removed from the registry, or given
  /// a district. A district node cannot tell which for another district's workers (it holds
  /// only its own district's feed), so these are counted apart from `removed`.
  size_t removed_unassigned = 0;
  size_t facilities = 0, organizations = 0, code_lists = 0;
  // Mobiles (ProviderRecord::mobile_e164) of current, not inactive providers held by 2 or more
  // of them, and how many providers those are: such workers get one SMS per phone.
  size_t shared_phones = 0, workers_on_shared_phones = 0;
  std::vector<std::pair<std::string, size_t>> by_district;  // Code -> providers, code order.
};
/// Counts over the whole view. Errors: corruption.
Result<RegistryStats> registry_stats(const ViewReader& views);

}  // namespace mhero::registry
