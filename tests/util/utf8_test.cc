// util/utf8.h: UTF-8 as RFC 3629 defines it (its section 10 lists the forms refused here).
#include <catch2/catch.hpp>

#include "util/utf8.h"

using namespace mhero;

TEST_CASE("utf8_at reads one code point and refuses what RFC 3629 refuses", "[utf8]") {
  CHECK(utf8_at("a", 0) == std::pair<char32_t, size_t>{U'a', 1});
  CHECK(utf8_at("\xc3\xa9", 0) == std::pair<char32_t, size_t>{U'\u00e9', 2});        // é
  CHECK(utf8_at("\xe2\x80\xae", 0) == std::pair<char32_t, size_t>{U'\u202e', 3});    // RLO
  CHECK(utf8_at("\xf0\x9f\x93\xb1", 0) == std::pair<char32_t, size_t>{U'\U0001f4f1', 4});  // Mobile phone.
  CHECK_FALSE(utf8_at("\xff", 0));              // Never in UTF-8.
  CHECK_FALSE(utf8_at("\xc0\xaf", 0));          // Overlong '/'.
  CHECK_FALSE(utf8_at("\xe0\x80\xaf", 0));      // Overlong '/' in three bytes.
  CHECK_FALSE(utf8_at("\xed\xa0\x80", 0));      // A surrogate (U+D800).
  CHECK_FALSE(utf8_at("\xf4\x90\x80\x80", 0));  // Above U+10FFFF.
  CHECK_FALSE(utf8_at("\xe2\x80", 0));          // Cut short.
  CHECK_FALSE(utf8_at("\xc3(", 0));             // Not a continuation byte.
}

TEST_CASE("invalid_utf8_at names the first byte that is not UTF-8", "[utf8]") {
  CHECK_FALSE(invalid_utf8_at(""));
  CHECK_FALSE(invalid_utf8_at("Ménsah, Gbarnga \xf0\x9f\x93\xb1"));
  CHECK(invalid_utf8_at("bad \xff") == 4u);
  CHECK(invalid_utf8_at("ok \xc3\xa9 then \xe2\x80") == 11u);  // "ok " 3 bytes, "é" 2, " then " 6.
}
