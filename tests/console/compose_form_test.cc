// The compose form's rules (console/compose_form.h): the same as `mhero send`, with errors tied
// to the form's controls.
#include <catch2/catch.hpp>

#include "console/compose_form.h"

using namespace mhero;
using namespace mhero::console;
using namespace std::chrono_literals;

namespace {
const std::chrono::milliseconds kNow{1'764'000'000'000};

std::vector<std::string> fields_of(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field);
  return out;
}
}  // namespace

TEST_CASE("compose_input pairs translation rows and drops empty ones", "[compose]") {
  ComposeInput in = compose_input({{"kind", "text"}, {"text", "Meeting"}, {"lang", "fra"}, {"ltext", "Réunion"},
                                   {"lang", ""}, {"ltext", "  "}, {"cadre", "NURSE"}, {"cadre", "CHW"},
                                   {"district", ""}, {"entities", "A-1, A-2\nA-3"}, {"priority", "urgent"},
                                   {"not_before", " +2h "}});
  CHECK(in.translations == std::vector<std::pair<std::string, std::string>>{{"fra", "Réunion"}});
  CHECK(in.cadres == std::vector<std::string>{"NURSE", "CHW"});
  CHECK(in.districts.empty());
  CHECK(in.priority == "urgent");
  CHECK(in.not_before == "+2h");
  ComposeOutcome out = compose_message(in, std::nullopt, Role::central, "", kNow);
  REQUIRE(out.errors.empty());
  CHECK(out.message.texts == std::vector<std::pair<std::string, std::string>>{{"", "Meeting"}, {"fra", "Réunion"}});
  CHECK(out.message.target.entity_ids == std::vector<std::string>{"A-1", "A-2", "A-3"});
  CHECK(out.message.urgent);
  CHECK(out.message.not_before_ms == kNow.count() + 2 * 3'600'000);
  CHECK_FALSE(out.message.id.empty());
}

TEST_CASE("bad compose input names the control and what is wrong", "[compose]") {
  ComposeInput in = compose_input({{"text", ""}, {"lang", "fr"}, {"ltext", "x"}, {"expires", "soon"}});
  ComposeOutcome out = compose_message(in, std::nullopt, Role::central, "", kNow);
  CHECK(fields_of(out.errors) == std::vector<std::string>{"c-text", "c-lang-1", "c-expires", "c-cadre"});
  CHECK(out.errors[1].message == "Translation 1: language 'fr' is not an ISO 639-3 code (three lower-case letters, e.g. fra).");
  CHECK(out.errors[2].message ==
        "Expires 'soon': expected ISO 8601 UTC (2026-12-01T08:00:00Z) or +N[s|m|h|d].");
  ComposeInput past = compose_input({{"text", "hi"}, {"cadre", "NURSE"}, {"expires", "2025-11-01T00:00:00Z"}});
  ComposeOutcome late = compose_message(past, std::nullopt, Role::central, "", kNow);
  REQUIRE(late.errors.size() == 1);
  CHECK(late.errors[0].field == "c-expires");
  CHECK(late.errors[0].message == "Expires is in the past.");  // The form's label, not `mhero send`'s --expires.
  ComposeInput ancient = compose_input({{"text", "hi"}, {"cadre", "NURSE"}, {"expires", "1970-01-01T00:00:00Z"}});
  ComposeOutcome never = compose_message(ancient, std::nullopt, Role::central, "", kNow);
  REQUIRE(never.errors.size() == 1);  // Not read as "no expiry".
  CHECK(never.errors[0].message == "Expires '1970-01-01T00:00:00Z' is more than a year ago: check the year.");
  ComposeInput twice = compose_input({{"text", "hi"}, {"cadre", "NURSE"}, {"lang", "fra"}, {"ltext", "salut"},
                                      {"lang", "fra"}, {"ltext", "bonjour"}});
  ComposeOutcome doubled = compose_message(twice, std::nullopt, Role::central, "", kNow);
  REQUIRE(doubled.errors.size() == 1);
  CHECK(doubled.errors[0].message == "Translation: language fra is given twice: give one text per language.");
  ComposeInput crossed = compose_input(
      {{"text", "hi"}, {"cadre", "NURSE"}, {"not_before", "2025-12-03T00:00:00Z"}, {"expires", "2025-12-02T12:00:00Z"}});
  ComposeOutcome order = compose_message(crossed, std::nullopt, Role::central, "", kNow);
  REQUIRE(order.errors.size() == 1);
  CHECK(order.errors[0].message == "Expires must be after Not before.");
  ComposeInput far = compose_input({{"text", "hi"}, {"cadre", "NURSE"}, {"not_before", "+400d"}});
  ComposeOutcome waits = compose_message(far, std::nullopt, Role::central, "", kNow);
  REQUIRE(waits.errors.size() == 1);
  CHECK(waits.errors[0].field == "c-not-before");
  CHECK(waits.errors[0].message ==
        "Not before '+400d' is more than a year ahead: a message waits at most 366 days; give a nearer time.");
  // Every problem in one round trip: a bad language and crossed times together.
  ComposeInput both = compose_input({{"text", "hi"}, {"lang", "zz"}, {"ltext", "x"}, {"cadre", "NURSE"},
                                     {"not_before", "2025-12-03T00:00:00Z"}, {"expires", "2025-12-02T12:00:00Z"}});
  ComposeOutcome all = compose_message(both, std::nullopt, Role::central, "", kNow);
  CHECK(fields_of(all.errors) == std::vector<std::string>{"c-lang-1", "c-expires"});
  CHECK(all.errors[1].message == "Expires must be after Not before.");
  ComposeInput flow = compose_input({{"kind", "flow"}, {"flow", "11111111-2222-4333-8444-555555555555"}, {"cadre", "NURSE"}});
  ComposeOutcome unknown = compose_message(flow, std::nullopt, Role::central, "", kNow);
  REQUIRE(unknown.errors.size() == 1);
  CHECK(unknown.errors[0].field == "c-flow");
  FlowList flows;
  flows.flows.push_back({"11111111-2222-4333-8444-555555555555", "Stock survey", "message", false, 0, {}});
  ComposeOutcome known = compose_message(flow, flows, Role::central, "", kNow);
  REQUIRE(known.errors.empty());
  CHECK(known.message.flow_name == "Stock survey");
  CHECK(known.message.texts.empty());
}

TEST_CASE("a district node composes only for its own district", "[compose]") {
  ComposeInput mine = compose_input({{"text", "hi"}, {"cadre", "NURSE"}});
  ComposeOutcome out = compose_message(mine, std::nullopt, Role::district, "BONG", kNow);
  REQUIRE(out.errors.empty());
  CHECK(out.message.target.districts == std::vector<std::string>{"BONG"});
  ComposeInput other = compose_input({{"text", "hi"}, {"district", "NIMBA"}});
  ComposeOutcome refused = compose_message(other, std::nullopt, Role::district, "BONG", kNow);
  REQUIRE_FALSE(refused.errors.empty());
  CHECK(refused.errors[0].field == "c-district");
  CHECK(refused.errors[0].message == "District NIMBA: this district node composes only for its own district (BONG).");
}

TEST_CASE("the GSM-7 form replaces the texts; hidden fields carry the input", "[compose]") {
  ComposeInput in = compose_input({{"text", "Don’t be late…"}, {"lang", "fra"}, {"ltext", "N’oubliez pas"}});
  ComposeInput gsm = with_gsm7_texts(in);
  CHECK(gsm.text == "Don't be late...");
  CHECK(gsm.translations[0].second == "N'oubliez pas");
  std::string hidden = hidden_fields(in).str();
  CHECK(hidden.find(R"(name="ltext" value="N’oubliez pas")") != std::string::npos);
  CHECK(hidden.find(R"(name="lang" value="fra")") != std::string::npos);
}
