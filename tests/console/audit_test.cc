// Audit entries (schema AuditEvent in the node's own feed, AuditView), the audit pages, the
// asset route and the account store.
#include <catch2/catch.hpp>

#include <zlib.h>

#include "console/assets.h"
#include "console/user_store.h"
#include "console_fixture.h"
#include "store/entry.h"

using namespace mhero;
using namespace mhero::console;
using namespace mhero::testing;
using namespace std::chrono_literals;

TEST_CASE("login ok, login failed and logout are audit entries in the node's own feed, with their fields") {
  ConsoleFixture f;
  f.add_user("ama", StaffRole::viewer, "correct horse 1");
  int64_t t0 = f.clock.now().count();
  REQUIRE(f.login("ama", "wrong+password").empty());
  f.clock.advance(1s);
  std::string cookie = f.login("ama", "correct+horse+1");
  REQUIRE(!cookie.empty());
  f.clock.advance(1s);
  REQUIRE(f.post("/logout", "csrf=" + f.csrf(cookie), cookie).status == 303);
  auto rows = f.audit(by("ama", ""));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].action == "logout");
  CHECK(rows[0].time_ms == t0 + 2000);
  CHECK(rows[1].action == "login");
  CHECK(rows[1].outcome == "ok");
  CHECK(rows[1].time_ms == t0 + 1000);
  CHECK(rows[2].action == "login_failed");
  CHECK(rows[2].outcome == "invalid_credentials");
  CHECK(rows[2].time_ms == t0);
  for (const auto& r : rows) {
    CHECK(r.user == "ama");
    CHECK(r.client_address == "127.0.0.1");
    CHECK(r.node == f.node->id().hex());
  }
  // The entries themselves: kind audit, in the central node's own feed (national), signed.
  FeedId own{f.node->id(), f.node->own_scope()};
  auto entry = f.node->store().get(own, rows[0].seq);
  REQUIRE(entry.ok());
  CHECK(entry->kind() == schema::Payload::AUDIT);
  CHECK(entry->signature_valid());
  auto event = entry->payload().getAudit();
  CHECK(std::string(event.getAction().cStr()) == "logout");
  CHECK(std::string(event.getClientAddress().cStr()) == "127.0.0.1");
  // No password anywhere in the feed.
  for (uint64_t seq = 1; seq <= f.node->store().head_seq(own); ++seq) {
    auto e = f.node->store().get(own, seq);
    REQUIRE(e.ok());
    std::string body(e->body_bytes());
    CHECK(body.find("correct horse") == std::string::npos);
    CHECK(body.find("wrong password") == std::string::npos);
  }
}

TEST_CASE("the audit page filters by user, action and date, newest first; the CSV holds the same rows") {
  ConsoleFixture f;
  f.add_user("root", StaffRole::admin, "admin password 1");
  f.add_user("ama", StaffRole::viewer, "correct horse 1");
  f.clock.set(std::chrono::milliseconds(1'764'633'600'000));  // 2025-12-02T00:00:00Z
  std::string root = f.login("root", "admin+password+1");
  f.clock.advance(24h);  // 2025-12-03
  REQUIRE(f.login("ama", "nope").empty());
  std::string ama = f.login("ama", "correct+horse+1");
  root = f.login("root", "admin+password+1");  // The first session ended (8 h absolute).
  auto page = f.get("/audit?user=ama", root);
  CHECK(page.status == 200);
  CHECK(page.body.find("<table id=\"audit-log\">") != std::string::npos);
  CHECK(page.body.find("<td>login_failed</td>") != std::string::npos);
  CHECK(page.body.find("<caption>") != std::string::npos);
  CHECK(page.body.find("<th scope=\"col\">Action</th>") != std::string::npos);
  // Outcome comes before Object; a refusal stands out.
  CHECK(page.body.find("<th scope=\"col\">Outcome</th><th scope=\"col\">Object</th>") != std::string::npos);
  auto by_day = f.get("/audit?from=2025-12-02&to=2025-12-02", root);
  CHECK(by_day.body.find("2025-12-02 00:00:00 UTC") != std::string::npos);
  CHECK(by_day.body.find("2025-12-03") == std::string::npos);
  auto csv = f.get("/audit.csv?user=ama", ama);  // A viewer may export.
  CHECK(csv.status == 200);
  CHECK(csv.header("Content-Type") == std::optional<std::string>("text/csv; charset=utf-8"));
  std::string id = f.node->id().hex();
  CHECK(csv.body.starts_with("time_utc,time_ms,user,action,object,outcome,client_address,node,seq\r\n"
                             "2025-12-03T00:00:00Z,1764720000000,ama,login,,ok,127.0.0.1," + id + ","));
  CHECK(std::count(csv.body.begin(), csv.body.end(), '\n') == 3);  // Header + login + login_failed.
  auto bad = f.get("/audit?from=2025-02-31", root);
  CHECK(bad.status == 400);
  CHECK(bad.body.find("is not a date written YYYY-MM-DD") != std::string::npos);
  auto accounts = f.get("/audit?action=user.", root);
  CHECK(accounts.body.find("<td>user.add</td>") != std::string::npos);
  CHECK(accounts.body.find("<td>login</td>") == std::string::npos);
}

TEST_CASE("the audit page pages with an 'older' cursor and never repeats a row") {
  ConsoleFixture f;
  f.add_user("root", StaffRole::admin, "admin password 1");
  for (int i = 0; i < 120; ++i) {
    f.clock.advance(1s);
    REQUIRE(f.server->context().audit("ama", "login_failed", "", "invalid_credentials", "10.0.0.1"));
  }
  std::string root = f.login("root", "admin+password+1");
  auto first = f.get("/audit?user=ama", root);
  auto at = first.body.find("id=\"page-older\"");
  REQUIRE(at != std::string::npos);
  auto href_start = first.body.rfind("href=\"", at) + 6;
  std::string href = first.body.substr(href_start, first.body.find('"', href_start) - href_start);
  CHECK(href.starts_with("/audit?user=ama&amp;after=audit%2Ft%2F"));
  std::string link = std::regex_replace(href, std::regex("&amp;"), "&");
  auto second = f.get(link, root);
  CHECK(second.status == 200);
  auto rows = [](const std::string& body) {
    size_t n = 0;
    for (size_t p = body.find("<td>login_failed</td>"); p != std::string::npos;
         p = body.find("<td>login_failed</td>", p + 1)) ++n;
    return n;
  };
  CHECK(rows(first.body) == 100);
  CHECK(rows(second.body) == 20);
  CHECK(second.body.find("id=\"page-older\"") == std::string::npos);
}

TEST_CASE("assets: content-hashed name, immutable cache, ETag / 304, gzip when accepted") {
  ConsoleFixture f;
  const Asset* css = find_asset(asset_path("console.css"));
  REQUIRE(css != nullptr);
  CHECK(std::string(css->path).size() == std::string("/assets/console.0123456789abcdef.css").size());
  auto plain = f.get(std::string(css->path));
  CHECK(plain.status == 200);
  CHECK(plain.body == css->bytes);
  CHECK(plain.header("Content-Type") == std::optional<std::string>("text/css; charset=utf-8"));
  CHECK(plain.header("ETag") == std::optional<std::string>(css->etag));
  CHECK_FALSE(plain.header("Content-Encoding"));
  auto zipped = f.get(std::string(css->path), "", {{"Accept-Encoding", "br, gzip"}});
  CHECK(zipped.header("Content-Encoding") == std::optional<std::string>("gzip"));
  CHECK(zipped.body == css->gzip);
  CHECK(zipped.body.size() < plain.body.size());
  // The gzip copy inflates to the file.
  std::string inflated(css->bytes.size(), '\0');
  z_stream z{};
  REQUIRE(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(zipped.body.data());
  z.avail_in = static_cast<uInt>(zipped.body.size());
  z.next_out = reinterpret_cast<Bytef*>(inflated.data());
  z.avail_out = static_cast<uInt>(inflated.size());
  CHECK(inflate(&z, Z_FINISH) == Z_STREAM_END);
  inflateEnd(&z);
  CHECK(inflated == css->bytes);
  auto not_modified = f.get(std::string(css->path), "", {{"If-None-Match", std::string(css->etag)}});
  CHECK(not_modified.status == 304);
  CHECK(not_modified.body.empty());
  CHECK(f.get("/assets/console.0000000000000000.css").status == 404);
  CHECK(f.get("/favicon.ico").status == 204);
}

TEST_CASE("the first load of a page stays under 100 KB compressed") {
  ConsoleFixture f;
  f.add_user("root", StaffRole::admin, "admin password 1");
  std::string root = f.login("root", "admin+password+1");
  // Every page loads console.css and console.js; only pages with a time series add uPlot and
  // charts.js (chart.h chart_assets(), issue 12), about 23 KB more.
  size_t assets = 0, chart_assets = 0;
  for (const Asset& a : embedded_assets()) (a.name.starts_with("console.") ? assets : chart_assets) += a.gzip.size();
  CHECK(chart_assets < 30 * 1024);
  for (const char* path : {"/", "/registry", "/audit", "/users", "/login"}) {
    auto page = f.get(path, root);
    INFO(path);
    CHECK(page.body.size() + assets < 100 * 1024);  // Page bodies counted uncompressed.
  }
  CHECK(assets < 8 * 1024);
}

TEST_CASE("account store round trip: add, find, list, password, disable; survives reopening the store") {
  TempDir dir;
  ManualClock clock;
  NodePaths paths{dir / "n"};
  REQUIRE(Node::init(paths, Role::central, "", std::nullopt).ok());
  {
    auto node = Node::open(paths, clock);
    REQUIRE(node.ok());
    UserStore users((*node)->store(), clock);
    REQUIRE(users.add("ama", StaffRole::reviewer, "$argon2id$hash-one").ok());
    CHECK(users.add("ama", StaffRole::viewer, "x").code() == StatusCode::already_exists);
    CHECK(users.add("Ama Kollie", StaffRole::viewer, "x").code() == StatusCode::invalid_argument);
    clock.advance(5s);
    REQUIRE(users.set_password("ama", "$argon2id$hash-two").ok());
    REQUIRE(users.set_disabled("ama", true).ok());
    REQUIRE(users.add("kofi", StaffRole::operator_, "$argon2id$k").ok());
    CHECK(users.set_password("nobody", "x").code() == StatusCode::not_found);
  }
  auto node = Node::open(paths, clock);
  REQUIRE(node.ok());
  UserStore users((*node)->store(), clock);
  auto ama = users.find("ama");
  REQUIRE(ama.ok());
  REQUIRE(*ama);
  CHECK((*ama)->role == StaffRole::reviewer);
  CHECK((*ama)->password_hash == "$argon2id$hash-two");
  CHECK((*ama)->disabled);
  CHECK((*ama)->changed_ms == (*ama)->created_ms + 5000);
  auto all = users.list();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[1].name == "kofi");
  CHECK((*all)[1].role == StaffRole::operator_);
  // Node-local: accounts are meta, never entries.
  CHECK((*node)->store().entry_count() == 0);
  REQUIRE((*node)->store().put_meta("console/user/bad", "{not json").ok());
  CHECK(users.find("bad").status().code() == StatusCode::corruption);
}

TEST_CASE("no account change on a node that cannot write its audit entry (writes held): refused, nothing changed") {
  ConsoleFixture f;
  f.add_user("admin", StaffRole::admin, "admin-pass-0123");
  REQUIRE(f.node->store().hold_writes("restored from a test backup").ok());
  AccountDesk desk{*f.node, f.server->context().users(), f.server->context().hasher(), nullptr};
  Actor admin{"admin", "127.0.0.1"};
  uint64_t entries = f.node->store().entry_count();
  Status added = add_account(desk, admin, "newbie", StaffRole::viewer, "newbie-pass-0123");
  CHECK(added.code() == StatusCode::failed_precondition);
  CHECK_THAT(added.message(), Catch::Contains("no account change while this node cannot write its audit entry; "
                                              "nothing was changed"));
  CHECK_THAT(added.message(), Catch::Contains("restored from a test backup"));
  CHECK_FALSE(*f.server->context().users().find("newbie"));
  CHECK(set_account_disabled(desk, admin, "admin", true).code() == StatusCode::failed_precondition);
  CHECK(change_password(desk, admin, "admin", "other-pass-0123").code() == StatusCode::failed_precondition);
  CHECK(set_account_role(desk, admin, "admin", StaffRole::viewer).code() == StatusCode::failed_precondition);
  auto still = f.server->context().users().find("admin");
  REQUIRE(still.ok());
  REQUIRE(*still);
  CHECK((*still)->role == StaffRole::admin);
  CHECK_FALSE((*still)->disabled);
  CHECK(f.node->store().entry_count() == entries);
}

TEST_CASE("password policy and hashing: 10 characters, Argon2id strings, rehash when the cost changes") {
  CHECK(check_password_policy("short").code() == StatusCode::invalid_argument);
  CHECK(check_password_policy("ninechars").code() == StatusCode::invalid_argument);
  CHECK(check_password_policy("tenchars!!").ok());
  CHECK(check_password_policy("ééééééééé").code() == StatusCode::invalid_argument);  // 9 code points.
  PasswordHasher cheap(HashCost::test_minimum());
  auto hash = cheap.hash("correct horse 1");
  REQUIRE(hash.ok());
  CHECK(hash->starts_with("$argon2id$"));
  CHECK(cheap.verify(*hash, "correct horse 1").value());
  CHECK_FALSE(cheap.verify(*hash, "correct horse 2").value());
  CHECK_FALSE(cheap.verify("garbage", "x").value());
  CHECK_FALSE(cheap.needs_rehash(*hash));
  PasswordHasher stronger(HashCost{3, 8u << 20});
  CHECK(stronger.needs_rehash(*hash));
}

TEST_CASE("a login rehashes a password whose hash was made at another cost") {
  ConsoleFixture f;
  PasswordHasher old(HashCost{2, 16u << 10});
  auto hash = old.hash("correct horse 1");
  REQUIRE(hash.ok());
  REQUIRE(f.server->context().users().add("ama", StaffRole::viewer, *hash).ok());
  REQUIRE(!f.login("ama", "correct+horse+1").empty());
  auto now = f.server->context().users().find("ama").value();
  CHECK(now->password_hash != *hash);
  CHECK_FALSE(f.server->context().hasher().needs_rehash(now->password_hash));
}

TEST_CASE("the password pool refuses at once when its running and waiting places are taken") {
  // One place, no queue; 64 MiB hashes. While one runs, every other call is refused at once; a
  // call that finds the place free checks a malformed hash and returns quickly. A loaded machine
  // may not schedule the checking thread while the hash runs, so up to ten rounds are tried;
  // one refusal proves the rule, and no call ever waits.
  PasswordHasher pool(HashCost{2, 64u << 20}, 1, 0);
  bool refused = false;
  for (int round = 0; round < 10 && !refused; ++round) {
    std::atomic<bool> done{false};
    std::thread busy([&] {
      (void)pool.hash("first password here");
      done = true;
    });
    while (!done && !refused) {
      auto r = pool.verify("garbage", "x");
      refused = !r.ok() && r.status().code() == StatusCode::resource_exhausted;
    }
    busy.join();
  }
  CHECK(refused);
  CHECK(pool.verify("garbage", "x").ok());  // The place is free again.
}

TEST_CASE("a central node with messaging off says so on the compose page; with [rapidpro] url set it does not") {
  {
    ConsoleFixture f;  // `mhero init`'s config.toml: [rapidpro] url = "".
    f.add_user("ama", StaffRole::operator_, "operator-pass-0123");
    std::string cookie = f.login("ama", "operator-pass-0123");
    REQUIRE(!cookie.empty());
    auto compose = f.get("/compose", cookie).body;
    CHECK_THAT(compose, Catch::Contains("id=\"compose-messaging-off\""));
    CHECK_THAT(compose, Catch::Contains("Messaging is off on this central node: [rapidpro] url is not set"));
    // Repeated on the Confirm page, where staff decide to send (this node holds no registry yet,
    // so the review passes with the target left to dispatch).
    auto confirm = f.post("/compose", "csrf=" + f.csrf(cookie) + "&action=review&kind=text&text=Meeting+on+Friday&cadre=NURSE",
                          cookie);
    INFO(confirm.body);
    CHECK(confirm.status == 200);
    CHECK_THAT(confirm.body, Catch::Contains("Confirm the message"));
    CHECK_THAT(confirm.body, Catch::Contains("id=\"confirm-messaging-off\""));
  }
  ConsoleFixture on(test_console_options(), {{"url = \"\"                          # e.g. \"https://rapidpro.example.org\"",
                          "url = \"http://127.0.0.1:9\"  #"}});
  on.add_user("ama", StaffRole::operator_, "operator-pass-0123");
  std::string cookie = on.login("ama", "operator-pass-0123");
  REQUIRE(!cookie.empty());
  CHECK_THAT(on.get("/compose", cookie).body, !Catch::Contains("compose-messaging-off"));
}

TEST_CASE("a node holding its writes says so on the overview and the compose page, before anyone types") {
  ConsoleFixture f;
  f.add_user("ama", StaffRole::operator_, "operator-pass-0123");
  REQUIRE(f.node->store().hold_writes("restored from a test backup").ok());
  std::string cookie = f.login("ama", "operator-pass-0123");
  REQUIRE(!cookie.empty());
  auto home = f.get("/", cookie).body;
  CHECK_THAT(home, Catch::Contains("id=\"overview-alarms\""));
  CHECK_THAT(home, Catch::Contains("console logins and actions are not audited"));
  CHECK_THAT(home, Catch::Contains("href=\"/alarms\""));
  auto compose = f.get("/compose", cookie).body;
  CHECK_THAT(compose, Catch::Contains("id=\"compose-cannot-write\""));
  CHECK_THAT(compose, Catch::Contains("This node cannot write messages now: "));
  CHECK_THAT(compose, Catch::Contains("restored from a test backup"));
  // A node that may write shows neither.
  REQUIRE(f.node->store().resume_writes("test: no peer holds more").ok());
  CHECK_THAT(f.get("/compose", cookie).body, !Catch::Contains("compose-cannot-write"));
  CHECK_THAT(f.get("/", cookie).body, !Catch::Contains("overview-alarms"));
}
