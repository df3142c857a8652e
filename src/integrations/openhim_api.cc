#include "integrations/openhim_api.h"

#include <sodium.h>

#include <cstdio>
#include <ctime>

#include "integrations/openinfoman_pull.h"

namespace mhero::integrations {

using nlohmann::json;

namespace {

net::HttpClientOptions client_options(const OpenHimConfig& config) {
  net::HttpClientOptions o;
  o.timeout = std::chrono::seconds(15);
  if (!config.ca_file.empty()) o.ca_file = config.ca_file;
  return o;
}

std::string sha512_hex(const std::string& text) {
  unsigned char digest[crypto_hash_sha512_BYTES];
  crypto_hash_sha512(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) out += {hex[c >> 4], hex[c & 15]};
  return out;
}

// JavaScript's new Date().toISOString(): "2026-12-02T13:44:34.123Z".
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

// "%3A"-escapes the urn for a path segment (core unescape()s it).
std::string escape_segment(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

Status reply_status(const std::string& what, const net::HttpResponse& r) {
  if (r.status >= 200 && r.status < 300) return Status();
  std::string text = what + ": OpenHIM answered " + std::to_string(r.status) + (r.body.empty() ? "" : " (" + r.body.substr(0, 200) + ")");
  if (r.status == 401 || r.status == 403) return permission_denied(text + "; check [openhim] username, password and auth");
  if (r.status == 404) return not_found(text);
  if (r.status >= 400 && r.status < 500) return invalid_argument(text);
  return unavailable(text);
}

}  // namespace

OpenHimApi::OpenHimApi(OpenHimConfig config) : config_(std::move(config)), http_(client_options(config_)) {}

Result<net::HttpHeaders> OpenHimApi::auth_headers() {
  if (config_.auth == OpenHimAuth::basic) {
    return net::HttpHeaders{{"Authorization", basic_auth_header(config_.username, config_.password)}};
  }
  MHERO_ASSIGN_OR_RETURN(auto r, http_.get(config_.url + "/authenticate/" + escape_segment(config_.username)));
  if (Status s = reply_status("GET /authenticate", r); !s.ok()) return s;
  json body = json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("salt") || !body["salt"].is_string()) {
    return unavailable("GET /authenticate: OpenHIM's reply has no salt");
  }
  std::string salt = body["salt"];
  std::string ts = iso_now();
  std::string passhash = sha512_hex(salt + config_.password);
  return net::HttpHeaders{{"auth-username", config_.username},
                          {"auth-ts", ts},
                          {"auth-salt", salt},
                          {"auth-token", sha512_hex(passhash + salt + ts)}};
}

Result<net::HttpResponse> OpenHimApi::call(const std::string& method, const std::string& path, const std::string& body) {
  std::lock_guard lock(mu_);
  MHERO_ASSIGN_OR_RETURN(auto headers, auth_headers());
  headers.emplace_back("Content-Type", "application/json");
  return http_.request(method, config_.url + path, headers, body);
}

Status OpenHimApi::register_mediator(const json& mediator) {
  MHERO_ASSIGN_OR_RETURN(auto r, call("POST", "/mediators", mediator.dump()));
  return reply_status("POST /mediators", r);
}

Status OpenHimApi::install_channels(const json& names) {
  MHERO_ASSIGN_OR_RETURN(auto r, call("POST", "/mediators/" + escape_segment(config_.mediator_urn) + "/channels", names.dump()));
  return reply_status("POST /mediators/{urn}/channels", r);
}

Result<std::optional<json>> OpenHimApi::heartbeat(double uptime_seconds, bool want_config) {
  json body = {{"uptime", uptime_seconds}};
  if (want_config) body["config"] = true;
  MHERO_ASSIGN_OR_RETURN(auto r, call("POST", "/mediators/" + escape_segment(config_.mediator_urn) + "/heartbeat", body.dump()));
  if (Status s = reply_status("POST /mediators/{urn}/heartbeat", r); !s.ok()) return s;
  bool blank = r.body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank || r.body == "OK") return std::optional<json>();
  json config = json::parse(r.body, nullptr, false);
  if (!config.is_object()) return invalid_argument("heartbeat reply is neither empty nor a JSON object: " + r.body.substr(0, 100));
  return std::optional<json>(std::move(config));
}

Status OpenHimApi::put_transaction(const std::string& id, const json& update) {
  MHERO_ASSIGN_OR_RETURN(auto r, call("PUT", "/transactions/" + escape_segment(id), update.dump()));
  return reply_status("PUT /transactions/" + id, r);
}

}  // namespace mhero::integrations
