// Reads of the corrections view (correction_view.h) and what the review needs around them: the
// base record a correction was proposed against, the entry that wrote a record, and conflicts
// (ODK Central's entity conflicts: soft when other fields changed since the base version, hard
// when a field the correction changes did). None writes. Thread-safe when the store is.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "registry/correction.h"
#include "store/log_store.h"

namespace mhero::registry {

/// The correction `id` (superseded computed). Errors: invalid_argument for an empty id; not_found
/// naming the id; corruption.
Result<Correction> find_correction(const ViewReader& views, std::string_view id);

struct CorrectionFilter {
  std::optional<CorrectionState> state;
  std::string district;   // The record's district when proposed; "" = all.
  std::string kind;       // Correction::kind(); "" = all.
  std::string entity_id;  // "" = all.
};
/// Matching corrections, oldest proposal first. Errors: corruption.
Result<std::vector<Correction>> list_corrections(const ViewReader& views, const CorrectionFilter& filter);

/// The entry that last wrote record `id` of `kind` on this node; nullopt when not recorded (a
/// record never held). Errors: corruption.
Result<std::optional<EntryRef>> record_writer(const ViewReader& views, RecordKind kind, std::string_view id);

/// The provider `entity_id` as entry `ref` wrote it: nullopt when this node does not hold that
/// entry or the entry does not carry that provider. Errors: corruption.
Result<std::optional<ProviderRecord>> provider_in_entry(const LogStore& store, const EntryRef& ref,
                                                        std::string_view entity_id);

struct Conflict {
  std::string level;                  // "", "soft" or "hard".
  std::vector<std::string> changed;   // Fields whose value changed between base and current
                                      // (less those changed to the value proposed).
};
/// Compares base and current over the correction's fields (kCorrectionFields). No base known:
/// no conflict. A field of the correction that the source has since changed to the very value
/// proposed is agreement, not a conflict, and is not listed in `changed`.
Conflict find_conflict(const std::optional<ProviderRecord>& base, const ProviderRecord& current,
                       const Correction& c);

}  // namespace mhero::registry
