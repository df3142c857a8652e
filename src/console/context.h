// What the console's pages share: the node, the clock, accounts, sessions, the password pool,
// the login guard, the router (for the navigation) and the audit trail. Owned by ConsoleServer;
// pages reach it as PageRequest::console.
//
// Thread-safety: every member is thread-safe; pages run on several threads at once.
#pragma once

#include <string>
#include <string_view>

#include "console/login_guard.h"
#include "console/password_hasher.h"
#include "console/router.h"
#include "console/session_store.h"
#include "console/user_store.h"
#include "node/node.h"

namespace mhero::console {

class ConsoleContext {
 public:
  ConsoleContext(Node& node, const Clock& clock, SessionStore& sessions, PasswordHasher& hasher,
                 LoginGuard& guard, const Router& router, bool tls)
      : node_(node), clock_(clock), users_(node.store(), clock), sessions_(sessions), hasher_(hasher),
        guard_(guard), router_(router), tls_(tls) {}

  Node& node() { return node_; }
  const Clock& clock() const { return clock_; }
  UserStore& users() { return users_; }
  SessionStore& sessions() { return sessions_; }
  PasswordHasher& hasher() { return hasher_; }
  LoginGuard& guard() { return guard_; }
  const Router& router() const { return router_; }
  /// True when served over HTTPS (cookie name and Secure flag depend on it).
  bool tls() const { return tls_; }
  /// "__Host-session" over HTTPS. On plain-HTTP loopback "session": the __Host- prefix
  /// requires the Secure attribute (RFC 6265bis 4.1.3.2), which a plain-HTTP origin may not
  /// rely on, so the prefix would be a promise we cannot keep there.
  std::string_view cookie_name() const { return tls_ ? "__Host-session" : "session"; }

  /// Appends an audit entry (time = now). Returns false, after logging why, when the store
  /// refused it (the caller's page should say the action was not recorded).
  bool audit(std::string_view user, std::string_view action, std::string_view object,
             std::string_view outcome, std::string_view client_address);

 private:
  Node& node_;
  const Clock& clock_;
  UserStore users_;
  SessionStore& sessions_;
  PasswordHasher& hasher_;
  LoginGuard& guard_;
  const Router& router_;
  bool tls_;
};

}  // namespace mhero::console
