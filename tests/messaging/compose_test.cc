#include <catch2/catch.hpp>

#include "messaging/compose.h"

using namespace mhero;
using namespace std::chrono_literals;

namespace {
MessageRecord text(MessageTarget t) {
  MessageRecord m;
  m.texts = {{"", "hello"}};
  m.target = std::move(t);
  return m;
}
const std::chrono::milliseconds kNow{1'700'000'000'000};
}  // namespace

TEST_CASE("a district node targets only its own district") {
  auto m = text({{"NURSE"}, {}, {}, {}, {}});
  REQUIRE(prepare_message(m, Role::district, "BONG", kNow).ok());
  CHECK(m.target.districts == std::vector<std::string>{"BONG"});
  CHECK(m.id.size() == 36);
  auto other = text({{}, {"NIMBA"}, {}, {}, {}});
  Status s = prepare_message(other, Role::district, "BONG", kNow);
  CHECK(s.code() == StatusCode::permission_denied);
  CHECK(s.message().find("--district NIMBA") != std::string::npos);
  auto central = text({{}, {"NIMBA"}, {}, {}, {}});
  CHECK(prepare_message(central, Role::central, "", kNow).ok());
}

TEST_CASE("a central message for one district is written in that district's scope, others in national") {
  // Only the named district's node (and the central node) then hold its text (DESIGN.md "Who holds what").
  CHECK(message_scope(text({{"NURSE"}, {"BONG"}, {}, {}, {}}), Role::central, "national") == "district/BONG");
  CHECK(message_scope(text({{}, {"BONG"}, {"F1"}, {}, {"p1"}}), Role::central, "national") == "district/BONG");
  CHECK(message_scope(text({{}, {"BONG", "NIMBA"}, {}, {}, {}}), Role::central, "national") == "national");
  CHECK(message_scope(text({{}, {"BONG", "BONG"}, {}, {}, {}}), Role::central, "national") == "district/BONG");
  CHECK(message_scope(text({{"NURSE"}, {}, {}, {}, {}}), Role::central, "national") == "national");
  CHECK(message_scope(text({{}, {}, {}, {}, {"p1"}}), Role::central, "national") == "national");
  CHECK(message_scope(text({{}, {"no/such code"}, {}, {}, {}}), Role::central, "national") == "national");
  CHECK(message_scope(text({{}, {"BONG"}, {}, {}, {}}), Role::district, "district/BONG") == "district/BONG");
}

TEST_CASE("compose rejects bad input naming the option") {
  auto none = text({});
  CHECK(prepare_message(none, Role::central, "", kNow).message().find("no target") != std::string::npos);
  auto both = text({{"NURSE"}, {}, {}, {}, {}});
  both.flow_uuid = "11111111-2222-4333-8444-555555555555";
  CHECK(prepare_message(both, Role::central, "", kNow).code() == StatusCode::invalid_argument);
  MessageRecord bad_flow;
  bad_flow.flow_uuid = "not-a-uuid";
  bad_flow.target.cadres = {"NURSE"};
  CHECK(prepare_message(bad_flow, Role::central, "", kNow).message().find("--flow 'not-a-uuid'") != std::string::npos);
  auto past = text({{"NURSE"}, {}, {}, {}, {}});
  past.expires_at_ms = kNow.count() - 1;
  CHECK(prepare_message(past, Role::central, "", kNow).message() == "--expires is in the past");
  auto order = text({{"NURSE"}, {}, {}, {}, {}});
  order.not_before_ms = kNow.count() + 10'000;
  order.expires_at_ms = kNow.count() + 5'000;
  CHECK(prepare_message(order, Role::central, "", kNow).message() == "--expires must be after --not-before");
}

TEST_CASE("parse_when reads ISO 8601 UTC and +N delays") {
  CHECK(*parse_when("--expires", "+2h", kNow) == kNow.count() + 7'200'000);
  CHECK(*parse_when("--expires", "+30m", kNow) == kNow.count() + 1'800'000);
  CHECK(*parse_when("--not-before", "2024-06-01T08:00:00Z", kNow) == 1'717'228'800'000);
  auto bad = parse_when("--expires", "tomorrow", kNow);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("--expires 'tomorrow'") != std::string::npos);
}

TEST_CASE("parse_when refuses dates that do not exist and times more than a year ahead, without overflow") {
  auto message = [](std::string_view text) { return parse_when("--expires", text, kNow).status().message(); };
  CHECK(message("2024-02-30T08:00:00Z") == "--expires '2024-02-30T08:00:00Z': that date or time does not exist");
  CHECK(message("2024-13-01T08:00:00Z") == "--expires '2024-13-01T08:00:00Z': that date or time does not exist");
  CHECK(message("2024-06-01T24:00:00Z") == "--expires '2024-06-01T24:00:00Z': that date or time does not exist");
  CHECK(parse_when("--expires", "2024-02-29T08:00:00Z", kNow).ok());  // A leap day.
  const std::string too_far = "' is more than a year ahead: a message waits at most 366 days; give a nearer time";
  CHECK(message("9999-12-31T23:59:59Z") == "--expires '9999-12-31T23:59:59Z" + too_far);
  CHECK(message("+367d") == "--expires '+367d" + too_far);
  CHECK(message("+9223372036854775807s") == "--expires '+9223372036854775807s" + too_far);  // Would wrap.
  CHECK(message("+99999999999999999999d") == "--expires '+99999999999999999999d" + too_far);  // Over 2^64.
  // Unix time 0 would read as "no time given": a year ago or more is refused.
  CHECK(message("1970-01-01T00:00:00Z") == "--expires '1970-01-01T00:00:00Z' is more than a year ago: check the year");
  CHECK(message("2022-11-01T00:00:00Z") == "--expires '2022-11-01T00:00:00Z' is more than a year ago: check the year");
  CHECK(parse_when("--not-before", "2023-11-13T00:00:00Z", kNow).ok());  // A day ago: sent at once.
  CHECK(*parse_when("--expires", "+366d", kNow) == kNow.count() + kMaxAheadMs);
  CHECK(*parse_when("--expires", "+0000000002h", kNow) == kNow.count() + 7'200'000);
}

TEST_CASE("a text is plain, not blank and at most 640 characters (RapidPro's limit); neither text nor flow is named") {
  auto refusal = [](std::string body) {
    auto m = text({{"NURSE"}, {}, {}, {}, {}});
    m.texts = {{"", std::move(body)}};
    return prepare_message(m, Role::central, "", kNow).message();
  };
  CHECK(refusal("   \n ") == "--text: the text is only blanks; write the message");
  CHECK(refusal("hi\x1b[31m") == "--text has a control character (U+001B at offset 2): type plain text");
  CHECK(refusal("hi\x01") == "--text has a control character (U+0001 at offset 2): type plain text");
  CHECK(refusal("caf\xe9") ==
        "--text is not UTF-8 text (byte 0xE9 at offset 3): set the terminal to UTF-8 and type it again as plain text");
  CHECK(refusal(std::string(641, 'a')) ==
        "--text is 641 characters long: RapidPro sends at most 640 characters in one message; shorten it, or split "
        "it into two messages");
  std::string accented;
  for (int i = 0; i < 640; ++i) accented += "\xc3\xa9";  // 640 characters in 1,280 bytes: allowed.
  CHECK(refusal(accented).empty());
  CHECK(refusal("line one\n\tline two").empty());
  auto french = text({{"NURSE"}, {}, {}, {}, {}});
  french.texts.emplace_back("fra", " ");
  CHECK(prepare_message(french, Role::central, "", kNow).message() ==
        "--text for language fra: the text is only blanks; write the message");
  // Translations: ISO 639-3 codes, one text per language, checked here for the CLI and the console alike.
  auto translated = [](std::vector<std::pair<std::string, std::string>> texts) {
    auto m = text({{"NURSE"}, {}, {}, {}, {}});
    for (auto& t : texts) m.texts.push_back(std::move(t));
    return prepare_message(m, Role::central, "", kNow).message();
  };
  CHECK(translated({{"fra", "bonjour"}}).empty());
  CHECK(translated({{"fr\x1b", "bonjour"}}) ==
        "--text-lang's language has a control character (U+001B at offset 2): type plain text");
  CHECK(translated({{"fr", "bonjour"}}) ==
        "--text-lang: language 'fr' is not an ISO 639-3 code (three lower-case letters, e.g. fra)");
  CHECK(translated({{"", "bonjour"}}) ==
        "--text-lang: language '' is not an ISO 639-3 code (three lower-case letters, e.g. fra)");
  CHECK(translated({{"fra", "bonjour"}, {"fra", "salut"}}) ==
        "--text-lang: language fra is given twice: give one text per language");
  MessageRecord neither;
  neither.target.cadres = {"NURSE"};
  CHECK(prepare_message(neither, Role::central, "", kNow).message() == "give --text (and --text-lang) or --flow");
}
