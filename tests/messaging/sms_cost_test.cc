// SMS encoding and segment counts (3GPP TS 23.038 / 23.040) on real texts.
#include <catch2/catch.hpp>

#include "messaging/sms_cost.h"

using namespace mhero;

namespace {
std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}
}  // namespace

TEST_CASE("A plain English text is GSM-7, one part up to 160 characters", "[sms]") {
  auto c = sms_cost("Stock count due Friday. Reply with the number of ORS sachets.");
  CHECK(c.encoding == SmsEncoding::gsm7);
  CHECK(c.characters == 61);
  CHECK(c.units == 61);
  CHECK(c.segments == 1);
  CHECK(c.per_segment == 160);
  CHECK(c.forcing_ucs2.empty());
  CHECK(sms_cost(repeat("a", 160)).segments == 1);
  CHECK(sms_cost(repeat("a", 161)).segments == 2);
  CHECK(sms_cost(repeat("a", 161)).per_segment == 153);
  CHECK(sms_cost(repeat("a", 306)).segments == 2);
  CHECK(sms_cost(repeat("a", 307)).segments == 3);
  CHECK(sms_cost("").segments == 0);
}

TEST_CASE("Every character of the GSM 03.38 default alphabet is GSM-7 and costs one septet", "[sms]") {
  std::string alphabet =
      "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
      "¿abcdefghijklmnopqrstuvwxyzäöñüà";
  auto c = sms_cost(alphabet);
  CHECK(c.encoding == SmsEncoding::gsm7);
  CHECK(c.characters == 127);  // 128 codes less the escape.
  CHECK(c.units == 127);
  CHECK(is_gsm7(alphabet));
}

TEST_CASE("Extension-table characters cost two septets and an escape pair is never split", "[sms]") {
  auto c = sms_cost("Price: 5€ [approx] {x} ^ ~ | \\");
  CHECK(c.encoding == SmsEncoding::gsm7);
  CHECK(c.characters == 30);
  CHECK(c.units == 30 + 9);  // € [ ] { } ^ ~ | \ : nine extension characters.
  CHECK(sms_cost(repeat("€", 80)).segments == 1);   // 160 septets.
  CHECK(sms_cost(repeat("€", 81)).segments == 2);   // 162 septets.
  // 152 + 2 + 152 = 306 septets fits two parts of 153 by arithmetic, but the € cannot straddle:
  // part 1 holds 152 septets, part 2 the € and 151 a, part 3 the last a.
  CHECK(sms_cost(repeat("a", 152) + "€" + repeat("a", 152)).segments == 3);
  CHECK(sms_cost(repeat("a", 152) + "€" + repeat("a", 151)).segments == 2);
}

TEST_CASE("A curly quote forces UCS-2, is named, and the GSM-7 form replaces it", "[sms]") {
  std::string text = "Don’t forget the meeting at 9 o’clock — bring the stock cards…";
  auto c = sms_cost(text);
  CHECK(c.encoding == SmsEncoding::ucs2);
  CHECK(c.characters == 62);
  CHECK(c.units == 62);
  CHECK(c.segments == 1);
  CHECK(c.per_segment == 70);
  REQUIRE(c.forcing_ucs2.size() == 3);  // ’ once however often it occurs, — and ….
  CHECK(c.forcing_ucs2[0].text == "’");
  CHECK(c.forcing_ucs2[0].code == "U+2019");
  CHECK(c.forcing_ucs2[0].name == "right single quotation mark");
  CHECK(c.forcing_ucs2[0].gsm7 == "'");
  CHECK(c.forcing_ucs2[1].name == "em dash");
  CHECK(c.forcing_ucs2[2].name == "horizontal ellipsis");
  std::string gsm = gsm7_form(text);
  CHECK(gsm == "Don't forget the meeting at 9 o'clock - bring the stock cards...");
  auto g = sms_cost(gsm);
  CHECK(g.encoding == SmsEncoding::gsm7);
  CHECK(g.units == 64);
  CHECK(g.segments == 1);
}

TEST_CASE("UCS-2 parts: 70 units in one SMS, 67 per part, surrogate pairs count two and stay whole", "[sms]") {
  CHECK(sms_cost("’" + repeat("a", 69)).segments == 1);
  CHECK(sms_cost("’" + repeat("a", 70)).segments == 2);
  CHECK(sms_cost("’" + repeat("a", 133)).segments == 2);  // 134 = 2 x 67.
  CHECK(sms_cost("’" + repeat("a", 134)).segments == 3);
  auto emoji = sms_cost("Thank you 😀");
  CHECK(emoji.encoding == SmsEncoding::ucs2);
  CHECK(emoji.characters == 11);
  CHECK(emoji.units == 12);
  REQUIRE(emoji.forcing_ucs2.size() == 1);
  CHECK(emoji.forcing_ucs2[0].code == "U+1F600");
  CHECK_FALSE(emoji.forcing_ucs2[0].has_gsm7);
  CHECK(gsm7_form("Thank you 😀") == "Thank you 😀");  // No replacement: stays.
  // 66 units then an emoji: the pair does not fit in part 1's last unit.
  CHECK(sms_cost(repeat("a", 66) + "😀" + repeat("a", 66)).segments == 3);
}

TEST_CASE("GSM-7 forms: quotes, dashes, spaces, zero-width characters and accents", "[sms]") {
  CHECK(gsm7_form("“Yes” or ‘no’") == "\"Yes\" or 'no'");
  CHECK(gsm7_form("10\u00A0000 – 20\u202F000") == "10 000 - 20 000");
  CHECK(gsm7_form("a\u200Bb\uFEFF") == "ab");
  CHECK(gsm7_form("Santé publique: vérifiez") == "Santé publique: vérifiez");  // é is GSM-7.
  CHECK(gsm7_form("Ça va, maître?") == "Ça va, maitre?");
  CHECK(gsm7_form("façade") == "faÇade");
  CHECK(is_gsm7(gsm7_form("“Stock” – check…")));
  auto bad = sms_cost(std::string("ok \xff"));
  CHECK(bad.encoding == SmsEncoding::ucs2);
  CHECK(bad.forcing_ucs2.at(0).code == "U+FFFD");
}
