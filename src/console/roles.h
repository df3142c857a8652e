// Staff roles of the console, and THE order of what each may do (the one place it is defined).
// Deny by default: a route names the least role it needs; the router's gate (console_server.cc)
// refuses everyone below it with 403.
//   viewer   read every page, export (CSV)
//   reviewer + decide registry corrections
//   operator + compose / cancel messages, import a bundle from the browser
//   admin    + manage staff accounts
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mhero::console {

enum class StaffRole : uint8_t {
  viewer = 1,
  reviewer = 2,
  operator_ = 3,  // "operator" (a C++ keyword).
  admin = 4,
};

/// "viewer", "reviewer", "operator", "admin".
const char* staff_role_name(StaffRole role);
/// The role named `text` (exactly one of the names above), or nullopt.
std::optional<StaffRole> parse_staff_role(std::string_view text);
/// Whether a user with role `have` may use a route that needs `need`.
constexpr bool role_allows(StaffRole have, StaffRole need) {
  return static_cast<uint8_t>(have) >= static_cast<uint8_t>(need);
}

}  // namespace mhero::console
