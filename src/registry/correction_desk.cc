#include "registry/correction_desk.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <set>
#include <utility>

#include "node/enrollment.h"
#include "registry/chunk_writer.h"
#include "registry/correction_view.h"
#include "registry/registry_query.h"
#include "registry/xml_ns.h"
#include "store/entry.h"
#include "store/scope.h"
#include "util/plain_text.h"

namespace mhero::registry {

namespace {

std::string scope_of(const std::string& district) {
  return district.empty() ? std::string(kNationalScope) : district_scope(district);
}

std::string district_text(const std::string& d) { return d.empty() ? "unassigned (national)" : "district " + d; }

Status check_facility(const ViewReader& views, const ProviderRecord& record, const Proposal& p) {
  if (!p.facility_id) return {};
  MHERO_ASSIGN_OR_RETURN(auto facilities, held_facilities(views));
  auto it = facilities.find(*p.facility_id);
  if (it == facilities.end() || it->second.removed) {
    return not_found("unknown facility " + *p.facility_id +
                     ": no facility with this entityID is held on this node; check the facility's CSD entityID");
  }
  const std::string& fd = it->second.district;
  std::string destination = p.district.value_or(record.district);
  if (!fd.empty() && fd != destination) {
    return invalid_argument("facility " + *p.facility_id + " is in district " + fd + ", not " +
                            district_text(destination) +
                            ": a transfer out names the destination district: add --district " + fd);
  }
  return {};
}

// A field the record already holds as given is dropped from the correction, so that it neither
// shows as a change in the review queue nor raises a conflict with a later correction of that
// field. A correction left with no field is refused, naming what the record already has.
// A cadre code that differs from the held one only in case is the same cadre mistyped.
Status drop_unchanged_fields(const ProviderRecord& record, Correction& c, const PhoneNormalizer& phones,
                             std::vector<std::string>* left_out) {
  ProviderRecord after = apply_change(record, c, [&](const std::string& raw) { return phones.normalize(raw); });
  std::string held;
  auto same = [](std::string_view field, const std::string& a, const std::string& b) {
    if (field != "cadre") return a == b;
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
  };
  for (const std::string& field : c.change.fields()) {
    std::string now = field_value(record, field);
    if (!same(field, field_value(after, field), now)) continue;
    std::string text = field + " " + (now.empty() ? "(none)" : now);
    if (field == "status" && c.change.status == "left") text += " (\"left\" makes a record inactive too)";
    if (left_out) left_out->push_back(text);
    held += (held.empty() ? "" : ", ") + text;
    if (field == "phone") c.change.phones.clear();
    if (field == "facility") c.change.facility_id.reset();
    if (field == "district") c.change.district.reset();
    if (field == "status") c.change.status.reset();
    if (field == "cadre") c.change.cadre.reset();
  }
  if (!c.change.empty()) return {};
  return invalid_argument("the correction changes nothing: provider " + record.entity_id + " already has " + held +
                          "; give the values that should change");
}

constexpr size_t kMaxNoteBytes = 2000;
constexpr size_t kMaxNameBytes = 100;
constexpr size_t kMaxCadreBytes = 64;  // A code ("CM", "NURSE", a DHIS2 uid), not a description.

// A transfer's destination must be a district the central node knows of: one a held facility is
// in, a node is enrolled for, or a held provider is in. Only the central node holds every
// district's facilities and workers, so a district node's proposal is checked when it is decided.
// A node that knows of no district yet checks nothing.
Status check_known_district(const ViewReader& views, const std::string& district) {
  std::set<std::string> known;
  MHERO_ASSIGN_OR_RETURN(auto facilities, held_facilities(views));
  for (const auto& [id, f] : facilities) {
    if (!f.removed && !f.district.empty()) known.insert(f.district);
  }
  MHERO_RETURN_IF_ERROR(for_each_enrolled(views, [&](const EnrolledKey& k) {
    if (!k.revoked && !k.district.empty()) known.insert(k.district);
    return true;
  }));
  if (known.empty() || known.count(district)) return {};
  bool has_providers = false;
  MHERO_RETURN_IF_ERROR(views.scan(index_prefix("district", district), [&](std::string_view, std::string_view) {
    has_providers = true;
    return false;
  }));
  if (has_providers) return {};
  std::string list;
  for (const auto& d : known) list += (list.empty() ? "" : ", ") + d;
  return invalid_argument("district " + district + " is not a district known here: no facility held is in it, no node "
                          "is enrolled for it and no health worker held is in it (known: " + list +
                          "). Check the district code");
}

}  // namespace

Result<Correction> propose_correction(LogStore& store, const NodeKey& key, const NodeConfig& config,
                                      const PhoneNormalizer& phones, const Proposal& p, ProposalNotes* notes) {
  std::vector<std::string>* left_out = notes ? &notes->left_out : nullptr;
  const ViewReader& views = store.views();
  std::string note = trim(p.note);
  if (note.empty()) {
    return invalid_argument("a correction needs a note saying why (--note, e.g. \"new number confirmed by phone\")");
  }
  MHERO_RETURN_IF_ERROR(check_plain_text("the note", note, kMaxNoteBytes, /*lines=*/true));
  MHERO_RETURN_IF_ERROR(check_plain_text("the proposer's name", p.user, kMaxNameBytes, /*lines=*/false));
  // Every value is checked before any is looked up or echoed: a reviewer reads them all on a
  // page and in a terminal, and the entry's JSON forms need UTF-8.
  for (const auto& raw : p.phones) MHERO_RETURN_IF_ERROR(check_plain_text("the phone", raw, kMaxNameBytes, false));
  if (p.facility_id) MHERO_RETURN_IF_ERROR(check_plain_text("the facility", *p.facility_id, kMaxNameBytes, false));
  if (p.district) MHERO_RETURN_IF_ERROR(check_plain_text("the district", *p.district, kMaxNameBytes, false));
  if (p.status) MHERO_RETURN_IF_ERROR(check_plain_text("the status", *p.status, kMaxNameBytes, false));
  if (p.cadre) MHERO_RETURN_IF_ERROR(check_plain_text("the cadre code", *p.cadre, kMaxCadreBytes, false));
  auto record = find_provider(views, p.entity_id);
  if (!record.ok() && record.status().code() == StatusCode::not_found) {
    std::string elsewhere = config.role == Role::district
                                ? "; this district node holds only district " + config.district +
                                      "'s health workers: one of another district is corrected by that district's "
                                      "office or the central node"
                                : "";
    return not_found("unknown entityID " + p.entity_id +
                     ": no provider with this entityID is held on this node; find it with `mhero registry "
                     "list` or the console's registry search" + elsewhere);
  }
  if (!record.ok()) return record.status();
  if (config.role != Role::central && record->district != config.district) {
    return permission_denied("provider " + p.entity_id + " is in " + district_text(record->district) +
                             "; this node (district " + config.district + ") may correct only records of district " +
                             config.district + ". Ask that district's office or the central node to correct it");
  }
  Correction c;
  c.entity_id = p.entity_id;
  c.note = note;
  c.proposer_user = p.user;
  c.by_worker = p.by_worker;
  for (const auto& raw : p.phones) {
    PhoneNumber n = phones.normalize(raw);
    if (!n.valid || n.e164.empty()) {
      return invalid_argument("phone '" + raw + "' is not a valid number (libphonenumber, default region " +
                              phones.region() + "): give it in international form, e.g. +231770123456");
    }
    if (std::string ext = phones.extension(raw); !ext.empty()) {
      return invalid_argument("phone '" + raw + "' has an extension (" + ext +
                              "), which an SMS cannot reach: give the health worker's mobile number alone");
    }
    // libphonenumber reads past letters it does not need ("0777777777x": an empty extension) or
    // turns them into digits (vanity numbers): a health worker's mobile number has none.
    if (auto letter = std::find_if(raw.begin(), raw.end(), [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)); });
        letter != raw.end()) {
      return invalid_argument("phone '" + raw + "' has a letter ('" + std::string(1, *letter) +
                              "'), which is not part of a number: give the mobile number in digits alone, e.g. "
                              "+231770123456");
    }
    if (!n.mobile) {
      std::string plan = phones.region_of(n.e164);
      return invalid_argument("phone '" + raw + "' is " + n.e164 + ", a landline by the numbering plan of " +
                              (plan.empty() ? phones.region() : plan) +
                              " (libphonenumber), which an SMS cannot reach: give the health worker's mobile number");
    }
    // One number given twice, in any spelling, is one number.
    if (std::find(c.change.phones.begin(), c.change.phones.end(), n.e164) == c.change.phones.end()) {
      c.change.phones.push_back(n.e164);
    }
  }
  if (p.status && *p.status != "active" && *p.status != "inactive" && *p.status != "left") {
    return invalid_argument("status '" + *p.status + "' is not one of active, inactive, left");
  }
  if (p.district && !valid_district_code(*p.district)) {
    return invalid_argument("district '" + *p.district + "' is not a district code (letters, digits, '-', '_', '.')");
  }
  if (config.role == Role::central && p.district && *p.district != record->district) {
    MHERO_RETURN_IF_ERROR(check_known_district(views, *p.district));
  }
  if (p.cadre && p.cadre->empty()) return invalid_argument("--cadre needs a cadre code");
  MHERO_RETURN_IF_ERROR(check_facility(views, *record, p));
  c.change.facility_id = p.facility_id;
  c.change.district = p.district;
  c.change.status = p.status;
  c.change.cadre = p.cadre;
  if (c.change.empty()) {
    return invalid_argument("the correction changes nothing: give at least one of --phone, --facility, "
                            "--district, --status, --cadre");
  }
  MHERO_RETURN_IF_ERROR(drop_unchanged_fields(*record, c, phones, left_out));
  if (notes) notes->foreign_phones = foreign_phone_notes(c, phones);  // Of the phones left in.
  if (p.based_on) {
    MHERO_ASSIGN_OR_RETURN(auto base, provider_in_entry(store, *p.based_on, p.entity_id));
    if (!base) {
      return failed_precondition("the correction is based on entry " + p.based_on->to_string() +
                                 ", which this node never held (or which does not carry provider " + p.entity_id +
                                 "): reload the record (`mhero registry show " + p.entity_id +
                                 "`) and propose against the version shown");
    }
    c.based_on = *p.based_on;
    c.based_on_updated = p.based_on_updated.value_or(base->updated);
  } else {
    MHERO_ASSIGN_OR_RETURN(auto writer, record_writer(views, RecordKind::provider, p.entity_id));
    if (writer) c.based_on = *writer;
    c.based_on_updated = record->updated;
  }
  if (notes) {  // This node's open proposals for the record: the new one supersedes them.
    CorrectionFilter open;
    open.state = CorrectionState::proposed;
    open.entity_id = p.entity_id;
    MHERO_ASSIGN_OR_RETURN(auto held, list_corrections(views, open));
    for (auto& old : held) {
      if (old.entry.feed.author == key.id()) notes->superseded.push_back(std::move(old));
    }
  }
  capnp::MallocMessageBuilder message;
  to_capnp(c, message.initRoot<schema::Payload>().initRegistryCorrection());
  std::string scope = config.role == Role::central ? scope_of(record->district)
                                                   : district_scope(config.district);
  MHERO_ASSIGN_OR_RETURN(Entry entry,
                         store.append(key, scope, message.getRoot<schema::Payload>().asReader()));
  return find_correction(store.views(), correction_id(EntryRef{entry.feed(), entry.seq()}));
}

std::vector<std::string> ProposalNotes::lines() const {
  std::vector<std::string> out;
  if (!left_out.empty()) {
    std::string held;
    for (const auto& f : left_out) held += (held.empty() ? "" : ", ") + f;
    out.push_back("left out, the record already holds them: " + held);
  }
  out.insert(out.end(), foreign_phones.begin(), foreign_phones.end());
  for (const Correction& old : superseded) {
    std::string changes;
    for (const auto& field : old.change.fields()) {
      changes += (changes.empty() ? "" : ", ") + field + " " + proposed_value(old, field);
    }
    out.push_back("this supersedes correction " + old.id + " (" + changes + ")" +
                  (old.proposer_user.empty() ? "" : ", proposed by " + old.proposer_user) +
                  ": it is no longer reviewed. If its changes still apply, propose them again together with "
                  "this one's");
  }
  return out;
}

Result<std::vector<std::string>> shared_phone_notes(const ViewReader& views, const Correction& c) {
  std::vector<std::string> notes;
  for (const auto& phone : c.change.phones) {
    MHERO_ASSIGN_OR_RETURN(auto holders, find_by_phone(views, phone));
    for (const auto& other : holders) {
      if (other.entity_id == c.entity_id) continue;
      notes.push_back(phone + " is also the number of " + other.display_name() + " (" + other.entity_id + ", " +
                      district_text(other.district) + "): they would share one SMS per message");
    }
  }
  return notes;
}

std::vector<std::string> foreign_phone_notes(const Correction& c, const PhoneNormalizer& phones) {
  std::vector<std::string> notes;
  for (const auto& phone : c.change.phones) {
    std::string region = phones.region_of(phone);
    if (region.empty() || region == phones.region()) continue;
    notes.push_back(phone + " is a number of " + region + ", not " + phones.region() +
                    " (the registry's region): check it with the health worker (a SIM from across a border is "
                    "possible, a mistyped country code too)");
  }
  return notes;
}

Result<DecisionResult> decide_correction(LogStore& store, const NodeKey& key, const NodeConfig& config,
                                         const PhoneNormalizer& phones, const Clock& clock,
                                         const DecisionRequest& request) {
  if (config.role != Role::central) {
    return failed_precondition("corrections are decided on the central node only; this node is district " +
                               config.district);
  }
  const ViewReader& views = store.views();
  MHERO_ASSIGN_OR_RETURN(Correction c, find_correction(views, request.id));
  if (c.decision) {
    return already_exists("correction " + c.id + " was already decided by " +
                          (c.decision->reviewer.empty() ? "another reviewer" : c.decision->reviewer) + " (" +
                          (c.decision->accepted ? "accepted" : "rejected") + ")");
  }
  if (c.superseded) {
    return failed_precondition("correction " + c.id +
                               " is superseded by a newer correction of the same provider from the same node; "
                               "decide that one");
  }
  if (!request.confirm_conflict.empty() && request.confirm_conflict != "soft" && request.confirm_conflict != "hard") {
    return invalid_argument("--confirm-conflict \"" + request.confirm_conflict + "\" is not soft or hard");
  }
  MHERO_RETURN_IF_ERROR(check_plain_text("the reviewer's name", request.reviewer, kMaxNameBytes, /*lines=*/false));
  MHERO_RETURN_IF_ERROR(check_plain_text("the comment", request.comment, kMaxNoteBytes, /*lines=*/true));
  if (!request.accept && trim(request.comment).empty()) {
    return invalid_argument("a rejection needs a comment for the district (what is wrong, what to do)");
  }
  DecisionResult result;
  if (request.accept) {
    auto current = find_provider(views, c.entity_id);
    if (!current.ok()) {
      return failed_precondition("provider " + c.entity_id + " is no longer held live (" +
                                 current.status().message() + "); reject the correction with a comment");
    }
    if (c.change.district && *c.change.district != current->district) {
      Status known = check_known_district(views, *c.change.district);
      if (!known.ok()) return Status(known.code(), known.message() + ", or reject the correction with a comment");
    }
    MHERO_ASSIGN_OR_RETURN(auto base, provider_in_entry(store, c.based_on, c.entity_id));
    result.conflict = find_conflict(base, *current, c);
    if (!result.conflict.level.empty() && request.confirm_conflict != result.conflict.level) {
      std::string fields;
      for (const auto& f : result.conflict.changed) fields += (fields.empty() ? "" : ", ") + f;
      return failed_precondition("correction " + c.id + " has a " + result.conflict.level +
                                 " conflict: the record changed since the version it was based on (" + fields +
                                 "); look at base, current and proposed values (`mhero registry corrections show " + c.id +
                                 "` or the console's correction page), then accept with the conflict confirmed "
                                 "(--confirm-conflict " + result.conflict.level + ") or reject it");
    }
    ProviderRecord corrected = apply_change(*current, c, [&](const std::string& e164) { return phones.normalize(e164); });
    corrected.source_differs = true;
    corrected.origin = "correction " + c.id + " accepted by " + request.reviewer;
    ChunkWriter writer("correction-" + c.id, 1);
    if (corrected.district != current->district) {
      ProviderRecord tomb;
      tomb.entity_id = c.entity_id;
      tomb.district = current->district;
      tomb.removed = true;
      writer.add(scope_of(current->district), tomb);
    }
    writer.add(scope_of(corrected.district), corrected);
    MHERO_ASSIGN_OR_RETURN(auto written, writer.commit(store, key));
    for (const auto& [scope, n] : written) result.delta_entries += n;
  }
  capnp::MallocMessageBuilder message;
  auto d = message.initRoot<schema::Payload>().initCorrectionDecision();
  const auto& author = c.entry.feed.author.bytes;
  d.setCorrectionAuthor(kj::arrayPtr(author.data(), author.size()));
  d.setCorrectionScope(c.entry.feed.scope);
  d.setCorrectionSeq(c.entry.seq);
  d.setOutcome(request.accept ? schema::CorrectionDecision::Outcome::ACCEPTED
                              : schema::CorrectionDecision::Outcome::REJECTED);
  d.setComment(trim(request.comment));
  d.setReviewer(request.reviewer);
  d.setConflict(result.conflict.level);
  d.setDecidedAtMs(clock.now().count());
  MHERO_RETURN_IF_ERROR(store.append(key, c.entry.feed.scope, message.getRoot<schema::Payload>().asReader()).status());
  MHERO_ASSIGN_OR_RETURN(result.correction, find_correction(store.views(), c.id));
  return result;
}

}  // namespace mhero::registry
