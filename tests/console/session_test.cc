#include <catch2/catch.hpp>

#include "console/login_guard.h"
#include "console/session_store.h"
#include "console_fixture.h"

using namespace mhero;
using namespace mhero::console;
using namespace mhero::testing;
using namespace std::chrono_literals;

TEST_CASE("a session ends after the idle timeout, measured from its last use") {
  ManualClock clock;
  SessionStore sessions(clock, 30min, 8h);
  std::string token = sessions.create("ama");
  CHECK(token.size() == 64);
  clock.advance(29min);
  auto s = sessions.touch(token);
  REQUIRE(s);
  CHECK(s->user == "ama");
  CHECK(s->csrf.size() == 64);
  clock.advance(29min);  // 58 min after login, 29 after the last use.
  CHECK(sessions.touch(token));
  clock.advance(30min);
  CHECK_FALSE(sessions.touch(token));
  CHECK(sessions.size() == 0);  // Dropped when found expired.
}

TEST_CASE("a session ends at the absolute timeout even when used all along") {
  ManualClock clock;
  SessionStore sessions(clock, 30min, 8h);
  std::string token = sessions.create("ama");
  for (int i = 0; i < 31; ++i) {
    clock.advance(15min);
    REQUIRE(sessions.touch(token));  // 7 h 45 min.
  }
  clock.advance(15min);  // 8 h.
  CHECK_FALSE(sessions.touch(token));
}

TEST_CASE("each login gets a new token and its own CSRF token; ending one leaves the other") {
  ManualClock clock;
  SessionStore sessions(clock, 30min, 8h);
  std::string a = sessions.create("ama"), b = sessions.create("ama");
  CHECK(a != b);
  CHECK(sessions.touch(a)->csrf != sessions.touch(b)->csrf);
  sessions.end(a);
  CHECK_FALSE(sessions.touch(a));
  CHECK(sessions.touch(b));
  sessions.end_user("ama");
  CHECK_FALSE(sessions.touch(b));
  CHECK_FALSE(sessions.touch("not-a-token"));
  CHECK_FALSE(sessions.touch(std::string(64, 'g')));
}

TEST_CASE("the session table is bounded: beyond the limit the oldest session goes") {
  ManualClock clock;
  SessionStore sessions(clock, 30min, 8h, 3);
  std::string first = sessions.create("a");
  clock.advance(1s);
  sessions.create("b");
  clock.advance(1s);
  sessions.create("c");
  clock.advance(1s);
  std::string last = sessions.create("d");
  CHECK(sessions.size() == 3);
  CHECK_FALSE(sessions.touch(first));
  CHECK(sessions.touch(last));
}

TEST_CASE("over HTTP: login sets the cookie, a new login a new token, logout ends it server-side") {
  ConsoleFixture f;
  f.add_user("ama", StaffRole::viewer, "correct horse 1");
  auto page = f.post("/login", "user=ama&password=correct+horse+1&next=%2Fregistry");
  CHECK(page.status == 303);
  CHECK(page.header("Location") == std::optional<std::string>("/registry"));
  auto set = page.header("Set-Cookie").value_or("");
  // Plain-HTTP loopback: the name without the __Host- prefix, and no Secure attribute.
  CHECK(set.starts_with("session="));
  CHECK(set.find("HttpOnly") != std::string::npos);
  CHECK(set.find("SameSite=Strict") != std::string::npos);
  CHECK(set.find("Path=/") != std::string::npos);
  CHECK(set.find("Secure") == std::string::npos);
  std::string cookie = set.substr(0, set.find(';'));
  CHECK(f.get("/", cookie).status == 200);

  std::string second = f.login("ama", "correct+horse+1");
  REQUIRE(!second.empty());
  CHECK(second != cookie);

  std::string token = f.csrf(cookie);
  auto out = f.post("/logout", "csrf=" + token, cookie);
  CHECK(out.status == 303);
  CHECK(out.header("Location") == std::optional<std::string>("/login?bye=1"));
  CHECK(out.header("Set-Cookie").value_or("").find("Max-Age=0") != std::string::npos);
  auto after = f.get("/", cookie);  // The old cookie, replayed: the server forgot it.
  CHECK(after.status == 303);
  CHECK(after.header("Location").value_or("").starts_with("/login"));
  CHECK(f.get("/", second).status == 200);  // The other session lives on.
}

TEST_CASE("over HTTP: the idle timeout from config sends the user back to the login page") {
  auto options = test_console_options();
  options.session_idle = 10min;
  ConsoleFixture f(options);
  f.add_user("ama", StaffRole::viewer, "correct horse 1");
  std::string cookie = f.login("ama", "correct+horse+1");
  REQUIRE(!cookie.empty());
  f.clock.advance(9min);
  CHECK(f.get("/registry", cookie).status == 200);
  f.clock.advance(10min);
  auto r = f.get("/registry", cookie);
  CHECK(r.status == 303);
  CHECK(r.header("Location") == std::optional<std::string>("/login?next=%2Fregistry&ended=1"));
  auto login = f.get("/login?next=%2Fregistry&ended=1");
  CHECK(login.body.find("Your session has ended") != std::string::npos);
}

TEST_CASE("a disabled account's session ends at its next request") {
  ConsoleFixture f;
  f.add_user("ama", StaffRole::viewer, "correct horse 1");
  std::string cookie = f.login("ama", "correct+horse+1");
  REQUIRE(f.get("/", cookie).status == 200);
  REQUIRE(f.server->context().users().set_disabled("ama", true).ok());
  CHECK(f.get("/", cookie).status == 303);
  CHECK(f.login("ama", "correct+horse+1").empty());
}

TEST_CASE("lockout: 5 failures within 15 min lock the name for 1 min, then 2, doubling to 15 at most") {
  ManualClock clock;
  LoginGuard guard(clock);
  for (int i = 0; i < 4; ++i) CHECK_FALSE(guard.failed("ama"));
  CHECK_FALSE(guard.locked_for("ama"));
  CHECK(guard.failed("ama") == std::optional<std::chrono::milliseconds>(1min));
  CHECK(guard.locked_for("ama") == std::optional<std::chrono::milliseconds>(1min));
  CHECK_FALSE(guard.locked_for("kofi"));  // Per name.
  clock.advance(1min);
  CHECK_FALSE(guard.locked_for("ama"));
  std::vector<std::chrono::milliseconds> locks;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 4; ++i) REQUIRE_FALSE(guard.failed("ama"));
    auto lock = guard.failed("ama");
    REQUIRE(lock);
    locks.push_back(*lock);
    clock.advance(*lock);
  }
  CHECK(locks == std::vector<std::chrono::milliseconds>{2min, 4min, 8min, 15min, 15min});
  guard.succeeded("ama");
  for (int i = 0; i < 4; ++i) CHECK_FALSE(guard.failed("ama"));
  CHECK(guard.failed("ama") == std::optional<std::chrono::milliseconds>(1min));  // Back to the start.
}

TEST_CASE("lockout: failures spread over more than 15 min never lock; a quiet window resets the doubling") {
  ManualClock clock;
  LoginGuard guard(clock);
  for (int i = 0; i < 10; ++i) {
    CHECK_FALSE(guard.failed("ama"));
    clock.advance(4min);  // At most 4 failures in any 15-min window.
  }
  for (int i = 0; i < 4; ++i) guard.failed("kofi");
  CHECK(guard.failed("kofi") == std::optional<std::chrono::milliseconds>(1min));
  clock.advance(1min + 15min);
  for (int i = 0; i < 4; ++i) guard.failed("kofi");
  CHECK(guard.failed("kofi") == std::optional<std::chrono::milliseconds>(1min));
}

TEST_CASE("per-address limit: a burst, then one attempt per refill period") {
  ManualClock clock;
  LockoutPolicy policy;
  policy.address_burst = 3;
  policy.address_refill = 10s;
  LoginGuard guard(clock, policy);
  for (int i = 0; i < 3; ++i) CHECK(guard.take_address_attempt("10.0.0.1"));
  CHECK_FALSE(guard.take_address_attempt("10.0.0.1"));
  CHECK(guard.take_address_attempt("10.0.0.2"));
  clock.advance(10s);
  CHECK(guard.take_address_attempt("10.0.0.1"));
  CHECK_FALSE(guard.take_address_attempt("10.0.0.1"));
}
