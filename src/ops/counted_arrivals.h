// An ArrivalRecorder that counts what arrives for `/metrics` and hands every fact on to the
// recorder that keeps it (fleet/arrival_log.h). Labels name the peer by district code
// ("central" for the central node, "unknown" before the peer is known), never by address.
//
// Series: mhero_sync_sessions_total{peer,direction,outcome}, mhero_sync_received_bytes_total,
// mhero_sync_sent_bytes_total, mhero_entries_ingested_total{via}, mhero_bundle_imports_total,
// mhero_sync_refused_keys_total.
#pragma once

#include "node/arrival_recorder.h"
#include "ops/metrics.h"

namespace mhero::ops {

class CountedArrivals final : public ArrivalRecorder {
 public:
  /// Both must outlive this object; `inner` may be nullptr (count only).
  CountedArrivals(ArrivalRecorder* inner, Metrics& metrics) : inner_(inner), metrics_(metrics) {}

  Status session_ended(const SessionFact& fact) override;
  Status bundle_imported(const BundleFact& fact) override;
  Status key_refused(const RefusedKeyFact& fact) override;

 private:
  ArrivalRecorder* inner_;
  Metrics& metrics_;
};

}  // namespace mhero::ops
