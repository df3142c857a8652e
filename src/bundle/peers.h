// Who a node id is, from this node's point of view, for bundles: the pinned central key, or an
// enrolled district key (node/enrollment.h). Used to pick what a recipient may hold and to accept
// a sender.
#pragma once

#include <string>

#include "node/node.h"

namespace mhero::bundle {

struct PeerProfile {
  NodeId id;
  Role role = Role::district;
  std::string district;  // Empty for the central node.
};

/// The profile of `id`. Errors: not_found when `id` is neither the pinned central key nor an
/// enrolled key; permission_denied when its enrollment was revoked; corruption from the views.
Result<PeerProfile> resolve_peer(Node& node, const NodeId& id);

}  // namespace mhero::bundle
