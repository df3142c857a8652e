#include "emulator.h"

#include <cstdio>
#include <regex>

#include "emulator_state.h"
#include "integrations/rapidpro_time.h"

namespace mhero::rapidpro_emulator {

std::string Emulator::State::new_uuid(unsigned kind) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012lx", kind, next_id++);
  return buf;
}

void Emulator::State::deliver(const std::string& urn, const std::string& source, const std::string& text) {
  deliveries.push_back({urn, source, text});
  ++delivered_by_urn[urn];
  if (!delivered_pairs.emplace(urn, text).second) ++duplicates;
}

std::string iso(ms t) { return format_rapidpro_time(t); }

net::HttpResponse error_400(const json& body) { return net::HttpResponse::json(400, body.dump()); }

net::HttpResponse not_found_404() { return net::HttpResponse::json(404, R"({"detail":"Not found."})"); }

bool valid_urn(const std::string& urn) {
  // RapidPro's URN.validate for the schemes mHero uses: tel in E.164 (as our node writes it),
  // whatsapp and telegram paths all digits (a WhatsApp number without "+", a Telegram chat id).
  static const std::regex tel(R"(^tel:\+[1-9][0-9]{6,14}$)");
  static const std::regex whatsapp(R"(^whatsapp:[1-9][0-9]{6,14}$)");
  static const std::regex telegram(R"(^telegram:[0-9]{1,15}$)");
  return std::regex_match(urn, tel) || std::regex_match(urn, whatsapp) || std::regex_match(urn, telegram);
}

std::optional<TimeWindow> time_window(const net::HttpRequest& req) {
  TimeWindow w;
  for (auto [key, bound] : {std::pair{"after", &w.after}, std::pair{"before", &w.before}}) {
    auto v = req.query_param(key);
    if (!v) continue;
    auto t = parse_rapidpro_time(*v);
    if (!t.ok()) return std::nullopt;
    *bound = *t;
  }
  return w;
}

net::HttpResponse bad_time_window_400() { return error_400({{"detail", "Invalid after/before timestamp"}}); }

json contact_ref(const Ctx& ctx, const std::string& uuid) {
  auto it = ctx.state.contact_by_uuid.find(uuid);
  std::string name = it == ctx.state.contact_by_uuid.end() ? "" : ctx.state.contacts[it->second].name;
  return {{"uuid", uuid}, {"name", name}};
}

net::HttpResponse page(const std::vector<json>& items, const net::HttpRequest& req, size_t page_size) {
  return page_lazy(items.size(), [&](size_t i) { return items[i]; }, req, page_size);
}

net::HttpResponse page_lazy(size_t total, const std::function<json(size_t)>& item, const net::HttpRequest& req,
                            size_t page_size) {
  size_t offset = 0;
  if (auto c = req.query_param("cursor")) offset = std::strtoul(c->c_str(), nullptr, 10);
  json out{{"next", nullptr}, {"previous", nullptr}, {"results", json::array()}};
  for (size_t i = offset; i < total && i < offset + page_size; ++i) out["results"].push_back(item(i));
  auto link = [&](size_t at) {
    net::QueryParams q;
    for (auto& [k, v] : req.query()) {
      if (k != "cursor") q.emplace_back(k, v);
    }
    q.emplace_back("cursor", std::to_string(at));
    return "http://" + req.header("Host").value_or("localhost") + req.path() + "?" + net::build_query(q);
  };
  if (offset + page_size < total) out["next"] = link(offset + page_size);
  if (offset > 0) out["previous"] = link(offset > page_size ? offset - page_size : 0);
  return net::HttpResponse::json(200, out.dump());
}

Emulator::Emulator(const Clock& clock, EmulatorOptions options)
    : clock_(clock), options_(std::move(options)), state_(std::make_unique<State>()) {
  for (auto& [uuid, name] : options_.flows) {
    FlowDef f;
    f.id = state_->next_id++;
    f.uuid = uuid;
    f.name = name;
    f.created = f.modified = clock_.now();
    state_->flows.push_back(f);
  }
}

void Emulator::delete_contact(const std::string& urn) {
  std::lock_guard lock(mu_);
  auto it = state_->contact_by_urn.find(urn);
  if (it == state_->contact_by_urn.end()) return;
  Contact& c = state_->contacts[it->second];
  c.deleted = true;
  c.modified = state_->contact_stamp(clock_.now());  // A release is stamped: ?deleted=true&after= finds it.
  for (const auto& u : c.urns) state_->contact_by_urn.erase(u);
}

void Emulator::archive_messages() {
  std::lock_guard lock(mu_);
  state_->messages.clear();
}

void Emulator::set_flow(const std::string& uuid, const std::string& name, bool archived, const std::string& type) {
  std::lock_guard lock(mu_);
  options_.flows[uuid] = name;
  for (auto& f : state_->flows) {
    if (f.uuid != uuid) continue;
    f.name = name;
    f.archived = archived;
    f.type = type;
    f.modified = clock_.now();
    return;
  }
  FlowDef f;
  f.id = state_->next_id++;
  f.uuid = uuid;
  f.name = name;
  f.type = type;
  f.archived = archived;
  f.created = f.modified = clock_.now();
  state_->flows.push_back(f);
}

Emulator::~Emulator() = default;

void Emulator::answer_as(const std::string& urn, std::vector<std::pair<std::string, std::string>> values) {
  std::lock_guard lock(mu_);
  state_->answers_by_urn[urn] = std::move(values);
}

void Emulator::advance() {
  std::lock_guard lock(mu_);
  Ctx ctx{*state_, options_, clock_.now()};
  materialise_answers(ctx);
}

net::HttpResponse Emulator::handle(const net::HttpRequest& req) {
  std::lock_guard lock(mu_);
  State& s = *state_;
  std::string path = req.path();
  if (path == "/emulator/deliveries.json") {
    json by_urn = json::object();
    for (auto& [urn, n] : s.delivered_by_urn) by_urn[urn] = n;
    size_t dup = s.duplicates;
    return net::HttpResponse::json(
        200, json{{"total", s.deliveries.size()}, {"duplicates", dup}, {"by_urn", by_urn}, {"calls", s.calls}}.dump());
  }
  s.calls[req.method + " " + path]++;
  ++s.request_count;
  if (req.header("Authorization") != "Token " + options_.token) {
    return net::HttpResponse::json(401, R"({"detail":"Invalid token"})");
  }
  bool throttle = s.throttle_left > 0 ||
                  (options_.throttle_every > 0 && s.request_count % static_cast<size_t>(options_.throttle_every) == 0);
  if (throttle) {
    if (s.throttle_left > 0) --s.throttle_left;
    auto r = net::HttpResponse::json(
        429, R"({"detail":"Request was throttled. Expected available in )" + std::to_string(options_.retry_after_seconds) + R"( seconds."})");
    r.headers.emplace_back("Retry-After", std::to_string(options_.retry_after_seconds));
    return r;
  }
  if (s.fail_left > 0) {
    --s.fail_left;
    return net::HttpResponse::text(s.fail_status, "Server Error");
  }
  Ctx ctx{s, options_, clock_.now()};
  materialise_answers(ctx);
  const bool is_send = req.method == "POST" && (path == "/api/v2/broadcasts.json" || path == "/api/v2/flow_starts.json");
  if (is_send && s.send_fail_left > 0) {
    --s.send_fail_left;
    if (s.send_fail_process) {
      if (path == "/api/v2/broadcasts.json") {
        (void)post_broadcasts(ctx, req);
      } else {
        (void)post_flow_starts(ctx, req);
      }
    }
    return net::HttpResponse::text(s.send_fail_status, "Gateway Timeout");
  }
  const bool get = req.method == "GET", post = req.method == "POST";
  if (path == "/api/v2/contacts.json") {
    if (get) return get_contacts(ctx, req);
    if (post) return post_contacts(ctx, req);
  } else if (path == "/api/v2/broadcasts.json") {
    if (get) return get_broadcasts(ctx, req);
    if (post) return post_broadcasts(ctx, req);
  } else if (path == "/api/v2/flow_starts.json") {
    if (get) return get_flow_starts(ctx, req);
    if (post) return post_flow_starts(ctx, req);
  } else if (path == "/api/v2/runs.json" && get) {
    return get_runs(ctx, req);
  } else if (path == "/api/v2/messages.json" && get) {
    return get_messages(ctx, req);
  } else if (path == "/api/v2/fields.json" && get) {
    std::vector<json> items;
    for (auto& k : options_.field_keys) items.push_back({{"key", k}, {"label", k}, {"value_type", "text"}});
    return page(items, req, options_.page_size);
  } else if (path == "/api/v2/groups.json" && get) {
    std::vector<json> items;
    for (auto& [name, uuid] : s.groups) items.push_back({{"uuid", uuid}, {"name", name}, {"query", nullptr}, {"count", 0}});
    return page(items, req, options_.page_size);
  } else if (path == "/api/v2/flows.json" && get) {
    return get_flows(ctx, req);
  } else {
    return not_found_404();
  }
  return net::HttpResponse::json(405, R"({"detail":"Method not allowed."})");
}

void Emulator::throttle_next(int count) {
  std::lock_guard lock(mu_);
  state_->throttle_left = count;
}

void Emulator::fail_next(int count, int status) {
  std::lock_guard lock(mu_);
  state_->fail_left = count;
  state_->fail_status = status;
}

void Emulator::fail_next_send(int count, int status, bool process_anyway) {
  std::lock_guard lock(mu_);
  state_->send_fail_left = count;
  state_->send_fail_status = status;
  state_->send_fail_process = process_anyway;
}

std::string Emulator::add_contact(const std::string& name, const std::string& urn,
                                  const std::vector<std::string>& groups,
                                  const std::map<std::string, std::string>& fields) {
  std::lock_guard lock(mu_);
  State& s = *state_;
  Contact c;
  c.id = s.next_id;
  c.uuid = s.new_uuid(0xc0);
  c.name = name;
  c.urns = {urn};
  for (auto& g : groups) {
    auto [it, fresh] = s.groups.emplace(g, "");
    if (fresh) it->second = s.new_uuid(0x90);
    c.groups.emplace_back(it->second, g);
  }
  for (auto& [k, v] : fields) c.fields[k] = v;
  c.created = c.modified = s.contact_stamp(clock_.now());
  s.contact_by_uuid[c.uuid] = s.contacts.size();
  s.contact_by_urn[urn] = s.contacts.size();
  s.contacts.push_back(c);
  return c.uuid;
}

std::vector<Delivery> Emulator::deliveries() const {
  std::lock_guard lock(mu_);
  return state_->deliveries;
}

size_t Emulator::delivered_count(const std::string& urn) const {
  std::lock_guard lock(mu_);
  auto it = state_->delivered_by_urn.find(urn);
  return it == state_->delivered_by_urn.end() ? 0 : it->second;
}

size_t Emulator::duplicate_count() const {
  std::lock_guard lock(mu_);
  return state_->duplicates;
}

std::map<std::string, size_t> Emulator::calls() const {
  std::lock_guard lock(mu_);
  return state_->calls;
}

size_t Emulator::total_calls() const {
  std::lock_guard lock(mu_);
  return state_->request_count;
}

size_t Emulator::contact_count() const {
  std::lock_guard lock(mu_);
  return state_->contacts.size();
}

std::vector<std::string> Emulator::contact_groups(const std::string& urn) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  auto it = state_->contact_by_urn.find(urn);
  if (it != state_->contact_by_urn.end()) {
    for (auto& g : state_->contacts[it->second].groups) out.push_back(g.second);
  }
  return out;
}

std::map<std::string, std::string> Emulator::contact_fields(const std::string& urn) const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::string> out;
  auto it = state_->contact_by_urn.find(urn);
  if (it != state_->contact_by_urn.end()) {
    for (auto& [k, v] : state_->contacts[it->second].fields.items()) {
      if (v.is_string()) out[k] = v.get<std::string>();
    }
  }
  return out;
}

std::vector<std::string> Emulator::contact_urns(const std::string& urn) const {
  std::lock_guard lock(mu_);
  auto it = state_->contact_by_urn.find(urn);
  if (it == state_->contact_by_urn.end()) return {};
  return state_->contacts[it->second].urns;
}

}  // namespace mhero::rapidpro_emulator
