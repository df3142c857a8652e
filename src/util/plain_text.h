// Free text that people read on a console page and in a terminal: notes, reasons, names, SMS
// text. It must be UTF-8 (RFC 3629, util/utf8.h), hold no control characters (a terminal would
// run escape sequences; CR would write over a line) and no bidirectional overrides (Unicode
// UAX #9: they make text read other than it is stored).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "util/status.h"

namespace mhero {

/// ok when `text` is plain text of at most `max_bytes` bytes; LF and TAB are allowed only when
/// `lines`. Errors: invalid_argument naming `what` ("the note") and, for a bad byte or
/// character, its offset and code ("byte 0xFF at offset 3", "U+001B at offset 5").
Status check_plain_text(std::string_view what, std::string_view text, size_t max_bytes, bool lines);

/// `text` made safe to print to a terminal: control characters other than LF and TAB, bytes that
/// are not UTF-8, C1 controls and direction overrides written as `\xHH` or `\u{XXXX}`, and text
/// past `max_bytes` cut, with "… (N bytes in all)". For messages that quote what a user typed.
std::string terminal_safe(std::string_view text, size_t max_bytes = 2000);

/// Code points in `text`, which must be UTF-8 (check_plain_text).
size_t code_points(std::string_view text);

}  // namespace mhero
