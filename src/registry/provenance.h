// Provenance of a registry record (DESIGN.md "Corrections, provenance, node health"): where its
// current value came from (CSD file + SHA-256, OpenInfoMan / mCSD pull + time, an accepted
// correction and who accepted it), which entry carries it (feed, seq, author), and how that entry
// reached this node (written here, a sync session with which peer and when, or a bundle: which,
// exported by whom and when, relayed through which node). Arrival facts are node-local meta
// recorded at ingest (LogStore::ingest `arrival`); entries that arrived before that was recorded
// say "arrival not recorded".
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "identity/node_id.h"
#include "registry/registry_keys.h"
#include "store/log_store.h"

namespace mhero::registry {

struct ProvenanceStep {
  std::string step;     // "arrival", "entry", "decision", "proposal", "base" (where the value a
                        // correction replaced came from), "source".
  int64_t at_ms = 0;    // When it happened (Unix ms; 0 = unknown), the chain's order.
  std::string text;     // One sentence for people.
  nlohmann::json detail;  // The same facts as fields (ids in hex).
};

/// The chain of provider (kind 'p') or facility ('f') `id`, newest first. `self` is this node's
/// id (entries it wrote "were written here"). Errors: not_found when the record was never held
/// here; corruption from the store.
Result<std::vector<ProvenanceStep>> record_provenance(const LogStore& store, const NodeId& self, RecordKind kind,
                                                      std::string_view id);

/// How entry (feed, seq) reached this node: the arrival step, or nullopt when not recorded.
std::optional<ProvenanceStep> entry_arrival(const LogStore& store, const NodeId& self, const EntryRef& ref);

}  // namespace mhero::registry
