#include "util/plain_text.h"

#include <cstdio>

#include "util/utf8.h"

namespace mhero {

Status check_plain_text(std::string_view what, std::string_view text, size_t max_bytes, bool lines) {
  const std::string name(what);
  if (text.size() > max_bytes) {
    return invalid_argument(name + " is " + std::to_string(text.size()) + " bytes long: " + std::to_string(max_bytes) +
                            " bytes at most" + (lines ? " (say it in a sentence or two)" : ""));
  }
  for (size_t i = 0; i < text.size();) {
    auto at = utf8_at(text, i);
    if (!at) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[i]));
      return invalid_argument(name + " is not UTF-8 text (byte " + hex + " at offset " + std::to_string(i) +
                              "): set the terminal to UTF-8 and type it again as plain text");
    }
    char32_t cp = at->first;
    bool control = (cp < 0x20 && !(lines && (cp == '\n' || cp == '\t'))) || (cp >= 0x7f && cp <= 0x9f);
    bool bidi = (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
    if (control || bidi) {
      char code[12];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
      return invalid_argument(name + " has a " + (control ? "control character" : "text direction override") + " (" +
                              code + " at offset " + std::to_string(i) + "): type plain text");
    }
    i += at->second;
  }
  return {};
}

std::string terminal_safe(std::string_view text, size_t max_bytes) {
  std::string out;
  size_t i = 0;
  for (; i < text.size() && out.size() < max_bytes;) {
    auto at = utf8_at(text, i);
    char escaped[16];
    if (!at) {
      std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned char>(text[i]));
      out += escaped;
      ++i;
      continue;
    }
    char32_t cp = at->first;
    bool control = (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7f && cp <= 0x9f);
    bool bidi = (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
    if (control && cp < 0x80) {
      std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned>(cp));
      out += escaped;
    } else if (control || bidi) {
      std::snprintf(escaped, sizeof escaped, "\\u{%04X}", static_cast<unsigned>(cp));
      out += escaped;
    } else {
      out.append(text.substr(i, at->second));
    }
    i += at->second;
  }
  if (i < text.size()) out += "… (" + std::to_string(text.size()) + " bytes in all)";
  return out;
}

size_t code_points(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

}  // namespace mhero
