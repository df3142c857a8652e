// What `mhero status` shows per peer, kept in the store's meta column family under
// "sync/peer/<label>" (label: the dialed address, or the node id hex of a peer that dialed in).
// Value: JSON {"address", "node", "role", "district", "last_attempt_ms", "last_success_ms",
// ("node", "role" and "district" only once the peer's hello arrived)
// "last_error", "entries_sent", "entries_received", "frontier": {"<author hex>/<scope>": seq},
// "clock_offset_ms" (only once a session measured it), "batch_bytes" (only while cuts keep it
// below [sync] batch_bytes)}.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "node/config.h"
#include "replication/session.h"
#include "store/log_store.h"

namespace mhero {

struct PeerRecord {
  std::string label;
  std::string address;
  std::optional<NodeId> node;    // Known once a session reached the peer's hello.
  std::optional<Role> role;      // Its role as it said in that hello.
  std::string district;
  int64_t last_attempt_ms = 0;   // Unix ms.
  int64_t last_success_ms = 0;   // Unix ms; 0 = never.
  std::string last_error;        // Empty after a successful session.
  uint64_t entries_sent = 0;     // In the last session.
  uint64_t entries_received = 0;
  Frontier frontier;             // The peer's frontier as known after the last session.
  /// This node's clock minus the peer's (session.h), from the newest session that measured it.
  std::optional<int64_t> clock_offset_ms;
  /// Entry bytes per batch for the next session with this peer; 0: [sync] batch_bytes. Lowered
  /// by next_batch_bytes() on a link that cuts sessions before their first batch is acknowledged.
  uint64_t batch_bytes = 0;
};

/// The smallest batch next_batch_bytes() lowers to, in entry bytes (before compression).
constexpr size_t kBatchBytesFloor = 1024;

/// Entry bytes per batch for the next session with `peer`: what cuts lowered it to, else
/// `configured` ([sync] batch_bytes), never above `configured`.
size_t batch_bytes_for(const PeerRecord& peer, size_t configured);

/// The batch size to keep for the next session, after session `r` sent its batches at `used`
/// entry bytes each. A batch is acknowledged whole or not at all, so a link that cuts every
/// connection after N bytes never moves an entry while one compressed batch is larger than N.
/// Hence: halved (down to kBatchBytesFloor) when `r` was cut (unavailable) after sending
/// batches of which none was acknowledged; doubled back towards `configured` after a session
/// that ended whole; else unchanged, a cut after some acks included (doubling then would undo
/// the halving on a link that always cuts at the same point: a fresh-clone trial saw 64, 32,
/// 64, 32 KiB, with every other session moving nothing). Returns 0 for `configured` itself.
size_t next_batch_bytes(size_t used, size_t configured, const sync::SessionResult& r);

/// Records a session's outcome (success or failure) for `label`. `now_ms`: Unix ms.
/// `batch_bytes`: PeerRecord::batch_bytes for the next session (next_batch_bytes()).
Status record_session(LogStore& store, const std::string& label, const std::string& address,
                      const sync::SessionResult& result, int64_t now_ms, uint64_t batch_bytes = 0);
/// Records a failure before any session (connect, handshake).
Status record_failure(LogStore& store, const std::string& label, const std::string& address,
                      const Status& error, int64_t now_ms);
/// Every record, in label order. Malformed records are skipped.
std::vector<PeerRecord> load_peer_records(const LogStore& store);

/// What `peer` is known to hold: its receipts and the bundles it sent (node/peer_frontier.h),
/// merged with the frontier of every sync session with it (its hello, raised by its acks), from
/// the records under any address. What a bundle export to `peer` starts from. Errors: corruption.
Result<Frontier> known_peer_frontier(const LogStore& store, const NodeId& peer);
/// The record of `label`, or an empty one (label set, nothing known) when there is none.
PeerRecord load_peer_record(const LogStore& store, const std::string& label);

/// The peer's role as this node should name it: the role it announced (central when it is the
/// pinned central key); before any session reached it, `central` on a district node (a district
/// dials its pinned central node: README "[sync] peers") and nullopt on the central node.
std::optional<Role> expected_role(const PeerRecord& peer, const NodeConfig& self);

/// How logs and `mhero status` name the peer: "central", "district <code>", or "peer" when
/// nothing is known. No personal data.
std::string peer_description(const PeerRecord& peer, const NodeConfig& self);

struct Lag {
  uint64_t ahead = 0;   // Entries held here that the peer may hold but lacks.
  uint64_t behind = 0;  // Entries the peer reported holding that this node may hold but lacks.
};
/// Compares `mine` (this node, `self` config) with the peer's last known frontier.
Lag lag(const Frontier& mine, const NodeConfig& self, const PeerRecord& peer);

}  // namespace mhero
