#include "console/accounts.h"

#include "console/audit.h"

namespace mhero::console {

namespace {

// Audits `action` on `name` with the outcome of `s`; returns `s` (or the audit's failure).
Status audited(AccountDesk& desk, const Actor& actor, std::string_view action, const std::string& name,
               const Status& s) {
  AuditRecord r;
  r.time_ms = desk.node.clock().now().count();
  r.user = actor.user;
  r.action = std::string(action);
  r.object = name;
  r.outcome = s.ok() ? "ok" : "refused: " + s.message();
  r.client_address = actor.client_address;
  Status written = append_audit(desk.node, r);
  if (!s.ok()) return s;
  return written.with_context("the change was made but its audit entry could not be written");
}

Status do_add(AccountDesk& desk, const std::string& name, StaffRole role, const std::string& password) {
  MHERO_RETURN_IF_ERROR(check_user_name(name));
  MHERO_RETURN_IF_ERROR(check_password_policy(password));
  MHERO_ASSIGN_OR_RETURN(auto held, desk.users.find(name));
  if (held) return already_exists("a console user named '" + name + "' exists already");
  MHERO_ASSIGN_OR_RETURN(auto hash, desk.hasher.hash(password));
  return desk.users.add(name, role, hash);
}

Status do_passwd(AccountDesk& desk, const std::string& name, const std::string& password) {
  MHERO_ASSIGN_OR_RETURN(auto held, desk.users.find(name));
  if (!held) return not_found("no console user named '" + name + "'");
  MHERO_RETURN_IF_ERROR(check_password_policy(password));
  MHERO_ASSIGN_OR_RETURN(auto hash, desk.hasher.hash(password));
  MHERO_RETURN_IF_ERROR(desk.users.set_password(name, hash));
  if (desk.sessions) desk.sessions->end_user(name);
  return {};
}

// Every account change is audited in the log: none is made while the log cannot take its entry
// (a restored node holding its writes, or its own feed frozen by a fork).
Status auditable(AccountDesk& desk) {
  return desk.node.store()
      .check_append(FeedId{desk.node.id(), desk.node.own_scope()})
      .with_context("no account change while this node cannot write its audit entry; nothing was changed");
}

}  // namespace

Status add_account(AccountDesk& desk, const Actor& actor, const std::string& name, StaffRole role,
                   const std::string& password) {
  MHERO_RETURN_IF_ERROR(auditable(desk));
  return audited(desk, actor, "user.add", name, do_add(desk, name, role, password));
}

Status change_password(AccountDesk& desk, const Actor& actor, const std::string& name,
                       const std::string& password) {
  MHERO_RETURN_IF_ERROR(auditable(desk));
  return audited(desk, actor, "user.passwd", name, do_passwd(desk, name, password));
}

Status set_account_disabled(AccountDesk& desk, const Actor& actor, const std::string& name, bool disabled) {
  MHERO_RETURN_IF_ERROR(auditable(desk));
  Status s;
  if (disabled && name == actor.user) {
    s = failed_precondition("you cannot disable your own account; ask another administrator");
  } else {
    s = desk.users.set_disabled(name, disabled);
    if (s.ok() && disabled && desk.sessions) desk.sessions->end_user(name);
  }
  return audited(desk, actor, disabled ? "user.disable" : "user.enable", name, s);
}

Status set_account_role(AccountDesk& desk, const Actor& actor, const std::string& name, StaffRole role) {
  MHERO_RETURN_IF_ERROR(auditable(desk));
  std::string what = name + " -> " + staff_role_name(role);
  auto held = desk.users.find(name);
  Status s;
  if (!held.ok()) {
    s = held.status();
  } else if (!*held) {
    s = not_found("no console user named '" + name + "'");
  } else if (name == actor.user) {
    s = failed_precondition("you cannot change your own role; ask another administrator");
  } else if ((*held)->role != role) {
    s = desk.users.set_role(name, role);
    if (s.ok() && desk.sessions) desk.sessions->end_user(name);
  }
  return audited(desk, actor, "user.role", what, s);
}

}  // namespace mhero::console
