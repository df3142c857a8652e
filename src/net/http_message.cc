#include "net/http_message.h"

#include <strings.h>

namespace mhero::net {

std::optional<std::string> find_header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

std::string HttpRequest::path() const { return target.substr(0, target.find('?')); }

QueryParams HttpRequest::query() const {
  auto q = target.find('?');
  if (q == std::string::npos) return {};
  return parse_query(std::string_view(target).substr(q + 1));
}

std::optional<std::string> HttpRequest::query_param(std::string_view key) const {
  for (auto& [k, v] : query()) {
    if (k == key) return v;
  }
  return std::nullopt;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  return HttpResponse{status, {{"Content-Type", "application/json"}}, std::move(body), nullptr};
}

HttpResponse HttpResponse::text(int status, std::string body) {
  return HttpResponse{status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::move(body), nullptr};
}

}  // namespace mhero::net
