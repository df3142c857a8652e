// Membership (DESIGN.md "Who holds what"): which district node keys the central node admitted
// (`enrollment` entries) and removed (`revocation` entries), as a materialised view.
//
// Both kinds count only in the `national` scope, which admission lets only the pinned central key
// write, so every fact here comes from the central node. Everything lives in one feed, so the
// view is the same whatever the interleaving of feeds.
//
// View layout (key "enrollment/key/<64 hex node id>", value JSON):
//   {"district": "<code>", "label": "<label>", "revoked": false,
//    "valid_through": {"<scope>": <seq>, …}}      # only once revoked
// Rules: a later enrollment of the same key moves it to the new district; an enrollment of a
// revoked key is ignored (revocation is final: the node must make a new key).
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
};

/// The enrollment view. Stateless; thread-safe.
class EnrollmentView final : public View {
 public:
  std::string_view name() const override { return "enrollment"; }
  int version() const override { return 1; }
  Status apply(const Entry& entry, ViewBatch& batch) override;
};

/// The enrollment record of `key`, or nullopt when it was never enrolled. Errors: corruption when
/// the stored record does not parse; unavailable from the store.
Result<std::optional<EnrolledKey>> find_enrolled(const ViewReader& views, const NodeId& key);

/// Calls fn for every key ever enrolled, in node id order, until fn returns false.
Status for_each_enrolled(const ViewReader& views, const std::function<bool(const EnrolledKey&)>& fn);

/// Pinned central key, or enrolled and not revoked. Used by the transport to accept a peer.
Result<bool> may_sync(const ViewReader& views, const NodeConfig& config, const NodeId& peer);

/// Central node only: appends an `enrollment` entry to `national`. Errors: failed_precondition on
/// a district node; invalid_argument for a bad district code or the central node's own key;
/// already_exists when the key is enrolled for another district or was revoked.
Result<EnrolledKey> enroll_key(LogStore& store, const NodeKey& central, const NodeConfig& config,
                               const NodeId& key, const std::string& district,
                               const std::string& label);

/// Central node only: appends a `revocation` entry to `national` whose validThrough is the
/// central node's current frontier of every feed `key` authored. Errors: failed_precondition on a
/// district node; not_found when the key was never enrolled; already_exists when already revoked.
Result<EnrolledKey> revoke_key(LogStore& store, const NodeKey& central, const NodeConfig& config,
                               const NodeId& key, const std::string& reason);

}  // namespace mhero
