// HTML form bodies (application/x-www-form-urlencoded, WHATWG URL Standard 5.1) parsed
// strictly: a bad percent escape, a NUL or invalid UTF-8 is an error naming the field, so a
// page never acts on a half-understood form.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace mhero::console {

class Form {
 public:
  Form() = default;
  explicit Form(std::vector<std::pair<std::string, std::string>> fields) : fields_(std::move(fields)) {}
  /// The first value of `name`, if present.
  std::optional<std::string> get(std::string_view name) const;
  /// The first value of `name`, or "" when absent.
  std::string value(std::string_view name) const { return get(name).value_or(""); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

/// Parses `body`; line breaks (CR LF, as browsers send a textarea's) come out as LF. Errors:
/// invalid_argument "form field N ('name'): …" for a bad %XX escape, a NUL byte or invalid
/// UTF-8; more than 64 fields.
Result<Form> parse_form(std::string_view body);

/// Whether `text` is valid UTF-8 (no overlongs, no surrogates).
bool valid_utf8(std::string_view text);

}  // namespace mhero::console
