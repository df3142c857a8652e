#include "console/router.h"

#include <cassert>

#include "console/context.h"
#include "net/url.h"

namespace mhero::console {

std::string PageRequest::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

bool PageRequest::audit(std::string_view action, std::string_view object, std::string_view outcome) {
  return console.audit(user ? user->name : "", action, object, outcome, http.remote_address);
}

void Router::add(std::string method, std::string pattern, StaffRole need, PageHandler handler) {
  assert(method == "GET" || method == "POST");
  routes_.push_back(Route{std::move(method), std::move(pattern), need, std::move(handler)});
}

void Router::add_public(std::string method, std::string pattern, PageHandler handler) {
  assert(method == "GET" || method == "POST");
  routes_.push_back(Route{std::move(method), std::move(pattern), std::nullopt, std::move(handler)});
}

void Router::add_nav(std::string label, std::string path, StaffRole need, std::string description) {
  nav_.push_back(NavItem{std::move(label), std::move(path), need, std::move(description)});
}

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 1;  // Skip the leading '/'.
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool matches(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
  if (pattern == path) return true;
  auto want = segments(pattern), have = segments(path);
  if (want.size() != have.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      if (have[i].empty()) return false;
      found[std::string(want[i].substr(1, want[i].size() - 2))] = net::url_decode(have[i]);
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  if (path.empty() || path.front() != '/') return m;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (!matches(r.pattern, path, params)) continue;
    if (r.method != method) {
      m.other_method = true;
      continue;
    }
    m.route = &r;
    m.params = std::move(params);
    m.other_method = false;
    return m;
  }
  return m;
}

}  // namespace mhero::console
