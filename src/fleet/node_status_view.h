// The "fleet" view: every nodeStatus entry held (schema/payload.capnp NodeStatus), by author, so
// the console shows each node's latest health and its health over time without reading feeds.
//
// Keys (values JSON of StatusRecord):
//   fleet/latest/<author hex>          the author's newest status (highest entry time)
//   fleet/status/<author hex>/<slot>   the last kStatusHistory statuses, slot = count mod size
//   fleet/count/<author hex>           statuses of that author seen so far (decimal)
// Each author's statuses come from its own feeds in seq order, so the view is the same whatever
// the interleaving of feeds. A status with implausible values (free disk above 1 PiB, a clock
// offset above 10 years, a version that is not short printable text, …) is kept as received
// with its `problems` listed; readers show it plainly and use none of its values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "identity/node_id.h"
#include "store/view.h"

namespace mhero::fleet {

inline constexpr size_t kStatusHistory = 96;  // One day at the default 15 min interval.

/// A PeerContact as the view keeps it.
struct PeerContactRecord {
  NodeId peer;
  int64_t last_contact_ms = 0;  // Unix ms (the author's clock); 0 = never.
  std::string via;              // "none", "session", "bundle", or "unknown(<n>)" from a newer node.
  std::string bundle_id;        // 32 hex, via = bundle.
  uint64_t pending_entry_count = 0;
  int64_t clock_offset_ms = 0;  // Author's clock minus the peer's.
};

/// One nodeStatus entry, decoded.
struct StatusRecord {
  NodeId author;
  std::string scope;
  uint64_t seq = 0;
  int64_t as_of_ms = 0;           // Entry time (HLC physical part, Unix ms, the author's clock).
  uint64_t free_disk_bytes = 0;
  uint64_t store_bytes = 0;
  uint64_t pending_entry_count = 0;  // Toward the central node.
  int64_t clock_offset_ms = 0;    // Author's clock minus the central node's.
  std::string version;            // Sanitised: printable ASCII, at most 64 characters.
  std::string reason;             // Sanitised as version.
  std::vector<PeerContactRecord> peers;
  std::vector<std::string> problems;  // Why values are implausible; empty = plausible.
  bool plausible() const { return problems.empty(); }
};

class NodeStatusView final : public View {
 public:
  std::string_view name() const override { return "fleet"; }
  int version() const override { return 1; }
  Status apply(const Entry& entry, ViewBatch& batch) override;
};

/// The newest status of `author`, or nullopt. Errors: corruption (undecodable view value).
Result<std::optional<StatusRecord>> latest_status(const ViewReader& views, const NodeId& author);
/// Up to kStatusHistory statuses of `author`, oldest first. Errors: as latest_status.
Result<std::vector<StatusRecord>> status_history(const ViewReader& views, const NodeId& author);

}  // namespace mhero::fleet
