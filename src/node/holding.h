// Who may hold which feeds (DESIGN.md "Who holds what"): the central node holds everything; a
// district holds `national` feeds and feeds of its own `district/<code>` scope, never another
// district's. Replication and bundles both filter with this.
#pragma once

#include <string_view>

#include "node/config.h"
#include "store/feed.h"

namespace mhero {

/// True when a node of `role` (and, for a district, `district` code) may hold `feed`.
bool may_hold(Role role, std::string_view district, const FeedId& feed);

}  // namespace mhero
