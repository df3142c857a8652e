// URLs and query strings for our HTTP clients (RFC 3986 subset: scheme://host[:port][/path][?query]).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace mhero::net {

struct Url {
  std::string scheme;  // "http" or "https" (lower case).
  std::string host;    // Host name or IP literal (IPv6 without brackets).
  uint16_t port = 0;   // Explicit port, or 80 / 443 by scheme.
  std::string target;  // Path and query, at least "/".

  bool tls() const { return scheme == "https"; }
  /// "http://host:port" (no target); the key under which a connection may be reused.
  std::string origin() const;
  /// The whole URL again.
  std::string to_string() const { return origin() + target; }
};

/// Parses an absolute http:// or https:// URL. Errors: invalid_argument naming the URL (its
/// user-info replaced by "***@", see redact_url) and what is wrong (scheme, empty host, bad port,
/// user-info present). No user-info, no fragments.
Result<Url> parse_url(std::string_view text);

/// `text` with any user-info ("user:password@" after "scheme://", or before the first '@' of the
/// authority when there is no scheme) replaced by "***@", for messages and logs. Unchanged when it
/// holds none.
std::string redact_url(std::string_view text);

/// Joins a base URL ("https://rp.example.org/" or ".../api") and a path ("/api/v2/x.json").
std::string join_url(std::string_view base, std::string_view path);

/// Percent-encodes everything except RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);
/// Decodes %XX and '+' (as space). Malformed escapes are kept literally.
std::string url_decode(std::string_view text);

using QueryParams = std::vector<std::pair<std::string, std::string>>;
/// Splits "a=1&b=x%20y" into decoded pairs, in order; keys without '=' get an empty value.
QueryParams parse_query(std::string_view query);
/// "a=1&b=x%20y" from pairs (encoded).
std::string build_query(const QueryParams& params);

}  // namespace mhero::net
