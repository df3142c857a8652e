#include "node/holding.h"

#include "store/scope.h"

namespace mhero {

bool may_hold(Role role, std::string_view district, const FeedId& feed) {
  if (role == Role::central) return true;
  if (feed.scope == kNationalScope) return true;
  auto code = district_of_scope(feed.scope);
  return code && *code == district;
}

}  // namespace mhero
