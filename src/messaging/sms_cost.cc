#include "messaging/sms_cost.h"

#include <algorithm>
#include <cstdio>

namespace mhero {

namespace {

// 3GPP TS 23.038 6.2.1, the GSM 7-bit default alphabet, in code order 0x00..0x7F (0x1B, the
// escape to the extension table, is not a character).
constexpr char32_t kBasic[128] = {
    U'@', U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'\n', U'Ø', U'ø', U'\r', U'Å', U'å',
    U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ', U'Θ', U'Ξ', 0, U'Æ', U'æ', U'ß', U'É',
    U' ', U'!', U'"', U'#', U'¤', U'%', U'&', U'\'', U'(', U')', U'*', U'+', U',', U'-', U'.', U'/',
    U'0', U'1', U'2', U'3', U'4', U'5', U'6', U'7', U'8', U'9', U':', U';', U'<', U'=', U'>', U'?',
    U'¡', U'A', U'B', U'C', U'D', U'E', U'F', U'G', U'H', U'I', U'J', U'K', U'L', U'M', U'N', U'O',
    U'P', U'Q', U'R', U'S', U'T', U'U', U'V', U'W', U'X', U'Y', U'Z', U'Ä', U'Ö', U'Ñ', U'Ü', U'§',
    U'¿', U'a', U'b', U'c', U'd', U'e', U'f', U'g', U'h', U'i', U'j', U'k', U'l', U'm', U'n', U'o',
    U'p', U'q', U'r', U's', U't', U'u', U'v', U'w', U'x', U'y', U'z', U'ä', U'ö', U'ñ', U'ü', U'à'};

// 6.2.1.1, the extension table (ESC + code): form feed ^ { } \ [ ~ ] | €.
constexpr char32_t kExtension[] = {U'\f', U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|', U'€'};

struct Replacement {
  char32_t from;
  const char* to;
  const char* name;
};

// GSM-7 forms of characters that typically slip in from word processors and phones.
constexpr Replacement kReplacements[] = {
    {U'\u2018', "'", "left single quotation mark"},
    {U'\u2019', "'", "right single quotation mark"},
    {U'\u201A', "'", "single low-9 quotation mark"},
    {U'\u201B', "'", "single high-reversed-9 quotation mark"},
    {U'\u2032', "'", "prime"},
    {U'\u00B4', "'", "acute accent"},
    {U'`', "'", "grave accent"},
    {U'\u201C', "\"", "left double quotation mark"},
    {U'\u201D', "\"", "right double quotation mark"},
    {U'\u201E', "\"", "double low-9 quotation mark"},
    {U'\u201F', "\"", "double high-reversed-9 quotation mark"},
    {U'\u2033', "\"", "double prime"},
    {U'\u00AB', "\"", "left-pointing double angle quotation mark"},
    {U'\u00BB', "\"", "right-pointing double angle quotation mark"},
    {U'\u2010', "-", "hyphen"},
    {U'\u2011', "-", "non-breaking hyphen"},
    {U'\u2012', "-", "figure dash"},
    {U'\u2013', "-", "en dash"},
    {U'\u2014', "-", "em dash"},
    {U'\u2015', "-", "horizontal bar"},
    {U'\u2212', "-", "minus sign"},
    {U'\u2026', "...", "horizontal ellipsis"},
    {U'\u00A0', " ", "no-break space"},
    {U'\u2002', " ", "en space"},
    {U'\u2003', " ", "em space"},
    {U'\u2007', " ", "figure space"},
    {U'\u2008', " ", "punctuation space"},
    {U'\u2009', " ", "thin space"},
    {U'\u200A', " ", "hair space"},
    {U'\u202F', " ", "narrow no-break space"},
    {U'\t', " ", "tab"},
    {U'\u200B', "", "zero width space"},
    {U'\u200C', "", "zero width non-joiner"},
    {U'\u200D', "", "zero width joiner"},
    {U'\u2060', "", "word joiner"},
    {U'\uFEFF', "", "zero width no-break space (byte order mark)"},
    {U'\u00AD', "", "soft hyphen"},
    {U'\u2022', "*", "bullet"},
    {U'\u00B7', ".", "middle dot"},
    {U'\u2044', "/", "fraction slash"},
    {U'\u00D7', "x", "multiplication sign"},
    {U'\u00B0', " deg", "degree sign"},
    {U'\u00E1', "a", "a with acute"},
    {U'\u00E2', "a", "a with circumflex"},
    {U'\u00E3', "a", "a with tilde"},
    {U'\u00C0', "A", "A with grave"},
    {U'\u00C1', "A", "A with acute"},
    {U'\u00C2', "A", "A with circumflex"},
    {U'\u00E7', "\u00C7", "c with cedilla"},
    {U'\u00EA', "e", "e with circumflex"},
    {U'\u00EB', "e", "e with diaeresis"},
    {U'\u00C8', "E", "E with grave"},
    {U'\u00CA', "E", "E with circumflex"},
    {U'\u00ED', "i", "i with acute"},
    {U'\u00EE', "i", "i with circumflex"},
    {U'\u00EF', "i", "i with diaeresis"},
    {U'\u00F3', "o", "o with acute"},
    {U'\u00F4', "o", "o with circumflex"},
    {U'\u00F5', "o", "o with tilde"},
    {U'\u00FA', "u", "u with acute"},
    {U'\u00FB', "u", "u with circumflex"},
    {U'\u0153', "oe", "ligature oe"},
    {U'\u0152', "OE", "ligature OE"},
};

bool in_basic(char32_t c) {
  return c != 0 && std::find(std::begin(kBasic), std::end(kBasic), c) != std::end(kBasic);
}

bool in_extension(char32_t c) { return std::find(std::begin(kExtension), std::end(kExtension), c) != std::end(kExtension); }

const Replacement* replacement_of(char32_t c) {
  for (const auto& r : kReplacements) {
    if (r.from == c) return &r;
  }
  return nullptr;
}

/// Decodes one code point at `i` (advancing it); U+FFFD for a bad sequence (one byte consumed).
char32_t next_code_point(std::string_view s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return U'\uFFFD';
  }
  char32_t c = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return U'\uFFFD';
    }
    c = (c << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < kMin[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    ++i;
    return U'\uFFFD';
  }
  i += len;
  return c;
}

std::string utf8_of(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) out.push_back(next_code_point(s, i));
  return out;
}

/// Parts needed for `widths` (units per character) with `single` units in one SMS and `multi`
/// units per part of a concatenated SMS; a character never straddles two parts.
size_t parts(const std::vector<size_t>& widths, size_t total, size_t single, size_t multi) {
  if (total == 0) return 0;
  if (total <= single) return 1;
  size_t count = 1, used = 0;
  for (size_t w : widths) {
    if (used + w > multi) {
      ++count;
      used = 0;
    }
    used += w;
  }
  return count;
}

}  // namespace

const char* sms_encoding_name(SmsEncoding e) { return e == SmsEncoding::gsm7 ? "GSM-7" : "UCS-2"; }

bool is_gsm7(std::string_view utf8) {
  for (char32_t c : code_points(utf8)) {
    if (!in_basic(c) && !in_extension(c)) return false;
  }
  return true;
}

SmsCost sms_cost(std::string_view utf8) {
  SmsCost cost;
  std::vector<char32_t> cps = code_points(utf8);
  cost.characters = cps.size();
  std::vector<char32_t> seen;
  for (char32_t c : cps) {
    if (in_basic(c) || in_extension(c)) continue;
    cost.encoding = SmsEncoding::ucs2;
    if (std::find(seen.begin(), seen.end(), c) != seen.end()) continue;
    seen.push_back(c);
    Ucs2Char u;
    u.text = utf8_of(c);
    char code[16];
    std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
    u.code = code;
    if (const Replacement* r = replacement_of(c)) {
      u.name = r->name;
      u.gsm7 = r->to;
      u.has_gsm7 = true;
    } else if (c == U'\uFFFD') {
      u.name = "not UTF-8 (replacement character)";
    }
    cost.forcing_ucs2.push_back(std::move(u));
  }
  std::vector<size_t> widths;
  widths.reserve(cps.size());
  for (char32_t c : cps) {
    if (cost.encoding == SmsEncoding::gsm7) {
      widths.push_back(in_extension(c) ? 2 : 1);
    } else {
      widths.push_back(c >= 0x10000 ? 2 : 1);
    }
  }
  for (size_t w : widths) cost.units += w;
  const bool gsm = cost.encoding == SmsEncoding::gsm7;
  const size_t single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
  cost.segments = parts(widths, cost.units, single, multi);
  cost.per_segment = cost.segments == 0 ? 0 : cost.segments == 1 ? single : multi;
  return cost;
}

std::string gsm7_form(std::string_view utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    size_t start = i;
    char32_t c = next_code_point(utf8, i);
    const Replacement* r = (in_basic(c) || in_extension(c)) ? nullptr : replacement_of(c);
    if (r) {
      out += r->to;
    } else {
      out.append(utf8.substr(start, i - start));
    }
  }
  return out;
}

}  // namespace mhero
