// `bundle inspect` with the recipient's key: decrypts a part's body and verifies every entry on
// its own (signature, the prev chain inside the part) and against the signed header (count and
// feed ranges), without touching any store.
#pragma once

#include "bundle/checked_file.h"
#include "identity/node_key.h"

namespace mhero::bundle {

struct BodySummary {
  uint64_t entries = 0;
  uint64_t plain_bytes = 0;
};

/// Errors: corruption naming the file and entry (bad signature, broken chain, range mismatch)
/// and any read_body error; failed_precondition when `key` is not the recipient's.
Result<BodySummary> verify_body(const CheckedFile& file, const NodeKey& key);

}  // namespace mhero::bundle
