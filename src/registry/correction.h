// Registry corrections (DESIGN.md "Corrections, provenance, node health"): a district's proposed
// change to a provider (schema/payload.capnp RegistryCorrection) and the central node's decision
// on it (CorrectionDecision), as plain values, with their ids, JSON form and how a correction
// applies to a record.
//
// A correction's id is "<author hex, 16 characters>-<seq>-<district code or 'national'>" of the
// entry that carries it: unique per node and feed, safe in a URL path, readable on the phone.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "payload.capnp.h"
#include "registry/csd_types.h"
#include "registry/registry_keys.h"

namespace mhero {
class Entry;
}

namespace mhero::registry {

/// The fields a correction may change, in display order.
inline constexpr const char* kCorrectionFields[] = {"phone", "facility", "district", "status", "cadre"};

/// What a proposer asks to change. Empty optional = field unchanged.
struct CorrectionChange {
  std::vector<std::string> phones;            // E.164; non-empty = field "phone".
  std::optional<std::string> facility_id;     // Field "facility".
  std::optional<std::string> district;        // Field "district" (a transfer's destination).
  std::optional<std::string> status;          // "active", "inactive" or "left".
  std::optional<std::string> cadre;           // Cadre code.
  /// The field names set, in kCorrectionFields order.
  std::vector<std::string> fields() const;
  bool empty() const { return fields().empty(); }
};

enum class CorrectionState { proposed, accepted, rejected, superseded };
const char* state_name(CorrectionState s);
/// "proposed" … "superseded"; nullopt otherwise.
std::optional<CorrectionState> parse_state(std::string_view text);

struct Decision {
  bool accepted = false;
  std::string comment, reviewer, conflict;  // conflict: "", "soft", "hard".
  int64_t decided_at_ms = 0;
  EntryRef entry;                           // The decision's own entry.
};

/// One correction as held in the corrections view.
struct Correction {
  std::string id;
  EntryRef entry;                 // The entry carrying it (author = proposer node).
  int64_t proposed_at_ms = 0;     // From the entry's HLC time.
  std::string entity_id;
  std::string district;           // The record's district when proposed (the correction's scope).
  EntryRef based_on;              // seq 0 = unknown.
  std::string based_on_updated;   // record/@updated the proposer saw.
  std::string proposer_user;
  bool by_worker = false;
  CorrectionChange change;
  std::string note;
  std::optional<Decision> decision;
  bool superseded = false;        // Set by readers: a newer one from the same node, undecided.
  CorrectionState state() const;
  /// "phone", "transfer", "status", "cadre", "facility", or "several".
  std::string kind() const;
};

/// "<author hex 16>-<seq>-<code|national>".
std::string correction_id(const EntryRef& entry);

/// Reads a registryCorrection entry. nullopt for any other kind.
std::optional<Correction> correction_from_entry(const Entry& entry);
/// Writes `c`'s proposal fields (entity, base, proposer, change, note, kind) into `b`.
void to_capnp(const Correction& c, schema::RegistryCorrection::Builder b);

nlohmann::json to_json(const Correction& c);
/// Errors: corruption when `j` lacks the fields to_json writes.
Result<Correction> correction_from_json(const nlohmann::json& j);

/// `record` with the correction's values applied (phones replaced, facility set, district moved,
/// "left" and "inactive" make the status inactive, cadre code replaced keeping its scheme).
/// `phones` gives the E.164 numbers' validity. Sets record.correction = id.
ProviderRecord apply_change(ProviderRecord record, const Correction& c,
                            const std::function<PhoneNumber(const std::string&)>& phones);

/// The correction's field values as text, per field name, of `record` (for side-by-side views
/// and conflict checks): phone = E.164 numbers joined by ", ", facility = ids, district, status,
/// cadre = codes.
std::string field_value(const ProviderRecord& record, std::string_view field);
/// The proposed value of `field` as text, in field_value's form.
std::string proposed_value(const Correction& c, std::string_view field);

}  // namespace mhero::registry
