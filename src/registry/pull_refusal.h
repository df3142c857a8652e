// A registry pull that the moved-share guard stopped (ImportOptions::max_moved_percent), kept in
// the store's meta column family under "registry/pull/refused" until a pull goes through, so that
// `mhero alarms` and the console show it (fleet "registry_pull_refused") and not only the log of
// `mhero run`'s scheduled pull. Node-local: never replicated.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "store/log_store.h"
#include "util/clock.h"
#include "util/status.h"

namespace mhero::registry {

inline constexpr const char* kPullRefusalKey = "registry/pull/refused";

struct PullRefusal {
  std::chrono::milliseconds at{0};  // When the pull was refused (Unix ms, the node's clock).
  std::string what;                 // The guard's message (moves, examples, what to do).
};

/// After a pull: `outcome` ok clears the refusal; failed_precondition (the guard) records it at
/// clock.now(); any other outcome changes nothing. Errors: from the store.
Status record_pull_refusal(LogStore& store, const Clock& clock, const Status& outcome);

/// The refusal held, if any. Errors: from the store; corruption when the value is not ours.
Result<std::optional<PullRefusal>> pull_refusal(const LogStore& store);

}  // namespace mhero::registry
