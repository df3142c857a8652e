#include "integrations/dhis2_push.h"

#include <algorithm>
#include <cstdio>
#include <tuple>
#include <map>
#include <set>

#include "integrations/dhis2_pull.h"
#include "messaging/answer_view.h"
#include "messaging/flow_list.h"
#include "messaging/message_query.h"
#include "registry/registry_query.h"

namespace mhero::integrations {

using nlohmann::json;

namespace {

std::string pushed_key(const Dhis2Config& c, const Dhis2Value& v) {
  return "dhis2/" + c.url + "/pushed/" + v.data_element + "/" + v.period + "/" + v.org_unit + "/" +
         v.category_option_combo;
}

std::string push_prefix(const Dhis2Config& c) { return "dhis2/" + c.url + "/push/"; }

std::string hex16(int64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

/// A free meta key for a push record at `at_ms` ("<16 hex>", then "<16 hex>-1", … when two
/// pushes share a millisecond).
Result<std::string> record_key(const LogStore& store, const Dhis2Config& c, int64_t at_ms) {
  std::string base = push_prefix(c) + hex16(at_ms);
  for (int n = 0;; ++n) {
    std::string key = n == 0 ? base : base + "-" + std::to_string(n);
    MHERO_ASSIGN_OR_RETURN(auto held, store.get_meta(key));
    if (!held) return key;
  }
}

// One worker's latest answer to one rule in one period.
struct Answer {
  int64_t at_ms = 0;
  std::string value;
};

}  // namespace

Result<std::vector<Dhis2Value>> dhis2_values(const LogStore& store, const Dhis2Config& config,
                                             const std::vector<Dhis2ValueRule>& rules, Dhis2PushReport& report) {
  const ViewReader& views = store.views();
  std::map<std::string, std::pair<std::string, std::string>> flows;  // Message id -> (uuid, name).
  std::map<std::string, std::string> org_unit_of;                     // Worker -> org unit ("" none).
  // (rule index, org unit, period) -> worker -> latest answer.
  std::map<std::tuple<size_t, std::string, std::string>, std::map<std::string, Answer>> cells;
  // A message sent with `--flow UUID` carries no flow name: the held flow list names it, so a
  // rule naming the flow matches whichever way the message picked it.
  MHERO_ASSIGN_OR_RETURN(std::optional<FlowList> flow_list, held_flows(views));
  auto name_of = [&](const std::string& uuid) -> std::string {
    if (!flow_list) return {};
    for (const auto& f : flow_list->flows) {
      if (f.uuid == uuid) return f.name;
    }
    return {};
  };
  std::vector<bool> rule_met(rules.size(), false);
  Status error;
  MHERO_RETURN_IF_ERROR(scan_answers(views, {}, "", [&](const ResponseRecord& r, const std::string&) {
    auto f = flows.find(r.message_id);
    if (f == flows.end()) {
      auto m = message_state(views, r.message_id);
      std::pair<std::string, std::string> flow;
      if (m.ok()) flow = {m->message.flow_uuid, m->message.flow_name};
      if (flow.second.empty() && !flow.first.empty()) flow.second = name_of(flow.first);
      f = flows.emplace(r.message_id, flow).first;
    }
    bool used = false;
    for (size_t i = 0; i < rules.size(); ++i) {
      const auto& rule = rules[i];
      if (f->second.first.empty() && f->second.second.empty()) break;
      if (rule.flow != f->second.first && rule.flow != f->second.second) continue;
      rule_met[i] = true;
      auto v = std::find_if(r.values.begin(), r.values.end(), [&](const auto& kv) { return kv.first == rule.result; });
      if (v == r.values.end()) continue;
      auto ou = org_unit_of.find(r.entity_id);
      if (ou == org_unit_of.end()) {
        std::string uid;
        auto p = registry::find_provider(views, r.entity_id);
        if (p.ok() && !p->facility_ids.empty()) {
          auto held = store.get_meta(dhis2_facility_key(config.url, p->facility_ids.front()));
          if (!held.ok()) {
            error = held.status();
            return false;
          }
          uid = held->value_or("");
        }
        ou = org_unit_of.emplace(r.entity_id, uid).first;
      }
      if (ou->second.empty()) {
        ++report.no_facility;
        continue;
      }
      Answer& a = cells[{i, ou->second, dhis2_period(rule.period, r.answered_at_ms)}][r.entity_id];
      if (r.answered_at_ms >= a.at_ms) a = Answer{r.answered_at_ms, v->second};
      used = true;
    }
    if (used) ++report.responses_used;
    return true;
  }));
  MHERO_RETURN_IF_ERROR(error);
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!rule_met[i]) report.unmatched.push_back(rules[i].flow + " / " + rules[i].result);
  }
  std::vector<Dhis2Value> out;
  for (const auto& [cell, workers] : cells) {
    const auto& [i, ou, period] = cell;
    const auto& rule = rules[i];
    Dhis2Value v{rule.data_element, period, ou, rule.category_option_combo, "", 0};
    if (rule.aggregation == Dhis2Aggregation::last) {
      const Answer* latest = nullptr;
      for (const auto& [w, a] : workers) {
        if (!latest || a.at_ms > latest->at_ms) latest = &a;
      }
      v.value = latest->value;
      v.workers = workers.size();
    } else {
      double sum = 0;
      for (const auto& [w, a] : workers) {
        auto n = dhis2_number(a.value);
        if (!n) {
          ++report.not_numeric;
          continue;
        }
        sum += *n;
        ++v.workers;
      }
      if (v.workers == 0) continue;
      v.value = dhis2_number_text(rule.aggregation == Dhis2Aggregation::sum ? sum : sum / v.workers);
    }
    out.push_back(std::move(v));
  }
  return out;
}

Result<Dhis2PushReport> push_dhis2(LogStore& store, net::HttpClient& http, const Dhis2Config& config,
                                   const std::vector<Dhis2ValueRule>& rules, const Clock& clock, bool dry_run,
                                   bool all) {
  Dhis2PushReport report;
  report.at_ms = clock.now().count();
  report.dry_run = dry_run;
  MHERO_ASSIGN_OR_RETURN(auto values, dhis2_values(store, config, rules, report));
  for (auto& v : values) {
    MHERO_ASSIGN_OR_RETURN(auto held, store.get_meta(pushed_key(config, v)));
    if (!all && held && *held == v.value) {
      ++report.unchanged;
      continue;
    }
    report.sent.push_back(std::move(v));
  }
  if (report.sent.empty()) return report;  // Nothing posted: nothing to keep (hourly no-ops stay out of status).
  json body = {{"dataValues", json::array()}};
  for (const auto& v : report.sent) {
    json dv = {{"dataElement", v.data_element}, {"period", v.period}, {"orgUnit", v.org_unit}, {"value", v.value}};
    if (!v.category_option_combo.empty()) dv["categoryOptionCombo"] = v.category_option_combo;
    body["dataValues"].push_back(dv);
  }
  std::string url = config.url + "/api/dataValueSets.json?importStrategy=CREATE_AND_UPDATE" +
                    (dry_run ? "&dryRun=true" : "");
  MHERO_ASSIGN_OR_RETURN(auto r, http.post(url, body.dump(),
                                           {{"Authorization", config.authorization()},
                                            {"Content-Type", "application/json"},
                                            {"Accept", "application/json"}}));
  report.http_status = r.status;
  std::string code = "HTTP " + std::to_string(r.status) + dhis2_brief(r.body);
  if (r.status == 401 || r.status == 403) {
    return permission_denied("DHIS2 refused " + url + " (" + code +
                             "); check [dhis2] username/password_file or token_file; nothing was recorded as pushed");
  }
  if (r.status >= 500) {
    return unavailable("DHIS2 answered " + code + " for " + url +
                       "; nothing was recorded as pushed, the next push sends the values again");
  }
  json answer = json::parse(r.body, nullptr, false);
  if (answer.is_discarded()) {
    return invalid_argument("DHIS2's answer to " + url + " (HTTP " + std::to_string(r.status) +
                            ") is malformed JSON: " + r.body.substr(0, 80) + "; nothing was recorded as pushed");
  }
  if (answer.is_object() && answer.contains("response") && answer["response"].is_object() &&
      answer["response"].value("responseType", "") == "ImportSummary") {
    report.summary = answer["response"];
  } else if (answer.is_object() && answer.value("responseType", "") == "ImportSummary") {
    report.summary = answer;
  } else {
    std::string message = answer.is_object() ? answer.value("message", "") : "";
    return invalid_argument("DHIS2's answer to " + url + " (HTTP " + std::to_string(r.status) +
                            ") is not an import summary" + (message.empty() ? "" : ": " + message));
  }
  std::set<size_t> rejected;
  const json& s = report.summary;
  if (s.contains("rejectedIndexes") && s["rejectedIndexes"].is_array()) {
    for (const auto& i : s["rejectedIndexes"]) {
      if (i.is_number_unsigned()) rejected.insert(i.get<size_t>());
    }
  }
  if (s.contains("conflicts") && s["conflicts"].is_array()) {
    for (const auto& c : s["conflicts"]) {
      if (!c.is_object()) continue;
      if (c.contains("indexes") && c["indexes"].is_array()) {
        for (const auto& i : c["indexes"]) {
          if (i.is_number_unsigned()) rejected.insert(i.get<size_t>());
        }
        continue;
      }
      // Before 2.38: {object, value} only; the object is the uid (or period) at fault.
      std::string object = c.value("object", "");
      for (size_t i = 0; i < report.sent.size(); ++i) {
        const auto& v = report.sent[i];
        if (object == v.data_element || object == v.org_unit || object == v.period ||
            (!v.category_option_combo.empty() && object == v.category_option_combo)) {
          rejected.insert(i);
        }
      }
    }
  }
  if (s.value("status", "") == "ERROR") {
    for (size_t i = 0; i < report.sent.size(); ++i) rejected.insert(i);
  }
  report.rejected.assign(rejected.begin(), rejected.end());
  if (!dry_run) {
    for (size_t i = 0; i < report.sent.size(); ++i) {
      if (!rejected.count(i)) {
        MHERO_RETURN_IF_ERROR(store.put_meta(pushed_key(config, report.sent[i]), report.sent[i].value));
      }
    }
  }
  MHERO_ASSIGN_OR_RETURN(auto key, record_key(store, config, report.at_ms));
  MHERO_RETURN_IF_ERROR(store.put_meta(key, push_record_json(report).dump()));
  return report;
}

json push_record_json(const Dhis2PushReport& r) {
  json sent = json::array();
  for (const auto& v : r.sent) {
    sent.push_back({{"dataElement", v.data_element},
                    {"period", v.period},
                    {"orgUnit", v.org_unit},
                    {"categoryOptionCombo", v.category_option_combo},
                    {"value", v.value},
                    {"workers", v.workers}});
  }
  return {{"at_ms", r.at_ms},
          {"dry_run", r.dry_run},
          {"sent", sent},
          {"unchanged", r.unchanged},
          {"responses_used", r.responses_used},
          {"no_facility", r.no_facility},
          {"not_numeric", r.not_numeric},
          {"http_status", r.http_status},
          {"rejected", r.rejected},
          {"unmatched", r.unmatched},
          {"summary", r.summary}};
}

std::vector<json> dhis2_pushes(const LogStore& store, const Dhis2Config& config, size_t limit) {
  std::vector<json> all;
  store.scan_meta(push_prefix(config), [&](std::string_view, std::string_view v) {
    json j = json::parse(v, nullptr, false);
    if (j.is_object()) all.push_back(std::move(j));
    return true;
  });
  std::vector<json> out(all.rbegin(), all.rend());
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace mhero::integrations
