// `/users` (admin): staff accounts of this node: list, add, change the role, disable / enable,
// set a password.
// The same actions as `mhero console user …` (accounts.h), audited the same way.
#include "console/accounts.h"
#include "console/context.h"
#include "console/page.h"
#include "console/pages.h"
#include "net/url.h"

namespace mhero::console {

namespace {

constexpr StaffRole kRoles[] = {StaffRole::viewer, StaffRole::reviewer, StaffRole::operator_, StaffRole::admin};

AccountDesk desk_of(PageRequest& req) {
  ConsoleContext& c = req.console;
  return AccountDesk{c.node(), c.users(), c.hasher(), &c.sessions()};
}

Actor actor_of(const PageRequest& req) { return Actor{req.user->name, req.http.remote_address}; }

void role_options(Html& b, std::string_view selected) {
  for (StaffRole r : kRoles) {
    std::string n = staff_role_name(r);
    if (n == selected) {
      b.el("option", n, {{"value", n}, {"selected", Html::kBare}});
    } else {
      b.el("option", n, {{"value", n}});
    }
  }
}

void add_form(Html& b, const PageRequest& req, const std::string& name, const std::string& role) {
  b.open("section", {{"aria-labelledby", "add-heading"}, {"class", "panel"}});
  b.el("h2", "Add an account", {{"id", "add-heading"}});
  b.open("form", {{"method", "post"}, {"action", "/users"}, {"id", "user-add"}, {"class", "stack"}});
  b.append(csrf_field(req));
  b.open("div", {{"class", "field"}}).el("label", "User name", {{"for", "add-name"}});
  b.empty("input", {{"id", "add-name"}, {"name", "name"}, {"type", "text"}, {"value", name},
                    {"autocomplete", "off"}, {"required", Html::kBare}, {"aria-describedby", "add-name-hint"}});
  b.el("span", "Lower-case letters, digits, '.', '_' or '-'.", {{"class", "hint"}, {"id", "add-name-hint"}});
  b.close("div");
  b.open("div", {{"class", "field"}}).el("label", "Role", {{"for", "add-role"}});
  b.open("select", {{"id", "add-role"}, {"name", "role"}});
  role_options(b, role);
  b.close("select").close("div");
  for (auto [id, label] : {std::pair{"add-password", "Password"}, std::pair{"add-password2", "Password again"}}) {
    b.open("div", {{"class", "field"}}).el("label", label, {{"for", id}});
    b.empty("input", {{"id", id}, {"name", std::string(id) == "add-password" ? "password" : "password2"},
                      {"type", "password"}, {"autocomplete", "new-password"}, {"minlength", "10"},
                      {"required", Html::kBare}});
    b.close("div");
  }
  b.el("p", "At least 10 characters. Give it to the person in private; they cannot change it themselves yet.",
       {{"class", "hint"}});
  b.el("button", "Add account", {{"type", "submit"}, {"id", "user-add-submit"}});
  b.close("form").close("section");
}

net::HttpResponse users_page(PageRequest& req, int status, std::string_view notice, std::string_view kind,
                             const std::string& name = "", const std::string& role = "viewer") {
  auto users = req.console.users().list();
  if (!users.ok()) {
    return error_page(req, 500, "Accounts cannot be read", users.status().message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  Html b;
  b.el("p", "Staff accounts of this node. They stay on this node: other nodes have their own.", {{"class", "lead"}});
  if (!notice.empty()) {
    b.open("div", {{"class", "notice " + std::string(kind)}, {"role", kind == "bad" ? "alert" : "status"},
                   {"id", "users-notice"}});
    b.el("p", notice).close("div");
  }
  b.open_table_wrap().open("table", {{"id", "users"}});
  b.el("caption", std::to_string(users->size()) + (users->size() == 1 ? " account" : " accounts"));
  b.open("thead").open("tr");
  for (const char* h : {"User name", "Role", "Status", "Created", "Last changed", "Actions"}) {
    b.el("th", h, {{"scope", "col"}});
  }
  b.close("tr").close("thead").open("tbody");
  for (const auto& u : *users) {
    std::string base = "/users/" + net::url_encode(u.name);
    b.open("tr", {{"id", "user-" + u.name}}).el("th", u.name, {{"scope", "row"}});
    if (u.name == req.user->name) {
      b.el("td", staff_role_name(u.role));  // Nobody changes their own role.
    } else {
      // The role as a small form: pick, press Change (no script needed).
      b.open("td").open("form", {{"method", "post"}, {"action", base + "/role"}, {"class", "inline"},
                                 {"id", "role-" + u.name}});
      b.append(csrf_field(req));
      b.open("select", {{"name", "role"}, {"aria-label", "Role of " + u.name}});
      role_options(b, staff_role_name(u.role));
      b.close("select").text(" ");
      b.el("button", "Change", {{"type", "submit"}, {"class", "secondary"}, {"aria-label", "Change the role of " + u.name}});
      b.close("form").close("td");
    }
    b.open("td").el("span", u.disabled ? "disabled" : "active", {{"class", u.disabled ? "tag bad" : "tag ok"}});
    b.close("td").el("td", display_time(u.created_ms)).el("td", display_time(u.changed_ms));
    b.open("td");
    b.open("form", {{"method", "post"}, {"action", base + (u.disabled ? "/enable" : "/disable")}, {"class", "inline"},
                    {"id", (u.disabled ? "enable-" : "disable-") + u.name},
                    {"data-confirm", (u.disabled ? "Enable " : "Disable ") + u.name + "?"}});
    b.append(csrf_field(req));
    b.el("button", u.disabled ? "Enable" : "Disable",
         {{"type", "submit"}, {"class", "secondary"}, {"aria-label", (u.disabled ? "Enable " : "Disable ") + u.name}});
    b.close("form").text(" ");
    b.link(base + "/password", "Set password", {{"aria-label", "Set a password for " + u.name}});
    b.close("td").close("tr");
  }
  b.close("tbody").close("table").close("div");
  add_form(b, req, name, role);
  return html_page(req, "Accounts", b, status);
}

int status_of(const Status& s) {
  switch (s.code()) {
    case StatusCode::already_exists: return 409;
    case StatusCode::not_found: return 404;
    case StatusCode::resource_exhausted: return 503;
    case StatusCode::invalid_argument:
    case StatusCode::failed_precondition: return 400;
    default: return 500;
  }
}

net::HttpResponse list(PageRequest& req) {
  std::string done = req.query("done"), name = req.query("name");
  if (done == "added") return users_page(req, 200, "Account " + name + " added.", "ok");
  if (done == "disabled") return users_page(req, 200, "Account " + name + " disabled; its sessions ended.", "ok");
  if (done == "enabled") return users_page(req, 200, "Account " + name + " enabled.", "ok");
  if (done == "password") return users_page(req, 200, "New password set for " + name + ".", "ok");
  if (done == "role") {
    return users_page(req, 200, name + " is now " + req.query("role") + "; their sessions ended.", "ok");
  }
  return users_page(req, 200, "", "");
}

net::HttpResponse add(PageRequest& req) {
  std::string name = req.form.value("name"), role_text = req.form.value("role");
  auto role = parse_staff_role(role_text);
  if (!role) return users_page(req, 400, "Choose a role: viewer, reviewer, operator or admin.", "bad", name);
  if (req.form.value("password") != req.form.value("password2")) {
    return users_page(req, 400, "The two passwords differ; type the same password twice.", "bad", name, role_text);
  }
  AccountDesk desk = desk_of(req);
  Status s = add_account(desk, actor_of(req), name, *role, req.form.value("password"));
  if (!s.ok()) return users_page(req, status_of(s), "Not added: " + s.message() + ".", "bad", name, role_text);
  return redirect(with_query("/users", {{"done", "added"}, {"name", name}}));
}

net::HttpResponse set_disabled(PageRequest& req, bool disabled) {
  std::string name = req.param("name");
  AccountDesk desk = desk_of(req);
  Status s = set_account_disabled(desk, actor_of(req), name, disabled);
  if (!s.ok()) return users_page(req, status_of(s), "Not changed: " + s.message() + ".", "bad");
  return redirect(with_query("/users", {{"done", disabled ? "disabled" : "enabled"}, {"name", name}}));
}

net::HttpResponse set_role(PageRequest& req) {
  std::string name = req.param("name"), role_text = req.form.value("role");
  auto role = parse_staff_role(role_text);
  if (!role) return users_page(req, 400, "Choose a role: viewer, reviewer, operator or admin.", "bad");
  AccountDesk desk = desk_of(req);
  Status s = set_account_role(desk, actor_of(req), name, *role);
  if (!s.ok()) return users_page(req, status_of(s), "Not changed: " + s.message() + ".", "bad");
  return redirect(with_query("/users", {{"done", "role"}, {"name", name}, {"role", role_text}}));
}

net::HttpResponse password_form(PageRequest& req, int status, std::string_view notice) {
  std::string name = req.param("name");
  auto user = req.console.users().find(name);
  if (!user.ok() || !*user) {
    return error_page(req, 404, "No such account", "There is no account named " + name + " on this node.",
                      "Go back to the accounts list and pick one from the table.");
  }
  Html b;
  if (!notice.empty()) {
    b.open("div", {{"class", "notice bad"}, {"role", "alert"}, {"id", "password-notice"}}).el("p", notice);
    b.close("div");
  }
  b.open("form", {{"method", "post"}, {"action", "/users/" + net::url_encode(name) + "/password"},
                  {"id", "user-password"}, {"class", "panel stack"}});
  b.append(csrf_field(req));
  for (auto [id, label] : {std::pair{"new-password", "New password"}, std::pair{"new-password2", "New password again"}}) {
    b.open("div", {{"class", "field"}}).el("label", label, {{"for", id}});
    b.empty("input", {{"id", id}, {"name", std::string(id) == "new-password" ? "password" : "password2"},
                      {"type", "password"}, {"autocomplete", "new-password"}, {"minlength", "10"},
                      {"required", Html::kBare}});
    b.close("div");
  }
  b.el("p", "At least 10 characters. Every session of this account ends.", {{"class", "hint"}});
  b.el("button", "Set password", {{"type", "submit"}, {"id", "user-password-submit"}});
  b.text(" ").link("/users", "Cancel");
  b.close("form");
  return html_page(req, "New password for " + name, b, status);
}

net::HttpResponse set_password(PageRequest& req) {
  std::string name = req.param("name");
  if (req.form.value("password") != req.form.value("password2")) {
    return password_form(req, 400, "The two passwords differ; type the same password twice.");
  }
  AccountDesk desk = desk_of(req);
  Status s = change_password(desk, actor_of(req), name, req.form.value("password"));
  if (!s.ok()) return password_form(req, status_of(s), "Not changed: " + s.message() + ".");
  return redirect(with_query("/users", {{"done", "password"}, {"name", name}}));
}

}  // namespace

void add_user_pages(Router& router) {
  router.add("GET", "/users", StaffRole::admin, list);
  router.add("POST", "/users", StaffRole::admin, add);
  router.add("POST", "/users/{name}/disable", StaffRole::admin, [](PageRequest& r) { return set_disabled(r, true); });
  router.add("POST", "/users/{name}/enable", StaffRole::admin, [](PageRequest& r) { return set_disabled(r, false); });
  router.add("POST", "/users/{name}/role", StaffRole::admin, set_role);
  router.add("GET", "/users/{name}/password", StaffRole::admin, [](PageRequest& r) { return password_form(r, 200, ""); });
  router.add("POST", "/users/{name}/password", StaffRole::admin, set_password);
  router.add_nav("Accounts", "/users", StaffRole::admin, "Add staff accounts, change roles, disable them, set passwords.");
}

}  // namespace mhero::console
