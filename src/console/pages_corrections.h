// Parts of the provider record page (pages_registry.cc) that belong to corrections and
// provenance (pages_corrections.cc, pages_provenance.cc).
#pragma once

#include <string>

#include "console/html.h"
#include "console/router.h"
#include "registry/csd_types.h"

namespace mhero::console {

/// What an operator typed in the correction form, with why the proposal was refused: the record
/// page shows the form again holding it, so nothing has to be typed twice on a slow link. Values
/// are the form's own (`status` "active", "inactive", "left"; `facility` an entityID).
struct TypedCorrection {
  std::string phone, facility, district, status, cadre, note;
  std::string refusal;  // Already in the form's words (in_form_words).
};

/// The record's corrections (state, decision) and, for an operator, the form that proposes one
/// (POST /registry/provider/{id}/correct) against the version shown; `typed` (not owned; may be
/// null) fills the form and shows its refusal above it.
void correction_section(Html& b, PageRequest& req, const registry::ProviderRecord& record,
                        const TypedCorrection* typed = nullptr);

/// The provider record page (GET /registry/provider/{id}, pages_registry.cc) with `status`; a
/// refused proposal shows it again with `typed` (may be null).
net::HttpResponse provider_record_page(PageRequest& req, int status, const TypedCorrection* typed);

/// "Where this record came from", newest first (registry/provenance.h).
void provenance_section(Html& b, PageRequest& req, const registry::ProviderRecord& record);

}  // namespace mhero::console
