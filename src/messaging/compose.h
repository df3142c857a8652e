// Composing an outgoing message on any node (`mhero send`, the console's compose page):
// validation, the district rule, the scope a message is written in, and its outgoingMessage entry.
#pragma once

#include <string>

#include "identity/node_key.h"
#include "messaging/message_codec.h"
#include "node/config.h"
#include "store/log_store.h"
#include "util/clock.h"

namespace mhero {

/// A fresh random UUID v4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"), from libsodium.
std::string new_message_id();

/// The UUID text of 16 random-looking bytes (random, or a keyed hash's output), with the version
/// (4) and variant bits set as RFC 9562 lays out a version 4 UUID.
std::string uuid_v4_text(const uint8_t (&bytes)[16]);

/// The longest text of a message, in characters (Unicode code points): RapidPro's limit for a
/// broadcast's text (API v2 broadcasts, "text": at most 640 characters).
inline constexpr size_t kMaxTextCharacters = 640;

/// How far ahead --not-before and --expires may be: 366 days, in ms.
inline constexpr int64_t kMaxAheadMs = int64_t{366} * 86'400'000;

/// Parses a --not-before / --expires value: ISO 8601 UTC ("2026-12-01T08:00:00Z") or a delay
/// from `now` ("+30m", "+2h", "+1d", "+45s"). Returns Unix ms. Errors: invalid_argument naming
/// the option and the text: not either form, a date or time that does not exist (2026-02-30),
/// or more than kMaxAheadMs after `now`.
Result<int64_t> parse_when(std::string_view option, std::string_view text, std::chrono::milliseconds now);

/// Checks and completes `m` for a node of `role` in `district`: id set when empty; text XOR
/// flow; each text plain (util/plain_text.h: UTF-8, no control characters but LF and TAB), not
/// blank, at most kMaxTextCharacters; a non-empty target; channels known (sms, whatsapp, telegram; duplicates dropped); expires after not-before and in the future. A district node may
/// target only its own district: an omitted district list becomes [own]; any other district is
/// permission_denied. Errors: invalid_argument / permission_denied naming the option.
Status prepare_message(MessageRecord& m, Role role, const std::string& district, std::chrono::milliseconds now);

/// The scope a message of `m` is written in by a node whose own scope is `own_scope`
/// (DESIGN.md "Who holds what"). A district node: its own. The central node: "district/<code>"
/// when the target names exactly one district (a repeated code counts once) (kinds AND, so every recipient is in it, now and
/// after any registry change), so that only that district's node and the central node hold it;
/// else `own_scope` ("national"). A district code that is not a well-formed scope code stays
/// national.
std::string message_scope(const MessageRecord& m, Role role, const std::string& own_scope);

/// Appends the outgoingMessage entry into (key, scope). Errors: from the store.
Result<Entry> write_message(LogStore& store, const NodeKey& key, const std::string& scope, const MessageRecord& m);

}  // namespace mhero
