#include "ops/node_metrics.h"

#include "fleet/fleet_query.h"
#include "fleet/node_health.h"

namespace mhero::ops {

namespace {

void scrape_error(Metrics& m, const char* what) {
  m.counter("mhero_scrape_errors_total", "Scrape-time measurements that failed, by what.", {{"what", what}}).inc();
}

}  // namespace

std::string render_node_metrics(Node& node) {
  Metrics& m = node.metrics();
  const NodeConfig& config = node.config();
  m.gauge("mhero_info", "This node: version, role, district (value 1).",
          {{"version", MHERO_VERSION}, {"role", role_name(config.role)}, {"district", config.district}})
      .set(1);

  const Frontier frontier = node.store().frontier();
  for (const auto& [feed, seq] : frontier.feeds()) {
    m.gauge("mhero_feed_entries", "Entries held per feed (its highest seq).",
            {{"author", feed.author.hex().substr(0, 16)}, {"scope", feed.scope}})
        .set(static_cast<double>(seq));
  }

  if (auto health = fleet::measure_health(node); health.ok()) {
    m.gauge("mhero_store_size_bytes", "Bytes of the store's files on disk (db/).").set(static_cast<double>(health->store_bytes));
    m.gauge("mhero_disk_free_bytes", "Free bytes on the store's file system.").set(static_cast<double>(health->free_disk_bytes));
    if (config.role == Role::district) {
      m.gauge("mhero_pending_to_central_entries", "Entries written here the central node has not acknowledged.")
          .set(static_cast<double>(health->pending_to_central));
    }
  } else {
    scrape_error(m, "health");
  }

  if (config.role == Role::central) {
    if (auto rows = fleet::districts(fleet::FleetContext::of(node)); rows.ok()) {
      for (const auto& row : *rows) {
        Labels d{{"district", row.district}};
        m.gauge("mhero_district_behind_entries", "Entries the central node holds that the district lacks.", d)
            .set(static_cast<double>(row.behind_entries));
        m.gauge("mhero_district_ahead_entries", "Entries the district holds that the central node lacks.", d)
            .set(static_cast<double>(row.ahead_entries));
        m.gauge("mhero_district_last_contact_timestamp_seconds",
                "Unix time of the last sync session or bundle from the district (0 = never).", d)
            .set(static_cast<double>(row.last_contact.at_ms) / 1000.0);
        m.gauge("mhero_district_pending_messages", "Messages for the district not yet dispatched.", d)
            .set(static_cast<double>(row.pending_messages));
        m.gauge("mhero_district_colour", "The console's colour: 0 green, 1 amber, 2 red, 3 grey.", d)
            .set(static_cast<double>(row.colour));
      }
    } else {
      scrape_error(m, "districts");
    }
  }
  return m.render();
}

}  // namespace mhero::ops
