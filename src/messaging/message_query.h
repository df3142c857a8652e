// Reads of the "messages" view (message_view.h) that any node can make: per-message state,
// combined from the message, its dispatch records and its responses; and the responses.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "messaging/message_codec.h"
#include "store/view.h"
#include "util/status.h"

namespace mhero {

struct MessageState {
  MessageRecord message;
  std::vector<BatchRecord> batches;    // Send batches in batch order (no summary).
  std::optional<BatchRecord> summary;  // Final record once the dispatcher is done.
  std::optional<CancelRecord> cancel;  // An operator's cancel, once held here.
  size_t responses = 0;

  /// "pending" (nothing dispatched), "dispatching" (batches but no summary), "dispatched",
  /// "failed", "expired", "cancelled" (a cancel is held and the dispatcher has not finished the
  /// message otherwise: it stops before its next batch).
  std::string state() const;
  /// Health workers handed to RapidPro so far / targeted (from the summary when present).
  uint32_t sent_count() const;
  uint32_t targeted_count() const;
  /// Distinct phones (SMS per text) handed to RapidPro so far; records from before phone counts
  /// count one phone per worker.
  uint32_t phone_count() const;
  /// "dispatched 95/100", "dispatched 4/4 workers on 1 phone", "failed: flow: No such object: …",
  /// "expired", "pending", "dispatching: 300 of about 600 workers sent so far" (the total the
  /// author's preview counted, when recorded), "cancelled (200/600 sent before the cancel)".
  std::string describe() const;
};

/// Every message held, newest written first. Errors: corruption (undecodable view value).
Result<std::vector<MessageState>> list_messages(const ViewReader& views);

/// The messages the dispatcher still has work on: those without a summary record, loaded as
/// list_messages does (newest written first). A finished message costs one point lookup: its
/// batches and responses are not read, so a dispatch pass does not grow with the history of
/// everything ever sent. Errors: as list_messages.
Result<std::vector<MessageState>> list_unfinished_messages(const ViewReader& views);

/// The messages for which `keep(record)` (the message as written, before its batches and
/// responses are read) returns true, loaded as list_messages does. Errors: as list_messages, and
/// the first error `keep` returns.
Result<std::vector<MessageState>> list_messages_where(const ViewReader& views,
                                                      const std::function<Result<bool>(const MessageRecord&)>& keep);

/// One message. Errors: not_found, corruption.
Result<MessageState> message_state(const ViewReader& views, std::string_view message_id);

/// Responses, optionally only those to `message_id` and/or from `district`, by answer time.
Result<std::vector<ResponseRecord>> list_responses(const ViewReader& views,
                                                   const std::optional<std::string>& message_id,
                                                   const std::optional<std::string>& district);

/// True when a response with this RapidPro source id (run uuid / message id) is held.
Result<bool> response_held(const ViewReader& views, std::string_view source_id);

}  // namespace mhero
