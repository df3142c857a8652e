// Account changes shared by the console's /users pages and `mhero console user …`: check the
// name and password policy, hash on the bounded pool, write the account store, end the
// account's sessions when it loses access, and audit the attempt (ok or refused) in the node's
// own feed. Nothing here ever logs or audits a password.
#pragma once

#include <string>

#include "console/password_hasher.h"
#include "console/roles.h"
#include "console/session_store.h"
#include "console/user_store.h"
#include "node/node.h"

namespace mhero::console {

/// Who acts, for the audit entry: the staff user (or "" from the command line) and the client
/// address ("cli" for a command).
struct Actor {
  std::string user;
  std::string client_address;
};

/// Everything an account change needs. `sessions` may be null (the command line has none).
struct AccountDesk {
  Node& node;
  UserStore& users;
  PasswordHasher& hasher;
  SessionStore* sessions = nullptr;
};

/// "user.add". Errors: invalid_argument (name, policy), already_exists, resource_exhausted
/// (pool busy), unavailable (store).
Status add_account(AccountDesk& desk, const Actor& actor, const std::string& name, StaffRole role,
                   const std::string& password);
/// "user.passwd": a new password; the account's sessions end. Errors: not_found,
/// invalid_argument (policy), resource_exhausted.
Status change_password(AccountDesk& desk, const Actor& actor, const std::string& name,
                       const std::string& password);
/// "user.disable" / "user.enable". Disabling ends the account's sessions; an admin cannot
/// disable their own account (failed_precondition). Errors: not_found.
Status set_account_disabled(AccountDesk& desk, const Actor& actor, const std::string& name, bool disabled);
/// "user.role": gives the account `role`; its sessions end, so the next request runs with the
/// new role. An admin cannot change their own role (failed_precondition: the node keeps at least
/// the admin who acts). Setting the role it has changes nothing and succeeds. Errors: not_found.
Status set_account_role(AccountDesk& desk, const Actor& actor, const std::string& name, StaffRole role);

}  // namespace mhero::console
