// A synchronous HTTP/1.1 client (Boost.Beast) for the central node's integrations (RapidPro API v2,
// OpenInfoMan CSD). http:// and https:// (OpenSSL; the peer's certificate and host name are
// verified by default against the system store or a given CA file). One kept-alive connection per
// origin is reused across calls, so hundreds of calls cost one TCP/TLS handshake.
//
// Thread-safety: an HttpClient is NOT thread-safe; use one per thread. It owns a private
// io_context and never touches anyone else's.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/http_message.h"
#include "util/status.h"

namespace mhero::net {

struct HttpClientOptions {
  /// Default limit for one request (connect + TLS handshake + write + read) when a call gives none.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  /// When set, only this PEM CA file is trusted (e.g. a test or self-signed server's CA).
  std::optional<std::string> ca_file;
  /// Off only for local testing: accept any certificate. Never in production configs.
  bool verify_peer = true;
  /// Largest response body accepted, in bytes.
  size_t max_body_bytes = 64u << 20;
  /// Sent as User-Agent.
  std::string user_agent = "mhero-sync-node/0.1";
};

/// One request as an observer sees it (the OpenHIM mediator's orchestrations): what was asked,
/// what came back (`response` unset when the call failed: `error` says why), and when.
struct HttpExchange {
  std::string method, url;
  const HttpHeaders* request_headers = nullptr;  // Valid during the callback only.
  const std::string* request_body = nullptr;     // Valid during the callback only.
  const HttpResponse* response = nullptr;        // Valid during the callback only; null on error.
  std::string error;
  std::chrono::system_clock::time_point started, finished;
};
using HttpObserver = std::function<void(const HttpExchange&)>;

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Performs one request to an absolute URL. `headers` are sent as given (e.g.
  /// {"Authorization", "Token abc"}); Host, Content-Length and User-Agent are added.
  /// Returns the response for ANY status code (4xx/5xx are values the caller interprets).
  /// Errors: invalid_argument (bad URL, bad CA file); unavailable naming the URL when the
  /// connection is refused, DNS fails, TLS fails, the peer hangs up, or `timeout` elapses.
  /// A GET on a reused connection that the server had closed is retried once on a fresh
  /// connection; a POST is never replayed (its fate is unknown to us: callers reconcile).
  Result<HttpResponse> request(const std::string& method, const std::string& url,
                               const HttpHeaders& headers = {}, const std::string& body = {},
                               std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  Result<HttpResponse> get(const std::string& url, const HttpHeaders& headers = {},
                           std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    return request("GET", url, headers, {}, timeout);
  }
  Result<HttpResponse> post(const std::string& url, const std::string& body, const HttpHeaders& headers = {},
                            std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    return request("POST", url, headers, body, timeout);
  }

  /// Calls `observer` (in the calling thread) after each request() returns, with its outcome;
  /// an empty function stops observing.
  void set_observer(HttpObserver observer);

  /// Connections opened so far (1 for N calls to one origin when keep-alive works).
  size_t connections_opened() const;
  /// Closes the kept-alive connection, if any.
  void close();

 private:
  Result<HttpResponse> request_once(const std::string& method, const std::string& url, const HttpHeaders& headers,
                                    const std::string& body, std::optional<std::chrono::milliseconds> timeout);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  HttpObserver observer_;
};

}  // namespace mhero::net
