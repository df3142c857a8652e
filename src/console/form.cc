#include "console/form.h"

#include <cstdint>

namespace mhero::console {

std::optional<std::string> Form::get(std::string_view name) const {
  for (const auto& [k, v] : fields_) {
    if (k == name) return v;
  }
  return std::nullopt;
}

bool valid_utf8(std::string_view text) {
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t n = 0;  // Continuation bytes.
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c >> 5) == 0x6) {
      n = 1;
    } else if ((c >> 4) == 0xE) {
      n = 2;
    } else if ((c >> 3) == 0x1E) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= text.size()) return false;
    uint32_t cp = c & (0x3Fu >> n);
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> decode(std::string_view text, size_t index, std::string_view what) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      bool room = i + 2 < text.size();
      int hi = room ? hex_value(text[i + 1]) : -1;
      int lo = room ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return invalid_argument("form field " + std::to_string(index + 1) + ": bad percent escape in the " +
                                std::string(what));
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  if (out.find('\0') != std::string::npos || !valid_utf8(out)) {
    return invalid_argument("form field " + std::to_string(index + 1) + ": the " + std::string(what) +
                            " is not valid UTF-8 text");
  }
  return out;
}

}  // namespace

Result<Form> parse_form(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> fields;
  size_t pos = 0, index = 0;
  while (pos < body.size()) {
    size_t end = body.find('&', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view item = body.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    if (fields.size() == 64) return invalid_argument("form has more than 64 fields");
    size_t eq = item.find('=');
    MHERO_ASSIGN_OR_RETURN(std::string key, decode(item.substr(0, eq), index, "name"));
    std::string value;
    if (eq != std::string_view::npos) {
      MHERO_ASSIGN_OR_RETURN(value, decode(item.substr(eq + 1), index, "value of '" + key + "'"));
    }
    fields.emplace_back(std::move(key), std::move(value));
    ++index;
  }
  return Form(std::move(fields));
}

}  // namespace mhero::console
