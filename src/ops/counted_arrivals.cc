#include "ops/counted_arrivals.h"

namespace mhero::ops {

Status CountedArrivals::session_ended(const SessionFact& fact) {
  std::string peer = !fact.district.empty() ? fact.district : fact.peer ? "central" : "unknown";
  std::string direction = fact.dialed ? "dialed" : "accepted";
  metrics_
      .counter("mhero_sync_sessions_total", "Sync sessions that ended, by peer district, direction and outcome.",
               {{"peer", peer}, {"direction", direction}, {"outcome", fact.ok() ? "ok" : "failed"}})
      .inc();
  metrics_.counter("mhero_sync_received_bytes_total", "Sync frame bytes read (before TLS).", {{"peer", peer}})
      .inc(static_cast<double>(fact.bytes_in));
  metrics_.counter("mhero_sync_sent_bytes_total", "Sync frame bytes written (before TLS).", {{"peer", peer}})
      .inc(static_cast<double>(fact.bytes_out));
  metrics_
      .counter("mhero_entries_ingested_total", "Entries verified and stored here, by how they came.",
               {{"via", "sync"}})
      .inc(static_cast<double>(fact.entries_received));
  return inner_ ? inner_->session_ended(fact) : Status{};
}

Status CountedArrivals::bundle_imported(const BundleFact& fact) {
  metrics_.counter("mhero_bundle_imports_total", "Bundles imported (all parts in).").inc();
  metrics_
      .counter("mhero_entries_ingested_total", "Entries verified and stored here, by how they came.",
               {{"via", "bundle"}})
      .inc(static_cast<double>(fact.entries_new));
  return inner_ ? inner_->bundle_imported(fact) : Status{};
}

Status CountedArrivals::key_refused(const RefusedKeyFact& fact) {
  metrics_.counter("mhero_sync_refused_keys_total", "Sync attempts by unknown or revoked keys, turned away.")
      .inc();
  return inner_ ? inner_->key_refused(fact) : Status{};
}

}  // namespace mhero::ops
