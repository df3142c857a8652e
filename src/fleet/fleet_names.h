// Helpers shared by the fleet queries (fleet_query.h): how a node is named on the pages, and the
// chain of custody of the bundles between this node and another.
#pragma once

#include "fleet/fleet_query.h"

namespace mhero::fleet {

/// "central" (the pinned central key or, on the central node, itself), "district <code>"
/// (enrolled, "(revoked)" appended when revoked), or the 64-hex id. Errors: corruption.
Result<std::string> node_name(const FleetContext& ctx, const NodeId& node);

/// Bundles between this node and `other` (whose feeds are in `other_scope`), newest first:
/// those imported here from `other` or relayed here by `other` (arrival log), and those `other`
/// receipted (its receipt entries held here, with the bundle's sender). Errors: corruption.
Result<std::vector<BundleCustody>> custody_chain(const FleetContext& ctx, const NodeId& other);

}  // namespace mhero::fleet
