// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace mhero {

/// The code point that starts at text[i] and its length in bytes (1-4); nullopt when the bytes
/// there are not UTF-8. `i` must be < text.size().
inline std::optional<std::pair<char32_t, size_t>> utf8_at(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) return std::pair<char32_t, size_t>{b0, 1};
  size_t n = b0 >= 0xf0 && b0 <= 0xf4 ? 4 : b0 >= 0xe0 && b0 < 0xf0 ? 3 : b0 >= 0xc2 && b0 < 0xe0 ? 2 : 0;
  if (n == 0 || i + n > text.size()) return std::nullopt;
  char32_t cp = b0 & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
  return std::pair<char32_t, size_t>{cp, n};
}

/// The offset of the first byte that is not UTF-8; nullopt when all of `text` is.
inline std::optional<size_t> invalid_utf8_at(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    auto at = utf8_at(text, i);
    if (!at) return i;
    i += at->second;
  }
  return std::nullopt;
}

}  // namespace mhero
