#include "integrations/rapidpro_client.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "ops/metrics.h"

namespace mhero {

using json = nlohmann::json;

namespace {

net::HttpClientOptions http_options(const RapidProConfig& c) {
  net::HttpClientOptions o;
  o.timeout = c.timeout;
  if (!c.ca_file.empty()) o.ca_file = c.ca_file;
  return o;
}

void flatten(const json& j, const std::string& prefix, std::string& out) {
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_array()) {
    for (auto& v : j) flatten(v, prefix, out);
  } else {
    if (!out.empty()) out += "; ";
    out += (prefix.empty() || prefix == "detail" ? "" : prefix + ": ") + (j.is_string() ? j.get<std::string>() : j.dump());
  }
}

}  // namespace

std::string rapidpro_error_text(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return body.substr(0, 200);
  std::string out;
  flatten(j, "", out);
  return out;
}

Result<json> parse_rapidpro_json(std::string_view body, const std::string& where) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return unavailable(where + ": response is not JSON");
  return j;
}

Result<RapidProPage> rapidpro_page(const json& page, const std::string& where) {
  if (!page.is_object() || !page.contains("results") || !page["results"].is_array()) {
    return unavailable(where + ": no results list in the response");
  }
  RapidProPage out;
  out.results.assign(page["results"].begin(), page["results"].end());
  if (page.contains("next") && page["next"].is_string()) out.next = page["next"].get<std::string>();
  return out;
}

RapidProClient::RapidProClient(RapidProConfig config, Sleep sleep)
    : config_(std::move(config)), sleep_(std::move(sleep)), http_(http_options(config_)) {}

bool RapidProClient::wait(std::chrono::milliseconds d) {
  if (stopping()) return false;
  if (sleep_) {
    sleep_(d);
  } else if (stop_) {
    stop_->wait_for(d);
  } else {
    std::this_thread::sleep_for(d);
  }
  return !stopping();
}

namespace {

// "broadcasts.json" from ".../api/v2/broadcasts.json?cursor=…": the label stays one of the
// API's few endpoints, never a query (which may carry a contact uuid or a cursor).
std::string endpoint_label(const std::string& url) {
  auto at = url.find("/api/v2/");
  if (at == std::string::npos) return "other";
  std::string rest = url.substr(at + 8);
  return rest.substr(0, rest.find_first_of("?#"));
}

void record_request(ops::Metrics* metrics, const std::string& method, const std::string& url,
                    const std::string& code, std::chrono::steady_clock::duration took) {
  if (!metrics) return;
  ops::Labels labels{{"endpoint", endpoint_label(url)}, {"method", method}};
  metrics->histogram("mhero_rapidpro_request_duration_seconds", "RapidPro API v2 request durations.", labels)
      .observe(std::chrono::duration<double>(took).count());
  labels.emplace_back("code", code);
  metrics->counter("mhero_rapidpro_requests_total", "RapidPro API v2 requests by HTTP code (\"error\": no answer).",
                   labels)
      .inc();
}

}  // namespace

std::string RapidProClient::url_for(const std::string& endpoint, const net::QueryParams& params) const {
  std::string url = net::join_url(config_.url, "/api/v2/" + endpoint);
  if (!params.empty()) url += "?" + net::build_query(params);
  return url;
}

Result<net::HttpResponse> RapidProClient::send(const std::string& method, const std::string& url,
                                               const std::string& body, bool retry_unavailable) {
  net::HttpHeaders headers{{"Authorization", "Token " + config_.token}, {"Accept", "application/json"}};
  if (method == "POST") headers.emplace_back("Content-Type", "application/json");
  auto backoff = config_.backoff_initial;
  int attempts = 0, throttled = 0;
  const std::string stopping_text = "this node is stopping (RapidPro is called again at its next start)";
  while (true) {
    if (stopping()) {
      return unavailable(method + " " + url + ": not tried" + (attempts + throttled > 0 ? " again" : "") + ": " +
                         stopping_text);
    }
    ++calls_;
    auto started = std::chrono::steady_clock::now();
    auto r = http_.request(method, url, headers, body);
    record_request(metrics_, method, url, r.ok() ? std::to_string(r->status) : "error",
                   std::chrono::steady_clock::now() - started);
    if (r.ok() && r->status == 429) {
      if (++throttled > config_.max_throttle_waits) return unavailable(method + " " + url + ": throttled (429) too long");
      long secs = 1;
      if (auto ra = r->header("Retry-After")) secs = std::max(0L, std::strtol(ra->c_str(), nullptr, 10));
      spdlog::info("rapidpro: 429 on {} {}, waiting {} s", method, url, secs);
      wait(std::chrono::seconds(secs));
      continue;  // The loop's first check answers a stop requested meanwhile.
    }
    bool transient = !r.ok() || r->status >= 500;
    if (!transient) return r;
    std::string why = r.ok() ? "HTTP " + std::to_string(r->status) : r.status().message();
    if (!retry_unavailable || ++attempts >= config_.max_attempts) {
      return unavailable(method + " " + url + ": " + why);
    }
    spdlog::warn("rapidpro: {} (attempt {}), retrying in {} ms", why, attempts, backoff.count());
    if (!wait(backoff)) return unavailable(method + " " + url + ": " + why + "; not tried again: " + stopping_text);
    backoff = std::min(backoff * 2, config_.backoff_max);
  }
}

Result<json> RapidProClient::get(const std::string& endpoint, const net::QueryParams& params) {
  std::string url = endpoint.starts_with("http") ? endpoint : url_for(endpoint, params);
  MHERO_ASSIGN_OR_RETURN(auto res, send("GET", url, "", true));
  if (res.status < 200 || res.status >= 300) {
    return failed_precondition("GET " + url + ": HTTP " + std::to_string(res.status) + ": " +
                               rapidpro_error_text(res.body));
  }
  return parse_rapidpro_json(res.body, "GET " + url);
}

Status RapidProClient::list_all(const std::string& endpoint, const net::QueryParams& params,
                                const std::function<Status(const json&)>& fn) {
  std::string next = url_for(endpoint, params);
  while (!next.empty()) {
    MHERO_ASSIGN_OR_RETURN(json body, get(next));
    MHERO_ASSIGN_OR_RETURN(RapidProPage page, rapidpro_page(body, "GET " + next));
    for (const auto& item : page.results) MHERO_RETURN_IF_ERROR(fn(item));
    next = std::move(page.next);
  }
  return {};
}

Result<RapidProReply> RapidProClient::post(const std::string& endpoint, const json& body,
                                           const net::QueryParams& params) {
  std::string url = url_for(endpoint, params);
  MHERO_ASSIGN_OR_RETURN(auto res, send("POST", url, body.dump(), false));
  RapidProReply reply;
  reply.status = res.status;
  reply.body = json::parse(res.body, nullptr, false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  if (!reply.ok()) reply.error = rapidpro_error_text(res.body);
  return reply;
}

}  // namespace mhero
