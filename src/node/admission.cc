#include "node/admission.h"

#include "node/enrollment.h"
#include "registry/correction_view.h"
#include "store/entry.h"
#include "store/scope.h"

namespace mhero {

Status EnrolledAdmission::admit(const Entry& entry, const ViewReader& state) const {
  const FeedId& feed = entry.feed();
  MHERO_RETURN_IF_ERROR(registry::admit_decision(entry, state, central_));
  if (feed.scope == kNationalScope) {
    if (central_ && feed.author != *central_) {
      return permission_denied("author " + feed.author.hex() +
                               " is not the pinned central node and may not write `national`");
    }
    return {};
  }
  if (central_ && feed.author == *central_) return {};
  if (own_ && feed.author == *own_ && feed.scope == own_scope_) return {};
  auto code = district_of_scope(feed.scope);
  MHERO_ASSIGN_OR_RETURN(auto enrolled, find_enrolled(state, feed.author));
  if (!enrolled) {
    return permission_denied("author " + feed.author.hex() + " is not enrolled and may not write `" +
                             feed.scope + "`");
  }
  if (!code || *code != enrolled->district) {
    return permission_denied("author " + feed.author.hex() + " is enrolled for district " +
                             enrolled->district + " and may not write `" + feed.scope + "`");
  }
  if (enrolled->revoked) {
    auto it = enrolled->valid_through.find(feed.scope);
    uint64_t limit = it == enrolled->valid_through.end() ? 0 : it->second;
    if (entry.seq() > limit) {
      return permission_denied("author " + feed.author.hex() + " was revoked; `" + feed.scope +
                               "` entries are valid only through seq " + std::to_string(limit) +
                               ", not seq " + std::to_string(entry.seq()));
    }
  }
  return {};
}

}  // namespace mhero
