// The gate: CSRF, origin checks, roles, headers, lockout over HTTP and bad input.
#include <catch2/catch.hpp>

#include "console/assets.h"
#include "console_fixture.h"

using namespace mhero;
using namespace mhero::console;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

struct AdminFixture : ConsoleFixture {
  std::string cookie, token;
  AdminFixture() {
    add_user("root", StaffRole::admin, "admin password 1");
    cookie = login("root", "admin+password+1");
    REQUIRE(!cookie.empty());
    token = csrf(cookie);
    REQUIRE(token.size() == 64);
  }
  std::string add_body(const std::string& name) {
    return "name=" + name + "&role=viewer&password=viewer+pass+1&password2=viewer+pass+1";
  }
};

size_t count(const std::vector<AuditRecord>& rows, const std::string& action) {
  return std::count_if(rows.begin(), rows.end(), [&](const AuditRecord& r) { return r.action == action; });
}

}  // namespace

TEST_CASE("CSRF: a POST with a missing or wrong token is refused with 403 and changes nothing") {
  AdminFixture f;
  auto missing = f.post("/users", f.add_body("kofi"), f.cookie);
  CHECK(missing.status == 403);
  CHECK(missing.body.find("security token") != std::string::npos);
  auto wrong = f.post("/users", f.add_body("kofi") + "&csrf=" + std::string(64, 'a'), f.cookie);
  CHECK(wrong.status == 403);
  CHECK_FALSE(f.server->context().users().find("kofi").value());
  auto rows = f.audit(by("root", "csrf_refused"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].outcome == "refused: wrong token");
  CHECK(rows[1].outcome == "refused: missing token");
  CHECK(rows[0].object == "POST /users");
  // The audit page marks the refusals, ahead of the object.
  auto page = f.get("/audit?action=csrf_refused", f.cookie).body;
  CHECK_THAT(page, Catch::Contains("<td>csrf_refused</td><td class=\"refused\">refused: wrong token</td>"
                                   "<td class=\"object\">POST /users</td>"));
  // The right token works.
  auto ok = f.post("/users", f.add_body("kofi") + "&csrf=" + f.token, f.cookie);
  CHECK(ok.status == 303);
  CHECK(f.server->context().users().find("kofi").value());
}

TEST_CASE("CSRF: another session's token is refused") {
  AdminFixture f;
  std::string other = f.login("root", "admin+password+1");
  std::string other_token = f.csrf(other);
  REQUIRE(other_token != f.token);
  CHECK(f.post("/users", f.add_body("kofi") + "&csrf=" + other_token, f.cookie).status == 403);
}

TEST_CASE("a cross-site or same-site POST (Sec-Fetch-Site) is refused even with a valid token") {
  AdminFixture f;
  for (const char* site : {"cross-site", "same-site"}) {
    auto r = f.post("/users", f.add_body("kofi") + "&csrf=" + f.token, f.cookie, {{"Sec-Fetch-Site", site}});
    CHECK(r.status == 403);
    CHECK(r.body.find("another web site") != std::string::npos);
  }
  CHECK_FALSE(f.server->context().users().find("kofi").value());
  auto ok = f.post("/users", f.add_body("kofi") + "&csrf=" + f.token, f.cookie, {{"Sec-Fetch-Site", "same-origin"}});
  CHECK(ok.status == 303);
  // A forged login from another site is refused too (no session there).
  f.add_user("ama", StaffRole::viewer, "correct horse 1");
  auto forged = f.post("/login", "user=ama&password=correct+horse+1", "", {{"Sec-Fetch-Site", "cross-site"}});
  CHECK(forged.status == 403);
  CHECK_FALSE(forged.header("Set-Cookie"));
}

TEST_CASE("a POST whose Origin is not the console's own is refused; our own Origin passes") {
  AdminFixture f;
  auto foreign = f.post("/users", f.add_body("kofi") + "&csrf=" + f.token, f.cookie, {{"Origin", "https://evil.example"}});
  CHECK(foreign.status == 403);
  auto null_origin = f.post("/users", f.add_body("kofi") + "&csrf=" + f.token, f.cookie, {{"Origin", "null"}});
  CHECK(null_origin.status == 403);
  auto rows = f.audit(by("", "csrf_refused"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].outcome.find("https://evil.example") != std::string::npos);
  std::string ours = "http://127.0.0.1:" + std::to_string(f.server->port());
  auto same = f.post("/users", f.add_body("kofi") + "&csrf=" + f.token, f.cookie, {{"Origin", ours}});
  CHECK(same.status == 303);
}

TEST_CASE("roles: a viewer's POST to an admin route is refused with 403 and audited") {
  AdminFixture f;
  f.add_user("ama", StaffRole::viewer, "correct horse 1");
  std::string cookie = f.login("ama", "correct+horse+1");
  std::string token = f.csrf(cookie);
  auto r = f.post("/users", f.add_body("kofi") + "&csrf=" + token, cookie);
  CHECK(r.status == 403);
  CHECK(r.body.find("needs the admin role") != std::string::npos);
  CHECK_FALSE(f.server->context().users().find("kofi").value());
  auto rows = f.audit(by("ama", "access_denied"));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].object == "POST /users");
  CHECK(rows[0].outcome == "denied: needs admin");
  CHECK(rows[0].client_address == "127.0.0.1");
  // Reading the admin page is refused too, and the viewer's nav does not offer it.
  CHECK(f.get("/users", cookie).status == 403);
  CHECK(f.get("/", cookie).body.find("href=\"/users\"") == std::string::npos);
  CHECK(f.get("/", f.cookie).body.find("href=\"/users\"") != std::string::npos);
}

TEST_CASE("roles: without a session a staff page redirects to login and a staff POST gets 401") {
  ConsoleFixture f;
  auto r = f.get("/audit?user=ama");
  CHECK(r.status == 303);
  CHECK(r.header("Location") == std::optional<std::string>("/login?next=%2Faudit%3Fuser%3Dama"));
  CHECK(f.post("/users", "name=x").status == 401);
  CHECK(f.post("/logout", "").status == 401);
}

TEST_CASE("every response carries the security headers; pages are no-store, HSTS only over TLS") {
  AdminFixture f;
  std::vector<net::HttpResponse> responses = {f.get("/", f.cookie), f.get("/login"), f.get("/no/such/page", f.cookie),
                                              f.post("/users", "x", f.cookie), f.get(std::string(asset_path("console.css")))};
  for (const auto& r : responses) {
    INFO(r.status);
    CHECK(r.header("Content-Security-Policy") ==
          std::optional<std::string>("default-src 'self'; frame-ancestors 'none'; form-action 'self'"));
    CHECK(r.header("X-Content-Type-Options") == std::optional<std::string>("nosniff"));
    CHECK(r.header("Referrer-Policy") == std::optional<std::string>("same-origin"));
    CHECK_FALSE(r.header("Strict-Transport-Security"));
  }
  for (size_t i = 0; i + 1 < responses.size(); ++i) {
    CHECK(responses[i].header("Cache-Control") == std::optional<std::string>("no-store"));
  }
  CHECK(responses.back().header("Cache-Control") ==
        std::optional<std::string>("public, max-age=31536000, immutable"));
}

TEST_CASE("over HTTP: 5 wrong passwords lock the name; the right one is then refused until the lock ends") {
  ConsoleFixture f;
  f.add_user("ama", StaffRole::viewer, "correct horse 1");
  for (int i = 0; i < 5; ++i) {
    auto r = f.post("/login", "user=ama&password=wrong+password+" + std::to_string(i));
    CHECK(r.status == 401);
    CHECK(r.body.find("Invalid user name or password.") != std::string::npos);
  }
  auto locked = f.post("/login", "user=ama&password=correct+horse+1");
  CHECK(locked.status == 429);
  CHECK(locked.header("Retry-After") == std::optional<std::string>("60"));
  CHECK(locked.body.find("Wait 1 minute") != std::string::npos);
  // An unknown name gets the same generic answer as a wrong password.
  auto unknown = f.post("/login", "user=nobody&password=whatever+it+is");
  CHECK(unknown.status == 401);
  CHECK(unknown.body.find("Invalid user name or password.") != std::string::npos);
  f.clock.advance(1min);
  CHECK_FALSE(f.login("ama", "correct+horse+1").empty());
  auto rows = f.audit(by("", "login_failed"));
  CHECK(rows.size() == 7);
  CHECK(count(rows, "login_failed") == 7);
  CHECK(rows[0].outcome == "unknown_user");
  CHECK(rows[0].user.empty());  // An unknown name is not recorded (it may be a mistyped password).
  CHECK(rows[1].outcome == "locked");
  CHECK(rows[2].outcome == "invalid_credentials");
  CHECK(rows[2].user == "ama");
}

TEST_CASE("the per-address limit answers 429 once the burst is spent") {
  auto options = test_console_options();
  options.lockout.address_burst = 3;
  ConsoleFixture f(options);
  for (int i = 0; i < 3; ++i) CHECK(f.post("/login", "user=u" + std::to_string(i) + "&password=x").status == 401);
  auto r = f.post("/login", "user=u9&password=x");
  CHECK(r.status == 429);
  CHECK(r.body.find("from this computer") != std::string::npos);
  CHECK(f.audit(by("", "login_failed"))[0].outcome == "rate_limited");
}

TEST_CASE("bad input: malformed forms, oversized bodies, unknown routes and forged cookies change nothing") {
  AdminFixture f;
  auto bad_escape = f.post("/login", "user=ama&password=%zz");
  CHECK(bad_escape.status == 400);
  CHECK(bad_escape.body.find("bad percent escape in the value of &#39;password&#39;") != std::string::npos);
  auto bad_utf8 = f.post("/users", "csrf=" + f.token + "&name=%ff%fe", f.cookie);
  CHECK(bad_utf8.status == 400);
  auto not_form = f.http.post(f.base + "/login", "{\"user\":\"ama\"}", {{"Content-Type", "application/json"}});
  REQUIRE(not_form.ok());
  CHECK(not_form->status == 415);
  auto huge = f.post("/login", "user=ama&password=" + std::string(100 * 1024, 'a'));
  CHECK(huge.status == 413);
  auto missing = f.get("/no/such/page", f.cookie);
  CHECK(missing.status == 404);
  CHECK(missing.body.find("There is no page at /no/such/page.") != std::string::npos);
  CHECK(f.get("/users", "").status == 303);
  auto method = f.http.request("DELETE", f.base + "/users");
  REQUIRE(method.ok());
  CHECK(method->status == 405);
  // HEAD is a GET without the body: same status and length, nothing sent after the header.
  auto head = f.http.request("HEAD", f.base + "/login");
  REQUIRE(head.ok());
  CHECK(head->status == 200);
  CHECK(head->body.empty());
  CHECK(std::stoul(head->header("Content-Length").value_or("0")) == f.get("/login", "").body.size());
  // A request line or header fields beyond 8 KiB: 431, not a dropped connection.
  auto long_url = f.http.request("GET", f.base + "/registry?q=" + std::string(9000, 'a'));
  REQUIRE(long_url.ok());
  CHECK(long_url->status == 431);
  auto big_header = f.http.request("GET", f.base + "/login", {{"X-Padding", std::string(16 * 1024, 'b')}});
  REQUIRE(big_header.ok());
  CHECK(big_header->status == 431);
  CHECK(big_header->body.find("must fit in 8 KiB") != std::string::npos);
  CHECK(f.get("/login", f.cookie).status == 303);  // Signed in: login sends on.
  // A forged cookie: well-formed but unknown, and malformed ones.
  for (std::string forged : {"session=" + std::string(64, 'a'), std::string("session=<script>"),
                             "session=" + std::string(500, 'f'), std::string("session")}) {
    auto r = f.get("/users", forged);
    CHECK(r.status == 303);
  }
  CHECK(f.server->context().users().list().value().size() == 1);
}

TEST_CASE("plain HTTP is refused on a non-loopback address") {
  TempDir dir;
  ManualClock clock;
  NodePaths paths{dir / "central"};
  REQUIRE(Node::init(paths, Role::central, "", std::nullopt).ok());
  auto node = Node::open(paths, clock);
  REQUIRE(node.ok());
  auto options = test_console_options();
  options.listen = "0.0.0.0:0";
  ConsoleServer server(**node, options, clock);
  Status s = server.start();
  CHECK(s.code() == StatusCode::invalid_argument);
  CHECK(s.message().find("plain HTTP only on a loopback address") != std::string::npos);
}

TEST_CASE("a refused 3,000-character user name is audited whole, and the audit page shows its first 200 bytes") {
  AdminFixture f;
  std::string name(3000, 'a');
  auto refused = f.post("/users", f.add_body(name) + "&csrf=" + f.token, f.cookie);
  CHECK(refused.status != 303);
  CHECK_FALSE(f.server->context().users().find(name).value());
  auto rows = f.audit(by("root", "user.add"));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].object == name);  // The trail keeps it whole.
  CHECK(rows[0].outcome.starts_with("refused: "));
  auto page = f.get("/audit?action=user.add", f.cookie).body;
  CHECK_THAT(page, Catch::Contains("<td class=\"object\">" + std::string(200, 'a') +
                                   "… (3000 characters in all; the CSV export holds it whole)</td>"));
  CHECK(page.find(std::string(201, 'a')) == std::string::npos);
}
