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

 private:
  std::optional<NodeId> central_;
  std::optional<NodeId> own_;
  std::string own_scope_;
};

}  // namespace mhero
