#include <catch2/catch.hpp>

#include "util/plain_text.h"

using namespace mhero;

TEST_CASE("check_plain_text: UTF-8, no controls or direction overrides, lines only where allowed, a byte limit") {
  auto why = [](std::string_view text, bool lines, size_t max = 100) {
    return check_plain_text("the note", text, max, lines).message();
  };
  CHECK(why("Ménsah, 2 lines\nand\ta tab", true).empty());
  CHECK(why("one\nline", false) == "the note has a control character (U+000A at offset 3): type plain text");
  CHECK(why("over\rwritten", true) == "the note has a control character (U+000D at offset 4): type plain text");
  CHECK(why("del\x7f", true) == "the note has a control character (U+007F at offset 3): type plain text");
  CHECK(why("nel\xc2\x85", true) == "the note has a control character (U+0085 at offset 3): type plain text");
  CHECK(why("x\xe2\x81\xa6y", true) == "the note has a text direction override (U+2066 at offset 1): type plain text");
  CHECK(why("caf\xe9", true) ==
        "the note is not UTF-8 text (byte 0xE9 at offset 3): set the terminal to UTF-8 and type it again as plain text");
  CHECK(why(std::string(101, 'a'), true) == "the note is 101 bytes long: 100 bytes at most (say it in a sentence or two)");
  CHECK(why(std::string(101, 'a'), false) == "the note is 101 bytes long: 100 bytes at most");
  CHECK(why(std::string(100, 'a'), false).empty());
  CHECK(check_plain_text("the note", "caf\xe9", 100, true).code() == StatusCode::invalid_argument);
}

TEST_CASE("code_points counts characters, not bytes") {
  CHECK(code_points("") == 0);
  CHECK(code_points("abc") == 3);
  CHECK(code_points("\xc3\xa9t\xc3\xa9") == 3);          // été
  CHECK(code_points("\xf0\x9f\x93\xb1 ok") == 4);        // U+1F4F1, a space, o, k
}

TEST_CASE("terminal_safe shows what was typed without running it, and cuts a huge value") {
  CHECK(terminal_safe("unknown entityID \x1b[2J") == "unknown entityID \\x1B[2J");
  CHECK(terminal_safe("caf\xe9 \xc2\x85 \xe2\x80\xae") == "caf\\xE9 \\u{0085} \\u{202E}");
  CHECK(terminal_safe("two\nlines\tand a tab, M\xc3\xa9nsah") == "two\nlines\tand a tab, M\xc3\xa9nsah");
  CHECK(terminal_safe(std::string(5000, 'a'), 2000) == std::string(2000, 'a') + "… (5000 bytes in all)");
}
