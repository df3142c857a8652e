// Membership (DESIGN.md "Who holds what"): which district node keys the central node admitted
// (`enrollment` entries) and removed (`revocation` entries), as a materialised view.
//
// Both kinds count only in the `national` scope, which admission lets only the pinned central key
// write, so every fact here comes from the central node. Everything lives in one feed, so the
// view is the same whatever the interleaving of feeds.
//
// View layout (key "enrollment/key/<64 hex node id>", value JSON):
//   {"district": "<code>", "label": "<label>", "revoked": false, "since_ms": <Unix ms>,
//    "valid_through": {"<scope>": <seq>, …},      # only once revoked
//    "revoked_ms": <Unix ms>, "revoked_by": "<hex central key>"}  # only once revoked (view v4)
// since_ms: HLC physical time of the enrollment that admitted the key for that district (a
// repeated enrollment for the same district keeps the first).
// Rules: a later enrollment of the same key moves it to the new district; an enrollment of a
// revoked key is ignored (revocation is final: the node must make a new key).
//
// Key rotation (node/key_rotation.h, schema/README.md "Key rotation") adds to a record:
//   "replaces": "<hex old key>", "overlap_until_ms": <Unix ms>   # on the new key, from central's enrollment
//   "successor": "<hex new key>"                                  # on the old key, once the new one is enrolled
//   "retired": true                                               # with revoked: retired after a rotation
// and two more prefixes:
//   "enrollment/rotation/<hex old key>": a district's admitted keyRotation announcement
//     {"new": "<hex>", "scope": "district/<code>", "overlap_ms": <ms>, "announced_ms": <Unix ms>}
//   "enrollment/central/<hex key>": the central node's keys, linked by hand-overs
//     {"successor": "<hex>", "predecessor": "<hex>", "overlap_ms": <ms>, "announced_ms": <Unix ms>,
//      "retired": bool, "valid_through": {"<scope>": <seq>, …}}
// A hand-over is written in `national` by a central key, so every node that holds `national`
// derives the same chain from its configured pin (config.toml central_key).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "identity/node_id.h"
#include "node/config.h"
#include "store/view.h"
#include "util/status.h"

namespace mhero {

class LogStore;
class NodeKey;

struct EnrolledKey {
  NodeId key;
  std::string district;  // The only district code the key may write: district/<code>.
  bool revoked = false;
  std::string label;
  /// Once revoked: scope -> highest seq of the key's feed in that scope that stays valid. Feeds
  /// absent are valid through seq 0 (nothing accepted).
  std::map<std::string, uint64_t> valid_through;
  int64_t since_ms = 0;  // Unix ms (entry HLC time) of the enrollment for `district`; 0 = unknown.
  std::optional<NodeId> replaces{};   // Key rotation: the old key this one took over from.
  int64_t overlap_until_ms = 0;     // With `replaces`: the old key is retired from then on.
  std::optional<NodeId> successor{};  // Key rotation: the new key enrolled in this one's place.
  bool retired = false;             // With revoked: retired after a rotation (not a plain revocation).
  int64_t revoked_ms = 0;           // With revoked: Unix ms (entry HLC time) of the revocation; 0 = unknown.
  std::optional<NodeId> revoked_by{};  // With revoked: the central key that wrote the revocation.
};

/// A district key's admitted keyRotation announcement (before and after central enrolls the new key).
struct RotationAnnouncement {
  NodeId old_key, new_key;
  std::string scope;        // district/<code>: the old key's feed that carries it.
  int64_t overlap_ms = 0;
  int64_t announced_ms = 0;  // HLC physical time of the announcement entry.
};

/// One central key in the chain of hand-overs.
struct CentralKeyRecord {
  NodeId key;
  std::optional<NodeId> successor, predecessor;
  int64_t overlap_ms = 0;    // From the hand-over naming the successor.
  int64_t announced_ms = 0;  // HLC physical time of that hand-over.
  bool retired = false;      // The successor wrote this key's retirement (a revocation).
  std::map<std::string, uint64_t> valid_through;  // Once retired: scope -> highest valid seq.
};

/// What enroll_key did.
struct EnrollOutcome {
  EnrolledKey record;    // The key's enrollment after the call.
  bool written = false;  // false: the key was already enrolled for that district; nothing written.
};

/// The enrollment view. Stateless; thread-safe.
class EnrollmentView final : public View {
 public:
  std::string_view name() const override { return "enrollment"; }
  int version() const override { return 4; }
  Status apply(const Entry& entry, ViewBatch& batch) override;
};

/// The enrollment record of `key`, or nullopt when it was never enrolled. Errors: corruption when
/// the stored record does not parse; unavailable from the store.
Result<std::optional<EnrolledKey>> find_enrolled(const ViewReader& views, const NodeId& key);

/// A fork is settled once the key that signed two histories is revoked (README "Recovering from a
/// fork"): it writes nothing valid any more. `replacement`: a key enrolled for the same district
/// after the revocation, when the district has one.
struct ForkSettlement {
  EnrolledKey revoked;
  std::optional<EnrolledKey> replacement;
};
/// The settlement of a fork by `author`, nullopt while its key is not revoked (or was never
/// enrolled: the central node's own key). Errors: corruption; unavailable.
Result<std::optional<ForkSettlement>> fork_settlement(const ViewReader& views, const NodeId& author);

/// The scopes a restored or copied central node (under a write hold: store/log_store.h
/// WriteHold) has not yet learned its own heads in: national and district/<code> of every
/// enrolled, unrevoked district, less those learned. A district holds only national and its own
/// scope, so the central node learns them district by district; until each is learned it may
/// write in the learned ones only. Empty when nothing is held. Errors: corruption; unavailable.
Result<std::vector<std::string>> central_scopes_to_learn(const LogStore& store);
/// Ends a central node's write hold once central_scopes_to_learn() is empty (`from` names the
/// last peer); returns whether it ended. Errors: as above, and the store's.
Result<bool> end_central_hold_when_learned(LogStore& store, std::string_view from);

/// Calls fn for every key ever enrolled, in node id order, until fn returns false.
Status for_each_enrolled(const ViewReader& views, const std::function<bool(const EnrolledKey&)>& fn);

/// The rotation `old_key` announced, or nullopt. Errors: corruption; unavailable.
Result<std::optional<RotationAnnouncement>> find_announcement(const ViewReader& views, const NodeId& old_key);
/// Calls fn for every announcement, in old-key order, until fn returns false.
Status for_each_announcement(const ViewReader& views, const std::function<bool(const RotationAnnouncement&)>& fn);

/// The hand-over record of central key `key`, or nullopt when no hand-over names it.
Result<std::optional<CentralKeyRecord>> find_central_key(const ViewReader& views, const NodeId& key);

/// Whether `key` is a central key as seen from the pin `pinned`: the pin itself, or reachable
/// from it through hand-overs (successors or predecessors, at most 32 steps). The record is
/// returned so callers can check a retired key's valid_through; nullopt = not a central key.
/// A pin with no hand-over yields a record with only `key` set.
Result<std::optional<CentralKeyRecord>> central_key_status(const ViewReader& views, const NodeId& pinned,
                                                           const NodeId& key);

/// The newest central key reached from `pinned` through hand-overs (the pin itself without one).
Result<NodeId> current_central_key(const ViewReader& views, const NodeId& pinned);

/// A central key (central_key_status) and not retired, or enrolled and not revoked. Used by the
/// transport and bundles to accept a peer: during a rotation's overlap both keys pass.
Result<bool> may_sync(const ViewReader& views, const NodeConfig& config, const NodeId& peer);

/// For a command about to write entries on a district node (offline first: the write goes ahead):
/// a warning when this store holds no enrollment of the node's own key (a district learns it from
/// central by sync or bundle; until central enrolls it, central refuses the node's entries), when
/// the key is enrolled for another district than config.toml says, or when it was revoked. ""
/// on the central node or when enrolled as configured. Errors: from the view.
Result<std::string> own_enrollment_warning(const ViewReader& views, const NodeConfig& config, const NodeId& self);

/// Central node only: appends an `enrollment` entry to `national`, unless the key is already
/// enrolled for `district` (then nothing is written: written = false). Errors:
/// failed_precondition on a district node; invalid_argument for a bad district code or the
/// central node's own key; already_exists when the key is enrolled for another district (the
/// message says to revoke it first) or was revoked.
Result<EnrollOutcome> enroll_key(LogStore& store, const NodeKey& central, const NodeConfig& config,
                                 const NodeId& key, const std::string& district, const std::string& label);

/// Central node only: appends a `revocation` entry to `national` whose validThrough is the
/// central node's current frontier of every feed `key` authored. Errors: failed_precondition on a
/// district node; not_found when the key was never enrolled; already_exists when already revoked.
Result<EnrolledKey> revoke_key(LogStore& store, const NodeKey& central, const NodeConfig& config,
                               const NodeId& key, const std::string& reason);

}  // namespace mhero
