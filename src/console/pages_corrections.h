// Parts of the provider record page (pages_registry.cc) that belong to corrections and
// provenance (pages_corrections.cc, pages_provenance.cc).
#pragma once

#include "console/html.h"
#include "console/router.h"
#include "registry/csd_types.h"

namespace mhero::console {

/// The record's corrections (state, decision) and, for an operator, the form that proposes one
/// (POST /registry/provider/{id}/correct) against the version shown.
void correction_section(Html& b, PageRequest& req, const registry::ProviderRecord& record);

/// "Where this record came from", newest first (registry/provenance.h).
void provenance_section(Html& b, PageRequest& req, const registry::ProviderRecord& record);

}  // namespace mhero::console
