// The audit trail: `audit` entries (schema/payload.capnp AuditEvent) in each node's own feed,
// and AuditView, which indexes every audit entry held (this node's and, on the central node,
// every district's) by time, newest first.
//
// View keys (views column family, schema/README.md "Console"):
//   audit/t/<16 hex: INT64_MAX - timeMs>/<author hex>/<16 hex: UINT64_MAX - seq>  ->  JSON
// (time_ms, user, action, object, outcome, client). The inverted time and seq make a forward
// scan run newest first (within one millisecond: per author, the later entry first).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "node/node.h"
#include "store/view.h"

namespace mhero::console {

struct AuditRecord {
  int64_t time_ms = 0;
  std::string user, action, object, outcome, client_address;
  // Filled when read from the view:
  std::string node;  // Author node id, hex.
  uint64_t seq = 0;  // Seq of the entry in the author's feed.
};

/// Appends `record` (its node/seq ignored) to `node`'s own feed (node.own_scope()). Errors as
/// LogStore::append (failed_precondition: feed frozen; unavailable/corruption: RocksDB).
Status append_audit(Node& node, const AuditRecord& record);

/// Folds audit entries into "audit/…" keys (see above). Stateless; thread-safe.
class AuditView final : public View {
 public:
  std::string_view name() const override { return "audit"; }
  int version() const override { return 1; }
  Status apply(const Entry& entry, ViewBatch& batch) override;
};

struct AuditFilter {
  std::string user;    // Exact staff user name; "" = any.
  std::string action;  // Exact action, or a prefix ending in '.' ("user."); "" = any.
  int64_t from_ms = 0;           // Inclusive.
  int64_t to_ms = INT64_MAX;     // Inclusive.
};

/// Calls fn(record, key) for held audit events matching `filter`, newest first, starting after
/// view key `after_key` ("" = from the newest), until fn returns false. Memory is one record at
/// a time. Errors: corruption (a damaged view value), unavailable.
Status scan_audit(const ViewReader& views, const AuditFilter& filter, std::string_view after_key,
                  const std::function<bool(const AuditRecord&, std::string_view key)>& fn);

}  // namespace mhero::console
