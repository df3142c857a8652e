// The RapidPro API v2 client used by the dispatcher and the response poller: base URL + token,
// JSON bodies, `next` pagination, and the retry policy:
//  - 429: wait Retry-After (seconds) and retry, for GET and POST alike (RapidPro refused it);
//  - GET on 5xx / timeout / connection failure: retry with exponential backoff;
//  - POST on 5xx / timeout: NOT retried here (RapidPro may have acted on it) -> unavailable;
//    the dispatcher reconciles before sending again.
// Waiting goes through an injected `sleep` so tests advance a ManualClock instead of sleeping; a
// stop signal (set_stop_signal: `mhero run`'s SIGTERM) ends every wait and retry at once.
// Not thread-safe (one HttpClient inside).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_client.h"
#include "util/status.h"
#include "util/stop_signal.h"

namespace mhero {

namespace ops {
class Metrics;
}

/// The [rapidpro] table of config.toml.
struct RapidProConfig {
  std::string url;                       // Base URL, e.g. "https://rapidpro.example.org".
  std::string token;                     // API token (sent as "Authorization: Token …").
  std::chrono::milliseconds timeout{30'000};        // timeout_ms: one HTTP request.
  std::chrono::milliseconds poll_interval{60'000};  // poll_interval_ms: response polling period.
  int max_attempts = 5;                             // max_attempts_count: per call, 5xx/timeouts.
  std::chrono::milliseconds backoff_initial{1'000};  // backoff_initial_ms, doubled per attempt.
  std::chrono::milliseconds backoff_max{60'000};     // backoff_max_ms.
  int max_throttle_waits = 50;                       // max_throttle_waits_count: 429s per call.
  std::string ca_file;                               // ca_file: PEM CA to trust instead of system's.
};

/// A completed POST: RapidPro answered with a status code (2xx or 4xx other than 429).
struct RapidProReply {
  int status = 0;
  nlohmann::json body;   // Parsed JSON (null when the body was not JSON).
  std::string error;     // For 4xx: RapidPro's error text flattened ("flow: No such object: x").
  bool ok() const { return status >= 200 && status < 300; }
};

/// "field: message; field.0: message" from a RapidPro 400 body (or the raw text).
std::string rapidpro_error_text(const std::string& body);

/// One page of a RapidPro API v2 list endpoint: {"next": URL or null, "results": [...]}.
struct RapidProPage {
  std::vector<nlohmann::json> results;
  std::string next;  // The next page's URL; empty on the last page.
};

/// Parses a 2xx response body (pure; what get() and list_all() do with the bytes). `where`
/// ("GET URL") leads errors. Errors: unavailable "<where>: response is not JSON".
Result<nlohmann::json> parse_rapidpro_json(std::string_view body, const std::string& where);

/// The results and next link of a list page. A "next" that is not a string ends the listing.
/// Errors: unavailable "<where>: no results list in the response".
Result<RapidProPage> rapidpro_page(const nlohmann::json& page, const std::string& where);

class RapidProClient {
 public:
  using Sleep = std::function<void(std::chrono::milliseconds)>;
  /// `sleep` defaults to std::this_thread::sleep_for (or the stop signal's wait, below).
  explicit RapidProClient(RapidProConfig config, Sleep sleep = nullptr);

  /// Before use: watch `stop` (not owned; must outlive the client; nullptr = none). Once it is
  /// requested, no new request starts and no backoff is waited out: each call then fails at once
  /// with unavailable "…: not tried (again): this node is stopping". A request already on the
  /// wire is let finish (at most timeout_ms): a POST's fate must not be cut halfway.
  void set_stop_signal(const StopSignal* stop) { stop_ = stop; }

  /// GET /api/v2/<endpoint>?params, e.g. get("runs.json", {{"after", t}}). Returns the JSON body
  /// of a 2xx. Errors: unavailable (network/5xx after retries, or throttled too long),
  /// failed_precondition (401/403/4xx: RapidPro refused; message has its error text).
  Result<nlohmann::json> get(const std::string& endpoint, const net::QueryParams& params = {});
  /// Follows `next` links from the first page; calls fn(result) for every item.
  Status list_all(const std::string& endpoint, const net::QueryParams& params,
                  const std::function<Status(const nlohmann::json&)>& fn);
  /// POST /api/v2/<endpoint>?params with a JSON body. Returns the reply for 2xx and 4xx.
  /// Errors: unavailable (network, timeout, 5xx, throttled too long): RapidPro may or may not
  /// have acted on it.
  Result<RapidProReply> post(const std::string& endpoint, const nlohmann::json& body,
                             const net::QueryParams& params = {});

  /// Waits `d` (backoff between reconciliations) through the injected sleep, or the stop
  /// signal's wait. Returns false, at once or early, when this node is stopping.
  bool wait(std::chrono::milliseconds d);
  /// The stop signal was requested: the caller gives up rather than call again.
  bool stopping() const { return stop_ && stop_->requested(); }

  /// Before use: record each HTTP request's duration and outcome in `metrics` (not owned; must
  /// outlive the client; nullptr = not recorded): mhero_rapidpro_request_duration_seconds and
  /// mhero_rapidpro_requests_total, by endpoint ("broadcasts.json"), method and HTTP code.
  void set_metrics(ops::Metrics* metrics) { metrics_ = metrics; }

  /// Every HTTP request made from now on is reported to `observer` (net::HttpClient::set_observer).
  void set_observer(net::HttpObserver observer) { http_.set_observer(std::move(observer)); }

  /// HTTP requests made (including retries), for the benchmark.
  size_t calls() const { return calls_; }
  const RapidProConfig& config() const { return config_; }

 private:
  Result<net::HttpResponse> send(const std::string& method, const std::string& url, const std::string& body,
                                 bool retry_unavailable);
  std::string url_for(const std::string& endpoint, const net::QueryParams& params) const;

  RapidProConfig config_;
  Sleep sleep_;  // Injected by tests; empty: sleep_for, or the stop signal's wait.
  const StopSignal* stop_ = nullptr;
  net::HttpClient http_;
  size_t calls_ = 0;
  ops::Metrics* metrics_ = nullptr;
};

}  // namespace mhero
