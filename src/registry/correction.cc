#include "registry/correction.h"

#include <algorithm>
#include <functional>

#include "store/entry.h"
#include "store/scope.h"

namespace mhero::registry {

namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

json ref_json(const EntryRef& r) { return r.seq == 0 ? json("") : json(r.to_string()); }

EntryRef ref_from(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) return {};
  auto r = parse_entry_ref(j[key].get<std::string>());
  return r.ok() ? *r : EntryRef{};
}

}  // namespace

std::vector<std::string> CorrectionChange::fields() const {
  std::vector<std::string> out;
  if (!phones.empty()) out.push_back("phone");
  if (facility_id) out.push_back("facility");
  if (district) out.push_back("district");
  if (status) out.push_back("status");
  if (cadre) out.push_back("cadre");
  return out;
}

const char* state_name(CorrectionState s) {
  switch (s) {
    case CorrectionState::proposed: return "proposed";
    case CorrectionState::accepted: return "accepted";
    case CorrectionState::rejected: return "rejected";
    case CorrectionState::superseded: return "superseded";
  }
  return "proposed";
}

std::optional<CorrectionState> parse_state(std::string_view text) {
  for (auto s : {CorrectionState::proposed, CorrectionState::accepted, CorrectionState::rejected,
                 CorrectionState::superseded}) {
    if (text == state_name(s)) return s;
  }
  return std::nullopt;
}

CorrectionState Correction::state() const {
  if (decision) return decision->accepted ? CorrectionState::accepted : CorrectionState::rejected;
  return superseded ? CorrectionState::superseded : CorrectionState::proposed;
}

std::string Correction::kind() const {
  auto f = change.fields();
  if (f.size() != 1) return f.size() == 2 && change.district && change.facility_id ? "transfer" : "several";
  if (f[0] == "district") return "transfer";
  return f[0];
}

std::string correction_id(const EntryRef& entry) {
  auto code = district_of_scope(entry.feed.scope);
  return entry.feed.author.hex().substr(0, 16) + "-" + std::to_string(entry.seq) + "-" +
         (code ? *code : std::string("national"));
}

std::optional<Correction> correction_from_entry(const Entry& entry) {
  if (entry.kind() != schema::Payload::REGISTRY_CORRECTION) return std::nullopt;
  auto r = entry.payload().getRegistryCorrection();
  Correction c;
  c.entry = EntryRef{entry.feed(), entry.seq()};
  c.id = correction_id(c.entry);
  c.proposed_at_ms = static_cast<int64_t>(entry.hlc_time() >> 16);
  c.entity_id = r.getEntityId();
  c.district = district_of_scope(entry.feed().scope).value_or("");
  auto author = r.getBasedOnAuthor();
  std::string_view author_bytes(reinterpret_cast<const char*>(author.begin()), author.size());
  if (auto a = NodeId::from_bytes(author_bytes); a && r.getBasedOnSeq() > 0) {
    c.based_on = EntryRef{FeedId{*a, r.getBasedOnScope()}, r.getBasedOnSeq()};
  }
  c.based_on_updated = r.getBasedOnUpdated();
  c.proposer_user = r.getProposerUser();
  c.by_worker = r.getByWorker();
  c.note = r.getNote();
  std::vector<std::string> fields;
  for (auto f : r.getFields()) fields.emplace_back(f.cStr());
  auto has = [&](const char* f) { return std::find(fields.begin(), fields.end(), f) != fields.end(); };
  if (fields.empty()) {  // A correction written before fields 6-15: its kind says what changes.
    switch (r.getKind()) {
      case schema::RegistryCorrection::CorrectionKind::PHONE: fields = {"phone"}; break;
      case schema::RegistryCorrection::CorrectionKind::TRANSFER: fields = {"facility"}; break;
      case schema::RegistryCorrection::CorrectionKind::LEFT_POST: fields = {"status"}; break;
      default: break;
    }
  }
  if (has("phone")) {
    for (auto p : r.getNewPhones()) c.change.phones.emplace_back(p.cStr());
    if (c.change.phones.empty() && r.getNewPhone().size() > 0) c.change.phones.emplace_back(r.getNewPhone().cStr());
  }
  if (has("facility")) c.change.facility_id = std::string(r.getNewFacilityId());
  if (has("district")) c.change.district = std::string(r.getNewDistrict());
  if (has("status")) c.change.status = r.getNewStatus().size() > 0 ? std::string(r.getNewStatus()) : "left";
  if (has("cadre")) c.change.cadre = std::string(r.getNewCadre());
  return c;
}

void to_capnp(const Correction& c, schema::RegistryCorrection::Builder b) {
  using Kind = schema::RegistryCorrection::CorrectionKind;
  b.setEntityId(c.entity_id);
  b.setBasedOnUpdated(c.based_on_updated);
  std::string kind = c.kind();
  b.setKind(kind == "phone" ? Kind::PHONE
            : kind == "transfer" || kind == "facility" ? Kind::TRANSFER
            : kind == "status" && c.change.status == "left" ? Kind::LEFT_POST
                                                            : Kind::OTHER);
  if (!c.change.phones.empty()) b.setNewPhone(c.change.phones.front());
  if (c.change.facility_id) b.setNewFacilityId(*c.change.facility_id);
  b.setNote(c.note);
  if (c.based_on.seq > 0) {
    const auto& bytes = c.based_on.feed.author.bytes;
    b.setBasedOnAuthor(kj::arrayPtr(bytes.data(), bytes.size()));
    b.setBasedOnScope(c.based_on.feed.scope);
    b.setBasedOnSeq(c.based_on.seq);
  }
  b.setProposerUser(c.proposer_user);
  b.setByWorker(c.by_worker);
  auto phones = b.initNewPhones(static_cast<unsigned>(c.change.phones.size()));
  for (unsigned i = 0; i < c.change.phones.size(); ++i) phones.set(i, c.change.phones[i]);
  if (c.change.district) b.setNewDistrict(*c.change.district);
  if (c.change.status) b.setNewStatus(*c.change.status);
  if (c.change.cadre) b.setNewCadre(*c.change.cadre);
  auto fields = c.change.fields();
  auto list = b.initFields(static_cast<unsigned>(fields.size()));
  for (unsigned i = 0; i < fields.size(); ++i) list.set(i, fields[i]);
}

json to_json(const Correction& c) {
  json j = {{"id", c.id},
            {"entry", c.entry.to_string()},
            {"proposed_at_ms", c.proposed_at_ms},
            {"entity_id", c.entity_id},
            {"district", c.district},
            {"based_on", ref_json(c.based_on)},
            {"based_on_updated", c.based_on_updated},
            {"proposer_node", c.entry.feed.author.hex()},
            {"proposer_user", c.proposer_user},
            {"by_worker", c.by_worker},
            {"kind", c.kind()},
            {"fields", c.change.fields()},
            {"note", c.note},
            {"state", state_name(c.state())}};
  json change = json::object();
  if (!c.change.phones.empty()) change["phone"] = c.change.phones;
  if (c.change.facility_id) change["facility"] = *c.change.facility_id;
  if (c.change.district) change["district"] = *c.change.district;
  if (c.change.status) change["status"] = *c.change.status;
  if (c.change.cadre) change["cadre"] = *c.change.cadre;
  j["change"] = change;
  if (c.decision) {
    j["decision"] = {{"outcome", c.decision->accepted ? "accepted" : "rejected"},
                     {"comment", c.decision->comment},
                     {"reviewer", c.decision->reviewer},
                     {"conflict", c.decision->conflict},
                     {"decided_at_ms", c.decision->decided_at_ms},
                     {"entry", ref_json(c.decision->entry)}};
  }
  return j;
}

Result<Correction> correction_from_json(const json& j) {
  if (!j.is_object() || !j.contains("id") || !j.contains("entry") || !j.contains("change")) {
    return corruption("corrections view: a held correction lacks id, entry or change");
  }
  Correction c;
  c.id = j.value("id", "");
  c.entry = ref_from(j, "entry");
  c.proposed_at_ms = j.value("proposed_at_ms", int64_t{0});
  c.entity_id = j.value("entity_id", "");
  c.district = j.value("district", "");
  c.based_on = ref_from(j, "based_on");
  c.based_on_updated = j.value("based_on_updated", "");
  c.proposer_user = j.value("proposer_user", "");
  c.by_worker = j.value("by_worker", false);
  c.note = j.value("note", "");
  const json& ch = j["change"];
  if (ch.contains("phone") && ch["phone"].is_array()) {
    for (const auto& p : ch["phone"]) {
      if (p.is_string()) c.change.phones.push_back(p.get<std::string>());
    }
  }
  auto text = [&](const char* key) -> std::optional<std::string> {
    if (ch.contains(key) && ch[key].is_string()) return ch[key].get<std::string>();
    return std::nullopt;
  };
  c.change.facility_id = text("facility");
  c.change.district = text("district");
  c.change.status = text("status");
  c.change.cadre = text("cadre");
  if (j.contains("decision") && j["decision"].is_object()) {
    const json& d = j["decision"];
    Decision dec;
    dec.accepted = d.value("outcome", "") == "accepted";
    dec.comment = d.value("comment", "");
    dec.reviewer = d.value("reviewer", "");
    dec.conflict = d.value("conflict", "");
    dec.decided_at_ms = d.value("decided_at_ms", int64_t{0});
    dec.entry = ref_from(d, "entry");
    c.decision = std::move(dec);
  }
  return c;
}

ProviderRecord apply_change(ProviderRecord record, const Correction& c,
                            const std::function<PhoneNumber(const std::string&)>& phones) {
  if (!c.change.phones.empty()) {  // A correction's phones are SMS numbers: other channels stay.
    std::vector<PhoneNumber> kept;
    for (auto& p : record.phones) {
      if (p.channel != Channel::sms) kept.push_back(std::move(p));
    }
    record.phones.clear();
    for (const auto& p : c.change.phones) record.phones.push_back(phones(p));
    record.phones.insert(record.phones.end(), kept.begin(), kept.end());
  }
  if (c.change.facility_id) record.facility_ids = {*c.change.facility_id};
  if (c.change.district) record.district = *c.change.district;
  if (c.change.status) {
    record.status = *c.change.status == "active" ? RecordStatus::active : RecordStatus::inactive;
  }
  if (c.change.cadre) {
    CodedValue v;
    v.code = *c.change.cadre;
    if (!record.cadres.empty()) v.coding_scheme = record.cadres.front().coding_scheme;
    record.cadres = {v};
  }
  record.correction = c.id;
  return record;
}

std::string field_value(const ProviderRecord& r, std::string_view field) {
  std::vector<std::string> items;
  if (field == "phone") {
    for (const auto& p : r.phones) {
      if (p.channel == Channel::sms) items.push_back(p.e164.empty() ? p.raw : p.e164);
    }
  } else if (field == "facility") {
    items = r.facility_ids;
  } else if (field == "district") {
    return r.district;
  } else if (field == "status") {
    return r.status == RecordStatus::active ? "active" : r.status == RecordStatus::inactive ? "inactive" : "unknown";
  } else if (field == "cadre") {
    for (const auto& v : r.cadres) items.push_back(v.code);
  }
  return join(items);
}

std::string proposed_value(const Correction& c, std::string_view field) {
  if (field == "phone") return join(c.change.phones);
  if (field == "facility") return c.change.facility_id.value_or("");
  if (field == "district") return c.change.district.value_or("");
  if (field == "status") return c.change.status.value_or("");
  if (field == "cadre") return c.change.cadre.value_or("");
  return "";
}

}  // namespace mhero::registry
