// Key rotation (`mhero key rotate`, README.md "Key rotation"; schema/README.md "Key rotation"):
// a node hands its Ed25519 identity over to a new key without losing its history.
//
// District node:
//   1. `mhero key rotate` makes the new key (node.key.next, mode 0600) and writes a keyRotation
//      entry in the district's own feed, signed by the old key and carrying the new key's proof
//      (its signature over rotation_proof_message). The node keeps writing and syncing with the
//      old key: the central node does not know the new one yet.
//   2. The announcement reaches the central node (sync or bundle). Admission checks it; after the
//      session or import the central node enrolls the new key (follow_rotations): an `enrollment`
//      entry in `national` with replaces = old key and overlapUntilMs = now + the overlap asked.
//   3. The enrollment reaches the district (sync or bundle). The next time the node opens
//      (any command, or `mhero run` starting) it switches: node.key is kept as
//      node.key.retired-<first 16 hex of the old id>, node.key.next becomes node.key. From then
//      on it writes a NEW feed (new key, district/<code>), linked to the old one by the
//      announcement and the enrollment; the old feed ends where the old key stopped writing.
//   4. Overlap: both keys are enrolled; both may sync (TLS), send and receive bundles (a bundle
//      to the old id is opened with the kept file). At the window's end, the central node retires
//      the old key (automatically after its next sync session or bundle import, or at once with
//      `mhero key retire-old`): a `revocation` with successor = new key, valid through the
//      central node's frontier of the old key's feeds. Earlier entries stay valid forever; later
//      ones are refused. The district deletes the kept file once it holds the retirement.
//
// Central node:
//   1. `mhero key rotate` makes node.key.next and writes the hand-over (a keyRotation entry) in
//      `national` with the old central key. The central node keeps using the old key during the
//      overlap window, so districts that have not heard of the hand-over still accept it.
//   2. A district that receives the hand-over (sync or bundle) pins the new key (config.toml
//      central_key is rewritten at its next open; until then the chain in the enrollment view
//      already accepts it). Entries of the old central key stay valid.
//   3. At the window's end (the next open after it) or with `mhero key retire-old`, the central
//      node switches to the new key and writes, with it, the old key's retirement (a revocation
//      with successor, valid through its frontier of the old key's feeds). The old key file is
//      then deleted.
//
// One rotation at a time: a rotate while one is pending (node.key.next or a kept old key file
// exists, or the store holds this key's announcement) is refused and changes nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "identity/node_key.h"
#include "node/config.h"
#include "node/enrollment.h"
#include "store/view.h"
#include "util/status.h"

namespace mhero {

class LogStore;
class Node;
class Entry;

/// Longest overlap window accepted (366 days), in ms.
inline constexpr int64_t kMaxOverlapMs = int64_t{366} * 24 * 3600 * 1000;

/// The bytes the new key signs (its proof of possession), as schema/payload.capnp KeyRotation says:
/// "mhero key rotation v1\n" || old (32) || new (32) || scope || overlap_ms (8, little-endian).
std::string rotation_proof_message(const NodeId& old_key, const NodeId& new_key, std::string_view scope,
                                   int64_t overlap_ms);

/// Admission check of a keyRotation entry (node/admission.h). permission_denied (the store adds
/// the feed and seq) when: oldKey is not the entry's author; newKey is not 32 bytes or equals oldKey; the
/// proof does not verify (the new key did not sign, or the announcement was altered); overlapMs is
/// outside [0, kMaxOverlapMs]; the old key already announced a rotation (to another key); the new
/// key is already enrolled or a central key.
Status check_key_rotation(const Entry& entry, const ViewReader& state);

/// The files of a rotation in a node directory.
std::filesystem::path next_key_path(const std::filesystem::path& dir);
std::filesystem::path retired_key_path(const std::filesystem::path& dir, const NodeId& old_key);
/// Kept old key files (node.key.retired-*) in `dir`, in name order.
std::vector<std::filesystem::path> retired_key_files(const std::filesystem::path& dir);

struct RotationStarted {
  NodeId old_key, new_key;
  std::string scope;  // Where the announcement / hand-over was written.
  uint64_t seq = 0;   // Its seq in the old key's feed.
  std::filesystem::path next_file;
};

/// `mhero key rotate`: writes node.key.next (0600) and the keyRotation entry (signed by the
/// node's key, in its own scope). Errors: invalid_argument for an overlap outside
/// [0, kMaxOverlapMs]; failed_precondition when a rotation is pending (naming the file or entry
/// and what finishes it); errors of the write (the new key file is then removed: nothing changed).
Result<RotationStarted> start_key_rotation(Node& node, int64_t overlap_ms);

/// Central node, after entries arrived (sync session, bundle import) or on demand: enrolls the
/// successor of every admitted district announcement whose old key is enrolled for that district
/// and not revoked, and retires every old key whose overlap ended by `now_ms` (or `retire_now`,
/// whatever its window). Returns one line per step taken ("enrolled …", "retired …"). Nothing on a
/// district node. Errors: from the store (entries written before the error stay).
Result<std::vector<std::string>> follow_rotations(LogStore& store, const NodeKey& central, const NodeConfig& config,
                                                  int64_t now_ms, std::optional<NodeId> retire_now = std::nullopt);

/// Rewrites the [node] central_key line of config.toml at `path` (atomically, mode 0600).
/// Errors: not_found; failed_precondition when the file has no central_key line or cannot be written.
Status rewrite_central_key(const std::filesystem::path& path, const NodeId& key);

}  // namespace mhero
