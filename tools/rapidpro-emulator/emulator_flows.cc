// flows.json (RapidPro API v2, FlowsEndpoint): the org's flows, newest created first, with
// `uuid`, `name`, `type`, `archived`, `labels`, `expires` (minutes), `runs` (active, completed,
// interrupted, expired), `results` (key, name, categories, node_uuids), `parent_refs`,
// `created_on`, `modified_on`. Filters: `uuid` (400 when not a UUID), `type`, `archived`,
// `before` / `after` on modified_on (400 when malformed). Cursor pagination with `next`.
#include <algorithm>
#include <regex>

#include "emulator_state.h"

namespace mhero::rapidpro_emulator {

net::HttpResponse get_flows(Ctx& ctx, const net::HttpRequest& req) {
  auto window = time_window(req);
  if (!window) return bad_time_window_400();
  auto uuid = req.query_param("uuid");
  static const std::regex uuid_form(R"(^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)");
  if (uuid && !std::regex_match(*uuid, uuid_form)) {
    return error_400({{"detail", "Value for uuid must be a valid UUID"}});
  }
  auto type = req.query_param("type");
  auto archived = req.query_param("archived");
  std::vector<const FlowDef*> hits;
  for (const auto& f : ctx.state.flows) {
    if (uuid && f.uuid != *uuid) continue;
    if (type && f.type != *type) continue;
    if (archived) {
      bool want = *archived == "true" || *archived == "True" || *archived == "1";
      if (f.archived != want) continue;
    }
    if (!window->contains(f.modified)) continue;
    hits.push_back(&f);
  }
  std::sort(hits.begin(), hits.end(), [](auto* a, auto* b) {
    return a->created != b->created ? a->created > b->created : a->id > b->id;
  });
  std::vector<json> items;
  for (const FlowDef* f : hits) {
    size_t active = 0, completed = 0;
    for (const auto& r : ctx.state.runs) {
      if (r.flow != f->uuid) continue;
      (r.answered ? completed : active) += 1;
    }
    json results = json::array();
    for (const auto& [key, value] : ctx.options.flow_answers) {
      results.push_back({{"key", key}, {"name", key}, {"categories", json::array({value, "Other"})},
                         {"node_uuids", json::array({"00000000-0000-4000-8000-000000000001"})}});
    }
    items.push_back({{"uuid", f->uuid}, {"name", f->name}, {"type", f->type}, {"archived", f->archived},
                     {"labels", json::array()}, {"expires", f->expires_minutes},
                     {"runs", {{"active", active}, {"completed", completed}, {"interrupted", 0}, {"expired", 0}}},
                     {"results", results}, {"parent_refs", json::array()}, {"created_on", iso(f->created)},
                     {"modified_on", iso(f->modified)}});
  }
  return page(items, req, ctx.options.page_size);
}

}  // namespace mhero::rapidpro_emulator
