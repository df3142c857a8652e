// Proposing and deciding registry corrections (DESIGN.md "Corrections, provenance, node
// health"). `propose_correction` runs on any node; `decide_correction` on the central node only.
// Both check first and write nothing when they refuse; each refusal says what to do.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "identity/node_key.h"
#include "node/config.h"
#include "registry/correction.h"
#include "registry/correction_query.h"
#include "registry/phone.h"
#include "store/log_store.h"
#include "util/clock.h"

namespace mhero::registry {

struct Proposal {
  std::string entity_id;
  std::vector<std::string> phones;     // As typed; normalised with the node's default region.
  std::optional<std::string> facility_id, district, status, cadre;
  std::string note;                    // Required, not blank.
  std::string user;                    // Proposer (staff or OS user name).
  bool by_worker = false;
  /// The version the proposer saw: nullopt = the record this node holds now. A console form
  /// carries the one it showed.
  std::optional<EntryRef> based_on;
  std::optional<std::string> based_on_updated;
};

/// What a proposer should know of what propose_correction did beside the correction itself.
struct ProposalNotes {
  /// Fields given that the record already holds, left out of the correction, each as
  /// "status inactive" (field and the value held).
  std::vector<std::string> left_out;
  /// This node's open proposals for the same record that the new one supersedes: no longer
  /// reviewed (DESIGN.md "Corrections, provenance, node health").
  std::vector<Correction> superseded;
  /// Proposed phones of another country than the registry's default region, as
  /// foreign_phone_notes words them: a worker near a border may use one, or it may be mistyped.
  std::vector<std::string> foreign_phones;
  /// One line each, for the CLI and the console: "left out, the record already holds them: …",
  /// "+23276123456 is a number of SL, not LR …", "this supersedes correction <id> (…): …".
  std::vector<std::string> lines() const;
};

/// Checks and appends a registryCorrection into the node's scope (a district: its own; the
/// central node: the record's district, or national when unassigned). Returns it as held.
/// A phone given twice (in any spelling) counts once, the note is trimmed, and a field that
/// already holds the value given (a cadre code in any case) is left out of the correction;
/// `notes`, when given, says which, and which open proposals the new one supersedes.
/// Errors: not_found (unknown entityID or facility), permission_denied (another district's
/// record), invalid_argument (no field that changes, a blank note, control characters or over
/// 2,000 bytes in the note, an invalid phone or status, an extension, a landline, a transfer to a
/// district unknown here or to the facility of another district without --district),
/// failed_precondition (based on an entry this node never held), and the store's.
Result<Correction> propose_correction(LogStore& store, const NodeKey& key, const NodeConfig& config,
                                      const PhoneNormalizer& phones, const Proposal& proposal,
                                      ProposalNotes* notes = nullptr);

/// For the proposer, after propose_correction: each proposed phone that another current
/// provider already holds, as "+231770123456 is also the number of Musu Kollie (p2, district
/// BONG): they would share one SMS per message". Shared phones are allowed (such workers get one SMS per phone); this shows a mistyped
/// number before a reviewer has to find it. Empty when no phone is shared. Errors: the views'.
Result<std::vector<std::string>> shared_phone_notes(const ViewReader& views, const Correction& c);

/// For the proposer and the reviewer: each proposed phone of another country than `phones`'
/// default region (libphonenumber), as "+23276123456 is a number of SL, not LR (the registry's
/// region): check it with the health worker …". Such numbers are allowed (a SIM from across a
/// border); a mistyped country code is not. Empty when none.
std::vector<std::string> foreign_phone_notes(const Correction& c, const PhoneNormalizer& phones);

struct DecisionRequest {
  std::string id;                // Correction id.
  bool accept = false;
  std::string comment;           // Required for a rejection.
  std::string reviewer;
  /// The conflict level the reviewer chose through ("", "soft", "hard"); an accept of a
  /// conflicting correction must name the level it has.
  std::string confirm_conflict;
};

/// What a decision wrote.
struct DecisionResult {
  Correction correction;          // With its decision.
  Conflict conflict;
  size_t delta_entries = 0;       // registryDelta entries written (accepted: 1, or 2 for a move).
};

/// Central node only. The caller holds Node::exclusive(Job::registry) for the call: the whole
/// check-then-write is then serialised, so two reviewers deciding the same correction at once
/// never both write (the second gets already_exists). Checks the correction is open and,
/// when accepting, that a conflict was explicitly chosen; on accept writes the corrected record
/// as a registryDelta in the record's district feed (a tombstone in the old feed for a transfer),
/// then the correctionDecision into the correction's scope.
/// Errors: not_found (no such correction), already_exists "already decided by <reviewer> …"
/// (HTTP 409), failed_precondition (not central; superseded; conflict not confirmed; record no
/// longer held), invalid_argument (rejection without comment), and the store's.
Result<DecisionResult> decide_correction(LogStore& store, const NodeKey& key, const NodeConfig& config,
                                         const PhoneNormalizer& phones, const Clock& clock,
                                         const DecisionRequest& request);

}  // namespace mhero::registry
