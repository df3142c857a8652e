#include "messaging/validation.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "integrations/json_fields.h"
#include "registry/correction_desk.h"
#include "registry/correction_query.h"
#include "registry/registry_query.h"
#include "util/json_fields.h"

namespace mhero {

using json = nlohmann::json;

namespace {

constexpr std::string_view kRefusedPrefix = "validation/refused/";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// A run result: its value and category (RapidPro API v2 runs.json `values[key]`).
struct RunResult {
  std::string value, category;
};

std::optional<RunResult> result(const json& run, const std::string& key) {
  if (key.empty()) return std::nullopt;
  const json& values = json_field(run, "values");
  if (!values.is_object() || !values.contains(key)) return std::nullopt;
  const json& v = values[key];
  if (v.is_string()) return RunResult{v.get<std::string>(), ""};
  if (!v.is_object()) return std::nullopt;
  return RunResult{string_field(v, "value"), string_field(v, "category")};
}

bool yes(const RunResult& r) {
  for (const std::string& s : {lower(r.category), lower(r.value)}) {
    if (s == "yes" || s == "y" || s == "true" || s == "1") return true;
  }
  return false;
}

}  // namespace

bool ValidationConfig::matches(const json& flow_ref) const {
  std::string uuid = string_field(flow_ref, "uuid"), name = lower(string_field(flow_ref, "name"));
  for (const auto& f : flows) {
    if ((!uuid.empty() && f == uuid) || (!name.empty() && lower(f) == name)) return true;
  }
  return false;
}

Result<ValidationConfig> load_validation_config(const toml::table& t) {
  ValidationConfig c;
  if (auto flows = t["validation"]["flows"].as_array()) {
    for (const auto& f : *flows) {
      auto s = f.value<std::string>();
      if (!s || s->empty()) {
        return invalid_argument("config.toml [validation] flows: each flow is a RapidPro flow uuid or name, not \"\"");
      }
      c.flows.push_back(*s);
    }
  }
  c.phone_changed_key = string_or(t, "validation", "phone_changed_key", c.phone_changed_key);
  c.new_phone_key = string_or(t, "validation", "new_phone_key", c.new_phone_key);
  c.left_post_key = string_or(t, "validation", "left_post_key", c.left_post_key);
  if (!c.flows.empty() && c.new_phone_key.empty() && c.left_post_key.empty()) {
    return invalid_argument("config.toml [validation]: new_phone_key and left_post_key are both \"\": the "
                            "validation flows could propose nothing; name at least one result key");
  }
  return c;
}

json to_json(const RefusedProposal& r) {
  return json{{"run", r.run_uuid}, {"flow", r.flow},     {"entity_id", r.entity_id}, {"district", r.district},
              {"answer", r.answer}, {"reason", r.reason}, {"at_ms", r.at_ms}};
}

Result<std::vector<RefusedProposal>> refused_proposals(const LogStore& store) {
  std::vector<RefusedProposal> out;
  store.scan_meta(kRefusedPrefix, [&](std::string_view, std::string_view value) {
    json j = json::parse(value, nullptr, false);
    if (!j.is_object()) return true;  // Node-local and written here only; skip what does not parse.
    out.push_back({j.value("run", ""), j.value("flow", ""), j.value("entity_id", ""), j.value("district", ""),
                   j.value("answer", ""), j.value("reason", ""), j.value("at_ms", int64_t{0})});
    return true;
  });
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.at_ms > b.at_ms; });
  return out;
}

Status ValidationProposer::refuse(const std::string& run_uuid, RefusedProposal r, ValidationStats& stats) {
  r.run_uuid = run_uuid;
  r.at_ms = clock_.now().count();
  spdlog::warn("validation: run {} of {}: not proposed: {}", run_uuid, r.entity_id, r.reason);
  MHERO_RETURN_IF_ERROR(store_.put_meta(std::string(kRefusedPrefix) + run_uuid, to_json(r).dump()));
  ++stats.refused;
  return {};
}

Status ValidationProposer::consider(const json& run, const std::vector<std::string>& entity_ids,
                                    ValidationStats& stats) {
  const json& flow = json_field(run, "flow");
  if (!validation_.matches(flow) || string_field(run, "exit_type") != "completed") return {};
  const std::string uuid = string_field(run, "uuid");
  if (uuid.empty() || entity_ids.empty()) return {};
  const std::string proposer = "rapidpro run " + uuid;
  MHERO_ASSIGN_OR_RETURN(auto refused, store_.get_meta(std::string(kRefusedPrefix) + uuid));
  if (refused) {
    ++stats.already;
    return {};
  }
  // What the worker answered, as one line for the note and the refusal record.
  std::string answer;
  if (const json& values = json_field(run, "values"); values.is_object()) {
    for (auto& [k, v] : values.items()) {
      answer += (answer.empty() ? "" : "; ") + k + "=" + (v.is_object() ? string_field(v, "value") : v.dump());
    }
  }
  RefusedProposal base{uuid, string_field(flow, "name").empty() ? string_field(flow, "uuid") : string_field(flow, "name"), "", "", answer, "", 0};
  if (entity_ids.size() >= 2) {
    base.entity_id = entity_ids.front();
    for (size_t i = 1; i < entity_ids.size(); ++i) base.entity_id += "," + entity_ids[i];
    base.reason = "the answering phone is shared by " + std::to_string(entity_ids.size()) +
                  " health workers, so the answer cannot say whose record it corrects; correct the right one with "
                  "`mhero registry correct`";
    return refuse(uuid, base, stats);
  }
  const std::string& entity = entity_ids.front();
  base.entity_id = entity;
  registry::CorrectionFilter mine;
  mine.entity_id = entity;
  MHERO_ASSIGN_OR_RETURN(auto held, registry::list_corrections(store_.views(), mine));
  for (const auto& c : held) {
    if (c.by_worker && c.proposer_user == proposer) {
      ++stats.already;
      return {};
    }
  }
  auto record = registry::find_provider(store_.views(), entity);
  if (record.ok()) base.district = record->district;

  auto changed = result(run, validation_.phone_changed_key);
  auto number = result(run, validation_.new_phone_key);
  bool phone = changed ? yes(*changed) : (number && !number->value.empty());
  registry::Proposal p;
  if (phone) {
    if (!number || number->value.empty()) {
      base.reason = "the worker answered that the number changed (" + validation_.phone_changed_key +
                    ") but gave no new number (" + validation_.new_phone_key + "); ask again or correct by hand";
      return refuse(uuid, base, stats);
    }
    registry::PhoneNumber n = phones_.normalize(number->value);
    bool same = false;
    if (record.ok() && n.valid) {
      for (const auto& held_phone : record->phones) same = same || held_phone.e164 == n.e164;
    }
    if (!same) p.phones = {number->value};
  }
  bool inactive = record.ok() && record->status == registry::RecordStatus::inactive;
  if (auto left = result(run, validation_.left_post_key); left && yes(*left) && !inactive) p.status = "left";
  if (p.phones.empty() && !p.status) {
    ++stats.unchanged;
    return {};
  }
  p.entity_id = entity;
  p.user = proposer;
  p.by_worker = true;
  p.note = "the health worker's own answer to validation flow " + base.flow + " (RapidPro run " + uuid + "): " + answer;
  std::unique_lock<std::mutex> hold;
  if (lock_) hold = lock_();
  auto c = registry::propose_correction(store_, key_, config_, phones_, p);
  if (!c.ok()) {
    switch (c.status().code()) {
      case StatusCode::invalid_argument:
      case StatusCode::not_found:
      case StatusCode::permission_denied:
      case StatusCode::failed_precondition:
        base.reason = c.status().message();
        return refuse(uuid, base, stats);
      default:
        return c.status();
    }
  }
  ++stats.proposed;
  spdlog::info("validation: run {} proposed correction {} of {} ({})", uuid, c->id, entity, c->kind());
  return {};
}

}  // namespace mhero
