#include "registry/provenance.h"

#include <algorithm>

#include "registry/correction_query.h"
#include "registry/record_codec.h"
#include "store/entry.h"

namespace mhero::registry {

namespace {

using nlohmann::json;

std::string when(int64_t ms) {
  if (ms <= 0) return "an unknown time";
  time_t t = static_cast<time_t>(ms / 1000);
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string short_hex(const std::string& hex) { return hex.substr(0, 8); }

}  // namespace

std::optional<ProvenanceStep> entry_arrival(const LogStore& store, const NodeId& self, const EntryRef& ref) {
  if (ref.feed.author == self) {
    return ProvenanceStep{"arrival", 0, "written on this node", json{{"via", "self"}}};
  }
  std::optional<ProvenanceStep> found;
  std::string prefix = LogStore::arrival_prefix(ref.feed);
  store.scan_meta(prefix, [&](std::string_view key, std::string_view value) {
    uint64_t first = std::strtoull(std::string(key.substr(prefix.size())).c_str(), nullptr, 10);
    if (first > ref.seq) return false;
    size_t tab = value.find('\t');
    if (tab == std::string_view::npos) return true;
    uint64_t last = std::strtoull(std::string(value.substr(0, tab)).c_str(), nullptr, 10);
    if (ref.seq > last) return true;
    json how = json::parse(value.substr(tab + 1), nullptr, false);
    if (how.is_discarded() || !how.is_object()) return true;
    ProvenanceStep s{"arrival", 0, "", how};
    if (how.value("via", "") == "session") {
      s.at_ms = how.value("at_ms", int64_t{0});
      std::string district = how.value("peer_district", "");
      s.text = "arrived " + when(s.at_ms) + " in a sync session with " + how.value("peer_role", "peer") + " node " +
               short_hex(how.value("peer", "")) + (district.empty() ? "" : " (district " + district + ")") +
               (how.value("dialed", true) ? ", which this node dialed" : ", which dialed this node");
    } else {
      s.at_ms = how.value("imported_ms", int64_t{0});
      s.text = "arrived " + when(s.at_ms) + " in bundle " + how.value("bundle_id", "") + " (file " +
               how.value("file", "") + "), exported by node " + short_hex(how.value("sender", "")) + " at " +
               when(how.value("exported_ms", int64_t{0})) +
               (how.contains("relayed_by") ? ", relayed through node " + short_hex(how.value("relayed_by", "")) : "");
    }
    found = std::move(s);
    return false;
  });
  return found;
}

Result<std::vector<ProvenanceStep>> record_provenance(const LogStore& store, const NodeId& self, RecordKind kind,
                                                      std::string_view id) {
  MHERO_ASSIGN_OR_RETURN(auto writer, record_writer(store.views(), kind, id));
  if (!writer) return not_found("no record " + std::string(id) + " was ever held on this node");
  std::vector<ProvenanceStep> out;
  MHERO_ASSIGN_OR_RETURN(Entry entry, store.get(writer->feed, writer->seq));
  int64_t written_ms = static_cast<int64_t>(entry.hlc_time() >> 16);
  std::string origin, correction, import_id, source;
  bool differs = false;
  schema::RegistryChunk::Reader chunk;
  if (entry.kind() == schema::Payload::REGISTRY_SNAPSHOT) chunk = entry.payload().getRegistrySnapshot();
  if (entry.kind() == schema::Payload::REGISTRY_DELTA) chunk = entry.payload().getRegistryDelta();
  import_id = chunk.getImportId();
  for (auto p : chunk.getProviders()) {
    if (kind == RecordKind::provider && std::string_view(p.getEntityId().cStr()) == id) {
      origin = p.getOrigin();
      source = p.getSource();
      correction = p.getCorrection();
      differs = p.getSourceDiffers();
    }
  }
  for (auto f : chunk.getFacilities()) {
    if (kind == RecordKind::facility && std::string_view(f.getEntityId().cStr()) == id) origin = f.getOrigin();
  }
  if (auto arrival = entry_arrival(store, self, *writer)) {
    if (arrival->at_ms == 0) arrival->at_ms = written_ms;
    out.push_back(std::move(*arrival));
  } else {
    out.push_back({"arrival", written_ms, "arrival not recorded (it came before this node recorded arrivals)", json::object()});
  }
  out.push_back({"entry", written_ms,
                 "carried by " + entry.kind_name() + " entry " + writer->feed.to_string() + " seq " +
                     std::to_string(writer->seq) + ", written by node " + writer->feed.author.short_hex() + " at " +
                     when(written_ms) + (import_id.empty() ? "" : " (import " + import_id + ")"),
                 json{{"entry", writer->to_string()}, {"author", writer->feed.author.hex()}, {"kind", entry.kind_name()},
                      {"import_id", import_id}}});
  if (!correction.empty()) {
    auto c = find_correction(store.views(), correction);
    if (c.ok() && c->decision) {
      out.push_back({"decision", c->decision->decided_at_ms,
                     "correction " + c->id + " accepted by " + c->decision->reviewer + " at " +
                         when(c->decision->decided_at_ms) + (differs ? "; the source still differs" : ""),
                     json{{"correction", c->id}, {"reviewer", c->decision->reviewer}, {"source_differs", differs}}});
      out.push_back({"proposal", c->proposed_at_ms,
                     "proposed by node " + c->entry.feed.author.short_hex() +
                         (c->proposer_user.empty() ? "" : " (" + c->proposer_user + ")") +
                         (c->by_worker ? " on the health worker's behalf" : "") + " at " + when(c->proposed_at_ms) +
                         ": " + c->note,
                     json{{"correction", c->id}, {"entry", c->entry.to_string()}, {"user", c->proposer_user}}});
      // Where the value the correction replaced came from: the base version's origin.
      auto base = provider_in_entry(store, c->based_on, id);
      if (base.ok() && *base && !(*base)->origin.empty()) {
        auto base_entry = store.get(c->based_on.feed, c->based_on.seq);
        int64_t base_ms = base_entry.ok() ? static_cast<int64_t>(base_entry->hlc_time() >> 16) : 0;
        out.push_back({"base", base_ms,
                       "before the correction: value from " + (*base)->origin + ", carried by entry " +
                           c->based_on.feed.to_string() + " seq " + std::to_string(c->based_on.seq),
                       json{{"origin", (*base)->origin}, {"entry", c->based_on.to_string()}}});
      }
    }
  }
  if (!origin.empty() || !source.empty()) {
    out.push_back({"source", 0,
                   "value from " + (origin.empty() ? source : origin) +
                       (!origin.empty() && !source.empty() ? " (record source " + source + ")" : ""),
                   json{{"origin", origin}, {"source", source}}});
  }
  std::stable_sort(out.begin(), out.end(), [](const ProvenanceStep& a, const ProvenanceStep& b) {
    if ((a.at_ms == 0) != (b.at_ms == 0)) return b.at_ms == 0;  // Unknown times last.
    return a.at_ms > b.at_ms;
  });
  return out;
}

}  // namespace mhero::registry
