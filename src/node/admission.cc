#include "node/admission.h"

#include "store/entry.h"
#include "store/scope.h"

namespace mhero {

Status PinnedAdmission::admit(const Entry& entry, const ViewReader&) const {
  const FeedId& feed = entry.feed();
  if (feed.scope == kNationalScope && central_ && feed.author != *central_) {
    return permission_denied("author " + feed.author.hex() +
                             " is not the pinned central node and may not write `national`");
  }
  return {};
}

}  // namespace mhero
