#include "integrations/dhis2_pull.h"

#include <cstdio>
#include <ctime>
#include <set>

#include "net/url.h"
#include "registry/datetime.h"
#include "registry/district.h"
#include "registry/record_sources.h"
#include "registry/registry_keys.h"
#include "registry/registry_query.h"
#include "store/scope.h"
#include "util/json_fields.h"

namespace mhero::integrations {

using nlohmann::json;

namespace {

struct Unit {
  std::string id, code, name, path, parent, last_updated;
  int level = 0;
  std::map<std::string, std::string> attributes;
};

Result<Unit> parse_unit(const json& j, const std::string& url) {
  Unit u;
  if (!j.is_object()) return invalid_argument("DHIS2's answer to " + url + " lists an org unit that is not an object");
  u.id = string_field(j, "id");
  u.code = string_field(j, "code");
  u.name = string_field(j, "name");
  if (u.name.empty()) u.name = string_field(j, "displayName");
  u.path = string_field(j, "path");
  u.last_updated = string_field(j, "lastUpdated");
  if (j.contains("level") && j["level"].is_number_integer()) u.level = j["level"].get<int>();
  if (j.contains("parent") && j["parent"].is_object()) u.parent = string_field(j["parent"], "id");
  if (u.id.empty() || u.level < 1 || u.path.empty()) {
    return invalid_argument("DHIS2's answer to " + url + " lists an org unit without id, level or path (" +
                            j.dump().substr(0, 120) + ")");
  }
  if (j.contains("attributeValues") && j["attributeValues"].is_array()) {
    for (const auto& a : j["attributeValues"]) {
      if (a.is_object() && a.contains("attribute") && a["attribute"].is_object()) {
        std::string id = string_field(a["attribute"], "id");
        if (!id.empty() && a.contains("value")) {
          u.attributes[id] = a["value"].is_string() ? a["value"].get<std::string>() : a["value"].dump();
        }
      }
    }
  }
  return u;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

std::string district_code_of(const std::string& code, const std::string& name, const std::string& uid) {
  if (valid_district_code(code)) return code;
  if (std::string c = registry::district_code_from_text(name); !c.empty()) return c;
  return uid;
}

}  // namespace

std::string dhis2_mark_key(const std::string& url) { return "dhis2/" + url + "/mark"; }
std::string dhis2_unit_key(const std::string& url, const std::string& uid) { return "dhis2/" + url + "/ou/" + uid; }
std::string dhis2_facility_key(const std::string& url, const std::string& entity_id) {
  return "dhis2/" + url + "/facility/" + entity_id;
}
std::string dhis2_entity(const std::string& uid) { return "urn:dhis2:" + uid; }

std::string dhis2_time_text(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::optional<int64_t> dhis2_time_ms(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &y, &mo, &d, &h, &mi, &s, &ms);
  if (n < 6 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

Result<Dhis2PullReport> pull_dhis2(LogStore& store, const NodeKey& key, net::HttpClient& http,
                                   const Dhis2Config& config, const registry::ImportOptions& options) {
  Dhis2PullReport report;
  MHERO_ASSIGN_OR_RETURN(auto old_mark, store.get_meta(dhis2_mark_key(config.url)));
  if (old_mark && !old_mark->empty()) {
    if (auto t = dhis2_time_ms(*old_mark)) report.since = dhis2_time_text(*t - config.overlap.count());
  }
  report.mark = old_mark.value_or("");

  // Every page of the listing, by page number (pager.pageCount of the first page).
  std::map<std::string, Unit> units;
  size_t page_count = 1;
  for (size_t page = 1; page <= page_count; ++page) {
    net::QueryParams q = {{"fields", "id,code,name,level,path,parent[id],lastUpdated,attributeValues[value,attribute[id]]"},
                          {"paging", "true"},
                          {"pageSize", std::to_string(config.page_count)},
                          {"page", std::to_string(page)},
                          {"order", "id:asc"}};
    if (!report.since.empty()) q.emplace_back("filter", "lastUpdated:gt:" + report.since);
    std::string url = config.url + "/api/organisationUnits.json?" + net::build_query(q);
    MHERO_ASSIGN_OR_RETURN(auto body, dhis2_get_json(http, config, url));
    ++report.requests;
    ++report.pages;
    if (!body.is_object() || !body.contains("organisationUnits") || !body["organisationUnits"].is_array()) {
      return invalid_argument("DHIS2's answer to " + url + " is not an organisationUnits listing");
    }
    if (body.contains("pager") && body["pager"].is_object()) {
      size_t count = body["pager"].value("pageCount", size_t{1});
      if (page == 1) {
        page_count = count;
      } else if (count != page_count) {
        return aborted("DHIS2's org units changed during the pull (" + std::to_string(page_count) + " then " +
                       std::to_string(count) + " pages); nothing was imported, pull again");
      }
    }
    for (const auto& j : body["organisationUnits"]) {
      MHERO_ASSIGN_OR_RETURN(auto u, parse_unit(j, url));
      if (u.last_updated > report.mark) report.mark = u.last_updated;
      units[u.id] = std::move(u);
    }
  }
  report.org_units = units.size();

  // The district of an org unit: its ancestor at district_level, from this pull or held.
  std::map<std::string, std::string> district_memo;
  Status lookup_error;
  auto district_of_uid = [&](const std::string& uid) -> std::string {
    if (auto it = district_memo.find(uid); it != district_memo.end()) return it->second;
    std::string code;
    if (auto it = units.find(uid); it != units.end()) {
      code = district_code_of(it->second.code, it->second.name, uid);
    } else {
      auto held = store.get_meta(dhis2_unit_key(config.url, uid));
      if (!held.ok()) {
        lookup_error = held.status();
      } else if (*held) {
        json j = json::parse(**held, nullptr, false);
        if (j.is_object()) code = district_code_of(j.value("code", ""), j.value("name", ""), uid);
      }
    }
    district_memo[uid] = code;
    return code;
  };
  auto district_of = [&](const Unit& u) -> std::string {
    auto parts = split_path(u.path);
    if (u.level < config.district_level || parts.size() < static_cast<size_t>(config.district_level)) return "";
    return district_of_uid(parts[config.district_level - 1]);
  };
  auto facility_entity = [&](const Unit& u) -> std::string {
    std::string v;
    if (config.match.kind == Dhis2Match::Kind::code) v = u.code;
    if (config.match.kind == Dhis2Match::Kind::id) v = u.id;
    if (config.match.kind == Dhis2Match::Kind::attribute) {
      if (auto it = u.attributes.find(config.match.attribute); it != u.attributes.end()) v = it->second;
    }
    return v.empty() ? dhis2_entity(u.id) : v;
  };

  const ViewReader& views = store.views();
  MHERO_ASSIGN_OR_RETURN(auto held_fac, registry::held_facilities(views));
  std::string origin = "dhis2 " + config.url + " pulled " +
                       registry::format_xsd_datetime(std::chrono::floor<std::chrono::seconds>(
                           std::chrono::sys_time<std::chrono::milliseconds>(options.started)));
  registry::CsdDocument doc;
  std::set<std::string> moved;  // Facility entityIDs whose district changes (or that are new).
  std::map<std::string, std::string> entity_of;  // uid -> entityID, for the meta index.
  for (const auto& [uid, u] : units) {
    std::string district = district_of(u);
    std::vector<std::pair<std::string, std::string>> other_ids;
    if (!district.empty()) other_ids.emplace_back(options.rules.authority, district);
    if (u.level < config.facility_level) {
      registry::OrganizationRecord o;
      o.entity_id = dhis2_entity(uid);
      o.name = u.name;
      o.parent_id = u.parent.empty() ? std::string() : dhis2_entity(u.parent);
      o.updated = u.last_updated;
      o.source = config.source();
      o.other_ids = std::move(other_ids);
      entity_of[uid] = o.entity_id;
      doc.organizations.push_back(std::move(o));
      continue;
    }
    registry::FacilityRecord f;
    f.entity_id = facility_entity(u);
    f.name = u.name;
    f.updated = u.last_updated;
    f.source = config.source();
    f.origin = origin;
    f.other_ids = std::move(other_ids);
    if (!u.parent.empty()) f.organization_ids.push_back(dhis2_entity(u.parent));
    if (auto it = held_fac.find(f.entity_id); it != held_fac.end() && !it->second.removed) {
      // One record for both sources: keep what the other source gave that DHIS2 does not.
      f.source = registry::merge_sources(it->second.source, f.source);
      f.facility_types = it->second.facility_types;
      for (const auto& org : it->second.organization_ids) {
        if (org.rfind("urn:dhis2:", 0) != 0) f.organization_ids.push_back(org);
      }
      if (it->second.district != district) {
        moved.insert(f.entity_id);
        ++report.moved_facilities;
      }
    } else {
      moved.insert(f.entity_id);  // New here: providers already pointing at it get its district.
    }
    entity_of[uid] = f.entity_id;
    doc.facilities.push_back(std::move(f));
  }
  MHERO_RETURN_IF_ERROR(lookup_error);
  report.facilities = doc.facilities.size();
  report.organizations = doc.organizations.size();

  // Providers at a facility that changed district move with it (the importer re-scopes them).
  if (!moved.empty()) {
    Status decode_error;
    const std::string prefix = registry::record_prefix(registry::RecordKind::provider);
    MHERO_RETURN_IF_ERROR(views.scan(prefix, [&](std::string_view, std::string_view v) {
      auto stored = registry::decode_stored<registry::ProviderRecord>(v);
      if (!stored.ok()) {
        decode_error = stored.status();
        return false;
      }
      if (stored->record.removed) return true;
      for (const auto& id : stored->record.facility_ids) {
        if (moved.count(id)) {
          doc.providers.push_back(std::move(stored->record));
          break;
        }
      }
      return true;
    }));
    MHERO_RETURN_IF_ERROR(decode_error);
    report.providers_rescoped = doc.providers.size();
  }

  MHERO_ASSIGN_OR_RETURN(report.import, registry::import_records(store, key, std::move(doc), options));
  // Committed: now the index and the mark.
  for (const auto& [uid, u] : units) {
    json j = {{"code", u.code}, {"name", u.name}, {"level", u.level}, {"path", u.path}, {"entity", entity_of[uid]}};
    MHERO_RETURN_IF_ERROR(store.put_meta(dhis2_unit_key(config.url, uid), j.dump()));
    if (u.level >= config.facility_level) {
      MHERO_RETURN_IF_ERROR(store.put_meta(dhis2_facility_key(config.url, entity_of[uid]), uid));
    }
  }
  if (!report.mark.empty()) MHERO_RETURN_IF_ERROR(store.put_meta(dhis2_mark_key(config.url), report.mark));
  return report;
}

}  // namespace mhero::integrations
