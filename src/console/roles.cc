#include "console/roles.h"

namespace mhero::console {

const char* staff_role_name(StaffRole role) {
  switch (role) {
    case StaffRole::viewer: return "viewer";
    case StaffRole::reviewer: return "reviewer";
    case StaffRole::operator_: return "operator";
    case StaffRole::admin: return "admin";
  }
  return "?";
}

std::optional<StaffRole> parse_staff_role(std::string_view text) {
  for (StaffRole r : {StaffRole::viewer, StaffRole::reviewer, StaffRole::operator_, StaffRole::admin}) {
    if (text == staff_role_name(r)) return r;
  }
  return std::nullopt;
}

}  // namespace mhero::console
