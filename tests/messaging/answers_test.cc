// Answers: the answers view in time order with cursors (answer_view.h), the row writer shared by
// `mhero responses list` and the console's export (response_rows.h), and the summaries
// (response_summary.h: median, histogram, categories, responses per hour).
#include <catch2/catch.hpp>

#include "fixture.h"
#include "messaging/response_rows.h"
#include "messaging/response_summary.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

ResponseRecord answer(std::string source, int64_t at, std::string message, std::string district,
                      std::vector<std::pair<std::string, std::string>> values, std::string text = "") {
  ResponseRecord r;
  r.source_id = std::move(source);
  r.answered_at_ms = at;
  r.message_id = std::move(message);
  r.district = std::move(district);
  r.entity_id = r.district + "-" + r.source_id;
  r.values = std::move(values);
  r.raw_text = std::move(text);
  return r;
}

void write(MessagingFixture& f, const ResponseRecord& r) {
  capnp::MallocMessageBuilder b;
  response_to_capnp(r, b.initRoot<schema::Payload>().initResponse());
  REQUIRE(f.store->append(f.central, "district/" + r.district, b.getRoot<schema::Payload>().asReader()).ok());
}

std::vector<std::string> sources(MessagingFixture& f, AnswerFilter filter, std::string after = "", size_t limit = 100,
                                 std::string* cursor_out = nullptr) {
  std::vector<std::string> out;
  Status s = scan_answers(f.store->views(), filter, after, [&](const ResponseRecord& r, const std::string& cursor) {
    if (out.size() == limit) return false;
    out.push_back(r.source_id);
    if (cursor_out) *cursor_out = cursor;
    return true;
  });
  REQUIRE(s.ok());
  return out;
}

}  // namespace

TEST_CASE("answers view: time order, filters by message and district, cursor paging", "[answers]") {
  MessagingFixture f(1, 1);
  write(f, answer("run:c", 3000, "m1", "BONG", {{"stock", "4"}}));
  write(f, answer("run:a", 1000, "m1", "NIMBA", {{"stock", "9"}}));
  write(f, answer("msg:7", 2000, "", "BONG", {}, "Yes we got it"));
  write(f, answer("run:b", 2000, "m2", "BONG", {{"stock", "1"}}));
  write(f, answer("run:a", 9000, "m1", "NIMBA", {{"stock", "99"}}));  // Same source again: first stays.

  CHECK(sources(f, {}) == std::vector<std::string>{"run:a", "msg:7", "run:b", "run:c"});
  CHECK(sources(f, {"m1", ""}) == std::vector<std::string>{"run:a", "run:c"});
  CHECK(sources(f, {"", "BONG"}) == std::vector<std::string>{"msg:7", "run:b", "run:c"});
  CHECK(sources(f, {"m1", "BONG"}) == std::vector<std::string>{"run:c"});
  CHECK(sources(f, {"-", ""}) == std::vector<std::string>{"msg:7"});
  CHECK(sources(f, {"a/b", ""}).empty());

  std::string cursor;
  CHECK(sources(f, {}, "", 2, &cursor) == std::vector<std::string>{"run:a", "msg:7"});
  CHECK(sources(f, {}, cursor, 2, &cursor) == std::vector<std::string>{"run:b", "run:c"});
  CHECK(sources(f, {"", "BONG"}, "", 1, &cursor) == std::vector<std::string>{"msg:7"});
  CHECK(sources(f, {"", "BONG"}, cursor) == std::vector<std::string>{"run:b", "run:c"});
  Status bad = scan_answers(f.store->views(), {}, "nonsense", [](const ResponseRecord&, const std::string&) { return true; });
  CHECK(bad.code() == StatusCode::invalid_argument);
  CHECK_THAT(bad.message(), Catch::Contains("nonsense"));
}

TEST_CASE("response rows: CSV quoting, formula guard, SMS replies keep their text", "[answers]") {
  CHECK(response_csv_header() == "message_id,entity_id,district,answered_at,values,raw_text,source_id\n");
  ResponseRecord flow = answer("run:1", 1'764'000'000'000, "m1", "BONG", {{"stock", "12"}, {"reason", "late, sorry"}});
  CHECK(response_csv_row(flow) ==
        "m1,BONG-run:1,BONG,2025-11-24T16:00:00.000000+00:00,\"{\"\"reason\"\":\"\"late, sorry\"\",\"\"stock\"\":\"\"12\"\"}\",,run:1\n");
  ResponseRecord reply = answer("msg:9", 0, "", "NIMBA", {}, "=HYPERLINK(\"x\")");
  CHECK(response_csv_row(reply) == ",NIMBA-msg:9,NIMBA,,{},\"'=HYPERLINK(\"\"x\"\")\",msg:9\n");
  CHECK(csv_cell("-3") == "'-3");
  CHECK(csv_cell("a\nb") == "\"a\nb\"");
  CHECK(response_answer_text(flow) == "stock=12; reason=late, sorry");  // RapidPro's order.
  CHECK(response_answer_text(reply) == "=HYPERLINK(\"x\")");
  CHECK(response_json(reply)["raw_text"] == "=HYPERLINK(\"x\")");
  CHECK(response_json(flow)["values"]["stock"] == "12");
}

TEST_CASE("summaries: median, histogram, numbers, categories, responses per hour", "[answers]") {
  std::vector<double> odd{5, 1, 3};
  CHECK(median_of(odd) == 3);
  std::vector<double> even{4, 1, 3, 2};
  CHECK(median_of(even) == 2.5);
  std::vector<double> none;
  CHECK(median_of(none) == 0);

  CHECK(answer_number("12") == 12.0);
  CHECK(answer_number(" -3.5 ") == -3.5);
  CHECK_FALSE(answer_number("12 boxes").has_value());
  CHECK_FALSE(answer_number("").has_value());
  CHECK_FALSE(answer_number("nan").has_value());
  CHECK_FALSE(answer_number("1e999").has_value());

  // Integers over a short range: one bin per value.
  auto small = histogram_of({1, 2, 2, 3, 3, 3});
  REQUIRE(small.size() == 3);
  CHECK(small[0].low == 1);
  CHECK(small[2].count == 3);
  // A wide range: 10 equal bins, the maximum in the last.
  std::vector<double> wide;
  for (int i = 0; i <= 100; ++i) wide.push_back(i);
  auto bins = histogram_of(wide);
  REQUIRE(bins.size() == 10);
  CHECK(bins[0].count == 10);
  CHECK(bins[9].count == 11);
  CHECK(bins[9].high == 100);
  size_t total = 0;
  for (auto& b : bins) total += b.count;
  CHECK(total == 101);
  auto one = histogram_of({7, 7});
  REQUIRE(one.size() == 1);
  CHECK(one[0].count == 2);

  AnswerSummaryBuilder builder;
  const int64_t t0 = 1'000'000'000;
  builder.add(answer("a", t0 + 10, "m", "B", {{"stock", "10"}, {"ok", "yes"}}));
  builder.add(answer("b", t0 + 3'600'000 * 2 + 5, "m", "B", {{"stock", "30"}, {"ok", "no"}}));
  builder.add(answer("c", t0 + 3'600'000 * 2 + 9, "m", "B", {{"stock", "20"}, {"ok", "yes"}}));
  builder.add(answer("d", t0 - 50, "m", "B", {}, "thanks"));
  AnswerSummary s = builder.finish(t0);
  CHECK(s.responses == 4);
  CHECK(s.text_replies == 1);
  CHECK(s.workers == 4);
  CHECK(s.per_hour == std::vector<size_t>{2, 0, 2});
  REQUIRE(s.keys.size() == 2);
  CHECK(s.keys[0].key == "ok");
  CHECK_FALSE(s.keys[0].numeric);
  CHECK(s.keys[0].categories == std::vector<std::pair<std::string, size_t>>{{"yes", 2}, {"no", 1}});
  CHECK(s.keys[1].key == "stock");
  CHECK(s.keys[1].numeric);
  CHECK(s.keys[1].min == 10);
  CHECK(s.keys[1].median == 20);
  CHECK(s.keys[1].max == 30);
  size_t in_bins = 0;
  for (auto& b : s.keys[1].histogram) in_bins += b.count;
  CHECK(in_bins == 3);
  CHECK(AnswerSummaryBuilder().finish(0).per_hour.empty());
}
