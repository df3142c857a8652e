#include "integrations/mcsd_pull.h"

#include <set>

#include "integrations/openinfoman_pull.h"
#include "registry/datetime.h"
#include "registry/mcsd_bundle.h"
#include "registry/mcsd_mapper.h"
#include "registry/registry_query.h"

namespace mhero::integrations {

namespace {

constexpr std::array<const char*, 4> kTypes = {"Location", "Organization", "Practitioner",
                                               "PractitionerRole"};

/// OperationOutcome.issue[0].diagnostics of an error body, if any, as " (…)".
std::string outcome_text(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || j.value("resourceType", "") != "OperationOutcome") return {};
  const auto& issues = j.value("issue", nlohmann::json::array());
  if (!issues.is_array() || issues.empty() || !issues[0].is_object()) return {};
  std::string d = issues[0].value("diagnostics", "");
  return d.empty() ? std::string() : " (" + d + ")";
}

class Fetcher {
 public:
  Fetcher(net::HttpClient& http, const McsdConfig& config, McsdPullReport& report)
      : http_(http), config_(config), report_(report) {
    if (std::string a = config.authorization(); !a.empty())
      headers_.emplace_back("Authorization", a);
    headers_.emplace_back("Accept", "application/fhir+json");
  }

  /// GET `url`; `paging` marks a next link. Returns the response body of a 200.
  Result<std::string> get(const std::string& url, bool paging) {
    MHERO_ASSIGN_OR_RETURN(auto r, http_.get(url, headers_, config_.timeout));
    ++report_.requests;
    int s = r.status;
    std::string code = "HTTP " + std::to_string(s) + outcome_text(r.body);
    if (s == 200) return std::move(r.body);
    if (s == 401 || s == 403) {
      return permission_denied("the mCSD server refused " + url + " (" + code +
                               "); check [mcsd] auth and its username/password or token");
    }
    if (paging && (s == 404 || s == 410)) {
      return aborted("the mCSD server's next link " + url + " answered " + code +
                     ": its paging ids have likely expired; nothing was imported and the "
                     "marks were kept, run `mhero registry pull` again");
    }
    if (s == 404)
      return not_found("the mCSD server has no " + url + " (" + code + "); check [mcsd] url");
    if (s >= 500) {
      return unavailable("the mCSD server answered " + code + " for " + url +
                         "; nothing was imported, try again later");
    }
    return invalid_argument("the mCSD server answered " + code + " for " + url);
  }

 private:
  net::HttpClient& http_;
  const McsdConfig& config_;
  McsdPullReport& report_;
  net::HttpHeaders headers_;
};

/// Types whose `history-type` interaction the CapabilityStatement lists; empty when there is
/// no usable CapabilityStatement (then every type is searched).
Result<std::set<std::string>> history_types(Fetcher& fetch, const McsdConfig& config) {
  auto body = fetch.get(config.url + "/metadata", false);
  if (!body.ok()) {
    if (body.status().code() == StatusCode::permission_denied) return body.status();
    return std::set<std::string>{};
  }
  std::set<std::string> out;
  nlohmann::json j = nlohmann::json::parse(*body, nullptr, false);
  if (!j.is_object() || !j.contains("rest") || !j["rest"].is_array()) return out;
  for (const auto& rest : j["rest"]) {
    if (!rest.is_object() || !rest.contains("resource") || !rest["resource"].is_array()) continue;
    for (const auto& res : rest["resource"]) {
      if (!res.is_object() || !res.contains("interaction") || !res["interaction"].is_array())
        continue;
      for (const auto& i : res["interaction"]) {
        if (i.is_object() && i.value("code", "") == "history-type")
          out.insert(res.value("type", ""));
      }
    }
  }
  return out;
}

/// The time to ask from: the mark minus the overlap, in UTC; empty for a first pull.
std::string since_of(const std::optional<std::string>& mark, std::chrono::milliseconds overlap) {
  if (!mark || mark->empty()) return {};
  auto t = registry::parse_xsd_datetime(*mark);
  if (!t) return {};
  auto since = *t - std::chrono::duration_cast<std::chrono::seconds>(overlap);
  std::string s = registry::format_xsd_datetime(since);  // "…+00:00"
  return s.substr(0, s.size() - 6) + "Z";
}

/// The bucket of a role id: two hex digits of its FNV-1a hash (stable across builds).
std::string role_bucket(const std::string& id) {
  uint32_t h = 2166136261u;
  for (unsigned char c : id) h = (h ^ c) * 16777619u;
  const char* hex = "0123456789abcdef";
  return {hex[(h >> 4) & 0xf], hex[h & 0xf]};
}

/// Newest of the mark candidates (server times only).
void raise(std::string& mark, const std::string& candidate) {
  auto c = registry::parse_xsd_datetime(candidate);
  if (!c) return;
  auto m = registry::parse_xsd_datetime(mark);
  if (!m || *c > *m) mark = candidate;
}

}  // namespace

Result<McsdConfig> McsdConfig::from(const NodeConfig& config) {
  const auto& t = config.table;
  McsdConfig c;
  c.url = string_or(t, "mcsd", "url", "");
  if (c.url.empty())
    return invalid_argument("config [mcsd] url is not set (e.g. \"https://ihris.example/fhir\")");
  while (!c.url.empty() && c.url.back() == '/') c.url.pop_back();
  std::string auth = string_or(t, "mcsd", "auth", "none");
  c.username = string_or(t, "mcsd", "username", "");
  c.password = string_or(t, "mcsd", "password", "");
  c.token = string_or(t, "mcsd", "token", "");
  if (auth == "none") {
    c.auth = Auth::none;
  } else if (auth == "basic") {
    c.auth = Auth::basic;
    if (c.username.empty())
      return invalid_argument("config [mcsd] auth = \"basic\" needs username");
  } else if (auth == "bearer") {
    c.auth = Auth::bearer;
    if (c.token.empty()) return invalid_argument("config [mcsd] auth = \"bearer\" needs token");
  } else {
    return invalid_argument("config [mcsd] auth: '" + auth + "' is not none, basic or bearer");
  }
  c.ca_file = string_or(t, "mcsd", "ca_file", "");
  c.page_count = static_cast<size_t>(int_or(t, "mcsd", "page_count", 100));
  c.timeout = std::chrono::milliseconds(int_or(t, "mcsd", "timeout_ms", 120000));
  c.overlap = std::chrono::milliseconds(int_or(t, "mcsd", "overlap_ms", 300000));
  auto& r = c.rules;
  r.district_type_code = string_or(t, "mcsd", "district_type_code", r.district_type_code);
  r.district_level = static_cast<int>(int_or(t, "mcsd", "district_level", 0));
  r.district_identifier_system = string_or(t, "mcsd", "district_identifier_system", "");
  r.job_system = string_or(t, "mcsd", "job_system", r.job_system);
  r.csd_id_system = string_or(t, "mcsd", "csd_id_system", "");
  std::string job_file = string_or(t, "mcsd", "job_code_system_file", "");
  if (!job_file.empty())
    MHERO_RETURN_IF_ERROR(registry::load_job_code_system(job_file, r).status());
  std::string map_file = string_or(t, "mcsd", "job_cadre_map_file", "");
  if (!map_file.empty()) MHERO_RETURN_IF_ERROR(registry::load_job_cadre_map(map_file, r).status());
  return c;
}

std::string McsdConfig::authorization() const {
  switch (auth) {
    case Auth::none:
      return {};
    case Auth::basic:
      return basic_auth_header(username, password);
    case Auth::bearer:
      return "Bearer " + token;
  }
  return {};
}

bool mcsd_configured(const NodeConfig& config) {
  return !string_or(config.table, "mcsd", "url", "").empty();
}

std::string mcsd_mark_key(const std::string& url, const std::string& type) {
  return "registry/mcsd/" + url + "/mark/" + type;
}

std::string mcsd_role_prefix(const std::string& url) { return "registry/mcsd/" + url + "/role/"; }

std::string mcsd_role_bucket_prefix(const std::string& url) { return "registry/mcsd/" + url + "/roles/"; }

std::string mcsd_alias_prefix(const std::string& url) { return "registry/mcsd/" + url + "/alias/"; }

Result<McsdPullReport> pull_mcsd(LogStore& store, const NodeKey& key, net::HttpClient& http,
                                 const McsdConfig& config, const registry::PhoneNormalizer& phones,
                                 const registry::ImportOptions& options) {
  McsdPullReport report;
  Fetcher fetch(http, config, report);
  MHERO_ASSIGN_OR_RETURN(auto history, history_types(fetch, config));
  registry::McsdChangeSet changes;
  for (const char* type : kTypes) {
    std::string mark_key = mcsd_mark_key(config.url, type);
    MHERO_ASSIGN_OR_RETURN(auto old_mark, store.get_meta(mark_key));
    std::string since = since_of(old_mark, config.overlap);
    bool use_history = history.count(type) > 0;
    report.mode[type] = use_history ? "history" : "search";
    std::string url = config.url + "/" + type + (use_history ? "/_history" : "") +
                      "?_count=" + std::to_string(config.page_count);
    if (!since.empty())
      url += (use_history ? "&_since=" : "&_lastUpdated=gt") + net::url_encode(since);
    std::string mark = old_mark.value_or("");
    std::set<std::string> visited;
    for (size_t page = 0; !url.empty(); ++page) {
      if (page >= config.max_pages || !visited.insert(url).second) {
        return aborted("the mCSD server's next links for " + std::string(type) + " loop back to " +
                       url + "; nothing was imported");
      }
      MHERO_ASSIGN_OR_RETURN(auto body, fetch.get(url, page > 0));
      MHERO_ASSIGN_OR_RETURN(auto bundle, registry::parse_mcsd_bundle(body, url));
      if (page == 0) raise(mark, bundle.last_updated);
      for (const auto& r : bundle.resources) {
        if (r.type == type) raise(mark, r.last_updated);
      }
      report.resources += bundle.resources.size();
      url = bundle.next_url;
      changes.add(std::move(bundle));
    }
    if (!mark.empty()) report.marks[mark_key] = mark;
  }

  // What is held: roles from earlier pulls, providers, the jurisdiction chain.
  registry::McsdHeld held;
  // Roles: 256 bucket values of {role id: role} (one durable meta write per touched bucket, not
  // per role), plus single keys written before buckets (read, and cleared when updated).
  const std::string role_prefix = mcsd_role_prefix(config.url);
  const std::string bucket_prefix = mcsd_role_bucket_prefix(config.url);
  Status decode_error;
  std::map<std::string, nlohmann::json> buckets;  // Bucket key -> its object, as held.
  std::set<std::string> single_keys;
  auto keep = [&](const std::string& id, std::string_view text) {
    auto role = registry::decode_role(text);
    if (!role.ok()) {
      decode_error = role.status();
      return false;
    }
    held.roles.insert_or_assign(id, std::move(role).value());
    return true;
  };
  store.scan_meta(role_prefix, [&](std::string_view k, std::string_view v) {
    if (v.empty()) return true;  // A role removed earlier.
    single_keys.insert(std::string(k));
    return keep(std::string(k.substr(role_prefix.size())), v);
  });
  MHERO_RETURN_IF_ERROR(decode_error);
  store.scan_meta(bucket_prefix, [&](std::string_view k, std::string_view v) {
    nlohmann::json j = nlohmann::json::parse(v, nullptr, false);
    if (!j.is_object()) {
      decode_error = corruption("meta " + std::string(k) + " is not an object of mCSD roles");
      return false;
    }
    for (const auto& [id, text] : j.items()) {
      if (!text.is_string() || !keep(id, text.get<std::string>())) {
        if (decode_error.ok()) decode_error = corruption("meta " + std::string(k) + ": role " + id + " is not text");
        return false;
      }
    }
    buckets[std::string(k)] = std::move(j);
    return true;
  });
  MHERO_RETURN_IF_ERROR(decode_error);
  const std::string alias_prefix = mcsd_alias_prefix(config.url);
  store.scan_meta(alias_prefix, [&](std::string_view k, std::string_view v) {
    if (!v.empty()) held.aliases.emplace(std::string(k.substr(alias_prefix.size())), std::string(v));
    return true;
  });
  const ViewReader& views = store.views();
  held.provider = [&views](const std::string& id) -> std::optional<registry::ProviderRecord> {
    auto p = registry::find_provider(views, id);
    if (!p.ok()) return std::nullopt;
    return std::move(p).value();
  };
  MHERO_ASSIGN_OR_RETURN(auto held_orgs, registry::held_organizations(views));
  held.organization_parent = [&held_orgs](const std::string& id) -> std::optional<std::string> {
    auto it = held_orgs.find(id);
    if (it == held_orgs.end() || it->second.removed) return std::nullopt;
    return it->second.parent_id;
  };

  auto mapping = registry::map_mcsd(changes, held, config.rules, phones, config.source(),
                                    options.rules.authority);
  report.practitioners = mapping.practitioners;
  report.roles = mapping.roles;
  report.locations = mapping.locations;
  report.organizations = mapping.organizations_fhir;
  MHERO_ASSIGN_OR_RETURN(report.import,
                         registry::import_records(store, key, std::move(mapping.doc), options));
  // Committed: now the roles and marks.
  std::set<std::string> touched;
  for (const auto& [id, role] : mapping.role_updates) {
    std::string bucket = bucket_prefix + role_bucket(id);
    auto& object = buckets.try_emplace(bucket, nlohmann::json::object()).first->second;
    if (role) {
      object[id] = registry::encode_role(*role);
    } else {
      object.erase(id);
    }
    touched.insert(bucket);
    if (single_keys.count(role_prefix + id)) MHERO_RETURN_IF_ERROR(store.put_meta(role_prefix + id, ""));
  }
  for (const auto& bucket : touched) MHERO_RETURN_IF_ERROR(store.put_meta(bucket, buckets[bucket].dump()));
  for (const auto& [ref, entity_id] : mapping.alias_updates) {
    MHERO_RETURN_IF_ERROR(store.put_meta(alias_prefix + ref, entity_id));
  }
  for (const auto& [k, v] : report.marks) MHERO_RETURN_IF_ERROR(store.put_meta(k, v));
  return report;
}

}  // namespace mhero::integrations
