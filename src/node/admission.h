// Who may write which scope (DESIGN.md "Who holds what"), enforced on every entry a node writes
// or ingests:
//   - `national`: only the pinned central key;
//   - `district/<code>`: the central key, or a key the central node enrolled for <code>
//     (node/enrollment.h). A revoked key's entries stay valid up to the revocation's
//     validThrough seq of their feed and are refused after it;
//   - the node's own key in its own scope, so a district works offline before its enrollment
//     has reached it (its peers still check the enrollment when they receive its entries).
// A correctionDecision must come from the central key (registry/correction_view.h
// admit_decision); the correction it names may arrive after it.
// Key rotation (node/key_rotation.h): "the central key" is the pin or any key linked to it by
// hand-overs (node/enrollment.h central_key_status); a central key its successor retired is
// refused past its valid_through seq, as a revoked district key. A keyRotation entry must name
// its author as the old key and carry the new key's proof (node/key_rotation.h
// check_key_rotation), and a key may announce only one rotation.
// Everything else is refused with permission_denied naming the author and the scope.
#pragma once

#include <optional>
#include <string>

#include "identity/node_id.h"
#include "store/view.h"

namespace mhero {

class EnrolledAdmission final : public Admission {
 public:
  /// `central` is the pinned central key (nullopt: national unrestricted, for bare stores);
  /// `own`/`own_scope` are this node's key and the scope it writes.
  EnrolledAdmission(std::optional<NodeId> central, std::optional<NodeId> own, std::string own_scope)
      : central_(central), own_(own), own_scope_(std::move(own_scope)) {}
  /// Thread-safe (no state of its own).
  Status admit(const Entry& entry, const ViewReader& state) const override;
  /// After the node switched to its rotated key (node/node.h): the key it now writes with. Call
  /// only while no ingest runs (at open).
  void set_own(const NodeId& own) { own_ = own; }
  /// After a district learned a central hand-over: the newest central key. Same rule.
  void set_central(const NodeId& central) { central_ = central; }

 private:
  std::optional<NodeId> central_;
  std::optional<NodeId> own_;
  std::string own_scope_;
};

}  // namespace mhero
