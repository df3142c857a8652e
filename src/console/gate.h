// The ONE gate every console request passes before a page runs (OWASP Authorization and CSRF
// cheat sheets), in this order:
//   1. method: GET and POST only (405 otherwise); assets and /favicon.ico are served directly;
//   2. route: 404 for an unknown path, 405 for a known path with another method;
//   3. session: the session cookie is looked up (idle/absolute expiry) and its account re-read
//      (a disabled or deleted account ends the session);
//   4. origin (every POST): refused with 403 when Sec-Fetch-Site is "cross-site" or
//      "same-site", or when Origin is present and not this console's own origin;
//   5. authentication (staff routes): no session -> GET redirects to /login, POST gets 401;
//   6. role (deny by default, roles.h): below the route's role -> 403, audited;
//   7. body (POST): application/x-www-form-urlencoded parsed strictly (400 when malformed);
//   8. CSRF (staff POST): the form's "csrf" field must equal the session's token (403, audited).
// Every response then gets the security headers: Content-Security-Policy, X-Content-Type-Options,
// Referrer-Policy, HSTS over TLS, and `Cache-Control: no-store` on everything but assets.
//
// Thread-safety: handle() may run on several threads at once.
#pragma once

#include "console/context.h"
#include "console/router.h"
#include "net/http_message.h"

namespace mhero::console {

class Gate {
 public:
  /// Both must outlive the gate.
  Gate(ConsoleContext& context, const Router& router) : context_(context), router_(router) {}
  net::HttpResponse handle(const net::HttpRequest& request);

 private:
  net::HttpResponse route(const net::HttpRequest& request);
  ConsoleContext& context_;
  const Router& router_;
};

/// The value of cookie `name` in a Cookie header value ("a=1; b=2"), or "".
std::string cookie_value(std::string_view header, std::string_view name);

}  // namespace mhero::console
