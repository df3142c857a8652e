// The OpenHIM emulator's API: authentication, mediators, heartbeats, channels, transactions
// (emulator.h). Polling and routing are in emulator_router.cc.
#include "emulator.h"

#include <sodium.h>

#include <cstdio>

#include "integrations/openinfoman_pull.h"
#include "registry/datetime.h"

namespace mhero::openhim_emulator {

using nlohmann::json;

namespace {

net::HttpResponse json_reply(int status, const json& body) { return net::HttpResponse::json(status, body.dump()); }

// "%2F"-style escapes in a path segment (core unescape()s the urn).
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      unsigned v = 0;
      if (std::sscanf(s.substr(i + 1, 2).c_str(), "%2x", &v) == 1) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(unescape(path.substr(i, j - i)));
    i = j + 1;
  }
  return parts;
}

// semver x.y.z (a pre-release or build suffix is accepted and ignored when comparing).
std::optional<std::array<long, 3>> semver(const json& v) {
  if (!v.is_string()) return std::nullopt;
  std::array<long, 3> out{};
  char rest = 0;
  std::string s = v.get<std::string>();
  int n = std::sscanf(s.c_str(), "%ld.%ld.%ld%c", &out[0], &out[1], &out[2], &rest);
  if (n < 3 || (n == 4 && rest != '-' && rest != '+')) return std::nullopt;
  return out;
}

// Core validateConfigField / validateConfig: "" when valid, else the message.
std::string check_field(const std::string& param, const json& def, const json& field) {
  std::string type = def.value("type", "");
  if ((type == "string" || type == "bigstring" || type == "password") && !field.is_string()) {
    return "Expected config param " + param + " to be a string.";
  }
  if (type == "number" && !field.is_number()) return "Expected config param " + param + " to be a number.";
  if (type == "bool" && !field.is_boolean()) return "Expected config param " + param + " to be a boolean.";
  if (type == "option") {
    const json& values = def.contains("values") ? def["values"] : json::array();
    if (std::find(values.begin(), values.end(), field) == values.end()) {
      return "Expected config param " + param + " to be one of " + values.dump();
    }
  }
  if (type == "struct") {
    if (!field.is_object()) return "Expected config param " + param + " to be an object.";
    const json templates = def.value("template", json::array());
    for (const auto& [name, value] : field.items()) {
      const json* sub = nullptr;
      for (const json& t : templates) {
        if (t.value("param", "") == name) sub = &t;
      }
      if (!sub) return "Field " + name + " is not defined in template definition for config param " + param + ".";
      if (std::string e = check_field(param + "." + name, *sub, value); !e.empty()) return e;
    }
  }
  return "";
}

std::string check_config(const json& defs, const json& config) {
  if (!config.is_object()) return "config must be an object";
  for (const auto& [param, value] : config.items()) {
    const json* def = nullptr;
    for (const json& d : defs) {
      if (d.value("param", "") == param) def = &d;
    }
    if (!def) return "No config definition found for parameter " + param;
    if (std::string e = check_field(param, *def, value); !e.empty()) return e;
  }
  return "";
}

void mask_passwords(const json& defs, json& config) {
  if (!config.is_object()) return;
  for (const json& d : defs) {
    std::string param = d.value("param", "");
    if (!config.contains(param)) continue;
    if (d.value("type", "") == "password") config[param] = "**********";
    if (d.value("type", "") == "struct") mask_passwords(d.value("template", json::array()), config[param]);
  }
}

}  // namespace

std::string iso_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string sha512_hex(const std::string& text) {
  unsigned char digest[crypto_hash_sha512_BYTES];
  crypto_hash_sha512(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) out += {hex[c >> 4], hex[c & 15]};
  return out;
}

net::HttpHeaders legacy_auth_headers(const std::string& email, const std::string& password, const std::string& salt,
                                     const std::string& ts) {
  std::string passhash = sha512_hex(salt + password);
  return {{"auth-username", email}, {"auth-ts", ts}, {"auth-salt", salt}, {"auth-token", sha512_hex(passhash + salt + ts)}};
}

Emulator::Emulator(EmulatorOptions options) : options_(std::move(options)) {}

Emulator::~Emulator() {
  stop_scheduler();
  std::vector<std::thread> background;
  {
    std::lock_guard lock(mu_);
    background.swap(background_);
  }
  for (auto& t : background) t.join();
}

bool Emulator::authenticated(const net::HttpRequest& request) const {
  if (auto basic = request.header("Authorization")) {
    return *basic == integrations::basic_auth_header(options_.email, options_.password);
  }
  auto user = request.header("auth-username");
  auto ts = request.header("auth-ts");
  auto salt = request.header("auth-salt");
  auto token = request.header("auth-token");
  if (!user || !ts || !salt || !token || user->empty() || ts->empty() || salt->empty() || token->empty()) return false;
  auto when = registry::parse_xsd_datetime(*ts);
  if (!when) return false;
  auto now = std::chrono::system_clock::now();
  if (*when < now - options_.auth_window - std::chrono::seconds(1) || *when > now + options_.auth_window) return false;
  if (*user != options_.email) return false;
  std::string password_hash = sha512_hex(options_.salt + options_.password);
  return *token == sha512_hex(password_hash + *salt + *ts);
}

net::HttpResponse Emulator::handle(const net::HttpRequest& request) {
  std::vector<std::string> parts = split_path(request.path());
  if (request.method == "GET" && parts.size() == 2 && parts[0] == "authenticate") {
    if (parts[1] != options_.email) return net::HttpResponse::text(404, "Could not find user by email " + parts[1]);
    return json_reply(200, {{"salt", options_.salt}, {"ts", iso_now()}});
  }
  if (!authenticated(request)) {
    std::lock_guard lock(mu_);
    ++refused_;
    return net::HttpResponse::text(401, "");
  }
  json body;
  if (!request.body.empty()) {
    body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) return net::HttpResponse::text(400, "Request body is not JSON");
  }
  const std::string& m = request.method;
  if (parts.size() == 1 && parts[0] == "mediators" && m == "POST") return register_mediator(body);
  if (parts.size() == 2 && parts[0] == "mediators" && m == "GET") {
    std::lock_guard lock(mu_);
    auto it = mediators_.find(parts[1]);
    if (it == mediators_.end()) return net::HttpResponse::text(404, "");
    json doc = it->second.doc;
    if (doc.contains("config")) mask_passwords(doc.value("configDefs", json::array()), doc["config"]);
    return json_reply(200, doc);
  }
  if (parts.size() == 3 && parts[0] == "mediators" && parts[2] == "heartbeat" && m == "POST") {
    return heartbeat(parts[1], body);
  }
  if (parts.size() == 3 && parts[0] == "mediators" && parts[2] == "channels" && m == "POST") {
    return install_channels(parts[1], body);
  }
  if (parts.size() == 3 && parts[0] == "mediators" && parts[2] == "config" && m == "PUT") {
    Status s = set_config(parts[1], body);
    if (s.code() == StatusCode::not_found) return net::HttpResponse::text(404, "No mediator found for this urn.");
    if (!s.ok()) return net::HttpResponse::text(400, s.message());
    return net::HttpResponse::text(200, "");
  }
  if (parts.size() == 1 && parts[0] == "channels" && m == "GET") return json_reply(200, channels());
  if (parts.size() == 3 && parts[0] == "channels" && parts[2] == "trigger" && m == "POST") {
    return trigger_channel(parts[1]);
  }
  if (parts.size() == 1 && parts[0] == "transactions" && m == "GET") return json_reply(200, transactions());
  if (parts.size() == 2 && parts[0] == "transactions" && m == "GET") {
    json t = transaction(parts[1]);
    return t.is_null() ? net::HttpResponse::text(404, "") : json_reply(200, t);
  }
  if (parts.size() == 2 && parts[0] == "transactions" && m == "PUT") return update_transaction(parts[1], body);
  return net::HttpResponse::text(404, "Not Found");
}

net::HttpResponse Emulator::register_mediator(const json& mediator) {
  if (!mediator.is_object() || !mediator.contains("urn") || !mediator["urn"].is_string() ||
      mediator["urn"].get<std::string>().empty()) {
    return net::HttpResponse::text(400, "Could not add Mediator via the API: ValidationError: URN is required");
  }
  auto version = semver(mediator.value("version", json()));
  if (!version) {
    return net::HttpResponse::text(
        400, "Could not add Mediator via the API: ValidationError: Version is required. Must be in SemVer form x.y.z");
  }
  if (mediator.contains("configDefs") && mediator.contains("config")) {
    if (std::string e = check_config(mediator["configDefs"], mediator["config"]); !e.empty()) {
      return net::HttpResponse::text(400, "Could not add Mediator via the API: ValidationError: " + e);
    }
  }
  std::string urn = mediator["urn"];
  std::lock_guard lock(mu_);
  auto it = mediators_.find(urn);
  if (it != mediators_.end()) {
    if (*version > *semver(it->second.doc["version"])) {
      json updated = mediator;
      if (updated.contains("config") && it->second.doc.contains("config")) {
        for (auto& [param, value] : updated["config"].items()) {
          if (it->second.doc["config"].contains(param)) value = it->second.doc["config"][param];
        }
      }
      it->second.doc = updated;
    }
  } else {
    if (!mediator.contains("endpoints") || !mediator["endpoints"].is_array() || mediator["endpoints"].empty()) {
      return net::HttpResponse::text(400, "Could not add Mediator via the API: ValidationError: At least 1 endpoint is required");
    }
    mediators_[urn].doc = mediator;
  }
  ++registrations_;
  return net::HttpResponse::text(201, "");
}

net::HttpResponse Emulator::heartbeat(const std::string& urn, const json& body) {
  std::lock_guard lock(mu_);
  auto it = mediators_.find(urn);
  if (it == mediators_.end()) return net::HttpResponse::text(404, "");
  if (!body.is_object() || !body.contains("uptime") || body["uptime"].is_null()) return net::HttpResponse::text(400, "");
  Mediator& med = it->second;
  bool send = med.config_modified > med.last_heartbeat || body.value("config", json()) == json(true);
  med.last_heartbeat = std::chrono::system_clock::now();
  ++med.heartbeats;
  if (send) return json_reply(200, med.doc.value("config", json::object()));
  return net::HttpResponse::text(200, "");
}

Status Emulator::set_config(const std::string& urn, const json& config) {
  std::lock_guard lock(mu_);
  auto it = mediators_.find(urn);
  if (it == mediators_.end()) return not_found("No mediator found for this urn.");
  if (std::string e = check_config(it->second.doc.value("configDefs", json::array()), config); !e.empty()) {
    return invalid_argument(e);
  }
  it->second.doc["config"] = config;
  it->second.config_modified = std::chrono::system_clock::now();
  return Status();
}

net::HttpResponse Emulator::install_channels(const std::string& urn, const json& names) {
  std::lock_guard lock(mu_);
  auto it = mediators_.find(urn);
  if (it == mediators_.end()) return net::HttpResponse::text(404, "No mediator found for this urn.");
  json defaults = it->second.doc.value("defaultChannelConfig", json::array());
  std::vector<json> chosen;
  for (const json& c : defaults) {
    bool wanted = !names.is_array() || names.empty() ||
                  std::find(names.begin(), names.end(), c.value("name", "")) != names.end();
    if (wanted) chosen.push_back(c);
  }
  if (names.is_array() && !names.empty() && chosen.size() < names.size()) {
    return net::HttpResponse::text(400, "Could not load mediator default channel config, one or more channels in the "
                                        "request body not found in the mediator config (urn: " + urn + ")");
  }
  for (json c : chosen) {
    c["_id"] = new_id();
    channels_.push_back(std::move(c));
  }
  return net::HttpResponse::text(201, "");
}

net::HttpResponse Emulator::update_transaction(const std::string& id, const json& body) {
  if (!body.is_object()) return net::HttpResponse::text(400, "Request body is not an object");
  std::lock_guard lock(mu_);
  for (json& t : transactions_) {
    if (t["_id"] != id) continue;
    for (const auto& [key, value] : body.items()) {
      if (key == "$push" && value.is_object()) {
        for (const auto& [field, item] : value.items()) {
          if (!t.contains(field) || !t[field].is_array()) t[field] = json::array();
          t[field].push_back(item);
        }
      } else if (key == "status" || key == "response" || key == "orchestrations" || key == "properties" ||
                 key == "error") {
        t[key] = value;  // Mongoose keeps schema fields only (x-mediator-urn is not one).
      }
    }
    t["_updates"] = t.value("_updates", 0) + 1;
    return net::HttpResponse::text(200, "Transaction with ID: " + id + " successfully updated");
  }
  return net::HttpResponse::text(404, "Could not find transaction with ID: " + id);
}

std::string Emulator::new_id() {
  char buf[25];
  std::snprintf(buf, sizeof buf, "5f%014llx%08llx", static_cast<unsigned long long>(std::chrono::duration_cast<std::chrono::seconds>(
                                                        std::chrono::system_clock::now().time_since_epoch()).count()),
                static_cast<unsigned long long>(next_id_++));
  return std::string(buf, 24);
}

json Emulator::transactions() const {
  std::lock_guard lock(mu_);
  return json(transactions_);
}

json Emulator::transaction(const std::string& id) const {
  std::lock_guard lock(mu_);
  for (const json& t : transactions_) {
    if (t["_id"] == id) return t;
  }
  return nullptr;
}

json Emulator::mediator(const std::string& urn) const {
  std::lock_guard lock(mu_);
  auto it = mediators_.find(urn);
  return it == mediators_.end() ? json() : it->second.doc;
}

json Emulator::channels() const {
  std::lock_guard lock(mu_);
  return json(channels_);
}

size_t Emulator::heartbeats(const std::string& urn) const {
  std::lock_guard lock(mu_);
  auto it = mediators_.find(urn);
  return it == mediators_.end() ? 0 : it->second.heartbeats;
}

size_t Emulator::registrations() const {
  std::lock_guard lock(mu_);
  return registrations_;
}

size_t Emulator::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}

void Emulator::set_router_timeout(std::chrono::milliseconds timeout) {
  std::lock_guard lock(mu_);
  options_.router_timeout = timeout;
}

}  // namespace mhero::openhim_emulator
