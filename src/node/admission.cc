#include "node/admission.h"

#include "node/enrollment.h"
#include "node/key_rotation.h"
#include "registry/correction_view.h"
#include "store/entry.h"
#include "store/scope.h"

namespace mhero {

namespace {

// A retired key's entries stay valid through its valid_through seq of each feed.
Status within_bounds(const Entry& entry, const std::map<std::string, uint64_t>& valid_through, const char* what) {
  auto it = valid_through.find(entry.feed().scope);
  uint64_t limit = it == valid_through.end() ? 0 : it->second;
  if (entry.seq() <= limit) return {};
  return permission_denied("author " + entry.feed().author.hex() + " was " + what + "; `" + entry.feed().scope +
                           "` entries are valid only through seq " + std::to_string(limit) + ", not seq " +
                           std::to_string(entry.seq()));
}

}  // namespace

Status EnrolledAdmission::admit(const Entry& entry, const ViewReader& state) const {
  const FeedId& feed = entry.feed();
  std::optional<CentralKeyRecord> central;
  if (central_) {
    MHERO_ASSIGN_OR_RETURN(central, central_key_status(state, *central_, feed.author));
  }
  MHERO_RETURN_IF_ERROR(registry::admit_decision(entry, state, central ? std::optional<NodeId>(feed.author) : central_));
  if (entry.kind() == schema::Payload::KEY_ROTATION) MHERO_RETURN_IF_ERROR(check_key_rotation(entry, state));
  if (central && central->retired) {
    MHERO_RETURN_IF_ERROR(within_bounds(entry, central->valid_through, "retired after a central key hand-over"));
  }
  if (feed.scope == kNationalScope) {
    if (central_ && !central) {
      return permission_denied("author " + feed.author.hex() +
                               " is not the pinned central node and may not write `national`");
    }
    return {};
  }
  if (central) return {};
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
    return within_bounds(entry, enrolled->valid_through,
                         enrolled->retired ? "retired after its key rotation" : "revoked");
  }
  return {};
}

}  // namespace mhero
