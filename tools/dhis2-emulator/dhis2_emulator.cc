// The DHIS2 emulator's state, auth, seed tree and org-unit API (dhis2_emulator.h). The data
// value import is in dhis2_emulator_import.cc.
#include "dhis2_emulator.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <unordered_map>

#include "integrations/openinfoman_pull.h"  // basic_auth_header
#include "registry/csd_parser.h"
#include "registry/district.h"

namespace mhero::dhis2_emulator {

using nlohmann::json;

namespace {

// Sierra Leone's districts as the DHIS2 demo database names them.
constexpr const char* kDistricts[] = {"Bo",      "Bombali", "Bonthe",  "Kailahun", "Kambia",    "Kenema",      "Koinadugu",
                                      "Kono",    "Moyamba", "Port Loko", "Pujehun", "Tonkolili", "Western Area"};
constexpr const char* kChiefdomStems[] = {"Badjia", "Bagbo", "Bumpe", "Gbo",    "Jaiama", "Kakua",  "Lugbu",
                                          "Niawa",  "Selenga", "Tikonko", "Valunia", "Wonde", "Dasse", "Komboya"};
constexpr const char* kFacilityKinds[] = {"MCHP", "CHP", "CHC", "Hospital"};
constexpr const char* kPlaces[] = {"Baoma", "Gerihun", "Jembe", "Kpetema", "Mano", "Ngolahun", "Sembehun",
                                   "Taninahun", "Yamandu", "Feiba", "Gondama", "Kigbai", "Momajo", "Pelewahun"};

const char* kDefaultCombo = "HllvX50cXC0";

net::HttpResponse web_message(int status, const std::string& http_status, const std::string& message) {
  json j = {{"httpStatus", http_status}, {"httpStatusCode", status}, {"status", "ERROR"}, {"message", message}};
  return net::HttpResponse::json(status, j.dump());
}

// Splits a fields= list at top-level commas ("id,parent[id,code],name").
std::vector<std::string> split_fields(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == ',' && depth == 0) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool compare(int64_t a, const std::string& op, int64_t b, bool* ok) {
  if (op == "eq") return a == b;
  if (op == "gt") return a > b;
  if (op == "ge") return a >= b;
  if (op == "lt") return a < b;
  if (op == "le") return a <= b;
  *ok = false;
  return false;
}

std::vector<std::string> in_list(const std::string& value) {
  std::string v = value;
  if (!v.empty() && v.front() == '[') v.erase(0, 1);
  if (!v.empty() && v.back() == ']') v.pop_back();
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    out.push_back(v.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::string dhis2_time(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::optional<int64_t> parse_dhis2_time(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &y, &mo, &d, &h, &mi, &s, &ms);
  if (n != 3 && n < 6) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

std::string make_uid(uint64_t n) {
  static const char* letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  static const char* alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  uint64_t x = n * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  std::string out(1, letters[x % 52]);
  x /= 52;
  for (int i = 0; i < 10; ++i) {
    if (i == 5) x = (n + 1) * 0xC2B2AE3D27D4EB4Full ^ (x << 7);
    out += alnum[x % 62];
    x /= 62;
  }
  return out;
}

Emulator::Emulator(EmulatorOptions options, const Clock& clock) : options_(std::move(options)), clock_(clock) {
  combos_.insert(kDefaultCombo);
  // Stock items a facility reports on (the uids are ours; names as a ministry would write them).
  data_elements_["sTkLvl00001"] = "Stock level (days of ACT left)";
  data_elements_["sTkOut00001"] = "Stock-out reported";
  data_elements_["sTkRcv00001"] = "Stock received (packs)";
  seed_tree();
  user_units_ = {root_};
}

std::string Emulator::add_unit(const std::string& name, const std::string& code, const std::string& parent,
                               int level) {
  OrgUnit ou;
  do {
    ou.id = make_uid(options_.tree.seed * 1'000'003 + next_uid_++);
  } while (units_.count(ou.id));
  ou.code = code;
  ou.name = name;
  ou.parent = parent;
  ou.level = level;
  ou.last_updated_ms = clock_.now().count();
  std::string id = ou.id;
  units_.emplace(id, std::move(ou));
  return id;
}

void Emulator::seed_tree() {
  const TreeOptions& t = options_.tree;
  root_ = add_unit("Sierra Leone", "OU_525", "", 1);
  size_t code = 1000;
  for (size_t d = 0; d < t.districts; ++d) {
    std::string name = d < std::size(kDistricts) ? kDistricts[d] : "District " + std::to_string(d + 1);
    std::string district = add_unit(name, "OU_" + std::to_string(++code), root_, 2);
    for (size_t c = 0; c < t.chiefdoms_per_district; ++c) {
      std::string stem = kChiefdomStems[(d * t.chiefdoms_per_district + c + t.seed) % std::size(kChiefdomStems)];
      std::string chiefdom = add_unit(stem + " " + std::to_string(c + 1), "OU_" + std::to_string(++code), district, 3);
      for (size_t f = 0; f < t.facilities_per_chiefdom; ++f) {
        size_t k = d * 131 + c * 17 + f + t.seed;
        std::string fname = std::string(kPlaces[k % std::size(kPlaces)]) + " " +
                            kFacilityKinds[f % std::size(kFacilityKinds)] + " " + std::to_string(d + 1) +
                            std::to_string(c + 1) + std::to_string(f + 1);
        add_unit(fname, "OU_" + std::to_string(++code), chiefdom, 4);
      }
    }
  }
}

Result<size_t> Emulator::add_csd_facilities(const std::filesystem::path& csd_file) {
  MHERO_ASSIGN_OR_RETURN(auto doc, registry::parse_csd_file(csd_file, registry::PhoneNormalizer("LR")));
  registry::DistrictRules rules;
  std::unordered_map<std::string, const registry::FacilityRecord*> facilities;
  std::unordered_map<std::string, const registry::OrganizationRecord*> organizations;
  for (const auto& f : doc.facilities) facilities[f.entity_id] = &f;
  for (const auto& o : doc.organizations) organizations[o.entity_id] = &o;
  registry::DistrictResolver resolver(rules, facilities, organizations);
  std::lock_guard lock(mu_);
  size_t added = 0;
  for (const auto& f : doc.facilities) {
    std::string district_code = resolver.facility_district(f.entity_id);
    if (district_code.empty()) {
      return invalid_argument(csd_file.string() + ": facility " + f.entity_id + " has no district");
    }
    std::string district, chiefdom;
    for (const auto& [id, ou] : units_) {
      if (ou.code == district_code && ou.level == 2) district = id;
    }
    if (district.empty()) district = add_unit("District " + district_code, district_code, root_, 2);
    std::string chiefdom_code = district_code + "-CH";
    for (const auto& [id, ou] : units_) {
      if (ou.code == chiefdom_code) chiefdom = id;
    }
    if (chiefdom.empty()) chiefdom = add_unit(district_code + " Chiefdom", chiefdom_code, district, 3);
    if (!uid_of_code_locked(f.entity_id).empty()) continue;
    add_unit(f.name.empty() ? f.entity_id : f.name, f.entity_id, chiefdom, 4);
    ++added;
  }
  return added;
}

std::string Emulator::uid_of_code_locked(const std::string& code) const {
  for (const auto& [id, ou] : units_) {
    if (ou.code == code) return id;
  }
  return {};
}

void Emulator::add_data_element(const std::string& uid, const std::string& name) {
  std::lock_guard lock(mu_);
  data_elements_[uid] = name;
}

std::map<std::string, std::string> Emulator::data_elements() const {
  std::lock_guard lock(mu_);
  return data_elements_;
}

void Emulator::add_category_option_combo(const std::string& uid) {
  std::lock_guard lock(mu_);
  combos_.insert(uid);
}

void Emulator::close_period(const std::string& period) {
  std::lock_guard lock(mu_);
  closed_periods_.insert(period);
}

void Emulator::set_user_org_units(std::vector<std::string> uids) {
  std::lock_guard lock(mu_);
  user_units_ = std::move(uids);
}

std::map<std::string, OrgUnit> Emulator::org_units() const {
  std::lock_guard lock(mu_);
  return units_;
}

std::string Emulator::uid_of_code(const std::string& code) const {
  std::lock_guard lock(mu_);
  return uid_of_code_locked(code);
}

Status Emulator::move(const std::string& uid, const std::string& new_parent) {
  std::lock_guard lock(mu_);
  auto it = units_.find(uid);
  auto parent = units_.find(new_parent);
  if (it == units_.end() || parent == units_.end()) return not_found("no org unit " + uid + " or " + new_parent);
  it->second.parent = new_parent;
  it->second.level = parent->second.level + 1;
  it->second.last_updated_ms = clock_.now().count();
  return {};
}

Status Emulator::rename(const std::string& uid, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = units_.find(uid);
  if (it == units_.end()) return not_found("no org unit " + uid);
  it->second.name = name;
  it->second.last_updated_ms = clock_.now().count();
  return {};
}

Status Emulator::set_attribute(const std::string& uid, const std::string& attribute, const std::string& value) {
  std::lock_guard lock(mu_);
  auto it = units_.find(uid);
  if (it == units_.end()) return not_found("no org unit " + uid);
  it->second.attributes[attribute] = value;
  it->second.last_updated_ms = clock_.now().count();
  return {};
}

std::vector<DataValue> Emulator::values() const {
  std::lock_guard lock(mu_);
  std::vector<DataValue> out;
  for (const auto& k : value_order_) {
    if (auto it = values_.find(k); it != values_.end()) out.push_back(it->second);
  }
  return out;
}

size_t Emulator::imports() const {
  std::lock_guard lock(mu_);
  return imports_;
}

size_t Emulator::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}

void Emulator::fail_next(int status, std::string body, size_t skip) {
  std::lock_guard lock(mu_);
  fault_ = net::HttpResponse::json(status, std::move(body));
  fault_skip_ = skip;
}

bool Emulator::authenticated(const net::HttpRequest& request) const {
  auto auth = request.header("Authorization");
  if (!auth) return false;
  if (*auth == integrations::basic_auth_header(options_.username, options_.password)) return true;
  return !options_.token.empty() && *auth == "ApiToken " + options_.token;
}

std::string Emulator::path_of(const std::string& uid) const {
  std::vector<std::string> chain;
  std::string cur = uid;
  for (int guard = 0; !cur.empty() && guard < 64; ++guard) {
    chain.push_back(cur);
    auto it = units_.find(cur);
    cur = it == units_.end() ? std::string() : it->second.parent;
  }
  std::string path;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) path += "/" + *it;
  return path;
}

bool Emulator::in_user_hierarchy(const std::string& uid) const {
  std::string path = path_of(uid) + "/";
  for (const auto& u : user_units_) {
    if (path.find("/" + u + "/") != std::string::npos) return true;
  }
  return false;
}

json Emulator::render(const OrgUnit& ou, const std::vector<std::string>& fields) const {
  json j = json::object();
  for (const auto& raw : fields) {
    std::string f = raw;
    std::vector<std::string> sub;
    if (size_t b = f.find('['); b != std::string::npos) {
      sub = split_fields(f.substr(b + 1, f.size() - b - 2));
      f = f.substr(0, b);
    }
    if (f == "id") j["id"] = ou.id;
    if (f == "code" && !ou.code.empty()) j["code"] = ou.code;
    if (f == "name" || f == "displayName" || f == "shortName") j[f] = ou.name;
    if (f == "level") j["level"] = ou.level;
    if (f == "path") j["path"] = path_of(ou.id);
    if (f == "lastUpdated") j["lastUpdated"] = dhis2_time(ou.last_updated_ms);
    if (f == "parent" && !ou.parent.empty()) {
      auto it = units_.find(ou.parent);
      j["parent"] = it == units_.end() ? json{{"id", ou.parent}} : render(it->second, sub.empty() ? std::vector<std::string>{"id"} : sub);
    }
    if (f == "attributeValues") {
      j["attributeValues"] = json::array();
      for (const auto& [a, v] : ou.attributes) j["attributeValues"].push_back({{"attribute", {{"id", a}}}, {"value", v}});
    }
    if (f == "children") {
      j["children"] = json::array();
      for (const auto& [id, c] : units_) {
        if (c.parent == ou.id) j["children"].push_back({{"id", id}});
      }
    }
  }
  return j;
}

net::HttpResponse Emulator::handle(const net::HttpRequest& request) {
  {
    std::lock_guard lock(mu_);
    if (fault_) {
      if (fault_skip_ == 0) {
        auto r = std::move(*fault_);
        fault_.reset();
        return r;
      }
      --fault_skip_;
    }
    if (!authenticated(request)) {
      ++refused_;
      auto r = web_message(401, "Unauthorized", "Unauthorized");
      r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"DHIS2\"");
      return r;
    }
  }
  std::string path = request.path();
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) path.resize(path.size() - 5);
  if (path == "/api/organisationUnits" && request.method == "GET") {
    std::lock_guard lock(mu_);
    return list_org_units(request);
  }
  if (path == "/api/dataValueSets" && request.method == "POST") {
    std::lock_guard lock(mu_);
    return import_values(request);
  }
  if (path == "/api/dataValueSets" && request.method == "GET") {
    std::lock_guard lock(mu_);
    return list_values(request);
  }
  if (path == "/api/me" && request.method == "GET") {
    std::lock_guard lock(mu_);
    json units = json::array();
    for (const auto& u : user_units_) units.push_back({{"id", u}});
    return net::HttpResponse::json(
        200, json{{"id", "M5zQapPyTZI"}, {"username", options_.username}, {"organisationUnits", units}}.dump());
  }
  return web_message(404, "Not Found", "No endpoint " + request.method + " " + request.path());
}

net::HttpResponse Emulator::list_org_units(const net::HttpRequest& request) const {
  std::vector<std::string> fields = {"id", "displayName"};
  bool paging = true;
  size_t page = 1, page_size = options_.default_page_size;
  std::vector<std::function<bool(const OrgUnit&)>> filters;
  for (const auto& [key, value] : request.query()) {
    if (key == "fields") {
      fields = split_fields(value);
      if (std::find(fields.begin(), fields.end(), ":all") != fields.end() ||
          std::find(fields.begin(), fields.end(), "*") != fields.end()) {
        fields = {"id", "code", "name", "displayName", "level", "path", "parent", "lastUpdated", "attributeValues",
                  "children"};
      }
    } else if (key == "paging") {
      paging = value != "false";
    } else if (key == "page" || key == "pageSize") {
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end || n < 1) {
        return web_message(400, "Bad Request", "Invalid " + key + ": `" + value + "`");
      }
      (key == "page" ? page : page_size) = static_cast<size_t>(n);
    } else if (key == "level") {
      int level = std::atoi(value.c_str());
      filters.push_back([level](const OrgUnit& ou) { return ou.level == level; });
    } else if (key == "filter") {
      size_t a = value.find(':');
      size_t b = a == std::string::npos ? std::string::npos : value.find(':', a + 1);
      if (b == std::string::npos) {
        return web_message(400, "Bad Request", "Invalid filter expression: `" + value + "`");
      }
      std::string prop = value.substr(0, a), op = value.substr(a + 1, b - a - 1), arg = value.substr(b + 1);
      bool ok = true;
      if (prop == "lastUpdated") {
        auto t = parse_dhis2_time(arg);
        if (!t) return web_message(400, "Bad Request", "Invalid date format '" + arg + "'");
        compare(0, op, 0, &ok);
        int64_t at = *t;
        filters.push_back([at, op](const OrgUnit& ou) {
          bool fine = true;
          return compare(ou.last_updated_ms, op, at, &fine);
        });
      } else if (prop == "level") {
        int64_t level = std::atoll(arg.c_str());
        compare(0, op, 0, &ok);
        filters.push_back([level, op](const OrgUnit& ou) {
          bool fine = true;
          return compare(ou.level, op, level, &fine);
        });
      } else if (prop == "id" || prop == "code" || prop == "parent.id") {
        if (op != "eq" && op != "in") ok = false;
        auto wanted = op == "in" ? in_list(arg) : std::vector<std::string>{arg};
        filters.push_back([prop, wanted](const OrgUnit& ou) {
          const std::string& v = prop == "id" ? ou.id : prop == "code" ? ou.code : ou.parent;
          return std::find(wanted.begin(), wanted.end(), v) != wanted.end();
        });
      } else if (prop == "path") {
        if (op != "like") ok = false;
        filters.push_back([this, arg](const OrgUnit& ou) { return path_of(ou.id).find(arg) != std::string::npos; });
      } else {
        return web_message(400, "Bad Request", "Unknown path property: " + prop);
      }
      if (!ok) return web_message(400, "Bad Request", "Unsupported operator `" + op + "` for property " + prop);
    }
  }
  std::vector<const OrgUnit*> hits;
  for (const auto& [id, ou] : units_) {
    bool keep = true;
    for (const auto& f : filters) keep = keep && f(ou);
    if (keep) hits.push_back(&ou);
  }
  json out = json::object();
  size_t begin = 0, end = hits.size();
  if (paging) {
    size_t page_count = hits.empty() ? 1 : (hits.size() + page_size - 1) / page_size;
    json pager = {{"page", page}, {"pageCount", page_count}, {"total", hits.size()}, {"pageSize", page_size}};
    if (page < page_count) {
      net::QueryParams q;
      for (const auto& [k, v] : request.query()) {
        if (k != "page") q.emplace_back(k, v);
      }
      q.emplace_back("page", std::to_string(page + 1));
      std::string host = request.header("Host").value_or("localhost");
      pager["nextPage"] = "http://" + host + "/api/organisationUnits?" + net::build_query(q);
    }
    out["pager"] = pager;
    begin = std::min(hits.size(), (page - 1) * page_size);
    end = std::min(hits.size(), begin + page_size);
  }
  out["organisationUnits"] = json::array();
  for (size_t i = begin; i < end; ++i) out["organisationUnits"].push_back(render(*hits[i], fields));
  return net::HttpResponse::json(200, out.dump());
}

}  // namespace mhero::dhis2_emulator
