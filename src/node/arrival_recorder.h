// Arrival facts (DESIGN.md "Corrections, provenance, node health"): how data reached this node —
// which sync session, which bundle (relayed by whom), which keys were turned away. They are
// node-local (never replicated) and recorded where the event happens: the sync daemon when a
// session ends, the bundle importer when a bundle is applied, the transport when it refuses a key.
//
// This is the seam those places are given (STYLE.md 2: passed in, never global); a null
// recorder records nothing. The implementation that keeps them (bounded) in the store's meta
// column family is fleet/arrival_log.h. No personal data: node ids, addresses, counts, times and
// transport/protocol error text only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "identity/node_id.h"
#include "util/status.h"

namespace mhero {

/// One sync session, as it ended (successfully or not).
struct SessionFact {
  std::optional<NodeId> peer;    // The authenticated peer; nullopt when the session failed first.
  std::string district;          // The peer's district code; "" for the central node / unknown.
  std::string address;           // "host:port" dialed, or the peer's address when it dialed in.
  bool dialed = true;            // true: this node dialed; false: the peer dialed in.
  int64_t started_ms = 0;        // Unix ms, this node's clock.
  int64_t ended_ms = 0;          // Unix ms, this node's clock.
  uint64_t bytes_in = 0;         // Sync frames read (before TLS).
  uint64_t bytes_out = 0;        // Sync frames written (before TLS).
  uint64_t entries_sent = 0;     // Entries the peer acknowledged.
  uint64_t entries_received = 0; // New entries committed here.
  std::optional<int64_t> clock_offset_ms;  // This node's clock minus the peer's (session.h).
  std::string error;             // "" when the session ended well; else the status text.
  bool ok() const { return error.empty(); }
};

/// One bundle applied here (bundle/importer.h), once all its parts are in.
struct BundleFact {
  std::string bundle_id;         // 32 hex characters.
  NodeId sender;                 // The node that exported it (signed header).
  NodeId recipient;              // This node.
  int64_t exported_ms = 0;       // Header createdAtMs (Unix ms, sender's clock).
  int64_t imported_ms = 0;       // Unix ms, this node's clock.
  uint64_t entry_count = 0;      // Entries in the bundle (all parts).
  uint64_t entries_new = 0;      // Entries new to this node.
  uint32_t parts = 1;
  /// The node whose export carried the file here, when that was not the sender (the file came
  /// as a ".relay-" copy beside that node's own bundle in the same import).
  std::optional<NodeId> relayed_by;
  std::string file;              // File name (no directory) as given to the import.
};

/// A key that tried to sync and was turned away (unknown or revoked).
struct RefusedKeyFact {
  NodeId key;
  std::string address;           // The other end's "host:port".
  int64_t at_ms = 0;             // Unix ms.
  std::string reason;            // "unknown key" or "revoked key" (and what was checked).
};

/// Receives arrival facts. Implementations must be thread-safe (sessions run on many threads).
/// A failure to record is returned for the caller to log; it never fails the sync or import.
class ArrivalRecorder {
 public:
  virtual ~ArrivalRecorder() = default;
  virtual Status session_ended(const SessionFact& fact) = 0;
  virtual Status bundle_imported(const BundleFact& fact) = 0;
  virtual Status key_refused(const RefusedKeyFact& fact) = 0;
};

}  // namespace mhero
