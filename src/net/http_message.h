// Plain HTTP/1.1 request and response values shared by our client, server and emulators. No
// Beast types leak through these headers.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/url.h"
#include "util/status.h"

namespace mhero::net {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// The value of the first header named `name` (case-insensitive), if any.
std::optional<std::string> find_header(const HttpHeaders& headers, std::string_view name);

struct HttpRequest {
  std::string method = "GET";  // "GET", "POST", ...
  std::string target = "/";    // Origin-form: path and query.
  HttpHeaders headers;
  std::string body;
  /// Set by HttpServer: the peer's IP address as text ("127.0.0.1", "::1"); empty elsewhere.
  std::string remote_address;

  /// The path part of `target` (before '?').
  std::string path() const;
  /// Decoded query parameters of `target`, in order.
  QueryParams query() const;
  /// The first query parameter named `key`, if any.
  std::optional<std::string> query_param(std::string_view key) const;
  std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }
};

/// A response body produced piece by piece while it is sent (HttpServer: `Transfer-Encoding:
/// chunked`), so a large export never sits in memory whole. next() runs on the connection's
/// thread, one call at a time, until it returns false; the object lives until the response is
/// sent or the connection closes.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  /// Appends the next piece to `out` (which is empty) and returns true, or returns false when
  /// the body is complete. An error closes the connection without the last chunk, so the client
  /// sees an incomplete body rather than a silently short one.
  virtual Result<bool> next(std::string& out) = 0;
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
  /// When set, HttpServer sends `body` (if any) and then the stream's pieces, chunked.
  std::shared_ptr<BodyStream> stream;

  std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }

  /// A response with Content-Type: application/json.
  static HttpResponse json(int status, std::string body);
  /// A response with Content-Type: text/plain.
  static HttpResponse text(int status, std::string body);
};

}  // namespace mhero::net
