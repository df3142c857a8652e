// The HTML builder, form parser and router; the registry, users and overview pages; TLS with a
// generated certificate; ConsoleOptions from config.toml.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <fstream>

#include "console/certificate.h"
#include "console/form.h"
#include "console/html.h"
#include "console_fixture.h"
#include "integrations/dhis2_push.h"
#include "registry/csd_parser.h"
#include "registry/importer.h"
#include "registry/phone.h"

using namespace mhero;
using namespace mhero::console;
using namespace mhero::testing;

namespace {

const char* kCsd = R"(<?xml version="1.0" encoding="UTF-8"?>
<CSD xmlns="urn:ihe:iti:csd:2013">
  <organizationDirectory>
    <organization entityID="O-BONG"><otherID assigningAuthorityName="urn:mhero:district" code="BONG"/>
      <primaryName>Bong County Health Team</primaryName>
      <record updated="2024-01-01T00:00:00+00:00" status="Active"/></organization>
  </organizationDirectory>
  <serviceDirectory/>
  <facilityDirectory>
    <facility entityID="F1"><primaryName>Phebe Hospital</primaryName>
      <organizations><organization entityID="O-BONG"/></organizations>
      <record updated="2024-01-01T00:00:00+00:00" status="Active"/></facility>
  </facilityDirectory>
  <providerDirectory>
    <provider entityID="p1">
      <codedType code="NURSE" codingScheme="urn:mhero:cadre">Nurse</codedType>
      <demographic><name><forename>Korto</forename><surname>Flomo &lt;b&gt;</surname></name>
        <contactPoint><codedType code="BP">0770123456</codedType></contactPoint></demographic>
      <facilities><facility entityID="F1"/></facilities>
      <record updated="2024-02-01T10:00:00+00:00" status="Active"/>
    </provider>
    <provider entityID="p2">
      <codedType code="CHW" codingScheme="urn:mhero:cadre">Community health worker</codedType>
      <demographic><name><forename>Musu</forename><surname>Kollie</surname></name>
        <contactPoint><codedType code="BP">0886123456</codedType></contactPoint></demographic>
      <facilities><facility entityID="F1"/></facilities>
      <record updated="2024-02-01T10:00:00+00:00" status="Active"/>
    </provider>
  </providerDirectory>
</CSD>)";

void import_registry(Node& node) {
  registry::PhoneNormalizer phones("LR");
  auto doc = registry::parse_csd_text(kCsd, "test.xml", phones);
  REQUIRE(doc.ok());
  auto report = registry::import_records(node.store(), node.key(), std::move(doc).value(), registry::ImportOptions{});
  REQUIRE(report.ok());
}

}  // namespace

TEST_CASE("Html escapes text and attribute values; only literals and other Html pass as markup") {
  Html h;
  h.open("p", {{"title", "a\"b<c>"}}).text("<script>alert('x') & co</script>").close("p");
  h.link("/x?a=1&b=\"2\"", "<b>");
  h.empty("input", {{"required", Html::kBare}});
  CHECK(h.str() ==
        "<p title=\"a&quot;b&lt;c&gt;\">&lt;script&gt;alert(&#39;x&#39;) &amp; co&lt;/script&gt;</p>"
        "<a href=\"/x?a=1&amp;b=&quot;2&quot;\">&lt;b&gt;</a><input required>");
}

TEST_CASE("Html prose: back-quoted commands become <code>, everything escaped, a lone back quote kept") {
  Html h;
  h.prose("run `mhero log verify <dir>` & `mhero status`; 5` of rain");
  CHECK(h.str() == "run <code>mhero log verify &lt;dir&gt;</code> &amp; <code>mhero status</code>; 5` of rain");
  Html none;
  none.prose("");
  CHECK(none.str().empty());
}

TEST_CASE("form bodies: decoded strictly; bad escapes and invalid UTF-8 name the field") {
  auto f = parse_form("user=ama+k&password=p%40ss%3D1&empty=&flag");
  REQUIRE(f.ok());
  CHECK(f->value("user") == "ama k");
  CHECK(f->value("password") == "p@ss=1");
  CHECK(f->get("empty") == std::optional<std::string>(""));
  CHECK(f->get("flag") == std::optional<std::string>(""));
  CHECK_FALSE(f->get("absent"));
  CHECK(parse_form("a=%4").status().message() == "form field 1: bad percent escape in the value of 'a'");
  CHECK(parse_form("a=1&b%zz=2").status().message() == "form field 2: bad percent escape in the name");
  CHECK(parse_form("a=%C3%28").status().message() == "form field 1: the value of 'a' is not valid UTF-8 text");
  CHECK(parse_form("a=%00").status().code() == StatusCode::invalid_argument);
  // A textarea's CR LF line breaks, and a lone CR, are read as LF (the note checks refuse CR).
  CHECK(parse_form("note=one%0D%0Atwo%0Dthree%0A").value().value("note") == "one\ntwo\nthree\n");
  CHECK(parse_form("a=%ED%A0%80").status().code() == StatusCode::invalid_argument);  // A surrogate.
  CHECK(parse_form("a=%C3%A9").value().value("a") == "é");
  std::string many;
  for (int i = 0; i < 65; ++i) many += "k=v&";
  CHECK(parse_form(many).status().message() == "form has more than 64 fields");
}

TEST_CASE("router: literal and {name} segments, 405 detection, nothing for unknown paths") {
  Router router;
  router.add("GET", "/registry", StaffRole::viewer, [](PageRequest&) { return net::HttpResponse{}; });
  router.add("GET", "/registry/provider/{id}", StaffRole::viewer, [](PageRequest&) { return net::HttpResponse{}; });
  router.add("POST", "/users/{name}/disable", StaffRole::admin, [](PageRequest&) { return net::HttpResponse{}; });
  auto m = router.match("GET", "/registry/provider/urn%3Auuid%3A1");
  REQUIRE(m.route);
  CHECK(m.params["id"] == "urn:uuid:1");
  CHECK(router.match("GET", "/users/ama/disable").other_method);
  CHECK_FALSE(router.match("GET", "/users/ama/disable").route);
  CHECK_FALSE(router.match("GET", "/registry/provider/").route);
  CHECK_FALSE(router.match("GET", "/registry/provider/a/b").route);
  CHECK_FALSE(router.match("GET", "/registryx").route);
  CHECK(router.match("POST", "/users/ama/disable").route->need == StaffRole::admin);
}

TEST_CASE("registry page: search by name, phone, cadre, facility; record page; values escaped") {
  ConsoleFixture f;
  import_registry(*f.node);
  f.add_user("ama", StaffRole::viewer, "correct horse 1");
  std::string cookie = f.login("ama", "correct+horse+1");
  auto all = f.get("/registry", cookie);
  CHECK(all.status == 200);
  CHECK(all.body.find("<caption>Providers 1–2 of 2</caption>") != std::string::npos);
  CHECK(all.body.find("Korto Flomo &lt;b&gt;") != std::string::npos);
  CHECK(all.body.find("<b>") == std::string::npos);
  auto by_name = f.get("/registry?q=kollie", cookie);
  CHECK(by_name.body.find("of 1</caption>") != std::string::npos);
  CHECK(by_name.body.find("Musu Kollie") != std::string::npos);
  CHECK(f.get("/registry?phone=0770123456", cookie).body.find(">p1<") != std::string::npos);
  CHECK(f.get("/registry?cadre=chw", cookie).body.find("of 1</caption>") != std::string::npos);
  CHECK(f.get("/registry?facility=phebe&district=BONG", cookie).body.find("of 2</caption>") != std::string::npos);
  auto none = f.get("/registry?q=nobody", cookie);
  CHECK(none.body.find("No provider matches this search") != std::string::npos);
  CHECK(f.get("/registry?page=x", cookie).status == 400);
  auto record = f.get("/registry/provider/p2", cookie);
  CHECK(record.status == 200);
  CHECK(record.body.find("<dd>+231886123456</dd>") == std::string::npos);  // Phones are a table.
  CHECK(record.body.find("<td>+231886123456</td>") != std::string::npos);
  CHECK(record.body.find("Community health worker") != std::string::npos);
  CHECK(record.body.find("Phebe Hospital") != std::string::npos);
  auto missing = f.get("/registry/provider/p9", cookie);
  CHECK(missing.status == 404);
  CHECK(missing.body.find("No provider with entityID p9 is held on this node.") != std::string::npos);
}

TEST_CASE("users page: an admin adds, disables and re-enables accounts and sets a password, audited") {
  ConsoleFixture f;
  f.add_user("root", StaffRole::admin, "admin password 1");
  std::string cookie = f.login("root", "admin+password+1");
  std::string token = f.csrf(cookie);
  auto added = f.post("/users", "csrf=" + token + "&name=kofi&role=operator&password=operator+pw+1&password2=operator+pw+1",
                      cookie);
  CHECK(added.status == 303);
  CHECK(f.get(added.header("Location").value(), cookie).body.find("Account kofi added.") != std::string::npos);
  auto short_pw = f.post("/users", "csrf=" + token + "&name=efua&role=viewer&password=short&password2=short", cookie);
  CHECK(short_pw.status == 400);
  CHECK(short_pw.body.find("a password needs at least 10 characters") != std::string::npos);
  auto differ = f.post("/users", "csrf=" + token + "&name=efua&role=viewer&password=aaaaaaaaaa&password2=bbbbbbbbbb", cookie);
  CHECK(differ.body.find("The two passwords differ") != std::string::npos);
  CHECK(f.post("/users", "csrf=" + token + "&name=kofi&role=viewer&password=aaaaaaaaaa&password2=aaaaaaaaaa", cookie).status ==
        409);
  std::string kofi = f.login("kofi", "operator+pw+1");
  REQUIRE(!kofi.empty());
  CHECK(f.post("/users/kofi/disable", "csrf=" + token, cookie).status == 303);
  CHECK(f.get("/", kofi).status == 303);  // Their session ended.
  CHECK(f.login("kofi", "operator+pw+1").empty());
  CHECK(f.post("/users/root/disable", "csrf=" + token, cookie).status == 400);  // Not yourself.
  CHECK(f.post("/users/kofi/enable", "csrf=" + token, cookie).status == 303);
  CHECK(f.get("/users/kofi/password", cookie).body.find("id=\"user-password\"") != std::string::npos);
  CHECK(f.post("/users/kofi/password", "csrf=" + token + "&password=new+password+2&password2=new+password+2", cookie)
            .status == 303);
  CHECK(f.login("kofi", "operator+pw+1").empty());
  CHECK(!f.login("kofi", "new+password+2").empty());
  CHECK(f.get("/users/nobody/password", cookie).status == 404);
  // Role: a select per row (not on one's own row); the change ends the account's sessions.
  auto page = f.get("/users", cookie).body;
  CHECK(page.find("id=\"role-kofi\"") != std::string::npos);
  CHECK(page.find("id=\"role-root\"") == std::string::npos);
  kofi = f.login("kofi", "new+password+2");
  auto demoted = f.post("/users/kofi/role", "csrf=" + token + "&role=viewer", cookie);
  CHECK(demoted.status == 303);
  CHECK(f.get(demoted.header("Location").value(), cookie).body.find("kofi is now viewer; their sessions ended.") !=
        std::string::npos);
  CHECK(f.get("/", kofi).status == 303);
  CHECK(f.server->context().users().find("kofi").value()->role == StaffRole::viewer);
  CHECK(f.post("/users/kofi/role", "csrf=" + token + "&role=boss", cookie).status == 400);
  CHECK(f.post("/users/root/role", "csrf=" + token + "&role=viewer", cookie).status == 400);  // Not yourself.
  CHECK(f.post("/users/nobody/role", "csrf=" + token + "&role=viewer", cookie).status == 404);
  CHECK(f.post("/users/kofi/role", "role=admin", cookie).status == 403);  // No CSRF token.
  CHECK(f.server->context().users().find("kofi").value()->role == StaffRole::viewer);
  auto rows = f.audit(by("root", "user."));
  std::vector<std::string> seen;
  for (const auto& r : rows) seen.push_back(r.action + " " + r.object + " " + r.outcome.substr(0, 7));
  CHECK(seen == std::vector<std::string>{"user.role nobody -> viewer refused", "user.role root -> viewer refused",
                                         "user.role kofi -> viewer ok", "user.passwd kofi ok", "user.enable kofi ok", "user.disable root refused",
                                         "user.disable kofi ok", "user.add kofi refused", "user.add efua refused",
                                         "user.add kofi ok"});
}

TEST_CASE("the overview links the sections the role may open, inside the shared layout") {
  ConsoleFixture f;
  f.add_user("ama", StaffRole::viewer, "correct horse 1");
  std::string cookie = f.login("ama", "correct+horse+1");
  auto home = f.get("/", cookie);
  CHECK(home.status == 200);
  for (const char* part : {"<html lang=\"en\">", "class=\"skip\"", "<main id=\"main\"", "<h1>Overview</h1>",
                           "id=\"current-user\">ama (viewer)", "id=\"logout-form\"", "href=\"/registry\"",
                           "href=\"/audit\"", "aria-current=\"page\"", "Central node"}) {
    INFO(part);
    CHECK(home.body.find(part) != std::string::npos);
  }
  CHECK(home.header("Content-Type") == std::optional<std::string>("text/html; charset=utf-8"));
  CHECK(home.body.find("id=\"node-openhim\"") == std::string::npos);  // Not an OpenHIM mediator.

  // As an OpenHIM mediator whose core went away: the overview says who runs the jobs meanwhile.
  std::ofstream(f.server->context().node().paths().dir / "openhim-status.json")
      << R"({"url": "https://openhim:8080", "connected": false, "schedule": "openhim", "driving": "internal",
             "last_heartbeat": "2026-12-02T10:00:00Z", "last_error": "POST /heartbeat: connection refused"})";
  auto down = f.get("/", cookie).body;
  for (const char* part : {"<span class=\"tag bad\">unreachable</span> https://openhim:8080",
                           "own timers run dispatch and the answers&#39; poll until OpenHIM answers again",
                           "last heartbeat 2026-12-02T10:00:00Z", "Last error: POST /heartbeat: connection refused"}) {
    INFO(part);
    CHECK(down.find(part) != std::string::npos);
  }
}

TEST_CASE("HTTPS: a self-signed ECDSA P-256 certificate is generated once, its key 0600, fingerprint shown") {
  auto options = test_console_options();
  options.plain_http = false;
  ConsoleFixture f(options);
  auto dir = f.node->paths().dir;
  struct stat st{};
  REQUIRE(::stat((dir / "console.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(f.server->generated_certificate());
  CHECK(f.server->fingerprint().size() == 32 * 3 - 1);
  CHECK(f.server->fingerprint() == certificate_fingerprint(dir / "console.crt").value());
  CHECK(f.server->url().starts_with("https://127.0.0.1:"));
  net::HttpClientOptions tls;
  tls.ca_file = (dir / "console.crt").string();
  net::HttpClient client(tls);
  auto r = client.get(f.base + "/login");
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->header("Strict-Transport-Security") == std::optional<std::string>("max-age=31536000"));
  f.add_user("ama", StaffRole::viewer, "correct horse 1");
  auto login = client.post(f.base + "/login", "user=ama&password=correct+horse+1",
                           {{"Content-Type", "application/x-www-form-urlencoded"}});
  REQUIRE(login.ok());
  std::string set = login->header("Set-Cookie").value_or("");
  CHECK(set.starts_with("__Host-session="));
  CHECK(set.find("; Secure") != std::string::npos);
  // A second server on the same node reuses the files.
  std::string fingerprint = f.server->fingerprint();
  f.server->stop();
  ConsoleServer again(*f.node, options, f.clock);
  REQUIRE(again.start().ok());
  CHECK_FALSE(again.generated_certificate());
  CHECK(again.fingerprint() == fingerprint);
}

TEST_CASE("ConsoleOptions from config.toml: defaults by role, keys read, tls_cert without tls_key refused") {
  NodeConfig central;
  central.role = Role::central;
  auto c = ConsoleOptions::from(central);
  REQUIRE(c.ok());
  CHECK(c->listen == "0.0.0.0:8443");
  CHECK(c->session_idle == std::chrono::minutes(30));
  CHECK(c->session_absolute == std::chrono::hours(8));
  NodeConfig district;
  district.role = Role::district;
  district.table = toml::parse("[console]\nsession_idle_ms = 600000\ntls_cert = \"/x.pem\"\n");
  CHECK(ConsoleOptions::from(district).status().code() == StatusCode::invalid_argument);
  district.table = toml::parse("[console]\nsession_idle_ms = 600000\n");
  auto d = ConsoleOptions::from(district);
  REQUIRE(d.ok());
  CHECK(d->listen.empty());
  CHECK(d->session_idle == std::chrono::minutes(10));
}

TEST_CASE("DHIS2 page: the pushes newest first, the newest push's conflicts and values, text escaped") {
  ConsoleFixture f(test_console_options(),
                   {{"url = \"\"                 # base URL", "url = \"http://127.0.0.1:9\" # base URL"},
                    {"token_file = \"\"", "token_file = \"dhis2.token\""}});
  std::ofstream(f.node->paths().dir / "dhis2.token") << "d2pat_test\n";
  f.add_user("vera", StaffRole::viewer, "correct horse battery");
  std::string cookie = f.login("vera", "correct horse battery");
  REQUIRE(!cookie.empty());
  // Before any push.
  auto none = f.get("/dhis2", cookie);
  CHECK(none.status == 200);
  CHECK_THAT(none.body, Catch::Contains("id=\"dhis2-none\""));

  // Two pushes as `mhero dhis2 push` records them: a clean one, then one with a conflict.
  integrations::Dhis2PushReport first;
  first.at_ms = 1'780'000'000'000;
  first.sent = {{"stockOut", "202611", "ouPhebe", "HllvX50cXC0", "12", 3}};
  first.http_status = 200;
  first.summary = nlohmann::json{{"status", "SUCCESS"}, {"importCount", {{"imported", 1}, {"updated", 0}, {"ignored", 0}}}};
  integrations::Dhis2PushReport second = first;
  second.at_ms = first.at_ms + 3'600'000;
  second.sent.push_back({"stockOut", "202611", "ouOutside<b>", "HllvX50cXC0", "4", 1});
  second.http_status = 409;
  second.rejected = {1};
  second.summary = nlohmann::json{{"status", "WARNING"},
                                  {"importCount", {{"imported", 0}, {"updated", 1}, {"ignored", 1}}},
                                  {"conflicts", {{{"object", "ouOutside<b>"}, {"value", "Organisation unit not in hierarchy of current user"},
                                                  {"errorCode", "E7617"}}}}};
  for (const auto& r : {first, second}) {
    char at[17];
    std::snprintf(at, sizeof at, "%016llx", static_cast<unsigned long long>(r.at_ms));
    REQUIRE(f.node->store().put_meta("dhis2/http://127.0.0.1:9/push/" + std::string(at),
                                     integrations::push_record_json(r).dump()).ok());
  }
  auto page = f.get("/dhis2", cookie);
  CHECK(page.status == 200);
  const std::string& html = page.body;
  auto newest = html.find("WARNING"), older = html.find("SUCCESS");
  REQUIRE(newest != std::string::npos);
  REQUIRE(older != std::string::npos);
  CHECK(newest < older);  // Newest first.
  CHECK_THAT(html, Catch::Contains("id=\"dhis2-conflicts\""));
  CHECK_THAT(html, Catch::Contains("Organisation unit not in hierarchy of current user"));
  CHECK_THAT(html, Catch::Contains("E7617"));
  CHECK_THAT(html, Catch::Contains("ouOutside&lt;b&gt;"));
  CHECK_THAT(html, !Catch::Contains("ouOutside<b>"));
  CHECK_THAT(html, Catch::Contains("2 values posted"));
  CHECK_THAT(html, Catch::Contains(">refused<"));
  CHECK_THAT(f.get("/", cookie).body, Catch::Contains("href=\"/dhis2\""));
}
