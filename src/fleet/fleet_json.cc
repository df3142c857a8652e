#include "fleet/fleet_json.h"

namespace mhero::fleet {

using nlohmann::json;

namespace {

json optional_ms(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

json to_json(const SessionFact& s) {
  return {{"peer", s.peer ? s.peer->hex() : ""}, {"district", s.district}, {"address", s.address},
          {"dialed", s.dialed}, {"started_ms", s.started_ms}, {"ended_ms", s.ended_ms},
          {"ended_at", iso_time_ms(s.ended_ms)}, {"bytes_in", s.bytes_in}, {"bytes_out", s.bytes_out},
          {"entries_sent", s.entries_sent}, {"entries_received", s.entries_received},
          {"clock_offset_ms", optional_ms(s.clock_offset_ms)}, {"error", s.error}};
}

json to_json(const BundleCustody& b) {
  return {{"bundle_id", b.bundle_id}, {"sender", b.sender.hex()}, {"sender_name", b.sender_name},
          {"recipient", b.recipient.hex()}, {"recipient_name", b.recipient_name},
          {"exported_ms", b.exported_ms}, {"imported_ms", b.imported_ms},
          {"relayed_by", b.relayed_by ? b.relayed_by->hex() : ""}, {"relayed_by_name", b.relayed_by_name},
          {"entry_count", b.entry_count_known ? json(b.entry_count) : json(nullptr)},
          {"entries_new", b.entries_new_known ? json(b.entries_new) : json(nullptr)},
          {"receipt_seq", b.receipt_seq ? json(*b.receipt_seq) : json(nullptr)}};
}

}  // namespace

json to_json(const Contact& c) {
  return {{"at_ms", c.at_ms}, {"at", iso_time_ms(c.at_ms)}, {"via", contact_via_name(c.via)},
          {"bytes_in", c.bytes_in}, {"bytes_out", c.bytes_out}, {"entries_sent", c.entries_sent},
          {"entries_received", c.entries_received}, {"address", c.address}, {"bundle_id", c.bundle_id},
          {"exported_ms", c.exported_ms}, {"relayed_by", c.relayed_by ? c.relayed_by->hex() : ""}};
}

json to_json(const StatusRecord& r) {
  json peers = json::array();
  for (const auto& p : r.peers) {
    peers.push_back({{"peer", p.peer.hex()}, {"last_contact_ms", p.last_contact_ms}, {"via", p.via},
                     {"bundle_id", p.bundle_id}, {"pending", p.pending_entry_count},
                     {"clock_offset_ms", p.clock_offset_ms}});
  }
  return {{"author", r.author.hex()}, {"scope", r.scope}, {"seq", r.seq}, {"as_of_ms", r.as_of_ms},
          {"as_of", iso_time_ms(r.as_of_ms)}, {"free_disk_bytes", r.free_disk_bytes},
          {"store_bytes", r.store_bytes}, {"pending", r.pending_entry_count},
          {"clock_offset_ms", r.clock_offset_ms}, {"version", r.version}, {"reason", r.reason},
          {"peers", peers}, {"plausible", r.plausible()}, {"problems", r.problems}};
}

json to_json(const DistrictRow& row) {
  json lags = json::array();
  for (const FeedLag& l : row.lags) {
    lags.push_back({{"feed", l.feed.to_string()}, {"author", l.feed.author.hex()}, {"scope", l.feed.scope},
                    {"central_seq", l.central_seq}, {"district_seq", l.district_seq}, {"entries", l.entries},
                    {"lacking", l.lacking}, {"lag_ms", optional_ms(l.lag_ms)}});
  }
  return {{"district", row.district}, {"node", row.node.hex()}, {"label", row.label},
          {"enrolled", row.enrolled}, {"revoked", row.revoked}, {"enrolled_ms", row.enrolled_ms},
          {"last_contact", to_json(row.last_contact)}, {"relayed_by_district", row.relayed_by_district},
          {"lags", lags}, {"behind_entries", row.behind_entries}, {"behind_ms", optional_ms(row.behind_ms)},
          {"ahead_entries", row.ahead_entries}, {"pending_messages", row.pending_messages},
          {"health", row.health ? to_json(*row.health) : json(nullptr)},
          {"clock_offset_ms", optional_ms(row.clock_offset_ms)}, {"silent_ms", row.silent_ms},
          {"colour", colour_name(row.colour)}, {"colour_reasons", row.colour_reasons}};
}

json to_json(const DistrictDetail& d) {
  json sessions = json::array(), bundles = json::array(), errors = json::array(), history = json::array();
  for (const auto& s : d.sessions) sessions.push_back(to_json(s));
  for (const auto& b : d.bundles) bundles.push_back(to_json(b));
  for (const auto& [at, e] : d.last_errors) errors.push_back({{"at_ms", at}, {"at", iso_time_ms(at)}, {"error", e}});
  for (const auto& h : d.health_history) history.push_back(to_json(h));
  return {{"row", to_json(d.row)}, {"sessions", sessions}, {"bundles", bundles}, {"last_errors", errors},
          {"health_history", history}};
}

json to_json(const Alarm& a) {
  json evidence = json::array();
  for (const auto& [k, v] : a.evidence) evidence.push_back({{"label", k}, {"value", v}});
  return {{"severity", severity_name(a.severity)}, {"kind", a.kind}, {"subject", a.subject},
          {"at_ms", a.at_ms}, {"at", iso_time_ms(a.at_ms)}, {"what", a.what}, {"action", a.action},
          {"evidence", evidence}};
}

}  // namespace mhero::fleet
