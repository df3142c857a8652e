// Arrival facts kept in the store's meta column family (node-local, never replicated), bounded:
// the last `per_peer` sessions per peer, the last `per_peer` bundles per sender, and the last
// kRefusedKept refused keys overall. See node/arrival_recorder.h for what each fact holds.
//
// Meta layout (values JSON, one object per fact with "n", the fact's number in its ring):
//   fleet/session/<peer hex | "addr:" address>/<slot>   SessionFact (peer unknown: by address)
//   fleet/bundle/<sender hex>/<slot>                     BundleFact
//   fleet/refused/<slot>                                 RefusedKeyFact
// slot = n mod the ring's size, as 4 decimal digits, so each ring is overwritten in place and
// never grows (the store has no meta delete). Readers skip malformed values.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "node/arrival_recorder.h"
#include "store/log_store.h"

namespace mhero::fleet {

inline constexpr size_t kFactsPerPeer = 50;
inline constexpr size_t kRefusedKept = 200;

/// The ArrivalRecorder of a running node. Thread-safe (one mutex around each ring update).
/// `store` is not owned and must outlive it.
class ArrivalLog final : public ArrivalRecorder {
 public:
  explicit ArrivalLog(LogStore& store, size_t per_peer = kFactsPerPeer) : store_(store), per_peer_(per_peer) {}

  /// Each writes one meta key (durable on return). Errors: from the store (unavailable,
  /// resource_exhausted on a full disk).
  Status session_ended(const SessionFact& fact) override;
  Status bundle_imported(const BundleFact& fact) override;
  Status key_refused(const RefusedKeyFact& fact) override;
  /// A bundle this node exported (`fact.sender` is this node; imported_ms and entries_new are
  /// 0: not known here). Kept per recipient, so the chain of custody shows the bundles that
  /// went out, not only their receipts (fleet_names.h custody_chain).
  Status bundle_exported(const BundleFact& fact);

 private:
  Status put_in_ring(const std::string& prefix, size_t size, nlohmann::json value);
  LogStore& store_;
  size_t per_peer_;
  std::mutex mu_;
  // Next ring number per prefix, learned by one scan of the prefix, then counted here (this
  // process holds the store, so no other writer moves it meanwhile). Guarded by mu_.
  std::map<std::string, uint64_t> next_by_prefix_;
};

/// Sessions recorded here, newest (by end time) first; only those with `peer` when given.
std::vector<SessionFact> read_sessions(const LogStore& store, const std::optional<NodeId>& peer = std::nullopt);
/// Bundles applied here, newest (by import time, then export time) first; only those from
/// `sender` when given.
std::vector<BundleFact> read_bundles(const LogStore& store, const std::optional<NodeId>& sender = std::nullopt);
/// Bundles this node exported, newest (by export time) first; only those for `recipient` when given.
std::vector<BundleFact> read_exports(const LogStore& store, const std::optional<NodeId>& recipient = std::nullopt);
/// Refused keys, newest first.
std::vector<RefusedKeyFact> read_refused(const LogStore& store);

}  // namespace mhero::fleet
