#include "registry/correction_view.h"

#include "store/entry.h"

namespace mhero::registry {

namespace {

using nlohmann::json;

std::string view_key(char kind, std::string_view rest) {
  return std::string(kCorrectionsView) + "/" + kind + "/" + std::string(rest);
}

json decision_json(const Decision& d) {
  Correction holder;
  holder.decision = d;
  return to_json(holder)["decision"];
}

Decision decision_of(const json& d) {
  json wrap = {{"id", ""}, {"entry", ""}, {"change", json::object()}, {"decision", d}};
  auto parsed = correction_from_json(wrap);
  return parsed.ok() && parsed->decision ? *parsed->decision : Decision{};
}

}  // namespace

std::string correction_key(std::string_view id) { return view_key('c', id); }

std::string correction_entity_prefix(std::string_view entity_id) {
  return view_key('e', entity_id) + std::string(1, '\0');
}

std::optional<std::pair<std::string, Decision>> decision_from_entry(const Entry& entry) {
  if (entry.kind() != schema::Payload::CORRECTION_DECISION) return std::nullopt;
  auto r = entry.payload().getCorrectionDecision();
  auto author_data = r.getCorrectionAuthor();
  auto author = NodeId::from_bytes(
      std::string_view(reinterpret_cast<const char*>(author_data.begin()), author_data.size()));
  if (!author) return std::nullopt;
  EntryRef target{FeedId{*author, r.getCorrectionScope()}, r.getCorrectionSeq()};
  Decision d;
  d.accepted = r.getOutcome() == schema::CorrectionDecision::Outcome::ACCEPTED;
  d.comment = r.getComment();
  d.reviewer = r.getReviewer();
  d.conflict = r.getConflict();
  d.decided_at_ms = r.getDecidedAtMs();
  d.entry = EntryRef{entry.feed(), entry.seq()};
  return std::pair{correction_id(target), std::move(d)};
}

Status CorrectionView::apply(const Entry& entry, ViewBatch& batch) {
  if (auto c = correction_from_entry(entry)) {
    MHERO_ASSIGN_OR_RETURN(auto held, batch.get(correction_key(c->id)));
    if (held) return {};  // The same entry again (a view rebuild).
    MHERO_ASSIGN_OR_RETURN(auto pending, batch.get(view_key('d', c->id)));
    if (pending) {
      json d = json::parse(*pending, nullptr, false);
      if (!d.is_discarded()) c->decision = decision_of(d);
      batch.erase(view_key('d', c->id));
    }
    json j = to_json(*c);
    j.erase("state");
    batch.put(correction_key(c->id), j.dump());
    batch.put(correction_entity_prefix(c->entity_id) + c->id, "");
    return {};
  }
  auto decided = decision_from_entry(entry);
  if (!decided) return {};
  const auto& [id, decision] = *decided;
  MHERO_ASSIGN_OR_RETURN(auto held, batch.get(correction_key(id)));
  if (!held) {
    MHERO_ASSIGN_OR_RETURN(auto pending, batch.get(view_key('d', id)));
    if (!pending) batch.put(view_key('d', id), decision_json(decision).dump());
    return {};
  }
  json j = json::parse(*held, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return corruption("corrections view: value of " + id + " is not JSON");
  if (j.contains("decision")) return {};  // The first decision wins.
  j["decision"] = decision_json(decision);
  batch.put(correction_key(id), j.dump());
  return {};
}

Status admit_decision(const Entry& entry, const ViewReader& state, const std::optional<NodeId>& central) {
  if (entry.kind() != schema::Payload::CORRECTION_DECISION) return {};
  if (central && entry.feed().author != *central) {
    return permission_denied("correctionDecision by " + entry.feed().author.hex() +
                             " refused: only the central node (" + central->hex() +
                             ") decides registry corrections");
  }
  auto decided = decision_from_entry(entry);
  if (!decided) return permission_denied("correctionDecision " + entry.feed().to_string() + " seq " +
                                         std::to_string(entry.seq()) + " names no valid correction author");
  // A decision for a correction this node does not hold yet is admitted: feeds arrive in any
  // order (a new district server's first sync brings the central node's feeds before the old
  // district feed that proposed it), and the view holds the decision until the correction comes.
  (void)state;
  return {};
}

}  // namespace mhero::registry
