// This node's health as a nodeStatus entry reports it (schema/payload.capnp NodeStatus), and the
// per-peer facts the console shares with it: last contact and how, entries pending, clock offset.
//
// Sources (all read from the store; nothing here writes):
//  - last contact: the newest of the arrival log's sessions that ended well and bundles imported
//    (fleet/arrival_log.h), and the last successful session `mhero status` knows
//    (replication/peer_status.h, for sessions recorded before the arrival log);
//  - pending: entries of this node's own feeds above what the peer is known to hold: its
//    receipts and the frontiers learned from its bundles (node/peer_frontier.h) merged with the
//    frontier of its last sync session (peer_status.h). For a USB-only district that is the
//    central node's last receipt;
//  - clock offset: the newest session that measured one (replication/session.h).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "node/node.h"
#include "replication/peer_status.h"  // known_peer_frontier
#include "payload.capnp.h"

namespace mhero::fleet {

/// "0.1.0": the meson project version this program was built from.
std::string software_version();

enum class ContactVia { none, session, bundle };
const char* contact_via_name(ContactVia via);  // "none", "session", "bundle".

/// The last contact with one peer and how it was made.
struct Contact {
  int64_t at_ms = 0;               // Unix ms (this node's clock); 0 = never.
  ContactVia via = ContactVia::none;
  // via = session (from the arrival log; 0 when only peer_status.h knew of it):
  uint64_t bytes_in = 0, bytes_out = 0, entries_sent = 0, entries_received = 0;
  std::string address;
  // via = bundle:
  std::string bundle_id;           // 32 hex.
  int64_t exported_ms = 0;         // Header createdAtMs (the sender's clock).
  std::optional<NodeId> relayed_by;
};

/// The last contact with `peer` (see the sources above).
Contact last_contact(const LogStore& store, const NodeId& peer);


/// Entries of feeds authored by `self` that `peer` is not known to hold. Errors: corruption.
Result<uint64_t> pending_for(const LogStore& store, const NodeId& self, const NodeId& peer);

/// This node's clock minus `peer`'s from the newest session that measured it, or nullopt.
std::optional<int64_t> clock_offset(const LogStore& store, const NodeId& peer);

struct PeerHealth {
  NodeId peer;
  Contact contact;
  uint64_t pending = 0;
  std::optional<int64_t> clock_offset_ms;
};

/// What a nodeStatus entry carries.
struct NodeHealth {
  uint64_t free_disk_bytes = 0;    // statvfs f_bavail * f_frsize of the store's file system.
  uint64_t store_bytes = 0;        // Sum of the sizes of the files under db/.
  uint64_t pending_to_central = 0; // 0 on the central node.
  std::optional<int64_t> clock_offset_ms;  // Against the central node; nullopt on it / unknown.
  std::vector<PeerHealth> peers;   // A district: its central node; the central node: none.
  std::string version;
};

/// Measures `node`'s health now. Errors: failed_precondition (statvfs on db/ failed),
/// corruption (damaged receipts).
Result<NodeHealth> measure_health(Node& node);

/// Fills a NodeStatus payload (`reason` as in schema/payload.capnp).
void to_capnp(const NodeHealth& health, const std::string& reason, schema::NodeStatus::Builder out);

}  // namespace mhero::fleet
