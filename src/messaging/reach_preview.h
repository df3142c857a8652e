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

/// Several health workers on one phone number get ONE SMS (one RapidPro contact).
struct PhoneSharing {
  size_t workers = 0;        // Health workers reached.
  size_t phones = 0;         // Distinct E.164 numbers among them (SMS per text).
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
  std::vector<TextCost> texts;  // One per text of the message (none for a flow).
  /// Phones x the most segments of any language: the SMS parts the message costs at most
  /// (exact with one text). 0 for a flow (the flow decides what it sends).
  size_t total_segments = 0;
};

/// The preview of `m` for `reach`.
ReachPreview preview_reach(const Reach& reach, const MessageRecord& m);

/// The preview as lines of text, as `mhero send` prints them (no trailing newlines).
std::vector<std::string> preview_lines(const ReachPreview& p);

}  // namespace mhero
