// What other nodes are known to hold, so exports and syncs send only what a peer lacks.
//
// Two sources, merged (pointwise max):
//  - receipts: a `receipt` entry written by node P says "P holds frontier F". ReceiptView folds
//    every receipt into view key "receipts/peer/<P hex>" (merging is order-independent), and
//    records "receipts/bundle/<bundle id hex>/<P hex>" so relays know a bundle arrived.
//  - meta key "peer/<P hex>/frontier": raised by this node when it learns P's state directly
//    (a bundle from P covers P's frontier; a sync session's hello). Value: encode_frontier().
#pragma once

#include <optional>
#include <string>

#include "identity/node_id.h"
#include "store/feed.h"
#include "store/log_store.h"
#include "store/view.h"

namespace mhero {

/// A frontier as bytes (schema::Frontier, Cap'n Proto flat array) and back; nullopt if malformed.
std::string encode_frontier(const Frontier& frontier);
std::optional<Frontier> decode_frontier(std::string_view bytes);

/// Folds receipt entries into "receipts/…" view keys (see above). Stateless; thread-safe.
class ReceiptView final : public View {
 public:
  std::string_view name() const override { return "receipts"; }
  int version() const override { return 1; }
  Status apply(const Entry& entry, ViewBatch& batch) override;
};

/// Merge of P's receipts and the meta record. Errors: corruption on a damaged record.
Result<Frontier> known_frontier(const LogStore& store, const NodeId& peer);

/// Raises the meta record of `peer` to include `frontier`. Durable when it returns.
Status raise_known_frontier(LogStore& store, const NodeId& peer, const Frontier& frontier);

/// True when a receipt by `receiver` for bundle `bundle_id_hex` has been seen.
Result<bool> receipt_seen(const ViewReader& views, std::string_view bundle_id_hex, const NodeId& receiver);

}  // namespace mhero
