#include "messaging/contact_sync.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "integrations/json_fields.h"
#include "integrations/rapidpro_time.h"

namespace mhero {

using json = nlohmann::json;

std::string rapidpro_name(const std::string& name) {
  size_t chars = 0, i = 0;
  while (i < name.size()) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (chars == 64) return name.substr(0, i);
    i += len;
    ++chars;
  }
  return name;
}

ContactSync::ContactSync(RapidProClient& client, LogStore* store) : client_(client) {
  if (store) saved_.emplace(*store, client.config().url);
}

ContactInfo ContactSync::from_json(const json& j) const {
  ContactInfo c;
  c.uuid = json_string(j, "uuid");
  c.name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "";
  if (j.contains("urns") && j["urns"].is_array()) {
    for (auto& u : j["urns"]) {
      if (u.is_string()) c.urns.push_back(u);
    }
  }
  if (j.contains("fields") && j["fields"].is_object() && j["fields"].contains("globalid") &&
      j["fields"]["globalid"].is_string()) {
    c.globalid = j["fields"]["globalid"];
  }
  return c;
}

void ContactSync::remember(const ContactInfo& c) {
  if (auto old = by_uuid_.find(c.uuid); old != by_uuid_.end()) {
    for (auto& u : old->second.urns) uuid_by_urn_.erase(u);
    if (!old->second.globalid.empty()) uuid_by_globalid_.erase(old->second.globalid);
  }
  by_uuid_[c.uuid] = c;
  for (auto& u : c.urns) uuid_by_urn_[u] = c.uuid;
  if (!c.globalid.empty()) uuid_by_globalid_[c.globalid] = c.uuid;
  if (saved_) dirty_.push_back(c.uuid);
}

void ContactSync::forget(const std::string& uuid) {
  auto old = by_uuid_.find(uuid);
  if (old == by_uuid_.end()) return;
  for (auto& u : old->second.urns) {
    if (auto it = uuid_by_urn_.find(u); it != uuid_by_urn_.end() && it->second == uuid) uuid_by_urn_.erase(it);
  }
  if (auto it = uuid_by_globalid_.find(old->second.globalid); it != uuid_by_globalid_.end() && it->second == uuid) {
    uuid_by_globalid_.erase(it);
  }
  by_uuid_.erase(old);
  if (saved_) removed_.push_back(uuid);
}

void ContactSync::forget_all() {
  by_uuid_.clear();
  uuid_by_urn_.clear();
  uuid_by_globalid_.clear();
  dirty_.clear();
  removed_.clear();
  after_.clear();
  indexed_ = false;
  if (saved_) keep(saved_->clear());
}

void ContactSync::keep(const Status& s) {
  if (s.ok() || !saved_) return;
  // The kept index stops here for this process; what it holds stays consistent with its cursor,
  // so a restart catches up from there (or lists again).
  spdlog::warn("contacts: the contact index kept in the store is no longer updated by this process: {}",
               s.to_string());
  saved_.reset();
  dirty_.clear();
  removed_.clear();
}

void ContactSync::note_modified(const json& j) {
  std::string t = json_string(j, "modified_on");
  auto at = parse_rapidpro_time(t);
  if (!at.ok()) return;
  auto newest = parse_rapidpro_time(listed_newest_);
  if (!newest.ok() || *at > *newest || (*at == *newest && t > listed_newest_)) listed_newest_ = t;
}

std::vector<ContactInfo> ContactSync::all_contacts() const {
  std::vector<ContactInfo> all;
  all.reserve(by_uuid_.size());
  for (const auto& [uuid, c] : by_uuid_) all.push_back(c);
  return all;
}

Status ContactSync::build_index() {
  if (saved_) {
    std::string why;
    if (auto held = saved_->load(&why)) {
      for (const auto& c : held->contacts) remember(c);
      dirty_.clear();
      after_ = held->after;
      indexed_ = true;
      return catch_up();
    }
    spdlog::info("contacts: {}; listing RapidPro's contacts", why);
  }
  listed_newest_.clear();
  MHERO_RETURN_IF_ERROR(client_.list_all("contacts.json", {}, [&](const json& j) {
    remember(from_json(j));
    note_modified(j);
    return Status{};
  }));
  indexed_ = true;
  after_ = listed_newest_;
  unsettled_ = false;
  dirty_.clear();
  removed_.clear();
  if (saved_) keep(saved_->rewrite(all_contacts(), after_));
  return {};
}

Status ContactSync::catch_up() {
  net::QueryParams changed;
  if (!after_.empty()) changed.emplace_back("after", after_);
  listed_newest_ = after_;
  MHERO_RETURN_IF_ERROR(client_.list_all("contacts.json", changed, [&](const json& j) {
    ContactInfo c = from_json(j);
    auto held = by_uuid_.find(c.uuid);
    if (!c.uuid.empty() && (held == by_uuid_.end() || !(held->second == c))) remember(c);
    note_modified(j);
    return Status{};
  }));
  std::string newest = listed_newest_;
  net::QueryParams deleted = changed;
  deleted.emplace_back("deleted", "true");
  MHERO_RETURN_IF_ERROR(client_.list_all("contacts.json", deleted, [&](const json& j) {
    forget(json_string(j, "uuid"));
    return Status{};
  }));
  after_ = newest;
  unsettled_ = false;
  save_dirty();
  if (!saved_) return {};
  keep(saved_->wants_rewrite() ? saved_->rewrite(all_contacts(), after_) : saved_->set_after(after_));
  return {};
}

void ContactSync::save_dirty() {
  if (!saved_ || (dirty_.empty() && removed_.empty())) return;
  std::vector<ContactInfo> contacts;
  for (const auto& uuid : dirty_) {
    if (auto it = by_uuid_.find(uuid); it != by_uuid_.end()) contacts.push_back(it->second);
  }
  std::vector<std::string> removed = std::move(removed_);
  dirty_.clear();
  removed_.clear();
  keep(saved_->save(contacts, removed));
}

Status ContactSync::checkpoint() {
  if (!saved_ || !indexed_ || !unsettled_) return {};
  return catch_up();
}

Result<std::optional<ContactInfo>> ContactSync::contact(const std::string& uuid) {
  if (!indexed_) MHERO_RETURN_IF_ERROR(build_index());
  if (auto it = by_uuid_.find(uuid); it != by_uuid_.end()) return std::optional<ContactInfo>(it->second);
  MHERO_ASSIGN_OR_RETURN(json page, client_.get("contacts.json", {{"uuid", uuid}}));
  const json& first = json_first(page, "results");
  if (!first.is_object()) return std::optional<ContactInfo>();
  ContactInfo c = from_json(first);
  remember(c);
  return std::optional<ContactInfo>(c);
}

namespace {

std::string_view scheme_of(std::string_view urn) { return urn.substr(0, urn.find(':')); }

/// The urns a worker's contact should carry, in order: the worker's own, then those of the
/// contact's urns whose scheme the worker has none of.
std::vector<std::string> wanted_urns(const ContactSpec& w, const ContactInfo* existing) {
  std::vector<std::string> out = w.urns;
  if (!existing) return out;
  for (const auto& u : existing->urns) {
    bool ours = std::any_of(w.urns.begin(), w.urns.end(), [&](const std::string& o) { return scheme_of(o) == scheme_of(u); });
    if (!ours) out.push_back(u);
  }
  return out;
}

}  // namespace

Result<std::string> ContactSync::upsert(const ContactSpec& w, std::string* refused) {
  if (w.urns.empty()) {
    *refused = "no urn: the registry gives this health worker no number or chat id that reaches";
    return std::string();
  }
  const std::string name = rapidpro_name(w.name);
  const ContactInfo* existing = nullptr;
  auto by_urn = [&]() -> const ContactInfo* {
    for (const auto& u : w.urns) {
      if (auto it = uuid_by_urn_.find(u); it != uuid_by_urn_.end()) return &by_uuid_[it->second];
    }
    return nullptr;
  };
  if (auto g = uuid_by_globalid_.find(w.entity_id); g != uuid_by_globalid_.end()) {
    existing = &by_uuid_[g->second];
  } else {
    existing = by_urn();
  }
  for (int round = 0; round < 2; ++round) {
    json body{{"name", name}, {"fields", {{"globalid", w.entity_id}}}};
    net::QueryParams params;
    std::vector<std::string> urns = wanted_urns(w, existing);
    if (existing) {
      if (existing->name == name && existing->globalid == w.entity_id && existing->urns == urns) return existing->uuid;
      if (existing->urns != urns) body["urns"] = urns;
      params = {{"uuid", existing->uuid}};
    } else {
      body["urns"] = urns;
    }
    ++upserts_;
    unsettled_ = true;
    MHERO_ASSIGN_OR_RETURN(auto reply, client_.post("contacts.json", body, params));
    if (reply.ok()) {
      ContactInfo c = from_json(reply.body);
      if (c.uuid.empty()) return unavailable("contacts.json: reply without a contact uuid");
      remember(c);
      return c.uuid;
    }
    if (reply.status == 404 && existing) {  // Deleted in RapidPro since we indexed it.
      std::string gone = existing->uuid;
      existing = nullptr;
      forget(gone);
      continue;
    }
    if (!existing && reply.error.find("in use") != std::string::npos) {  // Created elsewhere.
      for (const auto& u : w.urns) {
        MHERO_ASSIGN_OR_RETURN(json page, client_.get("contacts.json", {{"urn", u}}));
        if (json_first(page, "results").is_object()) remember(from_json(json_first(page, "results")));
      }
      existing = by_urn();
      if (existing) continue;
    }
    *refused = reply.error.empty() ? "HTTP " + std::to_string(reply.status) : reply.error;
    return std::string();
  }
  *refused = "contact for " + w.urns.front() + " kept changing";
  return std::string();
}

Result<ContactSync::Outcome> ContactSync::ensure(const std::vector<ContactSpec>& workers) {
  if (!indexed_) MHERO_RETURN_IF_ERROR(build_index());
  Outcome out;
  for (const auto& w : workers) {
    std::string refused;
    MHERO_ASSIGN_OR_RETURN(std::string uuid, upsert(w, &refused));
    out.uuids.push_back(uuid);
    if (uuid.empty()) out.refused.emplace_back(w.entity_id, refused);
  }
  return out;
}

}  // namespace mhero
