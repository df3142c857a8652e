// What this node knows about every node (issue 11: the console's Districts, District detail and
// Alarms pages, and `mhero districts` / `mhero alarms`). Read-only over the store: views
// (enrollments, receipts, nodeStatus, messages), the fork quarantine, and node-local meta
// (arrival facts, fleet/arrival_log.h; sync peer records, replication/peer_status.h).
//
// The central node answers for every enrolled district. A district node answers the same
// queries over what it holds: one row (itself), its sync state with the central node, its
// bundles, the alarms it can see.
//
// Frontier lag, precisely (FeedLag): for every feed the district may hold (node/holding.h),
//   central_seq  = what the central node holds: its own frontier on the central node; on a
//                  district, the central node's last known frontier (its hello in the last
//                  session, its receipts) — and at least this node's seq of feeds the central
//                  node wrote, which it holds by definition;
//   district_seq = what the district holds: on a district its own frontier; on the central node
//                  the district's last known frontier (its receipts, the frontiers of its
//                  bundles and sessions: fleet/node_health.h known_peer_frontier) — and at least
//                  the central node's seq of feeds the district wrote;
//   entries      = |central_seq - district_seq|, `lacking` names the side behind;
//   lag_ms       = now minus the entry time (HLC wall-clock part) of the first entry the lacking
//                  side lacks, when this node holds that entry (else nullopt): how long the
//                  oldest missing entry has been waiting.
//
// Colours (DistrictRow::colour), as OpenHIM colours mediator heartbeats: grey = revoked; red =
// silent (now minus last contact, or minus enrollment when never heard from) above
// silent_red_ms; amber = silent above silent_amber_ms, a nodeStatus dated in the future (beyond
// clock_skew_alarm_ms), or a clock off by more than clock_skew_alarm_ms; green otherwise.
//
// Thread-safety: the functions only read the store and may run on any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fleet/node_health.h"
#include "fleet/node_status_view.h"
#include "node/arrival_recorder.h"

namespace mhero::fleet {

/// [console] silent_amber_ms, silent_red_ms, clock_skew_alarm_ms.
struct Thresholds {
  std::chrono::milliseconds silent_amber{std::chrono::hours(24)};
  std::chrono::milliseconds silent_red{std::chrono::hours(72)};
  std::chrono::milliseconds clock_skew{std::chrono::minutes(5)};
  static Thresholds from(const NodeConfig& config);
};

/// What the queries read. References must outlive the call.
struct FleetContext {
  const LogStore& store;
  const NodeConfig& config;
  NodeId self;
  const Clock& clock;
  Thresholds thresholds;
  static FleetContext of(Node& node) {
    return {node.store(), node.config(), node.id(), node.clock(), Thresholds::from(node.config())};
  }
};

enum class Colour { green, amber, red, grey };
const char* colour_name(Colour colour);  // "green", "amber", "red", "grey".

/// Lag of one feed between the central node and a district (see the header comment).
struct FeedLag {
  FeedId feed;
  uint64_t central_seq = 0;
  uint64_t district_seq = 0;
  uint64_t entries = 0;           // |central_seq - district_seq|.
  std::string lacking;            // "district", "central", or "" when equal.
  std::optional<int64_t> lag_ms;  // Age of the oldest missing entry, when held here.
};

/// One row of the Districts page.
struct DistrictRow {
  std::string district;           // District code.
  NodeId node;                    // The district node's key.
  std::string label;              // Enrollment label ("" when none).
  bool enrolled = false;          // False only on a district that has not learnt its enrollment.
  bool revoked = false;
  int64_t enrolled_ms = 0;        // Unix ms of the enrollment entry; 0 = unknown.
  Contact last_contact;           // With this node (a district: with the central node).
  std::string relayed_by_district;  // last_contact.relayed_by as "district <code>", "central", or
                                    // its hex when not enrolled; "" when not relayed.
  std::vector<FeedLag> lags;      // By feed.
  uint64_t behind_entries = 0;    // Sum of entries where the district is lacking.
  std::optional<int64_t> behind_ms;  // Max lag_ms where the district is lacking.
  uint64_t ahead_entries = 0;     // Sum of entries where the central node is lacking.
  uint64_t pending_messages = 0;  // Messages "pending"/"dispatching" written in district/<code>
                                  // or targeting the district by code (message_query.h).
  std::optional<StatusRecord> health;  // The district's newest nodeStatus (check plausible()).
  std::optional<int64_t> clock_offset_ms;  // District's clock minus the central node's: this
                                           // node's last measurement, else the district's status.
  int64_t silent_ms = 0;          // now - last contact (or enrollment); 0 when never enrolled.
  Colour colour = Colour::green;
  std::vector<std::string> colour_reasons;  // Plain phrases, e.g. "silent for 3 d 2 h".
};

/// One bundle in the chain of custody between a district and the central node.
struct BundleCustody {
  std::string bundle_id;          // 32 hex.
  NodeId sender, recipient;
  std::string sender_name, recipient_name;  // "central", "district <code>" or hex.
  int64_t exported_ms = 0;        // Header time (sender's clock); 0 when not known here.
  int64_t imported_ms = 0;        // When imported (the importer's clock); 0 when not known here.
  std::optional<NodeId> relayed_by;
  std::string relayed_by_name;
  uint64_t entry_count = 0, entries_new = 0;
  bool entry_count_known = true;  // False for a bundle known here only by its receipt.
  bool entries_new_known = true;  // Known where this node imported it (not for its own exports).
  std::optional<uint64_t> receipt_seq;  // The importer's receipt entry (the proof), when held.
};

/// The District detail page.
struct DistrictDetail {
  DistrictRow row;
  std::vector<SessionFact> sessions;       // Newest first (this node's records).
  std::vector<BundleCustody> bundles;      // Newest first, both directions.
  std::vector<std::pair<int64_t, std::string>> last_errors;  // (Unix ms, error), newest first.
  std::vector<StatusRecord> health_history;  // Oldest first.
};

enum class Severity { critical, warning, info };
const char* severity_name(Severity severity);  // "critical", "warning", "info".

/// One alarm: what happened, with evidence, and what to do, in plain sentences.
struct Alarm {
  Severity severity = Severity::warning;
  std::string kind;     // "fork", "refused_key", "silent", "clock_skew", "future_status",
                        // "implausible_status", "low_disk", "dispatch_failed", "messaging_off".
  std::string subject;  // The district code, feed, key or message id it is about.
  int64_t at_ms = 0;    // When it happened or was last seen (Unix ms); 0 = unknown.
  std::string what;     // What happened.
  std::string action;   // What to do.
  std::vector<std::pair<std::string, std::string>> evidence;  // (label, value), e.g. entry ids.
};

/// One row per enrolled district key (central node; revoked keys included, grey), sorted by
/// district code; on a district node its own row only. Errors: corruption (damaged views).
Result<std::vector<DistrictRow>> districts(const FleetContext& ctx);

/// The detail of district `code` (its current key; the newest revoked one when all are
/// revoked). Errors: not_found (no such district here), corruption.
Result<DistrictDetail> district_detail(const FleetContext& ctx, std::string_view code);

/// Every alarm, critical first, then newest first. Errors: corruption.
Result<std::vector<Alarm>> alarms(const FleetContext& ctx);

/// "3 d 2 h", "5 h 10 min", "4 min", "12 s": a duration as the pages show it.
std::string human_duration(int64_t ms);

}  // namespace mhero::fleet
