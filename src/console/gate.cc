#include "console/gate.h"

#include <spdlog/spdlog.h>

#include "console/assets.h"
#include "console/page.h"
#include "net/url.h"

namespace mhero::console {

std::string cookie_value(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view item = header.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.size() > name.size() && item.starts_with(name) && item[name.size()] == '=') {
      return std::string(item.substr(name.size() + 1));
    }
    pos = end + 1;
  }
  return "";
}

namespace {

void add_security_headers(net::HttpResponse& r, bool tls, bool cacheable) {
  r.headers.emplace_back("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  if (tls) r.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
  if (!cacheable) r.headers.emplace_back("Cache-Control", "no-store");
}

// Why a POST is refused as cross-origin, or "" when it may proceed.
std::string origin_problem(const net::HttpRequest& req, bool tls) {
  auto site = req.header("Sec-Fetch-Site");
  if (site && (*site == "cross-site" || *site == "same-site")) return "Sec-Fetch-Site: " + *site;
  auto origin = req.header("Origin");
  if (!origin) return "";
  auto host = req.header("Host");
  std::string ours = std::string(tls ? "https://" : "http://") + host.value_or("");
  if (!host || *origin != ours) return "Origin " + *origin + " is not " + ours;
  return "";
}

std::string login_target(const net::HttpRequest& req, bool ended) {
  std::string target = req.target == "/" ? "" : req.target;
  return with_query("/login", {{"next", target}, {"ended", ended ? "1" : ""}});
}

}  // namespace

net::HttpResponse Gate::handle(const net::HttpRequest& request) {
  net::HttpResponse r;
  try {
    r = route(request);
  } catch (const std::exception& e) {
    spdlog::error("console: {} {} failed: {}", request.method, request.path(), e.what());
    PageRequest req{request, context_, {}, {}, {}, {}};
    r = error_page(req, 500, "Something went wrong", "The server could not build this page.",
                   "Try again in a minute. If it keeps happening, tell the node's administrator; the "
                   "server log has the details.");
  }
  add_security_headers(r, context_.tls(), request.path().starts_with("/assets/"));
  return r;
}

net::HttpResponse Gate::route(const net::HttpRequest& http) {
  PageRequest req{http, context_, {}, {}, {}, {}};
  std::string path = http.path();
  std::string what = http.method + " " + path;
  if (http.method != "GET" && http.method != "POST") {
    auto r = error_page(req, 405, "Method not allowed", "This console answers GET and POST only.",
                        "Use the links and buttons of the pages.");
    r.headers.emplace_back("Allow", "GET, POST");
    return r;
  }
  if (http.method == "GET") {
    if (const Asset* asset = find_asset(path)) return asset_response(*asset, http);
    if (path == "/favicon.ico") return net::HttpResponse{204, {{"Cache-Control", "public, max-age=86400"}}, "", nullptr};
  }

  // Session (read for every route, so public pages can show who is signed in).
  std::string token = cookie_value(http.header("Cookie").value_or(""), context_.cookie_name());
  bool had_cookie = !token.empty();
  std::optional<Session> session;
  if (had_cookie) session = context_.sessions().touch(token);
  if (session) {
    auto account = context_.users().find(session->user);
    if (!account.ok()) return error_page(req, 503, "The account store cannot be read", account.status().message(),
                                         "Try again in a minute; tell the node's administrator if it persists.");
    // An account changed since this login (password, role, disabled; by the console or by
    // `mhero console user …`, which ends no in-memory session itself) ends the session.
    if (!*account || (*account)->disabled || (*account)->changed_ms > session->created_ms) {
      context_.sessions().end(token);
      session.reset();
    } else {
      req.user = CurrentUser{(*account)->name, (*account)->role};
      req.csrf_token = session->csrf;
    }
  }

  Router::Match match = router_.match(http.method, path);
  if (!match.route) {
    if (match.other_method) {
      auto r = error_page(req, 405, "Method not allowed", "This address does not accept " + http.method + ".",
                          "Use the links and buttons of the pages.");
      r.headers.emplace_back("Allow", http.method == "GET" ? "POST" : "GET");
      return r;
    }
    return error_page(req, 404, "Page not found", "There is no page at " + path + ".",
                      "Check the address, or start again from the overview.");
  }
  req.params = std::move(match.params);
  const Route& route = *match.route;

  if (http.method == "POST") {
    std::string problem = origin_problem(http, context_.tls());
    if (!problem.empty()) {
      (void)req.audit("csrf_refused", what, "refused: " + problem);
      return error_page(req, 403, "Request refused", "This form was sent from another web site (" + problem + ").",
                        "Open the console directly (type its address) and send the form from there.");
    }
  }
  if (route.need) {
    if (!req.user) {
      if (http.method == "GET") return redirect(login_target(http, had_cookie));
      return error_page(req, 401, "Please log in again", "Your session has ended, so the form was not sent.",
                        "Log in again, then repeat what you were doing.");
    }
    if (!role_allows(req.user->role, *route.need)) {
      (void)req.audit("access_denied", what, std::string("denied: needs ") + staff_role_name(*route.need));
      return error_page(req, 403, "Not allowed",
                        std::string("This needs the ") + staff_role_name(*route.need) + " role; you are " +
                            staff_role_name(req.user->role) + ".",
                        "Ask an administrator of this node if you need it.");
    }
  }
  if (http.method == "POST") {
    auto type = http.header("Content-Type").value_or("");
    if (!type.starts_with("application/x-www-form-urlencoded")) {
      return error_page(req, 415, "Unsupported form", "The request was not an HTML form (Content-Type " +
                        (type.empty() ? std::string("missing") : type) + ").", "Send the form from the console's page.");
    }
    auto form = parse_form(http.body);
    if (!form.ok()) {
      return error_page(req, 400, "The form could not be read", form.status().message() + ".",
                        "Reload the page and send the form again.");
    }
    req.form = std::move(form).value();
    if (route.need) {
      auto sent = req.form.get("csrf");
      if (!sent || !equal_constant_time(*sent, req.csrf_token)) {
        (void)req.audit("csrf_refused", what, sent ? "refused: wrong token" : "refused: missing token");
        return error_page(req, 403, "Form expired", "The form's security token is missing or out of date.",
                          "Reload the page, then send the form again.");
      }
    }
  }
  return route.handler(req);
}

}  // namespace mhero::console
