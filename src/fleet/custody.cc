// node_name, custody_chain (fleet_names.h) and human_duration (fleet_query.h).
#include <algorithm>
#include <cstdlib>

#include "fleet/arrival_log.h"
#include "fleet/fleet_names.h"
#include "node/enrollment.h"
#include "store/hlc.h"
#include "store/scope.h"
#include "util/bytes.h"

namespace mhero::fleet {

std::string human_duration(int64_t ms) {
  if (ms < 0) ms = -ms;
  int64_t s = ms / 1000, min = s / 60, h = min / 60, d = h / 24;
  if (d > 0) return std::to_string(d) + " d " + std::to_string(h % 24) + " h";
  if (h > 0) return std::to_string(h) + " h " + std::to_string(min % 60) + " min";
  if (min > 0) return std::to_string(min) + " min";
  return std::to_string(s) + " s";
}

Result<std::string> node_name(const FleetContext& ctx, const NodeId& node) {
  if ((ctx.config.central_key && node == *ctx.config.central_key) ||
      (ctx.config.role == Role::central && node == ctx.self)) {
    return std::string("central");
  }
  MHERO_ASSIGN_OR_RETURN(auto enrolled, find_enrolled(ctx.store.views(), node));
  if (!enrolled) return node.hex();
  return "district " + enrolled->district + (enrolled->revoked ? " (revoked)" : "");
}

namespace {

// The scope `node` writes: national for the central node, district/<code> for an enrolled key.
Result<std::optional<std::string>> scope_of(const FleetContext& ctx, const NodeId& node) {
  if ((ctx.config.central_key && node == *ctx.config.central_key) ||
      (ctx.config.role == Role::central && node == ctx.self)) {
    return std::optional<std::string>(std::string(kNationalScope));
  }
  if (node == ctx.self) return std::optional<std::string>(district_scope(ctx.config.district));
  MHERO_ASSIGN_OR_RETURN(auto enrolled, find_enrolled(ctx.store.views(), node));
  if (!enrolled) return std::optional<std::string>();
  return std::optional<std::string>(district_scope(enrolled->district));
}

Result<BundleCustody> from_fact(const FleetContext& ctx, const BundleFact& b) {
  BundleCustody c;
  c.bundle_id = b.bundle_id;
  c.sender = b.sender;
  c.recipient = b.recipient;
  c.exported_ms = b.exported_ms;
  c.imported_ms = b.imported_ms;
  c.relayed_by = b.relayed_by;
  c.entry_count = b.entry_count;
  c.entries_new = b.entries_new;
  MHERO_ASSIGN_OR_RETURN(c.sender_name, node_name(ctx, c.sender));
  MHERO_ASSIGN_OR_RETURN(c.recipient_name, node_name(ctx, c.recipient));
  if (c.relayed_by) {
    MHERO_ASSIGN_OR_RETURN(c.relayed_by_name, node_name(ctx, *c.relayed_by));
  }
  MHERO_ASSIGN_OR_RETURN(auto seq, ctx.store.views().get("receipts/bundle/" + b.bundle_id + "/" + b.recipient.hex()));
  if (seq) c.receipt_seq = std::strtoull(seq->c_str(), nullptr, 10);
  return c;
}

}  // namespace

Result<std::vector<BundleCustody>> custody_chain(const FleetContext& ctx, const NodeId& other) {
  std::vector<BundleCustody> out;
  for (const BundleFact& b : read_bundles(ctx.store)) {
    if (b.sender != other && b.relayed_by != other) continue;
    MHERO_ASSIGN_OR_RETURN(BundleCustody c, from_fact(ctx, b));
    out.push_back(std::move(c));
  }
  for (const BundleFact& b : read_exports(ctx.store, other)) {  // This node's bundles to `other`.
    MHERO_ASSIGN_OR_RETURN(BundleCustody c, from_fact(ctx, b));
    c.entries_new_known = false;
    out.push_back(std::move(c));
  }
  // Receipts written by `other` for bundles it imported (held here once they travelled back).
  MHERO_ASSIGN_OR_RETURN(auto scope, scope_of(ctx, other));
  std::string suffix = "/" + other.hex();
  std::vector<std::pair<std::string, uint64_t>> receipts;  // (bundle id, seq)
  MHERO_RETURN_IF_ERROR(ctx.store.views().scan("receipts/bundle/", [&](std::string_view k, std::string_view v) {
    if (k.size() > suffix.size() && k.substr(k.size() - suffix.size()) == suffix) {
      std::string_view id = k.substr(std::string_view("receipts/bundle/").size());
      id = id.substr(0, id.size() - suffix.size());
      receipts.emplace_back(std::string(id), std::strtoull(std::string(v).c_str(), nullptr, 10));
    }
    return true;
  }));
  for (const auto& receipt : receipts) {
    if (!scope) break;
    const std::string& id = receipt.first;  // Not a structured binding: lambdas capture it (clang 14).
    const uint64_t seq = receipt.second;
    auto entry = ctx.store.get(FeedId{other, *scope}, seq);
    if (!entry.ok() || entry->kind() != schema::Payload::RECEIPT) continue;
    const auto imported_ms = static_cast<int64_t>(HybridClock::physical_ms(entry->hlc_time()));
    auto known = std::find_if(out.begin(), out.end(), [&](const BundleCustody& c) {
      return c.bundle_id == id && c.recipient == other;
    });
    if (known != out.end()) {  // An export of this node's: its receipt says when it arrived.
      if (known->imported_ms == 0) known->imported_ms = imported_ms;
      continue;
    }
    auto sender_bytes = entry->payload().getReceipt().getSender();
    auto sender = NodeId::from_bytes({reinterpret_cast<const char*>(sender_bytes.begin()), sender_bytes.size()});
    if (!sender) continue;
    BundleCustody c;
    c.bundle_id = id;
    c.sender = *sender;
    c.recipient = other;
    c.imported_ms = imported_ms;
    c.receipt_seq = seq;
    c.entry_count_known = c.entries_new_known = false;
    MHERO_ASSIGN_OR_RETURN(c.sender_name, node_name(ctx, c.sender));
    MHERO_ASSIGN_OR_RETURN(c.recipient_name, node_name(ctx, c.recipient));
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const BundleCustody& a, const BundleCustody& b) {
    return std::max(a.imported_ms, a.exported_ms) > std::max(b.imported_ms, b.exported_ms);
  });
  return out;
}

}  // namespace mhero::fleet
