// Cancelling an outgoing message (`mhero messages cancel`, the console's cancel button): the
// rules and the `messageCancel` entry. The dispatcher reads the cancel before every batch and
// stops (dispatcher.h); batches already handed to RapidPro stay sent.
#pragma once

#include <string>

#include "identity/node_key.h"
#include "messaging/message_query.h"
#include "node/config.h"
#include "store/log_store.h"

namespace mhero {

/// Whether a node of `role` in `district` may cancel `state` now. Errors: failed_precondition
/// when the message is finished (dispatched, failed, expired) or already cancelled;
/// permission_denied when a district node cancels a message that is not its own district's.
Status check_cancel(const MessageState& state, Role role, const std::string& district);

/// The scope a cancel of `state`'s message is written in: the message's own, so it reaches every
/// node that holds the message and no other (a district node cancels only its own district's,
/// so this is its own scope too).
std::string cancel_scope(const MessageState& state);

/// The longest reason a cancel keeps, in bytes.
inline constexpr size_t kMaxCancelReasonBytes = 2000;

/// Appends the messageCancel entry into (key, scope). Errors: invalid_argument when the reason
/// (at most kMaxCancelReasonBytes) or the user name (100) is not plain text
/// (util/plain_text.h), naming it; from the store.
Result<Entry> write_cancel(LogStore& store, const NodeKey& key, const std::string& scope, const CancelRecord& c);

/// True when a cancel of `message_id` is held. Errors: corruption/unavailable from the view.
Result<bool> cancel_held(const ViewReader& views, std::string_view message_id);

}  // namespace mhero
