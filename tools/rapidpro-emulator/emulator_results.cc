// runs.json and messages.json (RapidPro API v2), and the simulated health workers' answers.
#include <algorithm>
#include <cstdlib>

#include "emulator_state.h"

namespace mhero::rapidpro_emulator {

void materialise_answers(Ctx& ctx) {
  auto& s = ctx.state;
  for (auto& r : s.runs) {
    if (r.answered || r.due > ctx.now) continue;
    r.answered = true;
    if (ctx.options.answer_share < 1.0) {
      uint64_t h = 1469598103934665603ull;  // FNV-1a of the run uuid: the same run, the same choice.
      for (unsigned char ch : r.uuid) h = (h ^ ch) * 1099511628211ull;
      if (static_cast<double>(h % 10000) >= ctx.options.answer_share * 10000) continue;
    }
    r.responded = true;
    std::string raw;
    const Contact& who = s.contacts[s.contact_by_uuid.at(r.contact)];
    const auto* answers = &ctx.options.flow_answers;
    for (const auto& urn : who.urns) {
      if (auto it = s.answers_by_urn.find(urn); it != s.answers_by_urn.end()) answers = &it->second;
    }
    for (auto& [name, value] : *answers) {
      r.values[name] = {{"value", value}, {"category", value}, {"node", "00000000-0000-4000-8000-000000000001"},
                        {"time", iso(ctx.now)}, {"name", name}, {"input", value}};
      raw += raw.empty() ? value : " " + value;
    }
    ms answered_at = ctx.options.answer_spread.count() > 0 ? r.due : ctx.now;
    r.modified = answered_at;
    r.exited = answered_at;
    const Contact& c = s.contacts[s.contact_by_uuid.at(r.contact)];
    s.messages.push_back({s.next_id++, s.new_uuid(0xe1), c.uuid, c.urns.empty() ? "" : c.urns.front(), "in", raw,
                          r.flow, answered_at, "handled", 0});
  }
  for (auto it = s.replies.begin(); it != s.replies.end();) {
    if (it->due > ctx.now) {
      ++it;
      continue;
    }
    const Contact& c = s.contacts[s.contact_by_uuid.at(it->contact)];
    s.messages.push_back({s.next_id++, s.new_uuid(0xe1), c.uuid, c.urns.empty() ? "" : c.urns.front(), "in",
                          ctx.options.broadcast_reply, "", ctx.now, "handled", 0});
    it = s.replies.erase(it);
  }
}

net::HttpResponse get_runs(Ctx& ctx, const net::HttpRequest& req) {
  auto window = time_window(req);
  if (!window) return bad_time_window_400();
  auto flow = req.query_param("flow");
  std::vector<const Run*> hits;
  for (auto& r : ctx.state.runs) {
    if (!window->contains(r.modified) || (flow && r.flow != *flow)) continue;
    hits.push_back(&r);
  }
  std::sort(hits.begin(), hits.end(), [](auto* a, auto* b) {
    return a->modified != b->modified ? a->modified > b->modified : a->id > b->id;
  });
  std::vector<json> items;
  for (auto* r : hits) {
    items.push_back({{"id", r->id}, {"uuid", r->uuid},
                     {"flow", {{"uuid", r->flow}, {"name", ctx.options.flows.count(r->flow) ? ctx.options.flows.at(r->flow) : ""}}},
                     {"contact", contact_ref(ctx, r->contact)}, {"start", {{"uuid", r->start}}},
                     {"responded", r->responded}, {"path", json::array()}, {"values", r->values},
                     {"created_on", iso(r->created)}, {"modified_on", iso(r->modified)},
                     {"exited_on", r->exited ? json(iso(*r->exited)) : json(nullptr)},
                     {"exit_type", r->exited ? json("completed") : json(nullptr)}});
  }
  return page(items, req, ctx.options.page_size);
}

std::string delivery_status(const std::string& pattern, size_t index) {
  if (pattern.empty()) return "delivered";
  switch (pattern[index % pattern.size()]) {
    case 'q': return "queued";
    case 'w': return "wired";
    case 's': return "sent";
    case 'e': return "errored";
    case 'f': return "failed";
    default: return "delivered";
  }
}

namespace {

/// The channel a message went by, as RapidPro names it in messages.json: one emulated channel
/// per urn scheme (an SMS channel, a WhatsApp channel, a Telegram bot).
json channel_ref(const std::string& urn) {
  if (urn.starts_with("whatsapp:")) return {{"uuid", "00000000-0000-4000-8000-0000000000c2"}, {"name", "Emulator WhatsApp"}};
  if (urn.starts_with("telegram:")) return {{"uuid", "00000000-0000-4000-8000-0000000000c3"}, {"name", "Emulator Telegram"}};
  return {{"uuid", "00000000-0000-4000-8000-0000000000c1"}, {"name", "Emulator"}};
}

}  // namespace

net::HttpResponse get_messages(Ctx& ctx, const net::HttpRequest& req) {
  auto window = time_window(req);
  if (!window) return bad_time_window_400();
  auto folder = req.query_param("folder");
  auto broadcast = req.query_param("broadcast");
  long broadcast_id = 0;
  if (broadcast) {
    // As RapidPro's MessagesEndpoint: one of contact, folder, label, broadcast; an integer id.
    if (folder) return error_400({{"detail", "You may only specify one of the contact, folder, label, broadcast parameters"}});
    char* end = nullptr;
    broadcast_id = std::strtol(broadcast->c_str(), &end, 10);
    if (broadcast->empty() || *end != '\0') return error_400({{"detail", "Value for broadcast must be an integer"}});
  }
  std::vector<json> items;
  for (auto it = ctx.state.messages.rbegin(); it != ctx.state.messages.rend(); ++it) {
    if (!window->contains(it->created)) continue;
    if (folder == "incoming" && it->direction != "in") continue;
    if (folder == "sent" && it->direction != "out") continue;
    if (broadcast && it->broadcast != broadcast_id) continue;
    items.push_back({{"id", it->id}, {"uuid", it->uuid}, {"contact", contact_ref(ctx, it->contact)},
                     {"urn", it->urn}, {"channel", channel_ref(it->urn)},
                     {"direction", it->direction}, {"type", it->flow.empty() ? "text" : "flow"},
                     {"status", it->status},
                     {"broadcast", it->broadcast == 0 ? json(nullptr) : json(it->broadcast)}, {"visibility", "visible"},
                     {"text", it->text}, {"labels", json::array()}, {"attachments", json::array()},
                     {"flow", it->flow.empty() ? json(nullptr) : json{{"uuid", it->flow}, {"name", ""}}},
                     {"created_on", iso(it->created)}, {"sent_on", iso(it->created)}, {"modified_on", iso(it->created)}});
  }
  return page(items, req, ctx.options.page_size);
}

}  // namespace mhero::rapidpro_emulator
