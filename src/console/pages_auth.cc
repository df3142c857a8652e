// /login and /logout: password check on the bounded pool, lockout, session start and end, all
// audited ("login", "login_failed", "logout").
#include <chrono>
#include <string>

#include "console/context.h"
#include "console/gate.h"
#include "console/page.h"
#include "console/pages.h"

namespace mhero::console {

namespace {

constexpr std::string_view kInvalid = "Invalid user name or password.";

// A local path to go to after login: "/…" but not "//…" (another host) and no backslash.
std::string safe_next(const std::string& next) {
  if (next.size() < 2 || next[0] != '/' || next[1] == '/' || next.find('\\') != std::string::npos) return "/";
  return next;
}

std::string cookie(const ConsoleContext& c, const std::string& value, bool clear) {
  std::string out = std::string(c.cookie_name()) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
  if (c.tls()) out += "; Secure";
  if (clear) out += "; Max-Age=0";
  return out;
}

net::HttpResponse login_form(const PageRequest& req, int status, std::string_view notice, std::string_view kind,
                             const std::string& user, const std::string& next) {
  Html b;
  b.open("div", {{"class", "login"}});
  if (!notice.empty()) {
    b.open("div", {{"class", "notice " + std::string(kind)}, {"role", kind == "bad" ? "alert" : "status"},
                   {"id", "login-notice"}});
    b.el("p", notice);
    b.close("div");
  }
  b.open("form", {{"method", "post"}, {"action", "/login"}, {"id", "login-form"}, {"class", "panel stack"}});
  b.empty("input", {{"type", "hidden"}, {"name", "next"}, {"value", next}});
  b.open("div", {{"class", "field"}}).el("label", "User name", {{"for", "user"}});
  b.empty("input", {{"id", "user"}, {"name", "user"}, {"type", "text"}, {"value", user},
                    {"autocomplete", "username"}, {"autocapitalize", "none"}, {"spellcheck", "false"},
                    {"required", Html::kBare}});
  b.close("div");
  b.open("div", {{"class", "field"}}).el("label", "Password", {{"for", "password"}});
  b.empty("input", {{"id", "password"}, {"name", "password"}, {"type", "password"},
                    {"autocomplete", "current-password"}, {"required", Html::kBare}});
  b.close("div");
  b.el("button", "Log in", {{"type", "submit"}, {"id", "login-submit"}});
  b.close("form");
  b.open("p", {{"class", "hint"}});
  b.prose("Accounts are created by an administrator of this node (or with `mhero console user add`).").close("p");
  b.close("div");
  return html_page(req, "Log in", b, status);
}

std::string minutes(std::chrono::milliseconds d) {
  auto m = (d.count() + 59999) / 60000;
  return std::to_string(m) + (m == 1 ? " minute" : " minutes");
}

net::HttpResponse get_login(PageRequest& req) {
  if (req.user) return redirect(safe_next(req.query("next")));
  std::string notice, kind = "warn";
  if (req.query("ended") == "1") notice = "Your session has ended. Please log in again.";
  if (req.query("bye") == "1") {
    notice = "You have logged out.";
    kind = "ok";
  }
  return login_form(req, 200, notice, kind, "", req.query("next"));
}

net::HttpResponse post_login(PageRequest& req) {
  ConsoleContext& c = req.console;
  std::string name = req.form.value("user"), password = req.form.value("password");
  std::string next = req.form.value("next");
  const std::string& address = req.http.remote_address;
  auto refuse = [&](int status, std::string_view text, std::string_view outcome, const std::string& audited_user) {
    (void)c.audit(audited_user, "login_failed", "", outcome, address);
    return login_form(req, status, text, "bad", name, next);
  };
  if (!c.guard().take_address_attempt(address)) {
    auto r = refuse(429, "Too many login attempts from this computer. Wait a few minutes, then try again.",
                    "rate_limited", "");
    r.headers.emplace_back("Retry-After", "60");
    return r;
  }
  if (auto locked = c.guard().locked_for(name)) {
    auto account = c.users().find(name);
    bool known = account.ok() && *account;
    auto r = refuse(429, "Too many failed attempts for this user name. Wait " + minutes(*locked) +
                             ", then try again, or ask an administrator to set a new password.",
                    "locked", known ? name : "");
    r.headers.emplace_back("Retry-After", std::to_string((locked->count() + 999) / 1000));
    return r;
  }
  auto account = c.users().find(name);
  if (!account.ok()) {
    return error_page(req, 503, "Accounts cannot be read", account.status().message(),
                      "Try again in a minute; tell the node's administrator if it persists.");
  }
  // An unknown name is checked against a throw-away hash, so both cases take the same time.
  static const std::string kDummy = [&] {
    auto h = c.hasher().hash("not a password, only for timing");
    return h.ok() ? *h : std::string();
  }();
  const std::string& stored = *account ? (*account)->password_hash : kDummy;
  auto verified = c.hasher().verify(stored, password);
  if (!verified.ok()) {
    auto r = error_page(req, 503, "The server is busy", verified.status().message() + ".",
                        "Wait a few seconds, then log in again.");
    r.headers.emplace_back("Retry-After", "5");
    return r;
  }
  bool known = account->has_value();
  if (!*verified || !known || (*account)->disabled) {
    c.guard().failed(name);
    std::string outcome = !known ? "unknown_user" : !*verified ? "invalid_credentials" : "disabled";
    return refuse(401, kInvalid, outcome, known ? name : "");
  }
  c.guard().succeeded(name);
  if (c.hasher().needs_rehash(stored)) {
    auto fresh = c.hasher().hash(password);
    if (fresh.ok()) (void)c.users().set_password(name, *fresh);
  }
  // A new token at every login (no session fixation); an old session of this browser ends.
  std::string old = cookie_value(req.http.header("Cookie").value_or(""), c.cookie_name());
  if (!old.empty()) c.sessions().end(old);
  std::string token = c.sessions().create(name);
  (void)c.audit(name, "login", "", "ok", address);
  auto r = redirect(safe_next(next));
  r.headers.emplace_back("Set-Cookie", cookie(c, token, false));
  return r;
}

net::HttpResponse post_logout(PageRequest& req) {
  ConsoleContext& c = req.console;
  c.sessions().end(cookie_value(req.http.header("Cookie").value_or(""), c.cookie_name()));
  (void)req.audit("logout", "", "ok");
  auto r = redirect("/login?bye=1");
  r.headers.emplace_back("Set-Cookie", cookie(c, "", true));
  return r;
}

}  // namespace

void add_auth_pages(Router& router) {
  router.add_public("GET", "/login", get_login);
  router.add_public("POST", "/login", post_login);
  router.add("POST", "/logout", StaffRole::viewer, post_logout);
}

}  // namespace mhero::console
