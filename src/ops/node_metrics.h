// What `/metrics` shows of a running node: the counters its parts recorded (node.metrics()),
// plus gauges measured at each scrape: mhero_info, entries held per feed, store size and free
// disk, and on the central node each district's frontier lag, last contact and colour
// (fleet/fleet_query.h, the same figures as the console's Districts page).
#pragma once

#include <string>

#include "node/node.h"

namespace mhero::ops {

/// Measures the scrape-time gauges into node.metrics() and returns the whole exposition text
/// (Prometheus text format 0.0.4). A gauge that cannot be measured (statvfs failed, a damaged
/// view) is left out and counted in mhero_scrape_errors_total. Thread-safe as Node is.
std::string render_node_metrics(Node& node);

}  // namespace mhero::ops
