// The console's routes and the extension point for pages. A page registers itself as
// (method, path pattern, least role, handler); the gate in console_server.cc checks the session,
// the role (deny by default: roles.h), CSRF and the origin BEFORE any handler runs, so a handler
// only builds its page. Path patterns are literal segments and `{name}` segments, which match
// one non-empty segment (percent-decoded into PageRequest::params).
//
// Routes of the foundation (src/console/README.md keeps the same list with form/table ids):
//   GET  /login                   public   login form            (pages_auth.cc)
//   POST /login                   public   check the password, start a session
//   POST /logout                  viewer   end the session
//   GET  /                        viewer   overview linking the sections (pages_home.cc)
//   GET  /registry                viewer   provider search        (pages_registry.cc)
//   GET  /registry/provider/{id}  viewer   one provider's record
//   GET  /audit                   viewer   audit trail, filters   (pages_audit.cc)
//   GET  /audit.csv               viewer   the same as CSV
//   GET  /users                   admin    accounts               (pages_users.cc)
//   POST /users                   admin    add an account
//   POST /users/{name}/disable    admin    disable an account (and end its sessions)
//   POST /users/{name}/enable     admin    enable it again
//   GET  /users/{name}/password   admin    set-password form
//   POST /users/{name}/password   admin    set the password
//   GET  /assets/<name>.<hash>.<ext>  public  embedded CSS/JS (assets.h)
//   GET  /favicon.ico             public   204
//
// Thread-safety: register every route before ConsoleServer::start(); afterwards the router is
// only read (from several threads).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "console/form.h"
#include "console/roles.h"
#include "net/http_message.h"

namespace mhero::console {

class ConsoleContext;

/// The signed-in staff user of a request (read from the account store on every request, so a
/// role change or a disabled account takes effect at once).
struct CurrentUser {
  std::string name;
  StaffRole role = StaffRole::viewer;
};

/// What a page handler gets. Valid only during the call.
struct PageRequest {
  const net::HttpRequest& http;
  ConsoleContext& console;
  std::map<std::string, std::string> params;  // `{name}` segments of the pattern.
  std::optional<CurrentUser> user;            // Always set for staff routes; maybe for public ones.
  std::string csrf_token;                     // The session's token ("" without a session).
  Form form;                                  // The parsed body of a POST (empty for GET).

  /// A URL query parameter ("" when absent).
  std::string query(std::string_view key) const { return http.query_param(key).value_or(""); }
  /// The path parameter `name` ("" when the pattern has none).
  std::string param(const std::string& name) const;
  /// Appends an audit entry for this request (user, client address and time filled in).
  /// Errors as append_audit (audit.h); a page should show them (the action is not recorded).
  [[nodiscard]] bool audit(std::string_view action, std::string_view object, std::string_view outcome);
};

using PageHandler = std::function<net::HttpResponse(PageRequest&)>;

struct Route {
  std::string method;                  // "GET" or "POST".
  std::string pattern;                 // "/registry/provider/{id}".
  std::optional<StaffRole> need;       // nullopt: public (login, assets); else the least role.
  PageHandler handler;
};

/// A link in the navigation bar, shown to users whose role allows `need`.
struct NavItem {
  std::string label;  // "Registry".
  std::string path;   // "/registry"; marked aria-current on it and below it.
  StaffRole need = StaffRole::viewer;
  std::string description;  // One sentence for the overview's card ("" = no card).
};

class Router {
 public:
  /// Registers a staff page. `method` is "GET" or "POST" (asserted). A GET handler must not
  /// change state (the gate checks CSRF on POST only).
  void add(std::string method, std::string pattern, StaffRole need, PageHandler handler);
  /// Registers a page anyone may reach (login, assets). Use sparingly.
  void add_public(std::string method, std::string pattern, PageHandler handler);
  /// Adds a navigation link (in registration order).
  void add_nav(std::string label, std::string path, StaffRole need = StaffRole::viewer,
               std::string description = "");

  struct Match {
    const Route* route = nullptr;               // nullptr: no route for this method and path.
    std::map<std::string, std::string> params;
    bool other_method = false;                  // The path exists for another method (405).
  };
  /// The route for `method` and `path` (origin-form path, without the query).
  Match match(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }
  const std::vector<NavItem>& nav() const { return nav_; }

 private:
  std::vector<Route> routes_;
  std::vector<NavItem> nav_;
};

}  // namespace mhero::console
