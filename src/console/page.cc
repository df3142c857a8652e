#include "console/page.h"

#include "console/assets.h"
#include "console/context.h"
#include "net/url.h"
#include "util/clock.h"

namespace mhero::console {

namespace {

void header(Html& h, const PageRequest& req) {
  Node& node = req.console.node();
  const NodeConfig& config = node.config();
  std::string id = node.id().hex();
  h.open("header", {{"class", "top"}});
  h.link("/", "mHero console", {{"class", "brand"}});
  h.open("span", {{"class", "node"}});
  h.text(config.role == Role::central ? "Central node" : "District node " + config.district);
  h.text(" · node ");
  h.el("code", id.substr(0, 16), {{"title", id}});
  h.close("span");
  if (req.user) {
    h.open("div", {{"class", "who"}});
    h.el("span", req.user->name + " (" + staff_role_name(req.user->role) + ")", {{"id", "current-user"}});
    h.open("form", {{"method", "post"}, {"action", "/logout"}, {"id", "logout-form"}});
    h.append(csrf_field(req));
    h.el("button", "Log out", {{"type", "submit"}, {"id", "logout"}});
    h.close("form").close("div");
  }
  h.close("header");
}

void nav(Html& h, const PageRequest& req) {
  if (!req.user) return;
  std::string path = req.http.path();
  h.open("nav", {{"class", "sections"}, {"aria-label", "Sections"}}).open("ul");
  for (const NavItem& item : req.console.router().nav()) {
    if (!role_allows(req.user->role, item.need)) continue;
    bool here = item.path == "/" ? path == "/" : path == item.path || path.starts_with(item.path + "/");
    h.open("li");
    if (here) {
      h.link(item.path, item.label, {{"aria-current", "page"}});
    } else {
      h.link(item.path, item.label);
    }
    h.close("li");
  }
  h.close("ul").close("nav");
}

}  // namespace

net::HttpResponse html_page(const PageRequest& req, std::string_view title, const Html& body, int status,
                            std::span<const std::string_view> extra_assets) {
  Html h;
  h.literal("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
  h.empty("meta", {{"name", "viewport"}, {"content", "width=device-width, initial-scale=1"}});
  h.el("title", std::string(title) + " · mHero console");
  h.empty("link", {{"rel", "stylesheet"}, {"href", asset_path("console.css")}});
  h.open("script", {{"src", asset_path("console.js")}, {"defer", Html::kBare}}).close("script");
  for (std::string_view name : extra_assets) {
    if (name.ends_with(".css")) {
      h.empty("link", {{"rel", "stylesheet"}, {"href", asset_path(name)}});
    } else {
      h.open("script", {{"src", asset_path(name)}, {"defer", Html::kBare}}).close("script");
    }
  }
  h.literal("</head><body>");
  h.link("#main", "Skip to main content", {{"class", "skip"}});
  header(h, req);
  nav(h, req);
  h.open("main", {{"id", "main"}, {"tabindex", "-1"}});
  h.el("h1", title);
  h.append(body);
  h.close("main");
  h.literal("</body></html>\n");
  net::HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "text/html; charset=utf-8"}};
  r.body = std::move(h).str();
  return r;
}

net::HttpResponse error_page(const PageRequest& req, int status, std::string_view title, std::string_view what,
                             std::string_view advice) {
  Html b;
  b.open("div", {{"class", "notice bad"}, {"role", "alert"}, {"id", "error"}});
  b.open("p").prose(what).close("p");
  b.open("p", {{"id", "error-advice"}}).prose(advice).close("p");
  b.close("div");
  b.open("p").link(req.user ? "/" : "/login", req.user ? "Back to the overview" : "Go to the login page");
  b.close("p");
  return html_page(req, title, b, status);
}

net::HttpResponse redirect(std::string_view location) {
  net::HttpResponse r;
  r.status = 303;
  r.headers = {{"Location", std::string(location)}, {"Content-Type", "text/plain; charset=utf-8"}};
  r.body = "See " + std::string(location) + "\n";
  return r;
}

Html csrf_field(const PageRequest& req) {
  Html h;
  h.empty("input", {{"type", "hidden"}, {"name", "csrf"}, {"value", req.csrf_token}});
  return h;
}

std::string display_time(int64_t ms) {
  if (ms == 0) return "never";
  std::string iso = iso_time_ms(ms);  // 2026-11-30T19:12:00Z
  iso[10] = ' ';
  iso.pop_back();
  return iso + " UTC";
}

std::string with_query(std::string_view path,
                       std::initializer_list<std::pair<std::string_view, std::string>> params) {
  net::QueryParams q;
  for (const auto& [k, v] : params) {
    if (!v.empty()) q.emplace_back(std::string(k), v);
  }
  std::string out(path);
  if (!q.empty()) out += "?" + net::build_query(q);
  return out;
}

}  // namespace mhero::console
