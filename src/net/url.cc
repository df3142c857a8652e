#include "net/url.h"

#include <algorithm>
#include <charconv>

namespace mhero::net {

std::string Url::origin() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

std::string redact_url(std::string_view text) {
  auto sep = text.find("://");
  size_t start = sep == std::string_view::npos ? 0 : sep + 3;
  size_t end = text.find_first_of("/?#", start);
  std::string_view authority = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(text);
  return std::string(text.substr(0, start)) + "***@" + std::string(text.substr(start + at + 1));
}

Result<Url> parse_url(std::string_view text) {
  Url url;
  const std::string shown = redact_url(text);
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return invalid_argument("URL '" + shown + "': missing scheme://");
  url.scheme = std::string(text.substr(0, sep));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (url.scheme != "http" && url.scheme != "https") {
    return invalid_argument("URL '" + shown + "': scheme must be http or https");
  }
  std::string_view rest = text.substr(sep + 3);
  auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (url.target.front() == '?') url.target = "/" + url.target;
  if (authority.find('@') != std::string_view::npos) {
    return invalid_argument("URL '" + shown + "': user-info is not supported (give the user name and password in their own config keys)");
  }
  if (auto hash = url.target.find('#'); hash != std::string::npos) url.target.resize(hash);
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return invalid_argument("URL '" + shown + "': unclosed [");
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return invalid_argument("URL '" + shown + "': bad host");
      port_text = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return invalid_argument("URL '" + shown + "': empty host");
  url.port = url.tls() ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return invalid_argument("URL '" + shown + "': bad port '" + std::string(port_text) + "'");
    }
    url.port = static_cast<uint16_t>(value);
  }
  return url;
}

std::string join_url(std::string_view base, std::string_view path) {
  std::string out(base);
  while (!out.empty() && out.back() == '/') out.pop_back();
  if (!path.empty() && path.front() != '/') out += '/';
  out += path;
  return out;
}

std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string url_decode(std::string_view text) {
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() &&
               nib(text[i + 1]) >= 0 && nib(text[i + 2]) >= 0) {
      out += static_cast<char>(nib(text[i + 1]) * 16 + nib(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

QueryParams parse_query(std::string_view query) {
  QueryParams out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(url_decode(part), "");
    } else {
      out.emplace_back(url_decode(part.substr(0, eq)), url_decode(part.substr(eq + 1)));
    }
  }
  return out;
}

std::string build_query(const QueryParams& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += url_encode(k) + "=" + url_encode(v);
  }
  return out;
}

}  // namespace mhero::net
