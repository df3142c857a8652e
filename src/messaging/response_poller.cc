#include "messaging/response_poller.h"

#include <capnp/message.h>
#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "integrations/json_fields.h"
#include "integrations/rapidpro_time.h"
#include "messaging/message_codec.h"
#include "messaging/message_query.h"
#include "messaging/message_view.h"
#include "util/json_fields.h"

namespace mhero {

using json = nlohmann::json;

namespace {

/// (time, message) of the latest send that reached `entity` at or before `at_ms`; (-1, "") when none.
Result<std::pair<int64_t, std::string>> latest_message_for(const ViewReader& views, const std::string& entity,
                                                           int64_t at_ms) {
  std::string best;
  int64_t best_at = -1;
  MHERO_RETURN_IF_ERROR(views.scan(worker_send_prefix(entity), [&](std::string_view k, std::string_view v) {
    int64_t t = std::strtoll(std::string(v).c_str(), nullptr, 10);
    if (t <= at_ms && t > best_at) {
      best_at = t;
      best = std::string(k.substr(worker_send_prefix(entity).size()));
    }
    return true;
  }));
  return std::pair{best_at, best};
}

}  // namespace

Result<ResponsePoller::Who> ResponsePoller::who_answered(const json& contact_ref, const std::string& urn) {
  Who who;
  who.contact_uuid = string_field(contact_ref, "uuid");
  std::string tel = urn.starts_with("tel:") ? urn : "";
  std::string globalid;
  if (!who.contact_uuid.empty()) {
    MHERO_ASSIGN_OR_RETURN(auto c, contacts_.contact(who.contact_uuid));
    if (c) {
      globalid = c->globalid;
      for (auto& u : c->urns) {
        if (tel.empty() && u.starts_with("tel:")) tel = u;
      }
    }
  }
  // An answer by WhatsApp comes from the number's whatsapp: urn (E.164 digits): the same phone.
  if (tel.empty() && urn.starts_with("whatsapp:") && urn.size() > 9) tel = "tel:+" + urn.substr(9);
  if (!tel.empty()) {
    who.phone = tel.substr(4);
    MHERO_ASSIGN_OR_RETURN(auto all, directory_.find_all_by_phone(who.phone));
    for (auto& w : all) {
      if (!w.district.empty()) who.workers.push_back(std::move(w));
    }
  }
  if (who.workers.size() >= 2) return who;  // A shared phone: ambiguous between them.
  if (!globalid.empty()) {
    MHERO_ASSIGN_OR_RETURN(auto w, directory_.find(globalid));
    if (w && !w->district.empty()) who.workers = {*w};
  }
  return who;
}

Status ResponsePoller::poll(const std::string& endpoint, const std::string& cursor_key, net::QueryParams params,
                            PollStats& stats) {
  const bool runs = endpoint == "runs.json";
  MHERO_ASSIGN_OR_RETURN(auto cursor, store_.get_meta(cursor_key));
  if (cursor) params.emplace_back("after", *cursor);
  std::vector<json> items;
  MHERO_RETURN_IF_ERROR(client_.list_all(endpoint, params, [&](const json& item) {
    items.push_back(item);
    return Status{};
  }));
  std::string newest = cursor.value_or("");
  int64_t newest_ms = 0;
  if (cursor) {
    auto parsed = parse_rapidpro_time(*cursor);
    if (parsed.ok()) newest_ms = parsed->count();
  }
  std::map<std::string, std::vector<ResponseRecord>> by_district;
  for (const auto& item : items) {
    std::string stamp = string_field(item, runs ? "modified_on" : "created_on");
    auto t = parse_rapidpro_time(stamp);
    if (t.ok() && t->count() > newest_ms) {
      newest_ms = t->count();
      newest = stamp;
    }
    ResponseRecord r;
    if (runs) {
      if (!json_true(item, "responded") || !json_field(item, "values").is_object() ||
          json_field(item, "values").empty()) {
        ++stats.skipped;
        continue;
      }
      r.source_id = "run:" + string_field(item, "uuid");
      for (auto& [name, v] : item["values"].items()) {
        r.values.emplace_back(name, v.is_object() ? string_field(v, "value") : v.dump());
        if (r.raw_text.empty() && v.is_object()) r.raw_text = string_field(v, "input");
      }
    } else {
      if (item.contains("flow") && !item["flow"].is_null()) continue;  // Answers inside flows come as runs.
      r.source_id = "msg:" + (item.contains("id") ? item["id"].dump() : string_field(item, "uuid"));
      r.raw_text = string_field(item, "text");
    }
    r.answered_at_ms = t.ok() ? t->count() : 0;
    if (runs && validation_ && validation_->config().matches(json_field(item, "flow"))) {
      MHERO_ASSIGN_OR_RETURN(Who who, who_answered(json_field(item, "contact"), string_field(item, "urn")));
      std::vector<std::string> ids;
      for (auto& w : who.workers) ids.push_back(w.entity_id);
      MHERO_RETURN_IF_ERROR(validation_->consider(item, ids, validation_stats_));
    }
    MHERO_ASSIGN_OR_RETURN(bool held, response_held(store_.views(), r.source_id));
    if (held) {
      ++stats.duplicates;
      continue;
    }
    MHERO_ASSIGN_OR_RETURN(Who who, who_answered(json_field(item, "contact"), string_field(item, "urn")));
    if (who.workers.empty()) {
      ++stats.skipped;
      continue;
    }
    r.contact_uuid = who.contact_uuid;
    r.phone = who.phone;
    if (who.workers.size() == 1) {
      r.entity_id = who.workers.front().entity_id;
    } else {
      for (auto& w : who.workers) r.shared_with.push_back(w.entity_id);  // Ambiguous: credited to none.
    }
    if (runs) {
      std::string start = item.contains("start") ? string_field(item["start"], "uuid") : "";
      MHERO_ASSIGN_OR_RETURN(auto msg, store_.views().get(send_uuid_key(start)));
      r.message_id = msg.value_or("");
    } else {
      // The latest send that reached any worker on this phone before the reply.
      int64_t best_at = -1;
      for (auto& w : who.workers) {
        MHERO_ASSIGN_OR_RETURN(auto sent, latest_message_for(store_.views(), w.entity_id, r.answered_at_ms));
        if (sent.first > best_at && !sent.second.empty()) {
          best_at = sent.first;
          r.message_id = sent.second;
        }
      }
    }
    std::set<std::string> districts;
    for (auto& w : who.workers) districts.insert(w.district);
    for (auto& d : districts) {
      ResponseRecord copy = r;
      copy.district = d;
      by_district[d].push_back(std::move(copy));
    }
  }
  for (auto& [district, records] : by_district) {
    std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> builders;
    std::vector<schema::Payload::Reader> payloads;
    for (auto& r : records) {
      builders.push_back(std::make_unique<capnp::MallocMessageBuilder>());
      response_to_capnp(r, builders.back()->initRoot<schema::Payload>().initResponse());
      payloads.push_back(builders.back()->getRoot<schema::Payload>().asReader());
    }
    auto written = store_.append_all(key_, "district/" + district, payloads);
    if (!written.ok()) return written.status();
    stats.written += records.size();
  }
  if (!newest.empty() && newest != cursor.value_or("")) MHERO_RETURN_IF_ERROR(store_.put_meta(cursor_key, newest));
  return {};
}

Result<PollStats> ResponsePoller::run_once() {
  PollStats stats;
  validation_stats_ = {};
  MHERO_RETURN_IF_ERROR(poll("runs.json", "rapidpro/runs_after", {}, stats));
  MHERO_RETURN_IF_ERROR(poll("messages.json", "rapidpro/messages_after", {{"folder", "incoming"}}, stats));
  if (stats.written > 0) spdlog::info("responses: {} new, {} already held, {} skipped", stats.written, stats.duplicates, stats.skipped);
  return stats;
}

}  // namespace mhero
