// What an SMS text costs: its encoding, characters and segments (3GPP TS 23.038, "GSM 03.38",
// default alphabet and its extension table; TS 23.040 concatenated SMS with a 6-byte UDH), and
// the GSM-7 form of a text whose typographic characters (curly quotes, dashes, ellipsis,
// no-break spaces…) force the costlier UCS-2 encoding. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mhero {

enum class SmsEncoding { gsm7, ucs2 };

/// "GSM-7" or "UCS-2".
const char* sms_encoding_name(SmsEncoding e);

/// A character that keeps a text out of GSM-7.
struct Ucs2Char {
  std::string text;   // The character as UTF-8 ("’").
  std::string code;   // "U+2019".
  std::string name;   // "right single quotation mark"; "" when we have no name for it.
  std::string gsm7;   // Its GSM-7 replacement ("'"); "" when there is none (emoji, scripts).
  bool has_gsm7 = false;  // True when `gsm7` is a replacement (it may be "" for zero-width chars).
};

struct SmsCost {
  SmsEncoding encoding = SmsEncoding::gsm7;
  size_t characters = 0;  // Unicode code points.
  size_t units = 0;       // GSM-7 septets (extension-table characters count 2) or UTF-16 code units.
  size_t segments = 0;    // SMS parts: 0 for an empty text; 1 up to 160 septets / 70 units;
                          // else parts of 153 septets / 67 units (an escape pair or a surrogate
                          // pair is never split across parts).
  size_t per_segment = 0; // The limit that applied: 160, 153, 70 or 67 (0 for an empty text).
  std::vector<Ucs2Char> forcing_ucs2;  // Distinct characters outside GSM-7, first-seen order.
};

/// The cost of `utf8`. Bytes that are not UTF-8 count as U+FFFD (which forces UCS-2).
SmsCost sms_cost(std::string_view utf8);

/// `utf8` with every character that has a GSM-7 replacement replaced (’ → ', “ → ", – — → -,
/// … → ..., no-break and thin spaces → space, zero-width characters removed, accented letters
/// outside the alphabet → their base letter). Characters without a replacement stay.
std::string gsm7_form(std::string_view utf8);

/// True when every character of `utf8` is in the GSM-7 alphabet or its extension table.
bool is_gsm7(std::string_view utf8);

}  // namespace mhero
