// What a message will cost before it is written: the reach (health workers, phones, shared
// phones, exclusions) and the SMS cost of each text for the whole target. The same numbers for
// `mhero send` and the console's compose page. Pure functions over a resolved Reach.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "messaging/message_codec.h"
#include "messaging/sms_cost.h"
#include "messaging/worker_directory.h"

namespace mhero {

/// Several health workers on one phone number get ONE SMS (one RapidPro contact). "Phone" is the
/// urn a send uses (Worker::send_urn): a number, or a Telegram chat id.
struct PhoneSharing {
  size_t workers = 0;        // Health workers reached.
  size_t phones = 0;         // Distinct urns among them (messages per text).
  size_t shared_phones = 0;  // Phones with 2 or more workers.
  size_t min_sharing = 0;    // Fewest / most workers on one shared phone (0 when none is shared).
  size_t max_sharing = 0;
};

/// Counts `workers` by phone.
PhoneSharing phone_sharing(const std::vector<Worker>& workers);

/// "412 workers, 405 phones: 7 phones are shared by 2–3 workers" (or "… 1 phone is shared by 2
/// workers"; without sharing "12 workers, 12 phones").
std::string sharing_text(const PhoneSharing& s);

struct TextCost {
  std::string lang;  // "" = the default text.
  SmsCost cost;
  std::string gsm7;  // gsm7_form of the text when it differs from the text (else "").
};

struct ReachPreview {
  PhoneSharing sharing;
  size_t excluded_inactive = 0, excluded_no_mobile = 0, excluded_unassigned = 0;
  size_t excluded_no_channel = 0;  // Reachable only on channels the message is not limited to.
  /// Health workers per channel the send uses ("sms", "whatsapp", "telegram"), in that order,
  /// channels with none left out.
  std::vector<std::pair<std::string, size_t>> by_channel;
  size_t sms_phones = 0;        // Of sharing.phones, those reached by SMS (tel: urns).
  std::vector<TextCost> texts;  // One per text of the message (none for a flow).
  /// SMS phones x the most segments of any language: the SMS parts the message costs at most
  /// (exact with one text; WhatsApp and Telegram are not charged per segment). 0 for a flow.
  size_t total_segments = 0;
};

/// The preview of `m` for `reach`.
ReachPreview preview_reach(const Reach& reach, const MessageRecord& m);

/// The preview as lines of text, as `mhero send` prints them (no trailing newlines).
std::vector<std::string> preview_lines(const ReachPreview& p);

}  // namespace mhero
