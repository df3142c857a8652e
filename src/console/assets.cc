#include "console/assets.h"

#include <cassert>

namespace mhero::console {

std::string_view asset_path(std::string_view name) {
  for (const Asset& a : embedded_assets()) {
    if (a.name == name) return a.path;
  }
  assert(false && "asset not embedded");
  return "/";
}

const Asset* find_asset(std::string_view path) {
  for (const Asset& a : embedded_assets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

namespace {

// True when an Accept-Encoding value lists gzip without q=0 (RFC 9110 12.5.3).
bool accepts_gzip(std::string_view value) {
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t end = value.find(',', pos);
    if (end == std::string_view::npos) end = value.size();
    std::string_view item = value.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.starts_with("gzip") || item.starts_with("*")) {
      size_t q = item.find("q=");
      if (q == std::string_view::npos) return true;
      std::string_view qv = item.substr(q + 2);
      return !(qv.starts_with("0") && qv.find_first_of("123456789") == std::string_view::npos);
    }
    pos = end + 1;
  }
  return false;
}

}  // namespace

net::HttpResponse asset_response(const Asset& asset, const net::HttpRequest& request) {
  net::HttpResponse r;
  r.headers = {{"Cache-Control", "public, max-age=31536000, immutable"},
               {"ETag", std::string(asset.etag)},
               {"Vary", "Accept-Encoding"}};
  auto match = request.header("If-None-Match");
  if (match && match->find(asset.etag) != std::string::npos) {
    r.status = 304;
    return r;
  }
  r.headers.emplace_back("Content-Type", std::string(asset.content_type));
  auto encodings = request.header("Accept-Encoding");
  if (encodings && accepts_gzip(*encodings)) {
    r.headers.emplace_back("Content-Encoding", "gzip");
    r.body = std::string(asset.gzip);
  } else {
    r.body = std::string(asset.bytes);
  }
  return r;
}

}  // namespace mhero::console
