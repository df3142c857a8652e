// The Messages and Responses pages and the streamed exports over real loopback HTTP: tabs and
// the delayed flag, a message's batches and delivery counts, the responses summary, chunked
// CSV / JSON exports with the rows of `mhero responses list`, and bad filters refused.
#include <capnp/message.h>

#include "console_fixture.h"
#include "messaging/answer_view.h"
#include "messaging/compose.h"
#include "messaging/delivery_report.h"
#include "messaging/message_view.h"
#include "messaging/response_rows.h"

using namespace mhero;
using namespace mhero::console;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

struct MessagesFixture : ConsoleFixture {
  std::string cookie;
  MessagesFixture() {
    clock.set(std::chrono::milliseconds(1'780'000'000'000));
    add_user("ama", StaffRole::viewer, "viewer-password-1");
    cookie = login("ama", "viewer-password-1");
    REQUIRE(!cookie.empty());
  }

  std::string message(const std::string& text, const std::string& staff_user = "") {
    MessageRecord m;
    m.id = new_message_id();
    m.staff_user = staff_user;
    m.texts = {{"", text}};
    m.target.districts = {"BONG"};
    m.author = "operator";
    REQUIRE(write_message(node->store(), node->key(), "national", m).ok());
    return m.id;
  }

  void append(const std::function<void(schema::Payload::Builder)>& fill, const std::string& scope = "national") {
    capnp::MallocMessageBuilder b;
    fill(b.initRoot<schema::Payload>());
    REQUIRE(node->store().append(node->key(), scope, b.getRoot<schema::Payload>().asReader()).ok());
  }

  void dispatched(const std::string& id, uint32_t recipients) {
    BatchRecord batch;
    batch.message_id = id;
    batch.phase = "sent";
    batch.attempt = 1;
    batch.broadcast_uuids = {"b0b0b0b0-0000-4000-8000-000000000001"};
    batch.broadcast_ids = {4242};
    batch.recipient_count = recipients;
    for (uint32_t i = 0; i < recipients; ++i) batch.recipients.push_back("BONG-" + std::to_string(i));
    batch.called_at_ms = clock.now().count();
    append([&](auto p) { batch_to_capnp(batch, p.initDispatch()); });
    BatchRecord summary = batch;
    summary.batch = kSummaryBatch;
    summary.targeted_count = recipients;
    append([&](auto p) { batch_to_capnp(summary, p.initDispatch()); });
  }

  void response(const std::string& id, const std::string& source, int64_t at, const std::string& stock) {
    ResponseRecord r;
    r.message_id = id;
    r.entity_id = "BONG-" + source;
    r.district = "BONG";
    r.source_id = "run:" + source;
    r.answered_at_ms = at;
    if (!stock.empty()) r.values = {{"stock", stock}};
    else r.raw_text = "We are out of ORS";
    append([&](auto p) { response_to_capnp(r, p.initResponse()); }, "district/BONG");
  }
};

std::string dechunked_header(const net::HttpResponse& r, const char* name) { return r.header(name).value_or(""); }

}  // namespace

TEST_CASE("messages page: state tabs, delayed flag, filters in the URL, bad input refused", "[messages-pages]") {
  MessagesFixture f;
  std::string old_pending = f.message("Old pending message");
  f.clock.advance(2h);
  f.cookie = f.login("ama", "viewer-password-1");  // The session idled out meanwhile.
  std::string fresh = f.message("Fresh pending message");
  std::string sent = f.message("Sent message");
  f.dispatched(sent, 3);

  auto all = f.get("/messages", f.cookie);
  REQUIRE(all.status == 200);
  CHECK_THAT(all.body, Catch::Contains("id=\"tab-all\""));
  CHECK_THAT(all.body, Catch::Contains("pending (2)"));
  CHECK_THAT(all.body, Catch::Contains("dispatched (1)"));
  CHECK_THAT(all.body, Catch::Contains("cancelled (0)"));
  CHECK_THAT(all.body, Catch::Contains("href=\"/messages/" + sent + "\""));
  CHECK_THAT(all.body, Catch::Contains("Only delayed (1)"));
  CHECK_THAT(all.body, !Catch::Contains("uPlot"));  // No chart on this page: no chart library.

  auto pending = f.get("/messages?state=pending", f.cookie);
  CHECK_THAT(pending.body, Catch::Contains(old_pending));
  CHECK_THAT(pending.body, !Catch::Contains("message-" + sent));
  auto delayed = f.get("/messages?delayed=1", f.cookie);
  CHECK_THAT(delayed.body, Catch::Contains("message-" + old_pending));
  CHECK_THAT(delayed.body, !Catch::Contains("message-" + fresh));
  auto text = f.get("/messages?q=Fresh", f.cookie);
  CHECK_THAT(text.body, Catch::Contains("message-" + fresh));
  CHECK_THAT(text.body, !Catch::Contains("message-" + old_pending));

  auto bad_page = f.get("/messages?page=x", f.cookie);
  CHECK(bad_page.status == 400);
  CHECK_THAT(bad_page.body, Catch::Contains("The page &#39;x&#39;"));
  CHECK(f.get("/messages/no-such-message", f.cookie).status == 404);
  CHECK(f.get("/messages").status == 303);  // Not logged in: to the login page.
}

TEST_CASE("message page: author, batches with the broadcast, delivery counts, answers per hour", "[messages-pages]") {
  MessagesFixture f;
  std::string id = f.message("Stock count today");
  f.dispatched(id, 4);
  DeliveryRecord report;
  report.message_id = id;
  report.counts = {{"delivered", 3}, {"failed", 1}};
  report.failures = {{"failed", 1}};
  report.broadcast_count = 1;
  report.polled_at_ms = f.clock.now().count();
  f.append([&](auto p) { delivery_to_capnp(report, p.initDeliveryReport()); });
  int64_t t0 = f.clock.now().count();
  f.response(id, "1", t0 + 10 * 60'000, "12");
  f.response(id, "2", t0 + 70 * 60'000, "");

  auto page = f.get("/messages/" + id, f.cookie);
  REQUIRE(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("id=\"message-author\""));
  CHECK_THAT(page.body, Catch::Contains("operator"));
  CHECK_THAT(page.body, Catch::Contains("b0b0b0b0-0000-4000-8000-000000000001"));
  CHECK_THAT(page.body, Catch::Contains("(id 4242)"));
  CHECK_THAT(page.body, Catch::Contains("3 of 4 SMS delivered (75 %)"));
  CHECK_THAT(page.body, Catch::Contains("id=\"delivery-failures\""));
  CHECK_THAT(page.body, Catch::Contains("response rate 50 %"));
  CHECK_THAT(page.body, Catch::Contains("id=\"answers-per-hour\""));
  CHECK_THAT(page.body, Catch::Contains("data-chart-table=\"answers-per-hour\""));
  CHECK_THAT(page.body, Catch::Contains("/assets/uPlot.iife.min."));  // Chart page: loads uPlot.
  auto messages = f.get("/messages", f.cookie);
  CHECK_THAT(messages.body, Catch::Contains("3 / 4"));  // Delivered / SMS counted.
}

TEST_CASE("responses page: summary per key; exports stream the rows of `mhero responses list`", "[messages-pages]") {
  MessagesFixture f;
  std::string id = f.message("How many ORS sachets?");
  f.dispatched(id, 5);
  int64_t t0 = f.clock.now().count();
  const char* stocks[] = {"10", "40", "20", "30", ""};
  for (int i = 0; i < 5; ++i) f.response(id, std::to_string(i), t0 + i * 1000, stocks[i]);

  auto page = f.get("/responses?message=" + id, f.cookie);
  REQUIRE(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("<dd class=\"stat-median\">25</dd>"));
  CHECK_THAT(page.body, Catch::Contains("<dd class=\"stat-min\">10</dd>"));
  CHECK_THAT(page.body, Catch::Contains("<dd class=\"stat-max\">40</dd>"));
  CHECK_THAT(page.body, Catch::Contains("We are out of ORS"));  // An SMS reply shows its text.
  CHECK_THAT(page.body, Catch::Contains("1 SMS reply outside a flow"));

  std::string expected = response_csv_header();
  std::string expected_json = "[";
  size_t n = 0;
  REQUIRE(scan_answers(f.node->store().views(), {id, ""}, "", [&](const ResponseRecord& r, const std::string&) {
            expected += response_csv_row(r);
            expected_json += (n++ == 0 ? "\n  " : ",\n  ") + response_json(r).dump();
            return true;
          }).ok());
  expected_json += "\n]\n";
  auto csv = f.get("/responses.csv?message=" + id, f.cookie);
  REQUIRE(csv.status == 200);
  CHECK(dechunked_header(csv, "Transfer-Encoding") == "chunked");
  CHECK(csv.body == expected);
  CHECK(std::count(csv.body.begin(), csv.body.end(), '\n') == 6);
  auto json_export = f.get("/responses.json?message=" + id, f.cookie);
  CHECK(json_export.body == expected_json);
  CHECK(nlohmann::json::parse(json_export.body).size() == 5);
  auto none = f.get("/responses.json?district=NOWHERE", f.cookie);
  CHECK(none.body == "[]\n");

  auto bad = f.get("/responses?district=a/b", f.cookie);
  CHECK(bad.status == 400);
  CHECK_THAT(bad.body, Catch::Contains("The district &#39;a/b&#39;"));
  CHECK(f.get("/responses.csv?after=zz", f.cookie).status == 400);
}

TEST_CASE("responses export: 700 answers stream in pages, all rows, in answer order", "[messages-pages]") {
  MessagesFixture f;
  std::string id = f.message("Big survey");
  int64_t t0 = f.clock.now().count();
  for (int i = 0; i < 700; ++i) f.response(id, std::to_string(100000 + i), t0 + i, std::to_string(i % 50));
  auto csv = f.get("/responses.csv", f.cookie);
  REQUIRE(csv.status == 200);
  CHECK(dechunked_header(csv, "Transfer-Encoding") == "chunked");
  CHECK(std::count(csv.body.begin(), csv.body.end(), '\n') == 701);
  CHECK(csv.body.find("run:100000") < csv.body.find("run:100699"));
  auto page = f.get("/responses", f.cookie);
  CHECK_THAT(page.body, Catch::Contains("id=\"page-next\""));
}

TEST_CASE("a message cancelled before its first batch says so, not '0 of 0 handed over'", "[messages-pages]") {
  MessagesFixture f;  // `mhero init`'s config.toml: messaging off, so no batch is ever sent here.
  f.add_user("kofi", StaffRole::operator_, "operator-pass-0123");
  std::string cookie = f.login("kofi", "operator-pass-0123");
  REQUIRE(!cookie.empty());
  std::string id = f.message("Meeting moved to Friday", "Ama Kollie");  // As `mhero send --user`.
  auto cancelled = f.post("/compose/" + id + "/cancel", "csrf=" + f.csrf(cookie) + "&reason=wrong+day", cookie);
  REQUIRE(cancelled.status == 303);
  CHECK(cancelled.header("Location").value_or("") == "/compose/" + id + "?done=cancelled");
  auto page = f.get("/compose/" + id + "?done=cancelled", cookie);
  REQUIRE(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("Cancelled before any health worker was handed to RapidPro (as known on this "
                                        "node): no batch is sent."));
  CHECK_THAT(page.body, Catch::Contains("none: cancelled before the first batch"));
  CHECK_THAT(page.body, Catch::Contains("cancelled (before any batch was handed to RapidPro)"));
  CHECK_THAT(page.body, !Catch::Contains(" of 0 "));
  // The message's own page says who cancelled it, when and why, as the compose page does.
  auto message = f.get("/messages/" + id, cookie);
  REQUIRE(message.status == 200);
  CHECK_THAT(message.body, Catch::Contains("none: cancelled before any health worker was handed to RapidPro"));
  CHECK_THAT(message.body, Catch::Contains("id=\"message-author\">Ama Kollie (operator) · node "));
  CHECK_THAT(message.body, Catch::Matches(R"([\s\S]*id="message-cancelled">[^<]+ by kofi: wrong day</dd>[\s\S]*)"));
}
