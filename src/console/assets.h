// The console's static assets (CSS, JS), embedded in the binary at build time by
// src/console/embed_assets.py from src/console/assets/. Each is served under a content-hashed
// path ("/assets/console.<16 hex>.css") with `Cache-Control: public, max-age=31536000,
// immutable`, an ETag (the same hash) and, when the client accepts it, the gzip copy.
#pragma once

#include <span>
#include <string_view>

#include "net/http_message.h"

namespace mhero::console {

struct Asset {
  std::string_view name;          // Source file name, e.g. "console.css".
  std::string_view path;          // Served path, e.g. "/assets/console.0123456789abcdef.css".
  std::string_view content_type;  // e.g. "text/css; charset=utf-8".
  std::string_view etag;          // Quoted hash, e.g. "\"0123456789abcdef\"".
  std::string_view bytes;         // The file as written.
  std::string_view gzip;          // gzip -9 of it (RFC 1952).
};

/// Every embedded asset (static storage; never freed).
std::span<const Asset> embedded_assets();

/// The served path of asset `name` ("console.css"); asserts that it is embedded.
std::string_view asset_path(std::string_view name);

/// The asset served at `path`, or nullptr.
const Asset* find_asset(std::string_view path);

/// The response for `asset` to `request`: 304 when If-None-Match names its ETag, else 200 with
/// the gzip copy when Accept-Encoding allows gzip (Vary: Accept-Encoding), else the bytes.
net::HttpResponse asset_response(const Asset& asset, const net::HttpRequest& request);

}  // namespace mhero::console
