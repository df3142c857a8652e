#include "integrations/openhim_orchestration.h"

#include <cstdio>
#include <ctime>
#include <regex>

#include "net/url.h"

namespace mhero::integrations {

using nlohmann::json;

std::string iso_time(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string scrub_body(const std::string& text, size_t limit) {
  static const std::regex tel(R"(tel:\+?[0-9][0-9 \-]*[0-9])");
  static const std::regex plus(R"(\+[0-9][0-9 \-]{6,18}[0-9])");
  static const std::regex digits(R"(\b[0-9]{9,15}\b)");
  static const std::regex xml_name(
      R"(<((?:[A-Za-z_][\w.-]*:)?(?:forename|surname|commonName|otherName|honorific|suffix))\b([^>]*)>[^<]*</\1>)");
  static const std::regex json_name(R"x("name"\s*:\s*"(?:[^"\\]|\\.)*")x");
  std::string s = std::regex_replace(text, xml_name, "<$1$2>[name]</$1>");
  s = std::regex_replace(s, json_name, "\"name\":\"[name]\"");
  s = std::regex_replace(s, tel, "tel:[phone]");
  s = std::regex_replace(s, plus, "[phone]");
  s = std::regex_replace(s, digits, "[phone]");
  if (s.size() > limit) {
    size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // Keep UTF-8 whole.
    s = s.substr(0, cut) + "…[truncated]";
  }
  return s;
}

json orchestration(const net::HttpExchange& e) {
  std::string path = "/", query, host;
  if (auto url = net::parse_url(e.url); url.ok()) {
    size_t q = url->target.find('?');
    path = url->target.substr(0, q);
    if (q != std::string::npos) query = url->target.substr(q + 1);
    host = url->host;
  }
  std::string name;
  size_t csr = path.find("/careServicesRequest/");
  if (csr != std::string::npos) {
    std::string function = path.substr(path.rfind(':') + 1);
    name = "OpenInfoMan " + function;
  } else if (path.find("/api/v2/") != std::string::npos) {
    name = "RapidPro " + e.method + " " + path.substr(path.find("/api/v2/") + 8);
  } else {
    name = e.method + " " + host + path;
  }
  json request_headers = json::object();
  if (e.request_headers) {
    for (const auto& [k, v] : *e.request_headers) {
      std::string lower;
      for (char c : k) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower != "authorization") request_headers[k] = v;
    }
  }
  json o = {{"name", name},
            {"request",
             {{"method", e.method},
              {"path", path},
              {"querystring", scrub_body(query, 500)},
              {"headers", request_headers},
              {"body", e.request_body ? scrub_body(*e.request_body) : ""},
              {"timestamp", iso_time(e.started)}}}};
  if (e.response) {
    json headers = json::object();
    if (auto type = e.response->header("Content-Type")) headers["content-type"] = *type;
    o["response"] = {{"status", e.response->status},
                     {"headers", headers},
                     {"body", scrub_body(e.response->body)},
                     {"timestamp", iso_time(e.finished)}};
  } else {
    o["response"] = {{"status", 0}, {"body", scrub_body(e.error, 500)}, {"timestamp", iso_time(e.finished)}};
    o["error"] = {{"message", scrub_body(e.error, 500)}};
  }
  return o;
}

net::HttpObserver OrchestrationLog::observer() {
  return [this](const net::HttpExchange& e) {
    json o = orchestration(e);
    std::lock_guard lock(mu_);
    if (list_.size() >= kMaxOrchestrations) {
      ++dropped_;
    } else {
      list_.push_back(std::move(o));
    }
  };
}

json OrchestrationLog::list() const {
  std::lock_guard lock(mu_);
  return list_;
}

size_t OrchestrationLog::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

}  // namespace mhero::integrations
