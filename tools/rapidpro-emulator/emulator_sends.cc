// broadcasts.json and flow_starts.json (RapidPro API v2): sending, recorded per urn.
#include <algorithm>

#include "emulator_state.h"

namespace mhero::rapidpro_emulator {

namespace {

/// Validates the recipients lists of a send. Returns a 400 response on error.
std::optional<net::HttpResponse> check_recipients(Ctx& ctx, const json& body) {
  size_t total = 0;
  for (const char* key : {"urns", "contacts", "groups"}) {
    if (!body.contains(key)) continue;
    if (!body[key].is_array()) return error_400({{key, {"Expected a list of items."}}});
    if (body[key].size() > 100) return error_400({{key, {"Ensure this field has no more than 100 elements."}}});
    total += body[key].size();
  }
  if (body.contains("contacts")) {
    for (auto& c : body["contacts"]) {
      auto known = c.is_string() ? ctx.state.contact_by_uuid.find(c.get<std::string>()) : ctx.state.contact_by_uuid.end();
      if (known == ctx.state.contact_by_uuid.end() || ctx.state.contacts[known->second].deleted) {
        return error_400({{"contacts", {"No such object: " + c.dump()}}});
      }
    }
  }
  if (body.contains("urns")) {
    for (size_t i = 0; i < body["urns"].size(); ++i) {
      auto& u = body["urns"][i];
      if (!u.is_string() || !valid_urn(u.get<std::string>())) {
        return error_400({{"urns", {{std::to_string(i), {"Invalid URN: " + u.dump()}}}}});
      }
    }
  }
  if (total == 0) return error_400({{"non_field_errors", {"Must provide either urns, contacts or groups"}}});
  return std::nullopt;
}

std::vector<std::string> strings(const json& body, const char* key) {
  return body.contains(key) ? body[key].get<std::vector<std::string>>() : std::vector<std::string>{};
}

/// A contact and the urn a send reaches it on.
struct Recipient {
  size_t contact;
  std::string urn;
};

/// The contacts a send reaches, each once: listed uuids on the contact's first urn (RapidPro's
/// highest priority), then urns on themselves (contacts created when new).
std::vector<Recipient> reach(Ctx& ctx, const std::vector<std::string>& contacts, const std::vector<std::string>& urns) {
  auto& s = ctx.state;
  std::vector<Recipient> out;
  auto add = [&](size_t i, std::string urn) {
    for (const auto& r : out) {
      if (r.contact == i) return;
    }
    out.push_back({i, std::move(urn)});
  };
  for (auto& uuid : contacts) {
    size_t i = s.contact_by_uuid.at(uuid);
    add(i, s.contacts[i].urns.empty() ? "" : s.contacts[i].urns.front());
  }
  for (auto& urn : urns) {
    auto it = s.contact_by_urn.find(urn);
    if (it == s.contact_by_urn.end()) {
      Contact c;
      c.id = s.next_id;
      c.uuid = s.new_uuid(0xc0);
      c.urns = {urn};
      c.created = c.modified = ctx.state.contact_stamp(ctx.now);
      it = s.contact_by_urn.emplace(urn, s.contacts.size()).first;
      s.contact_by_uuid[c.uuid] = s.contacts.size();
      s.contacts.push_back(c);
    }
    add(it->second, urn);
  }
  return out;
}

std::string text_for(const json& text, const Contact& c) {
  if (text.is_string()) return text;
  if (!c.language.empty() && text.contains(c.language)) return text[c.language];
  if (text.contains("eng")) return text["eng"];
  return text.begin().value();
}

std::vector<json> refs(Ctx& ctx, const std::vector<std::string>& uuids) {
  std::vector<json> out;
  for (auto& u : uuids) out.push_back(contact_ref(ctx, u));
  return out;
}

}  // namespace

net::HttpResponse post_broadcasts(Ctx& ctx, const net::HttpRequest& req) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return error_400({{"detail", "JSON parse error"}});
  if (!body.contains("text") || !(body["text"].is_string() || body["text"].is_object()) ||
      (body["text"].is_string() && body["text"].get<std::string>().empty()) ||
      (body["text"].is_object() && body["text"].empty())) {
    return error_400({{"text", {"This field is required."}}});
  }
  if (auto bad = check_recipients(ctx, body)) return *bad;
  auto& s = ctx.state;
  Broadcast b;
  b.id = s.next_id;
  b.uuid = s.new_uuid(0xb0);
  b.text = body["text"];
  b.urns = strings(body, "urns");
  b.contacts = strings(body, "contacts");
  b.created = ctx.now;
  size_t position = 0;
  for (const auto& [i, urn] : reach(ctx, b.contacts, b.urns)) {
    const Contact& c = s.contacts[i];
    std::string text = text_for(b.text, c);
    s.deliver(urn, b.uuid, text);
    s.messages.push_back({s.next_id++, s.new_uuid(0xe0), c.uuid, urn, "out", text, "", ctx.now,
                          delivery_status(ctx.options.delivery_pattern, position++), b.id});
    if (!ctx.options.broadcast_reply.empty()) s.replies.push_back({c.uuid, ctx.now + ctx.options.answer_delay});
  }
  s.broadcasts.push_back(b);
  json out{{"id", b.id}, {"uuid", b.uuid}, {"status", "queued"}, {"urns", b.urns}, {"contacts", refs(ctx, b.contacts)},
           {"groups", json::array()}, {"text", b.text}, {"created_on", iso(b.created)}};
  return net::HttpResponse::json(201, out.dump());
}

net::HttpResponse get_broadcasts(Ctx& ctx, const net::HttpRequest& req) {
  auto window = time_window(req);
  if (!window) return bad_time_window_400();
  std::vector<json> items;
  for (auto it = ctx.state.broadcasts.rbegin(); it != ctx.state.broadcasts.rend(); ++it) {
    if (!window->contains(it->created)) continue;
    items.push_back({{"id", it->id}, {"uuid", it->uuid}, {"status", "sent"}, {"urns", it->urns},
                     {"contacts", refs(ctx, it->contacts)}, {"groups", json::array()}, {"text", it->text},
                     {"created_on", iso(it->created)}});
  }
  return page(items, req, ctx.options.page_size);
}

net::HttpResponse post_flow_starts(Ctx& ctx, const net::HttpRequest& req) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return error_400({{"detail", "JSON parse error"}});
  std::string flow = body.contains("flow") && body["flow"].is_string() ? body["flow"].get<std::string>() : "";
  if (flow.empty()) return error_400({{"flow", {"This field is required."}}});
  if (!ctx.options.flows.contains(flow)) return error_400({{"flow", {"No such object: " + flow}}});
  if (auto bad = check_recipients(ctx, body)) return *bad;
  auto& s = ctx.state;
  FlowStart f;
  f.id = s.next_id;
  f.uuid = s.new_uuid(0xf0);
  f.flow = flow;
  f.urns = strings(body, "urns");
  f.contacts = strings(body, "contacts");
  f.extra = body.contains("extra") ? body["extra"] : body.contains("params") ? body["params"] : json(nullptr);
  f.created = ctx.now;
  for (const auto& [i, urn] : reach(ctx, f.contacts, f.urns)) {
    const Contact& c = s.contacts[i];
    s.deliver(urn, f.uuid, "flow:" + flow);
    Run r;
    r.id = s.next_id;
    r.uuid = s.new_uuid(0xa0);
    r.flow = flow;
    r.contact = c.uuid;
    r.start = f.uuid;
    r.created = r.modified = ctx.now;
    r.due = ctx.now + ctx.options.answer_delay;
    if (ctx.options.answer_spread.count() > 0) {
      uint64_t h = 1469598103934665603ull;  // FNV-1a of the run uuid.
      for (unsigned char ch : r.uuid) h = (h ^ ch) * 1099511628211ull;
      r.due += ms(static_cast<int64_t>(h % static_cast<uint64_t>(ctx.options.answer_spread.count())));
    }
    s.runs.push_back(r);
  }
  s.flow_starts.push_back(f);
  json out{{"id", f.id}, {"uuid", f.uuid}, {"flow", {{"uuid", flow}, {"name", ctx.options.flows.at(flow)}}},
           {"groups", json::array()}, {"contacts", refs(ctx, f.contacts)}, {"urns", f.urns},
           {"restart_participants", true}, {"status", "pending"}, {"extra", f.extra}, {"params", f.extra},
           {"created_on", iso(f.created)}, {"modified_on", iso(f.created)}};
  return net::HttpResponse::json(201, out.dump());
}

net::HttpResponse get_flow_starts(Ctx& ctx, const net::HttpRequest& req) {
  auto window = time_window(req);
  if (!window) return bad_time_window_400();
  std::vector<json> items;
  for (auto it = ctx.state.flow_starts.rbegin(); it != ctx.state.flow_starts.rend(); ++it) {
    if (!window->contains(it->created)) continue;
    items.push_back({{"id", it->id}, {"uuid", it->uuid},
                     {"flow", {{"uuid", it->flow}, {"name", ctx.options.flows.at(it->flow)}}},
                     {"groups", json::array()}, {"contacts", refs(ctx, it->contacts)}, {"urns", it->urns},
                     {"restart_participants", true}, {"status", "complete"}, {"extra", it->extra},
                     {"params", it->extra}, {"created_on", iso(it->created)}, {"modified_on", iso(it->created)}});
  }
  return page(items, req, ctx.options.page_size);
}

}  // namespace mhero::rapidpro_emulator
