// Reads of the "messages" view (message_view.h) that any node can make: per-message state,
// combined from the message, its dispatch records and its responses; and the responses.
#pragma once

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
  size_t responses = 0;

  /// "pending" (nothing dispatched), "dispatching" (batches but no summary), "dispatched",
  /// "failed", "expired".
  std::string state() const;
  /// Health workers handed to RapidPro so far / targeted (from the summary when present).
  uint32_t sent_count() const;
  uint32_t targeted_count() const;
  /// "dispatched 95/100", "failed: flow: No such object: …", "expired", "pending", "dispatching 300/…".
  std::string describe() const;
};

/// Every message held, newest written first. Errors: corruption (undecodable view value).
Result<std::vector<MessageState>> list_messages(const ViewReader& views);

/// One message. Errors: not_found, corruption.
Result<MessageState> message_state(const ViewReader& views, std::string_view message_id);

/// Responses, optionally only those to `message_id` and/or from `district`, by answer time.
Result<std::vector<ResponseRecord>> list_responses(const ViewReader& views,
                                                   const std::optional<std::string>& message_id,
                                                   const std::optional<std::string>& district);

/// True when a response with this RapidPro source id (run uuid / message id) is held.
Result<bool> response_held(const ViewReader& views, std::string_view source_id);

}  // namespace mhero
