#include "console/form.h"

#include <cstdint>

#include "util/utf8.h"

namespace mhero::console {

std::optional<std::string> Form::get(std::string_view name) const {
  for (const auto& [k, v] : fields_) {
    if (k == name) return v;
  }
  return std::nullopt;
}

bool valid_utf8(std::string_view text) { return !invalid_utf8_at(text); }

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
  // A textarea's line breaks come as CR LF (HTML, "textarea wrapping transformation"): stored
  // and checked as LF, the line break of the CLI's text too. A lone CR (which a terminal would
  // use to write over the start of a line) becomes LF as well.
  if (out.find('\r') != std::string::npos) {
    std::string lf;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] != '\r') lf += out[i];
      else if (i + 1 >= out.size() || out[i + 1] != '\n') lf += '\n';
    }
    out = std::move(lf);
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
