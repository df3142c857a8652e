// Shared by the Messages pages (pages_messages.cc: the list; pages_message.cc: one message).
#pragma once

#include <cstdint>
#include <string>

#include "console/router.h"
#include "messaging/message_query.h"
#include "node/config.h"

namespace mhero::console {

/// [console] message_delayed_ms (default 1 h).
int64_t message_delayed_ms(const NodeConfig& config);

/// True when `s` is pending or dispatching, not expired, and was due (not-before, else written)
/// at least `delay_ms` before `now_ms`.
bool message_delayed(const MessageState& s, int64_t now_ms, int64_t delay_ms);

/// The message's first text (or "Flow <uuid>"), cut at `max_chars` bytes on a UTF-8 boundary.
std::string message_summary(const MessageRecord& m, size_t max_chars);

/// GET /messages/{id} (pages_message.cc).
net::HttpResponse message_page(PageRequest& req);

}  // namespace mhero::console
