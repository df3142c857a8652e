// districts() and district_detail() (fleet_query.h).
#include <algorithm>
#include <cstdlib>
#include <set>

#include "fleet/arrival_log.h"
#include "fleet/fleet_query.h"
#include "fleet/fleet_names.h"
#include "messaging/message_query.h"
#include "node/enrollment.h"
#include "node/holding.h"
#include "store/hlc.h"
#include "store/scope.h"

namespace mhero::fleet {

Thresholds Thresholds::from(const NodeConfig& config) {
  Thresholds t;
  t.silent_amber = std::chrono::milliseconds(int_or(config.table, "console", "silent_amber_ms", t.silent_amber.count()));
  t.silent_red = std::chrono::milliseconds(int_or(config.table, "console", "silent_red_ms", t.silent_red.count()));
  t.silent_red = std::max(t.silent_red, t.silent_amber);
  t.clock_skew = std::chrono::milliseconds(int_or(config.table, "console", "clock_skew_alarm_ms", t.clock_skew.count()));
  return t;
}

const char* colour_name(Colour colour) {
  switch (colour) {
    case Colour::green: return "green";
    case Colour::amber: return "amber";
    case Colour::red: return "red";
    case Colour::grey: return "grey";
  }
  return "?";
}

namespace {

bool is_central(const FleetContext& ctx) { return ctx.config.role == Role::central; }

// The lags between `central` (the central node's frontier) and `district` (the district's),
// for the feeds district `code` may hold.
std::vector<FeedLag> feed_lags(const FleetContext& ctx, const Frontier& central, const Frontier& district,
                               const std::string& code, int64_t now_ms) {
  std::set<FeedId> feeds;
  for (const auto& [f, s] : central.feeds()) feeds.insert(f);
  for (const auto& [f, s] : district.feeds()) feeds.insert(f);
  std::vector<FeedLag> out;
  for (const FeedId& f : feeds) {
    if (!may_hold(Role::district, code, f)) continue;
    FeedLag l;
    l.feed = f;
    l.central_seq = central.get(f);
    l.district_seq = district.get(f);
    l.entries = l.central_seq > l.district_seq ? l.central_seq - l.district_seq : l.district_seq - l.central_seq;
    if (l.entries > 0) l.lacking = l.central_seq > l.district_seq ? "district" : "central";
    if (l.entries > 0) {
      auto first_missing = ctx.store.get(f, std::min(l.central_seq, l.district_seq) + 1);
      if (first_missing.ok()) {
        l.lag_ms = std::max<int64_t>(0, now_ms - static_cast<int64_t>(HybridClock::physical_ms(first_missing->hlc_time())));
      }
    }
    out.push_back(std::move(l));
  }
  return out;
}

Result<uint64_t> pending_messages(const ViewReader& views, const std::string& code) {
  MHERO_ASSIGN_OR_RETURN(auto messages, list_messages(views));
  uint64_t n = 0;
  for (const MessageState& m : messages) {
    std::string state = m.state();
    if (state != "pending" && state != "dispatching") continue;
    const auto& targets = m.message.target.districts;
    if (m.message.scope == district_scope(code) || std::find(targets.begin(), targets.end(), code) != targets.end()) {
      ++n;
    }
  }
  return n;
}

void colour(const FleetContext& ctx, DistrictRow& row, int64_t now_ms) {
  if (row.revoked) {
    row.colour = Colour::grey;
    row.colour_reasons.push_back("revoked");
    return;
  }
  int64_t since = row.last_contact.at_ms != 0 ? row.last_contact.at_ms : row.enrolled_ms;
  row.silent_ms = since != 0 ? std::max<int64_t>(0, now_ms - since) : 0;
  std::string silent = row.last_contact.at_ms != 0 ? "silent for " + human_duration(row.silent_ms)
                                                   : "never heard from since enrollment " + human_duration(row.silent_ms) + " ago";
  if (since != 0 && row.silent_ms > ctx.thresholds.silent_red.count()) {
    row.colour = Colour::red;
    row.colour_reasons.push_back(silent);
  } else if (since != 0 && row.silent_ms > ctx.thresholds.silent_amber.count()) {
    row.colour = Colour::amber;
    row.colour_reasons.push_back(silent);
  }
  auto at_least_amber = [&](std::string why) {
    if (row.colour == Colour::green) row.colour = Colour::amber;
    row.colour_reasons.push_back(std::move(why));
  };
  if (row.health && row.health->plausible() && row.health->as_of_ms > now_ms + ctx.thresholds.clock_skew.count()) {
    at_least_amber("status dated " + human_duration(row.health->as_of_ms - now_ms) + " in the future");
  }
  if (row.clock_offset_ms && std::llabs(*row.clock_offset_ms) > ctx.thresholds.clock_skew.count()) {
    at_least_amber(std::string("clock ") + (*row.clock_offset_ms > 0 ? "ahead" : "behind") + " by " +
                   human_duration(std::llabs(*row.clock_offset_ms)));
  }
  if (row.health && !row.health->plausible()) row.colour_reasons.push_back("latest status implausible, ignored");
  // A fork of one of the district's feeds outranks everything: its key signed two histories.
  for (const ForkRecord& f : ctx.store.forks()) {
    if (f.feed.author != row.node) continue;
    if (auto settled = fork_settlement(ctx.store.views(), f.feed.author); settled.ok() && *settled) continue;
    row.colour = Colour::red;
    row.colour_reasons.push_back("forked at feed " + f.feed.scope + " seq " + std::to_string(f.seq) + " (see Alarms)");
  }
}

// The row of district node `key` (enrollment `enrolled`, when known).
Result<DistrictRow> make_row(const FleetContext& ctx, const NodeId& key, const std::string& code,
                             const std::optional<EnrolledKey>& enrolled) {
  const int64_t now_ms = ctx.clock.now().count();
  DistrictRow row;
  row.district = code;
  row.node = key;
  if (enrolled) {
    row.enrolled = true;
    row.label = enrolled->label;
    row.revoked = enrolled->revoked;
    row.enrolled_ms = enrolled->since_ms;
  }
  const bool central = is_central(ctx);
  const NodeId peer = central ? key : ctx.config.central_key.value_or(ctx.self);
  row.last_contact = last_contact(ctx.store, peer);
  if (row.last_contact.relayed_by) {
    MHERO_ASSIGN_OR_RETURN(row.relayed_by_district, node_name(ctx, *row.last_contact.relayed_by));
  }
  const Frontier here = ctx.store.frontier();
  MHERO_ASSIGN_OR_RETURN(Frontier there, known_peer_frontier(ctx.store, peer));
  // Each side holds at least what this node holds of the feeds that side wrote.
  for (const auto& [f, seq] : here.feeds()) {
    if (f.author == peer) there.raise(f, seq);
  }
  row.lags = central ? feed_lags(ctx, here, there, code, now_ms) : feed_lags(ctx, there, here, code, now_ms);
  for (const FeedLag& l : row.lags) {
    if (l.lacking == "district") {
      row.behind_entries += l.entries;
      if (l.lag_ms) row.behind_ms = std::max(row.behind_ms.value_or(0), *l.lag_ms);
    } else if (l.lacking == "central") {
      row.ahead_entries += l.entries;
    }
  }
  MHERO_ASSIGN_OR_RETURN(row.pending_messages, pending_messages(ctx.store.views(), code));
  MHERO_ASSIGN_OR_RETURN(row.health, latest_status(ctx.store.views(), key));
  if (auto measured = clock_offset(ctx.store, peer)) {
    row.clock_offset_ms = central ? -*measured : *measured;  // Always district minus central.
  } else if (row.health && row.health->plausible() && !row.health->peers.empty()) {
    row.clock_offset_ms = row.health->clock_offset_ms;
  }
  colour(ctx, row, now_ms);
  return row;
}

}  // namespace

Result<std::vector<DistrictRow>> districts(const FleetContext& ctx) {
  std::vector<DistrictRow> rows;
  if (!is_central(ctx)) {
    MHERO_ASSIGN_OR_RETURN(auto own, find_enrolled(ctx.store.views(), ctx.self));
    MHERO_ASSIGN_OR_RETURN(DistrictRow row, make_row(ctx, ctx.self, ctx.config.district, own));
    rows.push_back(std::move(row));
    return rows;
  }
  std::vector<EnrolledKey> keys;
  MHERO_RETURN_IF_ERROR(for_each_enrolled(ctx.store.views(), [&](const EnrolledKey& k) {
    keys.push_back(k);
    return true;
  }));
  for (const EnrolledKey& k : keys) {
    MHERO_ASSIGN_OR_RETURN(DistrictRow row, make_row(ctx, k.key, k.district, k));
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const DistrictRow& a, const DistrictRow& b) {
    return a.district != b.district ? a.district < b.district : a.revoked < b.revoked;
  });
  return rows;
}

Result<DistrictDetail> district_detail(const FleetContext& ctx, std::string_view code) {
  MHERO_ASSIGN_OR_RETURN(auto rows, districts(ctx));
  const DistrictRow* chosen = nullptr;
  for (const DistrictRow& r : rows) {
    if (r.district != code) continue;
    if (!chosen || (chosen->revoked && !r.revoked) || (chosen->revoked && r.enrolled_ms > chosen->enrolled_ms)) {
      chosen = &r;
    }
  }
  if (!chosen) return not_found("no district \"" + std::string(code) + "\" is known to this node");
  DistrictDetail d;
  d.row = *chosen;
  const NodeId peer = is_central(ctx) ? d.row.node : ctx.config.central_key.value_or(ctx.self);
  d.sessions = read_sessions(ctx.store, peer);
  for (const SessionFact& s : d.sessions) {
    if (!s.ok()) d.last_errors.emplace_back(s.ended_ms, s.error);
  }
  MHERO_ASSIGN_OR_RETURN(d.bundles, custody_chain(ctx, d.row.node));
  MHERO_ASSIGN_OR_RETURN(d.health_history, status_history(ctx.store.views(), d.row.node));
  return d;
}

}  // namespace mhero::fleet
