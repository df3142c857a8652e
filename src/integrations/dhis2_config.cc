#include "integrations/dhis2_config.h"

#include <fstream>

#include "integrations/openinfoman_pull.h"  // basic_auth_header

namespace mhero::integrations {

namespace {

Result<std::string> read_secret(const std::filesystem::path& path, const char* key) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return not_found("config [dhis2] " + std::string(key) + ": cannot read " + path.string());
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  if (line.empty()) return invalid_argument("config [dhis2] " + std::string(key) + ": " + path.string() + " is empty");
  return line;
}

}  // namespace

std::string dhis2_brief(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    return " (" + j["message"].get<std::string>().substr(0, 200) + ")";
  }
  return {};
}

bool Dhis2Config::configured(const NodeConfig& config) { return !string_or(config.table, "dhis2", "url", "").empty(); }

Result<Dhis2Config> Dhis2Config::from(const NodeConfig& config, const std::filesystem::path& node_dir) {
  const auto& t = config.table;
  Dhis2Config c;
  c.url = string_or(t, "dhis2", "url", "");
  if (c.url.empty()) return invalid_argument("config [dhis2] url is not set (e.g. \"https://dhis2.example.org\")");
  while (!c.url.empty() && c.url.back() == '/') c.url.pop_back();
  if (c.url.size() >= 4 && c.url.compare(c.url.size() - 4, 4, "/api") == 0) c.url.resize(c.url.size() - 4);
  auto resolve = [&](const std::string& p) { return std::filesystem::path(p).is_absolute() ? std::filesystem::path(p) : node_dir / p; };
  c.username = string_or(t, "dhis2", "username", "");
  std::string password_file = string_or(t, "dhis2", "password_file", "");
  std::string token_file = string_or(t, "dhis2", "token_file", "");
  if (!token_file.empty()) {
    MHERO_ASSIGN_OR_RETURN(c.token, read_secret(resolve(token_file), "token_file"));
  } else if (!c.username.empty() && !password_file.empty()) {
    MHERO_ASSIGN_OR_RETURN(c.password, read_secret(resolve(password_file), "password_file"));
  } else {
    return invalid_argument("config [dhis2]: set token_file (a personal access token) or username and password_file");
  }
  c.ca_file = string_or(t, "dhis2", "ca_file", "");
  if (!c.ca_file.empty()) c.ca_file = resolve(c.ca_file).string();
  c.district_level = static_cast<int>(int_or(t, "dhis2", "district_level", 2));
  c.facility_level = static_cast<int>(int_or(t, "dhis2", "facility_level", 4));
  if (c.facility_level <= c.district_level) {
    return invalid_argument("config [dhis2] facility_level (" + std::to_string(c.facility_level) +
                            ") must be deeper than district_level (" + std::to_string(c.district_level) + ")");
  }
  std::string match = string_or(t, "dhis2", "match", "code");
  if (match == "code") {
    c.match.kind = Dhis2Match::Kind::code;
  } else if (match == "id") {
    c.match.kind = Dhis2Match::Kind::id;
  } else if (match.rfind("attribute:", 0) == 0 && match.size() > 10) {
    c.match.kind = Dhis2Match::Kind::attribute;
    c.match.attribute = match.substr(10);
  } else {
    return invalid_argument("config [dhis2] match: '" + match + "' is not code, attribute:<uid> or id");
  }
  c.page_count = static_cast<size_t>(int_or(t, "dhis2", "page_count", 100));
  c.timeout = std::chrono::milliseconds(int_or(t, "dhis2", "timeout_ms", 60000));
  c.overlap = std::chrono::milliseconds(int_or(t, "dhis2", "overlap_ms", 300000));
  std::string mapping = string_or(t, "dhis2", "mapping_file", "");
  if (!mapping.empty()) c.mapping_file = resolve(mapping);
  c.push_interval = std::chrono::milliseconds(int_or(t, "dhis2", "push_interval_ms", 0));
  return c;
}

std::string Dhis2Config::authorization() const {
  if (!token.empty()) return "ApiToken " + token;
  return basic_auth_header(username, password);
}

net::HttpClientOptions Dhis2Config::http_options() const {
  net::HttpClientOptions o;
  o.timeout = timeout;
  if (!ca_file.empty()) o.ca_file = ca_file;
  return o;
}

Result<nlohmann::json> dhis2_get_json(net::HttpClient& http, const Dhis2Config& config, const std::string& url) {
  MHERO_ASSIGN_OR_RETURN(auto r, http.get(url, {{"Authorization", config.authorization()}, {"Accept", "application/json"}}));
  std::string code = "HTTP " + std::to_string(r.status) + dhis2_brief(r.body);
  if (r.status == 401 || r.status == 403) {
    return permission_denied("DHIS2 refused " + url + " (" + code +
                             "); check [dhis2] username/password_file or token_file");
  }
  if (r.status == 404) return not_found("DHIS2 has no " + url + " (" + code + "); check [dhis2] url");
  if (r.status >= 500) return unavailable("DHIS2 answered " + code + " for " + url + "; try again later");
  if (r.status != 200) return invalid_argument("DHIS2 answered " + code + " for " + url);
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return invalid_argument("DHIS2's answer to " + url + " is not JSON");
  return j;
}

}  // namespace mhero::integrations
