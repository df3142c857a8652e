#include "bundle/peers.h"

#include "node/enrollment.h"

namespace mhero::bundle {

Result<PeerProfile> resolve_peer(Node& node, const NodeId& id) {
  const NodeConfig& config = node.config();
  if (config.central_key) {  // The pin, or a key linked to it by hand-overs (key rotation).
    MHERO_ASSIGN_OR_RETURN(auto central, central_key_status(node.store().views(), *config.central_key, id));
    if (central && central->retired) {
      return permission_denied("node " + id.hex() + " is a central key retired after a hand-over");
    }
    if (central) return PeerProfile{id, Role::central, ""};
  }
  MHERO_ASSIGN_OR_RETURN(std::optional<EnrolledKey> enrolled, find_enrolled(node.store().views(), id));
  if (!enrolled) {
    return not_found("node " + id.hex() + " is neither the pinned central node nor an enrolled district node");
  }
  if (enrolled->revoked) return permission_denied("node " + id.hex() + " was revoked by the central node");
  return PeerProfile{id, Role::district, enrolled->district};
}

}  // namespace mhero::bundle
