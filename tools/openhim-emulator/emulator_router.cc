// The OpenHIM emulator's polling channels: schedules, the router's GET to each route, and what
// the core stores from the reply (emulator.h; core src/polling.js, src/middleware/router.js,
// src/middleware/messageStore.js).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <regex>

#include "emulator.h"
#include "integrations/openinfoman_pull.h"
#include "net/http_client.h"

namespace mhero::openhim_emulator {

using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

// One cron field ("*", "*/5", "7", "7,13", "1-5", "0-30/10") matches `value`.
bool cron_field_matches(const std::string& field, int value, bool* ok) {
  size_t start = 0;
  bool any = false;
  while (start <= field.size()) {
    size_t comma = field.find(',', start);
    std::string item = field.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    int step = 1, lo = 0, hi = 1 << 20;
    size_t slash = item.find('/');
    if (slash != std::string::npos) {
      if (std::sscanf(item.c_str() + slash + 1, "%d", &step) != 1 || step <= 0) *ok = false;
      item = item.substr(0, slash);
    }
    if (item == "*") {
      any = any || (value - 0) % step == 0;
    } else if (std::sscanf(item.c_str(), "%d-%d", &lo, &hi) == 2) {
      any = any || (value >= lo && value <= hi && (value - lo) % step == 0);
    } else if (std::sscanf(item.c_str(), "%d", &lo) == 1 && item.find_first_not_of("0123456789") == std::string::npos) {
      any = any || value == lo;
    } else {
      *ok = false;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return any;
}

std::string truncate(std::string body, size_t limit) {
  if (body.size() > limit) body.resize(limit);
  return body;
}

void truncate_bodies(json& message, size_t limit) {
  if (message.is_object() && message.contains("body") && message["body"].is_string()) {
    message["body"] = truncate(message["body"].get<std::string>(), limit);
  }
}

json headers_json(const net::HttpHeaders& headers) {
  json out = json::object();
  for (const auto& [name, value] : headers) out[name] = value;
  return out;
}

}  // namespace

std::string js_date_string(Clock::time_point t) {
  std::time_t secs = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::strftime(buf, sizeof buf, "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)", &tm);
  return buf;
}

Result<Clock::time_point> next_run(const std::string& schedule, Clock::time_point after) {
  static const std::regex human(R"(^\s*(\d+)\s*(second|minute|hour|day)s?\s*$)");
  std::smatch m;
  if (std::regex_match(schedule, m, human)) {
    long n = std::stol(m[1]);
    std::string unit = m[2];
    std::chrono::seconds each = unit == "second" ? std::chrono::seconds(n)
                                : unit == "minute" ? std::chrono::minutes(n)
                                : unit == "hour" ? std::chrono::hours(n)
                                                 : std::chrono::hours(24 * n);
    if (each.count() <= 0) return invalid_argument("pollingSchedule \"" + schedule + "\": the interval must be > 0");
    return after + each;
  }
  std::vector<std::string> fields;
  std::string f;
  for (char c : schedule + " ") {
    if (c == ' ' || c == '\t') {
      if (!f.empty()) fields.push_back(f), f.clear();
    } else {
      f += c;
    }
  }
  if (fields.size() != 5) {
    return invalid_argument("pollingSchedule \"" + schedule + "\": expected \"N seconds|minutes|hours\" or 5 cron fields");
  }
  auto t = std::chrono::floor<std::chrono::minutes>(after) + std::chrono::minutes(1);
  for (int i = 0; i < 366 * 24 * 60; ++i, t += std::chrono::minutes(1)) {
    std::time_t secs = Clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    bool ok = true;
    bool match = cron_field_matches(fields[0], tm.tm_min, &ok) && cron_field_matches(fields[1], tm.tm_hour, &ok) &&
                 cron_field_matches(fields[2], tm.tm_mday, &ok) && cron_field_matches(fields[3], tm.tm_mon + 1, &ok) &&
                 cron_field_matches(fields[4], tm.tm_wday, &ok);
    if (!ok) return invalid_argument("pollingSchedule \"" + schedule + "\": a cron field is not *, */N, N, N-M or a list");
    if (match) return Clock::time_point(t);
  }
  return invalid_argument("pollingSchedule \"" + schedule + "\": never runs within a year");
}

std::optional<json> Emulator::find_channel(const std::string& name_or_id) const {
  std::lock_guard lock(mu_);
  for (const json& c : channels_) {
    if (c.value("name", "") == name_or_id || c.value("_id", "") == name_or_id) return c;
  }
  return std::nullopt;
}

Result<std::string> Emulator::run_channel(const std::string& name) {
  auto channel = find_channel(name);
  if (!channel) return not_found("no channel named " + name);
  auto started = Clock::now();
  std::string last_run_at = js_date_string(started);
  std::string id;
  std::chrono::milliseconds timeout;
  {
    std::lock_guard lock(mu_);
    id = new_id();
    timeout = options_.router_timeout;
    json t = {{"_id", id},
              {"channelID", (*channel)["_id"]},
              {"channelName", channel->value("name", "")},
              {"request",
               {{"path", "/trigger"},
                {"method", "GET"},
                {"headers", {{"channel-id", (*channel)["_id"]}, {"X-OpenHIM-LastRunAt", last_run_at}}},
                {"timestamp", iso_now()}}},
              {"status", "Processing"},
              {"orchestrations", json::array()},
              {"properties", json::object()}};
    transactions_.push_back(std::move(t));
  }
  for (const json& route : channel->value("routes", json::array())) {
    if (route.value("status", "enabled") != "enabled") continue;
    int port = route["port"].is_string() ? std::stoi(route["port"].get<std::string>()) : route.value("port", 80);
    std::string url = std::string(route.value("secured", false) ? "https://" : "http://") + route.value("host", "localhost") +
                      ":" + std::to_string(port) + route.value("path", "/");
    net::HttpHeaders headers = {{"channel-id", (*channel)["_id"].get<std::string>()},
                                {"X-OpenHIM-LastRunAt", last_run_at},
                                {"X-OpenHIM-TransactionID", id}};
    if (route.contains("username") && route["username"].is_string() && !route["username"].get<std::string>().empty()) {
      headers.emplace_back("Authorization",
                           integrations::basic_auth_header(route["username"], route.value("password", std::string())));
    }
    net::HttpClientOptions client_options;
    client_options.timeout = timeout;
    client_options.ca_file = options_.route_ca_file;
    net::HttpClient http(client_options);
    auto sent = Clock::now();
    auto reply = http.get(url, headers);
    if (!reply.ok() && Clock::now() - sent >= timeout - std::chrono::milliseconds(50)) {
      reply = unavailable("Request took longer than " + std::to_string(timeout.count()) + "ms");
    }
    store_route_reply(id, route, std::move(reply));
  }
  return id;
}

void Emulator::store_route_reply(const std::string& id, const json& route, Result<net::HttpResponse> reply) {
  std::lock_guard lock(mu_);
  json* t = nullptr;
  for (json& x : transactions_) {
    if (x["_id"] == id) t = &x;
  }
  if (!t) return;
  bool primary = route.value("primary", true);
  if (!reply.ok()) {
    (*t)["status"] = "Failed";
    (*t)["error"] = {{"message", reply.status().message()}};
    (*t)["response"] = {{"status", 500}, {"body", "An internal server error occurred"}, {"timestamp", iso_now()}};
    return;
  }
  const net::HttpResponse& r = *reply;
  std::string type = r.header("Content-Type").value_or("");
  if (type.rfind("application/json+openhim", 0) == 0) {
    json m = json::parse(r.body, nullptr, false);
    if (m.is_object()) {
      json response = m.value("response", json::object());
      truncate_bodies(response, options_.truncate_bytes);
      json orchestrations = m.value("orchestrations", json::array());
      for (json& o : orchestrations) {
        if (o.contains("request")) truncate_bodies(o["request"], options_.truncate_bytes);
        if (o.contains("response")) truncate_bodies(o["response"], options_.truncate_bytes);
      }
      if (primary) {
        (*t)["response"] = response;
        if (m.contains("status")) (*t)["status"] = m["status"];  // setFinalStatus: the mediator's wins.
        (*t)["properties"] = m.value("properties", json::object());
        (*t)["mediatorURN"] = m.value("x-mediator-urn", "");
      }
      for (json& o : orchestrations) (*t)["orchestrations"].push_back(std::move(o));
      return;
    }
  }
  if (primary) {
    (*t)["response"] = {{"status", r.status},
                        {"headers", headers_json(r.headers)},
                        {"body", truncate(r.body, options_.truncate_bytes)},
                        {"timestamp", iso_now()}};
    (*t)["status"] = r.status >= 500 ? "Failed" : r.status >= 400 ? "Completed" : "Successful";
  }
}

net::HttpResponse Emulator::trigger_channel(const std::string& channel_id) {
  if (!find_channel(channel_id)) return net::HttpResponse::text(404, "Channel not found");
  std::lock_guard lock(mu_);
  background_.emplace_back([this, channel_id] { (void)run_channel(channel_id); });
  return net::HttpResponse::text(200, "");
}

void Emulator::start_scheduler() {
  std::lock_guard lock(scheduler_mu_);
  if (scheduler_.joinable()) return;
  scheduler_stop_ = false;
  scheduler_ = std::thread([this] { scheduler_loop(); });
}

void Emulator::stop_scheduler() {
  {
    std::lock_guard lock(scheduler_mu_);
    scheduler_stop_ = true;
  }
  scheduler_cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
}

void Emulator::scheduler_loop() {
  std::map<std::string, Clock::time_point> next;  // Channel _id -> next start.
  std::unique_lock lock(scheduler_mu_);
  while (!scheduler_stop_) {
    scheduler_cv_.wait_for(lock, std::chrono::milliseconds(100));
    if (scheduler_stop_) break;
    lock.unlock();
    auto now = Clock::now();
    for (const json& c : channels()) {
      if (c.value("type", "") != "polling" || c.value("status", "enabled") != "enabled") continue;
      std::string id = c.value("_id", "");
      std::string schedule = c.value("pollingSchedule", "");
      auto it = next.find(id);
      if (it == next.end()) {
        auto first = next_run(schedule, now);
        if (first.ok()) next[id] = *first;
        continue;
      }
      if (now < it->second) continue;
      (void)run_channel(id);
      auto again = next_run(schedule, Clock::now());
      if (again.ok()) it->second = *again;
    }
    lock.lock();
  }
}

}  // namespace mhero::openhim_emulator
