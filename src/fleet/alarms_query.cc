// alarms() (fleet_query.h).
#include <algorithm>
#include <map>

#include "fleet/arrival_log.h"
#include "fleet/fleet_names.h"
#include "integrations/dhis2_config.h"
#include "integrations/dhis2_push.h"
#include "messaging/message_query.h"
#include "node/enrollment.h"
#include "registry/pull_refusal.h"
#include "util/bytes.h"

namespace mhero::fleet {

const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::critical: return "critical";
    case Severity::warning: return "warning";
    case Severity::info: return "info";
  }
  return "?";
}

namespace {

constexpr uint64_t kLowDiskBytes = uint64_t{1} << 30;  // 1 GiB.

Status fork_alarms(const FleetContext& ctx, std::vector<Alarm>& out) {
  for (const ForkRecord& f : ctx.store.forks()) {
    MHERO_ASSIGN_OR_RETURN(std::string who, node_name(ctx, f.feed.author));
    MHERO_ASSIGN_OR_RETURN(auto settled, fork_settlement(ctx.store.views(), f.feed.author));
    if (settled) {  // README "Recovering from a fork" done: an info line, no longer critical.
      Alarm a;
      a.severity = settled->replacement ? Severity::info : Severity::warning;
      a.kind = "fork_settled";
      a.subject = f.feed.to_string();
      a.at_ms = settled->revoked.revoked_ms;
      a.what = "Fork settled: node " + who + " (key " + f.feed.author.short_hex() + "…) signed two histories at feed " +
               f.feed.scope + " seq " + std::to_string(f.seq) + "; its key was revoked " +
               iso_time_ms(settled->revoked.revoked_ms) + ". The feed stays frozen at that seq and the evidence is kept.";
      a.action = settled->replacement
                     ? "Nothing more to do: district " + settled->revoked.district + " writes with its new key " +
                           settled->replacement->key.short_hex() + "…. Switch off any machine still holding the old key."
                     : "Enroll the district's new key (`mhero enroll --district " + settled->revoked.district +
                           " --key NEW`), made with `mhero init` on the district server.";
      a.evidence = {{"feed", f.feed.to_string()}, {"seq", std::to_string(f.seq)}, {"author", f.feed.author.hex()}};
      if (settled->replacement) a.evidence.emplace_back("new key", settled->replacement->key.hex());
      out.push_back(std::move(a));
      continue;
    }
    Alarm a;
    a.severity = Severity::critical;
    a.kind = "fork";
    a.subject = f.feed.to_string();
    std::string seq = std::to_string(f.seq);
    // Two entries at one seq, or (found by a broken link) the held seq-N entry and the author's
    // seq N+1 that links to another seq-N entry: either proves two histories signed by one key.
    bool by_link = std::any_of(f.entries.begin(), f.entries.end(), [&](const Entry& e) { return e.seq() != f.seq; });
    a.what = "Fork: node " + who + " (key " + f.feed.author.short_hex() + "…) signed " +
             (by_link ? "an entry at feed " + f.feed.scope + " seq " + std::to_string(f.seq + 1) +
                            " that links to a seq " + seq + " entry other than the one held"
                      : std::to_string(f.entries.size()) + " different entries at feed " + f.feed.scope + " seq " + seq) +
             ". Its key is misused or was copied to a second machine (an old backup restored and written to). "
             "The feed is frozen" + (ctx.store.frozen(f.feed) ? "" : " (not any more)") + " at seq " + seq +
             ": nothing after it is accepted.";
    a.action = "At the central node: revoke the key (`mhero revoke --key " + f.feed.author.hex() +
               "`). On that district server: make a new key (`mhero init` in a new directory). At the central "
               "node: enroll the new key (`mhero enroll --district CODE --key NEW`). See README \"Recovering from a "
               "fork\".";
    a.evidence = {{"feed", f.feed.to_string()}, {"seq", seq}, {"author", f.feed.author.hex()}};
    for (size_t i = 0; i < f.entries.size(); ++i) {
      std::string name = "entry " + std::to_string(i + 1);
      a.evidence.emplace_back(name, to_hex(std::span<const uint8_t>(f.entries[i].id())));
      if (f.entries[i].seq() != f.seq) a.evidence.emplace_back(name + " is at seq", std::to_string(f.entries[i].seq()));
      a.at_ms = std::max<int64_t>(a.at_ms, static_cast<int64_t>(f.entries[i].hlc_time() >> 16));
    }
    if (!f.reason.empty()) a.evidence.emplace_back("reason", f.reason);
    out.push_back(std::move(a));
  }
  return {};
}

// This node was restored or its store copied, and waits to learn its own feeds from a peer
// (store/log_store.h WriteHold): nothing it would write is written meanwhile.
void write_hold_alarm(const FleetContext& ctx, std::vector<Alarm>& out) {
  auto hold = ctx.store.write_hold();
  if (!hold) return;
  Alarm a;
  a.severity = Severity::warning;
  a.kind = "writes_held";
  a.subject = "this node";
  a.what = "This node does not write (" + hold->reason +
           ") until it has learned its own feeds from a peer that holds them: writing before would sign a second "
           "entry at a seq it already used (a fork). Until then no message can be written here, and console "
           "logins and actions are not audited (each refusal is in the daemon log).";
  a.action = "Let it sync (`mhero run`, or `mhero sync --peer HOST:PORT`) or import a bundle exported for it with "
             "`mhero bundle export --full`. Only if no peer holds anything of this node: `mhero log resume-writes "
             "--no-peer-holds-more`.";
  a.at_ms = hold->since_ms;
  for (const auto& [scope, from] : hold->learned) a.evidence.emplace_back("learned " + scope, from);
  out.push_back(std::move(a));
}

void refused_alarms(const FleetContext& ctx, std::vector<Alarm>& out) {
  std::map<NodeId, std::pair<RefusedKeyFact, size_t>> by_key;  // Newest fact, count.
  for (const RefusedKeyFact& f : read_refused(ctx.store)) {
    auto [it, fresh] = by_key.try_emplace(f.key, f, 0);
    ++it->second.second;
  }
  for (const auto& [key, seen] : by_key) {
    const auto& [f, count] = seen;
    bool revoked = f.reason.rfind("revoked", 0) == 0;
    Alarm a;
    a.severity = Severity::warning;
    a.kind = "refused_key";
    a.subject = key.hex();
    a.at_ms = f.at_ms;
    a.what = "A " + std::string(revoked ? "revoked" : "unknown") + " key (" + key.short_hex() + "…) tried to sync from " +
             f.address + "; turned away " + std::to_string(count) + " time(s), last at " + iso_time_ms(f.at_ms) + ".";
    a.action = revoked ? "That server still runs with its revoked key: re-install it with a new key and enroll "
                         "the new key (`mhero enroll --district CODE --key NEW`), or switch it off."
                       : "If it is a new district server, enroll it (`mhero enroll --district CODE --key " + key.hex() +
                             "`); if nobody knows it, block " + f.address + " at the firewall.";
    a.evidence = {{"key", key.hex()}, {"address", f.address}, {"reason", f.reason}};
    out.push_back(std::move(a));
  }
}

void row_alarms(const FleetContext& ctx, const DistrictRow& row, std::vector<Alarm>& out) {
  if (row.revoked) return;
  const int64_t now_ms = ctx.clock.now().count();
  std::string who = ctx.config.role == Role::central ? "District " + row.district : "This node";
  std::string node = row.node.hex();
  if (row.colour == Colour::red || row.silent_ms > ctx.thresholds.silent_amber.count()) {
    bool red = row.silent_ms > ctx.thresholds.silent_red.count();
    std::string how = row.last_contact.at_ms == 0 ? std::string("never synced nor sent a bundle")
                      : "last contact " + iso_time_ms(row.last_contact.at_ms) + " by " +
                            contact_via_name(row.last_contact.via);
    out.push_back({red ? Severity::critical : Severity::warning, "silent", row.district, row.last_contact.at_ms,
                   who + (ctx.config.role == Role::central ? " has been silent for " : " has not reached the central node for ") +
                       human_duration(row.silent_ms) + " (" + how + ").",
                   "Check the link (power, 2G/VSAT, the `mhero run` service); if the link is down, ask the "
                   "district office to carry a bundle (`mhero bundle export`) on a USB stick.",
                   {{"node", node}, {"silent_ms", std::to_string(row.silent_ms)}}});
  }
  if (row.clock_offset_ms && std::llabs(*row.clock_offset_ms) > ctx.thresholds.clock_skew.count()) {
    out.push_back({Severity::warning, "clock_skew", row.district, row.last_contact.at_ms,
                   who + "'s clock is " + human_duration(*row.clock_offset_ms) +
                       (*row.clock_offset_ms > 0 ? " ahead of" : " behind") + " the central node's.",
                   "Set the district server's clock (enable NTP, e.g. `timedatectl set-ntp true`); entry times "
                   "and silence figures are off by as much until then.",
                   {{"node", node}, {"clock_offset_ms", std::to_string(*row.clock_offset_ms)}}});
  }
  if (!row.health) return;
  const StatusRecord& h = *row.health;
  std::string entry = h.scope + " seq " + std::to_string(h.seq);
  if (!h.plausible()) {
    std::string problems;
    for (const auto& p : h.problems) problems += (problems.empty() ? "" : "; ") + p;
    out.push_back({Severity::info, "implausible_status", row.district, h.as_of_ms,
                   who + " sent a status with implausible values (" + problems + "); it is shown as received "
                         "and not used.",
                   "Nothing to do unless it repeats; then check that server's software version.",
                   {{"node", node}, {"entry", entry}}});
    return;
  }
  if (h.as_of_ms > now_ms + ctx.thresholds.clock_skew.count()) {
    out.push_back({Severity::warning, "future_status", row.district, h.as_of_ms,
                   who + "'s latest status is dated " + iso_time_ms(h.as_of_ms) + ", " +
                       human_duration(h.as_of_ms - now_ms) + " in the future: its clock is ahead.",
                   "Set the district server's clock (enable NTP).", {{"node", node}, {"entry", entry}}});
  }
  if (h.free_disk_bytes < kLowDiskBytes) {
    out.push_back({Severity::warning, "low_disk", row.district, h.as_of_ms,
                   who + " had " + std::to_string(h.free_disk_bytes / (1024 * 1024)) + " MiB free disk at " +
                       iso_time_ms(h.as_of_ms) + ".",
                   "Free disk space on that server before it fills (a full disk stops sync and imports).",
                   {{"node", node}, {"entry", entry}}});
  }
}

Status dispatch_alarms(const FleetContext& ctx, std::vector<Alarm>& out) {
  MHERO_ASSIGN_OR_RETURN(auto messages, list_messages(ctx.store.views()));
  // A central node with messaging off ([rapidpro] url unset) keeps every message it is given.
  if (ctx.config.role == Role::central && string_or(ctx.config.table, "rapidpro", "url", "").empty()) {
    size_t waiting = 0;
    int64_t oldest = 0;
    for (const MessageState& m : messages) {
      std::string state = m.state();
      if (state != "pending" && state != "dispatching") continue;
      ++waiting;
      if (oldest == 0 || m.message.written_ms < oldest) oldest = m.message.written_ms;
    }
    if (waiting > 0) {
      out.push_back({Severity::critical, "messaging_off", "rapidpro", oldest,
                     std::to_string(waiting) + (waiting == 1 ? " message waits" : " messages wait") +
                         " to be handed to RapidPro, but messaging is off on this central node: [rapidpro] url is "
                         "not set in config.toml.",
                     "Set [rapidpro] url and token (README \"config.toml\") and restart `mhero run`: the waiting "
                     "messages then go out, each once. Cancel those no longer wanted (`mhero messages cancel`).",
                     {{"waiting", std::to_string(waiting)}}});
    }
  }
  for (const MessageState& m : messages) {
    if (m.state() != "failed") continue;
    std::string error = m.summary ? m.summary->error : "";
    int64_t at = m.summary ? m.summary->called_at_ms : m.message.written_ms;
    out.push_back({Severity::warning, "dispatch_failed", m.message.id, at,
                   "Message " + m.message.id + " could not be handed to RapidPro: " + m.describe() + ".",
                   "Check the RapidPro token, flow and contacts named in the error (`mhero messages list`), then "
                   "compose the message again if it is still needed.",
                   {{"message", m.message.id}, {"error", error}}});
  }
  return {};
}

/// The central node's last registry pull refused by the moved-share guard (registry/pull_refusal.h).
Status registry_alarms(const FleetContext& ctx, std::vector<Alarm>& out) {
  MHERO_ASSIGN_OR_RETURN(auto refusal, registry::pull_refusal(ctx.store));
  if (!refusal) return {};
  out.push_back({Severity::critical, "registry_pull_refused", "registry", refusal->at.count(),
                 "A registry pull stopped before writing: " + refusal->what + ".",
                 "Fix the district scoping in config.toml ([registry] district_map, district_authority, "
                 "district_address_component, [mcsd] district_*) and pull again, or run `mhero registry pull --force` "
                 "if the moves are right.",
                 {}});
  return {};
}

/// The newest DHIS2 push (central node, [dhis2] set) had values DHIS2 refused: they stay unpushed
/// until the cause is fixed, so the ministry's DHIS2 misses those stock levels.
void dhis2_alarms(const FleetContext& ctx, std::vector<Alarm>& out) {
  if (ctx.config.role != Role::central || !integrations::Dhis2Config::configured(ctx.config)) return;
  // Only the url keys the push records (the credentials files, relative to the node directory,
  // are not needed to read them). Normalised as Dhis2Config::from does.
  integrations::Dhis2Config config;
  config.url = string_or(ctx.config.table, "dhis2", "url", "");
  while (!config.url.empty() && config.url.back() == '/') config.url.pop_back();
  if (config.url.ends_with("/api")) config.url.resize(config.url.size() - 4);
  auto pushes = integrations::dhis2_pushes(ctx.store, config, 1);
  if (pushes.empty()) return;
  const nlohmann::json& p = pushes.front();
  size_t rejected = p.value("rejected", nlohmann::json::array()).size();
  if (rejected == 0 || p.value("dry_run", false)) return;
  std::string reason;
  const nlohmann::json summary = p.value("summary", nlohmann::json());
  if (summary.is_object() && summary.contains("conflicts") && summary["conflicts"].is_array() &&
      !summary["conflicts"].empty() && summary["conflicts"][0].is_object()) {
    reason = summary["conflicts"][0].value("value", "");
  }
  out.push_back({Severity::warning, "dhis2_push_refused", config.url, p.value("at_ms", int64_t{0}),
                 "DHIS2 refused " + std::to_string(rejected) + " of the " +
                     std::to_string(p.value("sent", nlohmann::json::array()).size()) + " values the last push posted" +
                     (reason.empty() ? "." : ", first because: " + reason + "."),
                 "Read the conflicts on the DHIS2 page (or `mhero dhis2 status`), fix them in DHIS2 (data set, "
                 "period, org unit access) or in the mapping file; the refused values are posted again at the next "
                 "push.",
                 {}});
}

}  // namespace

Result<std::vector<Alarm>> alarms(const FleetContext& ctx) {
  std::vector<Alarm> out;
  MHERO_RETURN_IF_ERROR(fork_alarms(ctx, out));
  write_hold_alarm(ctx, out);
  refused_alarms(ctx, out);
  MHERO_ASSIGN_OR_RETURN(auto rows, districts(ctx));
  for (const DistrictRow& row : rows) row_alarms(ctx, row, out);
  MHERO_RETURN_IF_ERROR(dispatch_alarms(ctx, out));
  MHERO_RETURN_IF_ERROR(registry_alarms(ctx, out));
  dhis2_alarms(ctx, out);
  std::stable_sort(out.begin(), out.end(), [](const Alarm& a, const Alarm& b) {
    return a.severity != b.severity ? a.severity < b.severity : a.at_ms > b.at_ms;
  });
  return out;
}

}  // namespace mhero::fleet
