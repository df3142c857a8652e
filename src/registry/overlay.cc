#include "registry/overlay.h"

#include "registry/correction_query.h"
#include "registry/datetime.h"

namespace mhero::registry {

Result<OverlayOutcome> apply_overlay(const LogStore& store, const StoredRecord<ProviderRecord>* held,
                                     ProviderRecord& incoming) {
  if (!held || held->record.removed || held->record.correction.empty() || !held->record.source_differs) {
    return OverlayOutcome::none;
  }
  auto c = find_correction(store.views(), held->record.correction);
  if (!c.ok()) {
    if (c.status().code() == StatusCode::not_found) return OverlayOutcome::none;  // Not held: no overlay.
    return c.status();
  }
  auto phone_of = [&](const std::string& e164) {
    for (const auto& p : held->record.phones) {
      if (p.e164 == e164) return p;
    }
    return PhoneNumber{e164, e164, true, true};
  };
  ProviderRecord corrected = apply_change(incoming, *c, phone_of);
  bool agrees = true;
  for (const auto& f : c->change.fields()) {
    if (field_value(incoming, f) != field_value(corrected, f)) agrees = false;
  }
  // The source edited the record after the decision: its newer value is a new fact.
  auto updated = parse_xsd_datetime(incoming.updated);
  bool moved = !agrees && c->decision && updated &&
               std::chrono::duration_cast<std::chrono::milliseconds>(updated->time_since_epoch()).count() >
                   c->decision->decided_at_ms;
  if (agrees || moved) {
    incoming.correction.clear();
    incoming.source_differs = false;
    return agrees ? OverlayOutcome::retired : OverlayOutcome::source_moved;
  }
  corrected.source_differs = true;
  corrected.origin = held->record.origin;
  incoming = std::move(corrected);
  return OverlayOutcome::kept;
}

}  // namespace mhero::registry
