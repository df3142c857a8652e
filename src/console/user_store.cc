#include "console/user_store.h"

#include <nlohmann/json.hpp>

namespace mhero::console {

namespace {

constexpr std::string_view kPrefix = "console/user/";

std::string key_of(std::string_view name) { return std::string(kPrefix) + std::string(name); }

Result<StaffUser> decode(std::string_view name, std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, false);
  auto bad = [&] { return corruption("meta key " + key_of(name) + " is not a valid account record"); };
  if (!j.is_object() || !j["role"].is_string() || !j["hash"].is_string()) return bad();
  auto role = parse_staff_role(j["role"].get<std::string>());
  if (!role) return bad();
  StaffUser u;
  u.name = std::string(name);
  u.role = *role;
  u.password_hash = j["hash"].get<std::string>();
  u.disabled = j.value("disabled", false);
  u.created_ms = j.value("created_ms", int64_t{0});
  u.changed_ms = j.value("changed_ms", int64_t{0});
  return u;
}

}  // namespace

Status check_user_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
  }
  if (ok) return {};
  return invalid_argument("a user name has 1 to 64 characters: lower-case letters a-z, digits, '.', '_', '-'");
}

Status check_password_policy(std::string_view password) {
  size_t code_points = 0;
  for (char c : password) code_points += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (code_points < 10) return invalid_argument("a password needs at least 10 characters");
  if (password.size() > 1024) return invalid_argument("a password may have at most 1024 bytes");
  return {};
}

Result<std::optional<StaffUser>> UserStore::find(std::string_view name) const {
  if (!check_user_name(name).ok()) return std::optional<StaffUser>{};
  MHERO_ASSIGN_OR_RETURN(auto value, store_.get_meta(key_of(name)));
  if (!value) return std::optional<StaffUser>{};
  MHERO_ASSIGN_OR_RETURN(auto user, decode(name, *value));
  return std::optional<StaffUser>(std::move(user));
}

Result<std::vector<StaffUser>> UserStore::list() const {
  std::vector<StaffUser> out;
  Status bad;
  store_.scan_meta(kPrefix, [&](std::string_view key, std::string_view value) {
    auto user = decode(key.substr(kPrefix.size()), value);
    if (!user.ok()) {
      bad = user.status();
      return false;
    }
    out.push_back(std::move(user).value());
    return true;
  });
  if (!bad.ok()) return bad;
  return out;
}

Status UserStore::put(const StaffUser& u) {
  nlohmann::json j = {{"role", staff_role_name(u.role)}, {"hash", u.password_hash},
                      {"disabled", u.disabled},          {"created_ms", u.created_ms},
                      {"changed_ms", u.changed_ms}};
  return store_.put_meta(key_of(u.name), j.dump());
}

Result<StaffUser> UserStore::must_find(const std::string& name) const {
  MHERO_ASSIGN_OR_RETURN(auto user, find(name));
  if (!user) return not_found("no console user named '" + name + "'");
  return std::move(*user);
}

Status UserStore::add(const std::string& name, StaffRole role, const std::string& password_hash) {
  MHERO_RETURN_IF_ERROR(check_user_name(name));
  std::lock_guard lock(write_mu_);
  MHERO_ASSIGN_OR_RETURN(auto held, find(name));
  if (held) return already_exists("a console user named '" + name + "' exists already");
  int64_t now = clock_.now().count();
  return put(StaffUser{name, role, password_hash, false, now, now});
}

Status UserStore::set_password(const std::string& name, const std::string& password_hash) {
  std::lock_guard lock(write_mu_);
  MHERO_ASSIGN_OR_RETURN(auto user, must_find(name));
  user.password_hash = password_hash;
  user.changed_ms = clock_.now().count();
  return put(user);
}

Status UserStore::set_disabled(const std::string& name, bool disabled) {
  std::lock_guard lock(write_mu_);
  MHERO_ASSIGN_OR_RETURN(auto user, must_find(name));
  user.disabled = disabled;
  user.changed_ms = clock_.now().count();
  return put(user);
}

Status UserStore::set_role(const std::string& name, StaffRole role) {
  std::lock_guard lock(write_mu_);
  MHERO_ASSIGN_OR_RETURN(auto user, must_find(name));
  user.role = role;
  user.changed_ms = clock_.now().count();
  return put(user);
}

}  // namespace mhero::console
