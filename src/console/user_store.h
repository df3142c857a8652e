// Staff accounts of the console, kept node-locally in the store's meta column family (never in
// the replicated log: a password hash must not travel to other nodes). Key
// "console/user/<name>", value JSON {"role","hash","disabled","created_ms","changed_ms"}
// (schema/README.md, "Console").
//
// Thread-safety: all methods may be called from any thread (writes are serialised here; the
// store serialises its own). Only one process opens a store, so no other writer races us.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "console/roles.h"
#include "store/log_store.h"
#include "util/clock.h"

namespace mhero::console {

struct StaffUser {
  std::string name;           // 1-64 of a-z 0-9 . _ - (check_user_name).
  StaffRole role = StaffRole::viewer;
  std::string password_hash;  // crypto_pwhash_str string (password_hasher.h).
  bool disabled = false;
  int64_t created_ms = 0;     // Unix ms.
  int64_t changed_ms = 0;     // Unix ms of the last change (password, role, disabled).
};

/// ok, or invalid_argument saying what a user name may hold.
Status check_user_name(std::string_view name);
/// The password policy: at least 10 characters (Unicode code points), at most 1024 bytes.
/// ok, or invalid_argument saying what is wrong (never echoing the password).
Status check_password_policy(std::string_view password);

class UserStore {
 public:
  /// `store` and `clock` must outlive this.
  UserStore(LogStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  /// The account `name`, or nullopt. Errors: corruption (a damaged record), unavailable.
  Result<std::optional<StaffUser>> find(std::string_view name) const;
  /// Every account, by name. Errors: corruption.
  Result<std::vector<StaffUser>> list() const;
  /// Adds an account. Errors: invalid_argument (name), already_exists.
  Status add(const std::string& name, StaffRole role, const std::string& password_hash);
  /// Replaces the password hash. Errors: not_found.
  Status set_password(const std::string& name, const std::string& password_hash);
  /// Disables or enables the account. Errors: not_found.
  Status set_disabled(const std::string& name, bool disabled);
  /// Changes the role. Errors: not_found.
  Status set_role(const std::string& name, StaffRole role);

 private:
  Status put(const StaffUser& user);
  Result<StaffUser> must_find(const std::string& name) const;
  LogStore& store_;
  const Clock& clock_;
  std::mutex write_mu_;
};

}  // namespace mhero::console
