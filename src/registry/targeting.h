// Who a message goes to (DESIGN.md "outgoingMessage" target): resolves a target against the
// registry view this node holds.
#pragma once

#include <string>
#include <vector>

#include "registry/registry_query.h"
#include "store/view.h"
#include "util/status.h"

namespace mhero::registry {

/// Values within one list are OR-ed; non-empty lists are AND-ed. cadres and skills are codes
/// (provider codedType / specialty / credential @code), districts are district codes,
/// facilities and entity_ids are CSD entityIDs.
struct TargetSpec {
  std::vector<std::string> cadres, districts, facilities, skills, entity_ids;
};

struct Recipient {
  std::string entity_id, name, e164, district;  // name: ProviderRecord::display_name().
};

struct TargetResolution {
  std::vector<Recipient> recipients;  // In entityID order, each provider at most once.
  size_t excluded_inactive = 0, excluded_no_mobile = 0, excluded_unassigned = 0;
};

/// Active providers matching spec (values of one kind OR, kinds AND) with a valid mobile.
/// A matching provider is excluded, and counted once in the first that applies, when its status
/// is inactive, when it has no district (unassigned), or when none of its BP numbers is a valid
/// mobile number. Status "unknown" (missing in the source) counts as active. Explicit entityIDs
/// that are not held (or removed) are skipped. Errors: invalid_argument for a spec with every
/// list empty (never "everyone" by accident); corruption from the view.
Result<TargetResolution> resolve_target(const ViewReader& views, const TargetSpec& spec);

}  // namespace mhero::registry

namespace mhero {
using registry::find_by_phone;
using registry::find_provider;
using registry::ProviderRecord;
using registry::Recipient;
using registry::resolve_target;
using registry::TargetResolution;
using registry::TargetSpec;
}  // namespace mhero
