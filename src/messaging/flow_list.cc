#include "messaging/flow_list.h"

#include <capnp/message.h>

#include <algorithm>
#include <cctype>

#include "integrations/json_fields.h"
#include "messaging/message_view.h"
#include "util/capnp_text.h"

namespace mhero {

using json = nlohmann::json;

Result<FlowInfo> flow_from_rapidpro(const json& item) {
  FlowInfo f;
  f.uuid = json_string(item, "uuid");
  f.name = json_string(item, "name");
  if (f.uuid.empty()) return invalid_argument("no uuid");
  if (f.name.empty()) return invalid_argument("flow " + f.uuid + ": no name");
  f.type = json_string(item, "type");
  f.archived = json_true(item, "archived");
  const json& expires = json_field(item, "expires");
  if (expires.is_number_unsigned() || expires.is_number_integer()) {
    f.expires_minutes = static_cast<uint32_t>(std::max<int64_t>(0, expires.get<int64_t>()));
  }
  const json& results = json_field(item, "results");
  if (results.is_array()) {
    for (const auto& r : results) {
      std::string key = json_string(r, "key");
      if (!key.empty()) f.result_keys.push_back(key);
    }
  }
  return f;
}

Result<std::vector<FlowInfo>> fetch_flows(RapidProClient& client) {
  std::vector<FlowInfo> out;
  size_t n = 0;
  Status bad;
  MHERO_RETURN_IF_ERROR(client.list_all("flows.json", {}, [&](const json& item) {
    auto f = flow_from_rapidpro(item);
    if (!f.ok()) {
      bad = invalid_argument("flows.json result " + std::to_string(n) + ": " + f.status().message());
      return bad;
    }
    ++n;
    out.push_back(std::move(f).value());
    return Status{};
  }));
  MHERO_RETURN_IF_ERROR(bad);
  std::stable_sort(out.begin(), out.end(), [](const FlowInfo& a, const FlowInfo& b) { return a.name < b.name; });
  return out;
}

FlowList flow_list_from_capnp(schema::FlowList::Reader r) {
  FlowList l;
  l.fetched_at_ms = r.getFetchedAtMs();
  for (auto f : r.getFlows()) {
    l.flows.push_back({f.getUuid(), f.getName(), f.getType(), f.getArchived(), f.getExpiresMinutes(),
                       texts_from_capnp(f.getResultKeys())});
  }
  return l;
}

void flow_list_to_capnp(const FlowList& l, schema::FlowList::Builder b) {
  b.setFetchedAtMs(l.fetched_at_ms);
  auto flows = b.initFlows(static_cast<unsigned>(l.flows.size()));
  for (unsigned i = 0; i < l.flows.size(); ++i) {
    const FlowInfo& f = l.flows[i];
    flows[i].setUuid(f.uuid);
    flows[i].setName(f.name);
    flows[i].setType(f.type);
    flows[i].setArchived(f.archived);
    flows[i].setExpiresMinutes(f.expires_minutes);
    set_texts(flows[i].initResultKeys(static_cast<unsigned>(f.result_keys.size())), f.result_keys);
  }
}

json flow_list_to_json(const FlowList& l) {
  json flows = json::array();
  for (const auto& f : l.flows) {
    flows.push_back({{"uuid", f.uuid}, {"name", f.name}, {"type", f.type}, {"archived", f.archived},
                     {"expires_minutes", f.expires_minutes}, {"result_keys", f.result_keys}});
  }
  return {{"fetched_at_ms", l.fetched_at_ms}, {"hlc", l.hlc}, {"flows", flows}};
}

FlowList flow_list_from_json(const json& j) {
  FlowList l;
  l.fetched_at_ms = j.value("fetched_at_ms", int64_t{0});
  l.hlc = j.value("hlc", uint64_t{0});
  for (const auto& f : j.value("flows", json::array())) {
    l.flows.push_back({f.value("uuid", ""), f.value("name", ""), f.value("type", ""), f.value("archived", false),
                       f.value("expires_minutes", 0u), f.value("result_keys", std::vector<std::string>{})});
  }
  return l;
}

Result<std::optional<FlowList>> held_flows(const ViewReader& views) {
  MHERO_ASSIGN_OR_RETURN(auto v, views.get(flow_list_key()));
  if (!v) return std::optional<FlowList>();
  json j = json::parse(*v, nullptr, false);
  if (j.is_discarded()) return corruption("messages view: undecodable value at " + flow_list_key());
  return std::optional<FlowList>(flow_list_from_json(j));
}

Result<bool> share_flows(LogStore& store, const NodeKey& key, const Clock& clock, std::vector<FlowInfo> flows) {
  MHERO_ASSIGN_OR_RETURN(auto held, held_flows(store.views()));
  if (held && held->flows == flows) return false;
  FlowList l;
  l.fetched_at_ms = clock.now().count();
  l.flows = std::move(flows);
  capnp::MallocMessageBuilder builder;
  flow_list_to_capnp(l, builder.initRoot<schema::Payload>().initFlowList());
  MHERO_RETURN_IF_ERROR(store.append(key, "national", builder.getRoot<schema::Payload>().asReader()).status());
  return true;
}

namespace {
std::string folded(std::string_view s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  std::string out(a == std::string_view::npos ? std::string_view() : s.substr(a, b - a + 1));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

Result<FlowInfo> flow_by_name(const FlowList& list, const std::string& name) {
  std::vector<const FlowInfo*> hits;
  std::string names;
  for (const auto& f : list.flows) {
    if (f.archived) continue;
    names += (names.empty() ? "" : ", ") + f.name;
    if (folded(f.name) == folded(name)) hits.push_back(&f);
  }
  if (hits.empty()) {
    return not_found("no active RapidPro flow named '" + name + "'" +
                     (names.empty() ? std::string(" (no flow list held yet)") : " (flows: " + names + ")"));
  }
  if (hits.size() > 1) {
    return invalid_argument("two active RapidPro flows are named '" + name + "' (" + hits[0]->uuid + ", " +
                            hits[1]->uuid + "): give the flow UUID");
  }
  return *hits.front();
}

}  // namespace mhero
