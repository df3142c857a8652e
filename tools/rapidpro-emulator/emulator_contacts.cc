// contacts.json (RapidPro API v2): list/filter (?uuid= ?urn= ?after= ?before= ?deleted=true), create,
// update by uuid or urn.
#include <algorithm>

#include "emulator_state.h"

namespace mhero::rapidpro_emulator {

json contact_json(const Contact& c, const EmulatorOptions& options) {
  json groups = json::array();
  for (auto& [uuid, name] : c.groups) groups.push_back({{"uuid", uuid}, {"name", name}});
  json fields = json::object();
  for (auto& k : options.field_keys) fields[k] = c.fields.contains(k) ? c.fields[k] : json(nullptr);
  return {{"uuid", c.uuid},           {"name", c.name.empty() ? json(nullptr) : json(c.name)},
          {"language", c.language.empty() ? json(nullptr) : json(c.language)},
          {"urns", c.urns},           {"groups", groups},
          {"fields", fields},         {"status", "active"},
          {"blocked", false},         {"stopped", false},
          {"flow", nullptr},          {"created_on", iso(c.created)},
          {"modified_on", iso(c.modified)}, {"last_seen_on", nullptr}};
}

/// A deleted contact as RapidPro lists it with ?deleted=true: its uuid and times, nothing else.
json deleted_contact_json(const Contact& c) {
  return {{"uuid", c.uuid},     {"name", nullptr},          {"language", nullptr},
          {"urns", json::array()}, {"groups", json::array()}, {"fields", json::object()},
          {"status", nullptr},  {"blocked", nullptr},        {"stopped", nullptr},
          {"flow", nullptr},    {"created_on", iso(c.created)}, {"modified_on", iso(c.modified)},
          {"last_seen_on", nullptr}};
}

net::HttpResponse get_contacts(Ctx& ctx, const net::HttpRequest& req) {
  auto window = time_window(req);
  if (!window) return bad_time_window_400();
  auto uuid = req.query_param("uuid");
  auto urn = req.query_param("urn");
  // RapidPro API v2: ?deleted=true lists only deleted contacts; anything else, only live ones.
  auto deleted_param = req.query_param("deleted");
  bool deleted = deleted_param && (*deleted_param == "true" || *deleted_param == "1");
  std::vector<const Contact*> hits;
  for (const auto& c : ctx.state.contacts) {
    if (c.deleted != deleted) continue;
    if (uuid && c.uuid != *uuid) continue;
    if (urn && std::find(c.urns.begin(), c.urns.end(), *urn) == c.urns.end()) continue;
    if (!window->contains(c.modified)) continue;
    hits.push_back(&c);
  }
  std::sort(hits.begin(), hits.end(), [](auto* a, auto* b) {
    return a->modified != b->modified ? a->modified > b->modified : a->id > b->id;
  });
  return page_lazy(
      hits.size(),
      [&](size_t i) { return deleted ? deleted_contact_json(*hits[i]) : contact_json(*hits[i], ctx.options); }, req,
      ctx.options.page_size);
}

net::HttpResponse post_contacts(Ctx& ctx, const net::HttpRequest& req) {
  auto& s = ctx.state;
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return error_400({{"detail", "JSON parse error"}});
  std::optional<size_t> existing;
  if (auto uuid = req.query_param("uuid")) {
    auto it = s.contact_by_uuid.find(*uuid);
    if (it == s.contact_by_uuid.end() || s.contacts[it->second].deleted) return not_found_404();
    existing = it->second;
  } else if (auto urn = req.query_param("urn")) {
    auto it = s.contact_by_urn.find(*urn);
    if (it == s.contact_by_urn.end()) return not_found_404();
    existing = it->second;
  }
  if (body.contains("name")) {
    if (!body["name"].is_string() && !body["name"].is_null()) return error_400({{"name", {"Not a valid string."}}});
    if (body["name"].is_string() && body["name"].get<std::string>().size() > 64) {
      return error_400({{"name", {"Ensure this field has no more than 64 characters."}}});
    }
  }
  if (body.contains("urns")) {
    if (!body["urns"].is_array()) return error_400({{"urns", {"Expected a list of items."}}});
    if (body["urns"].size() > 100) return error_400({{"urns", {"Ensure this field has no more than 100 elements."}}});
    for (size_t i = 0; i < body["urns"].size(); ++i) {
      const json& u = body["urns"][i];
      if (!u.is_string() || !valid_urn(u.get<std::string>())) {
        return error_400({{"urns", {{std::to_string(i), {"Invalid URN: " + u.dump() + ". Ensure phone numbers contain country codes."}}}}});
      }
      auto owner = s.contact_by_urn.find(u.get<std::string>());
      if (owner != s.contact_by_urn.end() && (!existing || owner->second != *existing)) {
        return error_400({{"urns", {{std::to_string(i), {"URN is in use by another contact."}}}}});
      }
    }
  }
  if (body.contains("fields")) {
    if (!body["fields"].is_object()) return error_400({{"fields", {"Expected a dictionary of items."}}});
    for (auto& [k, v] : body["fields"].items()) {
      if (std::find(ctx.options.field_keys.begin(), ctx.options.field_keys.end(), k) == ctx.options.field_keys.end()) {
        return error_400({{"fields", {"Invalid contact field key: " + k}}});
      }
    }
  }
  std::vector<std::pair<std::string, std::string>> groups;
  if (body.contains("groups")) {
    for (auto& g : body["groups"]) {
      std::string key = g.is_string() ? g.get<std::string>() : "";
      auto it = std::find_if(s.groups.begin(), s.groups.end(),
                             [&](auto& kv) { return kv.first == key || kv.second == key; });
      if (it == s.groups.end()) return error_400({{"groups", {"No such object: " + key}}});
      groups.emplace_back(it->second, it->first);
    }
  }
  bool created = !existing;
  if (created) {
    Contact c;
    c.id = s.next_id;
    c.uuid = s.new_uuid(0xc0);
    c.created = ctx.now;
    s.contact_by_uuid[c.uuid] = s.contacts.size();
    existing = s.contacts.size();
    s.contacts.push_back(c);
  }
  Contact& c = s.contacts[*existing];
  if (body.contains("name")) c.name = body["name"].is_string() ? body["name"].get<std::string>() : "";
  if (body.contains("language") && body["language"].is_string()) c.language = body["language"];
  if (body.contains("urns")) {
    for (auto& u : c.urns) s.contact_by_urn.erase(u);
    c.urns = body["urns"].get<std::vector<std::string>>();
    for (auto& u : c.urns) s.contact_by_urn[u] = *existing;
  }
  if (body.contains("fields")) {
    for (auto& [k, v] : body["fields"].items()) c.fields[k] = v;
  }
  if (body.contains("groups")) c.groups = groups;  // Replaces: RapidPro's semantics.
  c.modified = s.contact_stamp(ctx.now);
  return net::HttpResponse::json(created ? 201 : 200, contact_json(c, ctx.options).dump());
}

}  // namespace mhero::rapidpro_emulator
