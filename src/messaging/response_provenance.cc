#include "messaging/response_provenance.h"

#include <algorithm>
#include <ctime>

#include "messaging/answer_view.h"
#include "messaging/message_codec.h"
#include "registry/correction_query.h"
#include "store/entry.h"

namespace mhero {

using nlohmann::json;
using registry::ProvenanceStep;

namespace {

/// "2026-12-02 13:05:50 UTC", as registry/provenance.cc writes times.
std::string when(int64_t ms) {
  if (ms <= 0) return "an unknown time";
  time_t t = static_cast<time_t>(ms / 1000);
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace

Result<std::vector<ProvenanceStep>> response_provenance(const LogStore& store, const NodeId& self,
                                                        std::string_view source_id) {
  MHERO_ASSIGN_OR_RETURN(auto held, answer_entry(store.views(), source_id));
  if (!held) {
    return not_found("no response with source id " + std::string(source_id) +
                     " is held on this node; `mhero responses list --json` prints each response's source_id");
  }
  MHERO_ASSIGN_OR_RETURN(registry::EntryRef ref, registry::parse_entry_ref(*held));
  MHERO_ASSIGN_OR_RETURN(Entry entry, store.get(ref.feed, ref.seq));
  if (entry.kind() != schema::Payload::RESPONSE) {
    return corruption("answers view: entry " + ref.to_string() + " of response " + std::string(source_id) +
                      " is not a response");
  }
  ResponseRecord r = response_from_capnp(entry.payload().getResponse());
  const int64_t written_ms = static_cast<int64_t>(entry.hlc_time() >> 16);
  std::vector<ProvenanceStep> out;
  if (auto arrival = registry::entry_arrival(store, self, ref)) {
    if (arrival->at_ms == 0) arrival->at_ms = written_ms;
    out.push_back(std::move(*arrival));
  } else {
    out.push_back({"arrival", written_ms, "arrival not recorded (it came before this node recorded arrivals)",
                   json::object()});
  }
  out.push_back({"entry", written_ms,
                 "carried by response entry " + ref.feed.to_string() + " seq " + std::to_string(ref.seq) +
                     ", written by node " + ref.feed.author.short_hex() + " when it polled RapidPro at " +
                     when(written_ms),
                 json{{"entry", ref.to_string()}, {"author", ref.feed.author.hex()}, {"polled_at_ms", written_ms}}});
  const bool run = r.source_id.starts_with("run:");
  const std::string rapidpro_id = r.source_id.substr(r.source_id.find(':') + 1);
  if (run && !r.entity_id.empty()) {
    registry::CorrectionFilter mine;
    mine.entity_id = r.entity_id;
    MHERO_ASSIGN_OR_RETURN(auto corrections, registry::list_corrections(store.views(), mine));
    for (const auto& c : corrections) {
      if (!c.by_worker || c.proposer_user != "rapidpro run " + rapidpro_id) continue;
      out.push_back({"proposal", c.proposed_at_ms,
                     "proposed correction " + c.id + " (" + c.kind() + ") on the health worker's behalf at " +
                         when(c.proposed_at_ms) + "; now " + registry::state_name(c.state()),
                     json{{"correction", c.id}, {"entry", c.entry.to_string()}, {"state", registry::state_name(c.state())}}});
    }
  }
  std::string who = r.entity_id.empty() ? "the RapidPro contact " + (r.contact_uuid.empty() ? "?" : r.contact_uuid)
                                        : "health worker " + r.entity_id;
  out.push_back({"source", r.answered_at_ms,
                 (run ? "answered by " + who + " in RapidPro run " + rapidpro_id
                      : "sent by " + who + " as RapidPro incoming message " + rapidpro_id) +
                     (r.phone.empty() ? "" : " from " + r.phone) + " at " + when(r.answered_at_ms) +
                     (r.message_id.empty() ? "" : ", answering message " + r.message_id),
                 json{{"source_id", r.source_id},
                      {run ? "run" : "message", rapidpro_id},
                      {"contact", r.contact_uuid},
                      {"message_id", r.message_id},
                      {"answered_at_ms", r.answered_at_ms}}});
  std::stable_sort(out.begin(), out.end(), [](const ProvenanceStep& a, const ProvenanceStep& b) {
    if ((a.at_ms == 0) != (b.at_ms == 0)) return b.at_ms == 0;  // Unknown times last.
    return a.at_ms > b.at_ms;
  });
  return out;
}

}  // namespace mhero
