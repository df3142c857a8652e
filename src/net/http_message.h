// Plain HTTP/1.1 request and response values shared by our client, server and emulators. No
// Beast types leak through these headers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/url.h"

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

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;

  std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }

  /// A response with Content-Type: application/json.
  static HttpResponse json(int status, std::string body);
  /// A response with Content-Type: text/plain.
  static HttpResponse text(int status, std::string body);
};

}  // namespace mhero::net
