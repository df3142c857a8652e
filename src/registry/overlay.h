// The overlay of accepted corrections over the source registry (DESIGN.md "Corrections,
// provenance, node health"): a provider record written by an accepted correction carries its id
// and sourceDiffers = true. When the next import (CSD file, OpenInfoMan or mCSD pull) brings that
// provider again, the source's version is passed through here before it is compared with the
// held record, so an import that still carries the old value never silently reverts the
// correction:
//   - the source still differs on a corrected field (and was not edited after the decision):
//     the corrected values are kept
//     over the source's record (other fields follow the source), still flagged sourceDiffers;
//   - the source now agrees on every corrected field: the overlay retires (the record is the
//     source's, correction and flag cleared);
//   - the source's record/@updated is later than the decision (the source edited the record
//     after the correction was accepted) and differs: the source's newer value wins, the overlay
//     retires, and the import reports it.
#pragma once

#include "registry/csd_types.h"
#include "registry/registry_keys.h"
#include "store/log_store.h"

namespace mhero::registry {

enum class OverlayOutcome { none, kept, retired, source_moved };

/// Applies the overlay of `held` (the record held now; nullptr or no active overlay: `none`) to
/// `incoming` (the source's version, changed in place). Errors: corruption from the store.
Result<OverlayOutcome> apply_overlay(const LogStore& store, const StoredRecord<ProviderRecord>* held,
                                     ProviderRecord& incoming);

}  // namespace mhero::registry
