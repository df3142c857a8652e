// The central node as an OpenHIM mediator (integrations/openhim_service.h) against the OpenHIM
// emulator (tools/openhim-emulator), with the OpenInfoMan and RapidPro emulators behind it, all
// on loopback, into a real RocksDB store: registration and heartbeats, config taken from a
// heartbeat (and a bad one refused), one transaction with its orchestrations per trigger, a slow
// OpenInfoMan answered "Processing" then PUT, joined triggers, wrong credentials, OpenHIM down.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

// By path: every emulator of this suite has an emulator.h.
#include "../../tools/openhim-emulator/emulator.h"
#include "../../tools/openinfoman-emulator/emulator.h"
#include "../../tools/rapidpro-emulator/emulator.h"
#include "integrations/openhim_api.h"
#include "integrations/openhim_mediator.h"
#include "integrations/openhim_orchestration.h"
#include "integrations/openhim_service.h"
#include "integrations/openinfoman_pull.h"
#include "messaging/compose.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "node/node.h"
#include "node/standard_views.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::integrations;
using namespace std::chrono_literals;
using json = nlohmann::json;
namespace oh = mhero::openhim_emulator;

namespace {

constexpr const char* kUrn = "urn:mediator:mhero-sync-node";
constexpr const char* kSecret = "trigger-secret";
const std::vector<std::string> kPullCalls = {"OpenInfoMan organization-search", "OpenInfoMan facility-search",
                                             "OpenInfoMan provider-search"};

// One district (BONG) with `n` nurses "P-i", surname "Kollie-i", mobile +23177000000i.
std::string small_csd(int n) {
  std::ostringstream x;
  x << R"(<?xml version="1.0" encoding="UTF-8"?><CSD xmlns="urn:ihe:iti:csd:2013"><organizationDirectory>)"
    << R"(<organization entityID="O-BONG"><otherID assigningAuthorityName="urn:mhero:district" code="BONG"/>)"
    << R"(<primaryName>BONG CHT</primaryName><record updated="2024-01-01T00:00:00+00:00" status="Active"/></organization>)"
    << R"(</organizationDirectory><serviceDirectory/><facilityDirectory><facility entityID="F-BONG"><primaryName>BONG clinic)"
    << R"(</primaryName><organizations><organization entityID="O-BONG"/></organizations>)"
    << R"(<record updated="2024-01-01T00:00:00+00:00" status="Active"/></facility></facilityDirectory><providerDirectory>)";
  for (int i = 1; i <= n; ++i) {
    x << "<provider entityID=\"P-" << i << "\"><codedType code=\"NURSE\" codingScheme=\"urn:mhero:cadre\"/>"
      << "<demographic><name><forename>Musu</forename><surname>Kollie-" << i << "</surname></name>"
      << "<contactPoint><codedType code=\"BP\">+23177000000" << i << "</codedType></contactPoint></demographic>"
      << "<facilities><facility entityID=\"F-BONG\"/></facilities>"
      << "<record updated=\"2024-01-0" << i << "T00:00:00+00:00\" status=\"Active\"/></provider>";
  }
  x << "</providerDirectory></CSD>";
  return x.str();
}

struct ServedOpenHim {
  oh::Emulator openhim;
  std::unique_ptr<net::BackgroundHttpServer> http;
  uint16_t port = 0;
  explicit ServedOpenHim(oh::EmulatorOptions o = {}) : openhim(std::move(o)) { up(); }
  void up() {
    net::HttpServerOptions options;
    options.port = port;
    http = std::make_unique<net::BackgroundHttpServer>(options, [this](const net::HttpRequest& r) { return openhim.handle(r); });
    REQUIRE(http->start().ok());
    port = http->port();
  }
  void down() { http.reset(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

struct OpenHimFixture {
  ManualClock clock{std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())};
  testing::TempDir dir;
  ServedOpenHim openhim;
  openinfoman_emulator::Emulator oim{{}};
  net::BackgroundHttpServer oim_http{{}, [this](const net::HttpRequest& r) { return oim.handle(r); }};
  rapidpro_emulator::Emulator rapidpro{clock, {}};
  net::BackgroundHttpServer rapidpro_http{{}, [this](const net::HttpRequest& r) { return rapidpro.handle(r); }};
  std::vector<std::unique_ptr<View>> views = make_standard_views();
  std::unique_ptr<Node> node;
  std::unique_ptr<OpenHimService> service;

  explicit OpenHimFixture(std::function<void(toml::table&)> edit = nullptr, oh::EmulatorOptions options = {})
      : openhim(std::move(options)) {
    REQUIRE(oim.load_text("Providers", {small_csd(3)}).ok());
    REQUIRE(oim_http.start().ok());
    REQUIRE(rapidpro_http.start().ok());
    NodePaths paths{dir / "central"};
    REQUIRE(Node::init(paths, Role::central, "", std::nullopt).ok());
    auto table = toml::parse_file(paths.config().string());
    auto set = [&](const char* section, const char* key, auto value) {
      table[section].as_table()->insert_or_assign(key, value);
    };
    set("openinfoman", "url", oim_http.base_url());
    set("openinfoman", "username", "oim");
    set("openinfoman", "password", "oim-secret");
    set("openinfoman", "facility_document", "Providers");  // Districts come from the chain
    set("openinfoman", "organization_document", "Providers");  // provider → facility → organization.
    set("rapidpro", "url", rapidpro_http.base_url());
    set("rapidpro", "token", "emulator-token");
    set("rapidpro", "max_attempts_count", int64_t{1});
    set("openhim", "url", openhim.url());
    set("openhim", "username", "root@openhim.org");
    set("openhim", "password", "openhim-password");
    set("openhim", "listen", "127.0.0.1:0");
    set("openhim", "schedule", "openhim");
    set("openhim", "trigger_password", kSecret);
    set("openhim", "heartbeat_ms", int64_t{1000});
    if (edit) edit(table);
    {
      std::ofstream out(paths.config());
      out << table << "\n";
    }
    std::vector<View*> raw;
    for (auto& v : views) raw.push_back(v.get());
    auto opened = Node::open(paths, clock, raw);
    INFO(opened.status().to_string());
    REQUIRE(opened.ok());
    node = std::move(opened).value();
    auto config = OpenHimConfig::from(node->config());
    REQUIRE(config.ok());
    OpenHimServiceOptions o;
    o.run_timer = false;
    o.status_file = paths.dir / "openhim-status.json";
    auto started = OpenHimService::start(*node, *config, o);
    INFO(started.status().to_string());
    REQUIRE(started.ok());
    service = std::move(started).value();
  }
  ~OpenHimFixture() { service.reset(); }

  OpenHimConfig config() const { return *OpenHimConfig::from(node->config()); }
  void install_channels() {
    service->tick();
    OpenHimApi api(config());
    REQUIRE(api.install_channels(json::array()).ok());
    REQUIRE(openhim.openhim.channels().size() == 3);
  }
  /// Waits (real time; the runs are real threads) until `done` holds or 15 s pass.
  static bool eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 300; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return done();
  }
  std::string trigger_url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(service->port()) + path;
  }
};

std::string all_bodies(const json& orchestrations) {
  std::string out;
  for (const json& o : orchestrations) {
    out += o["request"].value("body", "") + "\n" + o["request"].value("querystring", "") + "\n";
    if (o.contains("response")) out += o["response"].value("body", "") + "\n";
  }
  return out;
}

std::vector<std::string> names(const json& orchestrations) {
  std::vector<std::string> out;
  for (const json& o : orchestrations) out.push_back(o["name"]);
  return out;
}

}  // namespace

TEST_CASE("openhim: registration, heartbeats, and the same version re-registered changes nothing", "[openhim]") {
  OpenHimFixture f;
  f.service->tick();
  CHECK(f.openhim.openhim.registrations() == 1);
  CHECK(f.openhim.openhim.heartbeats(kUrn) == 1);
  json m = f.openhim.openhim.mediator(kUrn);
  REQUIRE(m.is_object());
  CHECK(m["version"] == "0.1.0");
  CHECK(m["endpoints"].size() == 3);
  CHECK(m["endpoints"][0]["port"] == f.service->port());
  REQUIRE(m["defaultChannelConfig"].size() == 3);
  for (const json& c : m["defaultChannelConfig"]) {
    CHECK(c["type"] == "polling");
    CHECK(!c["pollingSchedule"].get<std::string>().empty());
    CHECK(c["routes"][0]["username"] == "openhim");
  }
  CHECK(m["defaultChannelConfig"][0]["routes"][0]["path"] == "/trigger/registry-pull");
  // Passwords are password-typed configDefs.
  std::vector<std::string> passwords;
  for (const json& d : m["configDefs"]) {
    for (const json& t : d["template"]) {
      if (t["type"] == "password") passwords.push_back(d["param"].get<std::string>() + "." + t["param"].get<std::string>());
    }
  }
  CHECK(passwords == std::vector<std::string>{"openinfoman.password", "rapidpro.token"});
  CHECK(m["config"]["rapidpro"]["poll_interval_ms"] == 60000);
  // The API masks them on reads.
  net::HttpClient http;
  auto read = http.get(f.openhim.url() + "/mediators/" + std::string(kUrn),
                       {{"Authorization", basic_auth_header("root@openhim.org", "openhim-password")}});
  REQUIRE(read.ok());
  CHECK(json::parse(read->body)["config"]["rapidpro"]["token"] == "**********");

  f.service->tick();
  CHECK(f.openhim.openhim.heartbeats(kUrn) == 2);
  CHECK(f.openhim.openhim.registrations() == 1);  // Registered once per start.
  json state = f.service->state();
  CHECK(state["connected"] == true);
  CHECK(state["driving"] == "openhim");
  CHECK(state["internal_runs"] == 0);
  // The status file `mhero status` reads.
  std::ifstream in(f.node->paths().dir / "openhim-status.json");
  json file = json::parse(in);
  CHECK(file["heartbeats"] == 2);
  CHECK(file["connected"] == true);

  // Re-registering the same version changes nothing; a higher one updates but keeps config.
  OpenHimApi api(f.config());
  json same = m;
  same["description"] = "changed";
  same["config"]["rapidpro"]["poll_interval_ms"] = 1234;
  REQUIRE(api.register_mediator(same).ok());
  CHECK(f.openhim.openhim.mediator(kUrn)["description"] == m["description"]);
  json higher = same;
  higher["version"] = "0.2.0";
  REQUIRE(api.register_mediator(higher).ok());
  CHECK(f.openhim.openhim.mediator(kUrn)["description"] == "changed");
  CHECK(f.openhim.openhim.mediator(kUrn)["config"]["rapidpro"]["poll_interval_ms"] == 60000);
  // Bad registrations.
  json no_version = m;
  no_version["version"] = "1.0";
  CHECK(api.register_mediator(no_version).code() == StatusCode::invalid_argument);
  json fresh = m;
  fresh["urn"] = "urn:mediator:other";
  fresh["endpoints"] = json::array();
  CHECK(api.register_mediator(fresh).code() == StatusCode::invalid_argument);
}

TEST_CASE("openhim: the legacy token scheme and its 10 s window", "[openhim]") {
  OpenHimFixture f([](toml::table& t) { t["openhim"].as_table()->insert_or_assign("auth", "token"); });
  f.service->tick();
  CHECK(f.service->state()["connected"] == true);
  CHECK(f.openhim.openhim.heartbeats(kUrn) == 1);

  net::HttpClient http;
  auto salt = http.get(f.openhim.url() + "/authenticate/root@openhim.org");
  REQUIRE(salt.ok());
  std::string s = json::parse(salt->body)["salt"];
  auto at = [](std::chrono::seconds ago) {
    auto t = std::chrono::system_clock::now() - ago;
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    return std::string(buf);
  };
  std::string heartbeat = f.openhim.url() + "/mediators/" + std::string(kUrn) + "/heartbeat";
  auto fresh = http.post(heartbeat, R"({"uptime":1})", oh::legacy_auth_headers("root@openhim.org", "openhim-password", s, at(2s)));
  REQUIRE(fresh.ok());
  CHECK(fresh->status == 200);
  auto stale = http.post(heartbeat, R"({"uptime":1})", oh::legacy_auth_headers("root@openhim.org", "openhim-password", s, at(20s)));
  REQUIRE(stale.ok());
  CHECK(stale->status == 401);
  auto wrong = http.post(heartbeat, R"({"uptime":1})", oh::legacy_auth_headers("root@openhim.org", "guess", s, at(0s)));
  REQUIRE(wrong.ok());
  CHECK(wrong->status == 401);
  auto unknown = http.get(f.openhim.url() + "/authenticate/nobody@example.org");
  REQUIRE(unknown.ok());
  CHECK(unknown->status == 404);
  auto none = http.post(heartbeat, R"({"uptime":1})");
  REQUIRE(none.ok());
  CHECK(none->status == 401);
  auto no_uptime = http.post(heartbeat, R"({})", {{"Authorization", basic_auth_header("root@openhim.org", "openhim-password")}});
  REQUIRE(no_uptime.ok());
  CHECK(no_uptime->status == 400);
}

TEST_CASE("openhim: config changed in OpenHIM reaches the node and is applied; a bad one is refused", "[openhim]") {
  OpenHimFixture f;
  f.service->tick();
  CHECK(f.service->jobs().table()["rapidpro"]["poll_interval_ms"].value<int64_t>() == 60000);
  json config = f.openhim.openhim.mediator(kUrn)["config"];
  config["rapidpro"]["poll_interval_ms"] = 5000;
  config["openinfoman"]["provider_document"] = "Providers2";
  REQUIRE(f.openhim.openhim.set_config(kUrn, config).ok());
  f.service->tick();
  toml::table table = f.service->jobs().table();
  CHECK(table["rapidpro"]["poll_interval_ms"].value<int64_t>() == 5000);
  CHECK(table["openinfoman"]["provider_document"].value<std::string>() == "Providers2");
  CHECK(f.service->state()["config_changes"] == 1);
  // No change since: the next heartbeat's reply is empty and nothing moves.
  f.service->tick();
  CHECK(f.service->state()["config_changes"] == 1);
  // Applied without a restart: the next pull asks for the new document (404 in the emulator).
  f.install_channels();
  auto id = f.openhim.openhim.run_channel(kChannelRegistryPull);
  REQUIRE(id.ok());
  json t = f.openhim.openhim.transaction(*id);
  CHECK(t["status"] == "Failed");
  REQUIRE(!t["orchestrations"].empty());
  CHECK(t["orchestrations"].back()["request"]["path"].get<std::string>().find("/CSD/csr/Providers2/") == 0);
  CHECK(t["orchestrations"].back()["response"]["status"] == 404);

  SECTION("a value out of the key table's range is refused and nothing changes") {
    json bad = config;
    bad["rapidpro"]["timeout_ms"] = 0;  // [rapidpro] timeout_ms: 1 – 86400000.
    bad["rapidpro"]["poll_interval_ms"] = 7000;
    REQUIRE(f.openhim.openhim.set_config(kUrn, bad).ok());
    f.service->tick();
    table = f.service->jobs().table();
    CHECK(table["rapidpro"]["poll_interval_ms"].value<int64_t>() == 5000);
    CHECK(table["rapidpro"]["timeout_ms"].value<int64_t>() == 30000);
    json state = f.service->state();
    CHECK(state["config_changes"] == 1);
    CHECK(state["config_refused"].get<std::string>().find("timeout_ms") != std::string::npos);
  }
  SECTION("a URL that is not http(s) is refused") {
    json bad = config;
    bad["openinfoman"]["url"] = "ftp://openinfoman";
    REQUIRE(f.openhim.openhim.set_config(kUrn, bad).ok());
    f.service->tick();
    CHECK(f.service->jobs().table()["openinfoman"]["url"].value<std::string>() != "ftp://openinfoman");
    CHECK(f.service->state()["config_refused"].get<std::string>().find("url") != std::string::npos);
  }
  SECTION("a fractional number is refused") {
    json bad = config;
    bad["rapidpro"]["poll_interval_ms"] = 2500.5;
    REQUIRE(f.openhim.openhim.set_config(kUrn, bad).ok());
    f.service->tick();
    CHECK(f.service->jobs().table()["rapidpro"]["poll_interval_ms"].value<int64_t>() == 5000);
    CHECK(f.service->state()["config_refused"].get<std::string>().find("whole number") != std::string::npos);
  }
  SECTION("the emulator itself refuses a param not in configDefs (core validateConfig)") {
    json bad = config;
    bad["sync"] = {{"listen", "0.0.0.0:1"}};
    CHECK(f.openhim.openhim.set_config(kUrn, bad).code() == StatusCode::invalid_argument);
  }
}

TEST_CASE("openhim: mediator config checks, unit by unit", "[openhim]") {
  toml::table t = toml::parse("[rapidpro]\nurl = \"http://rp\"\ntoken = \"t\"\npoll_interval_ms = 60000\n[openinfoman]\nurl = \"\"\n");
  auto masked = apply_mediator_config(t, {{"rapidpro", {{"token", "**********"}, {"poll_interval_ms", 1000}}}});
  REQUIRE(masked.ok());
  CHECK((*masked)["rapidpro"]["token"].value<std::string>() == "t");  // A masked password keeps its value.
  CHECK((*masked)["rapidpro"]["poll_interval_ms"].value<int64_t>() == 1000);
  CHECK(apply_mediator_config(t, {{"sync", {{"listen", ""}}}}).status().message().find("sync: not a setting") != std::string::npos);
  CHECK(apply_mediator_config(t, {{"rapidpro", {{"colour", "red"}}}}).status().message().find("rapidpro.colour") != std::string::npos);
  CHECK(apply_mediator_config(t, {{"rapidpro", {{"url", 5}}}}).status().message().find("expected a string") != std::string::npos);
  CHECK(apply_mediator_config(t, json::array()).status().code() == StatusCode::invalid_argument);
  CHECK(apply_mediator_config(t, {{"rapidpro", {{"poll_interval_ms", -5}}}}).status().code() == StatusCode::invalid_argument);
  CHECK(t["rapidpro"]["poll_interval_ms"].value<int64_t>() == 60000);  // Never changed.
}

TEST_CASE("openhim: each trigger gives its transaction, orchestrations and figures, names and phones removed", "[openhim]") {
  OpenHimFixture f;
  f.install_channels();
  auto pulled = f.openhim.openhim.run_channel(kChannelRegistryPull);
  REQUIRE(pulled.ok());
  json t = f.openhim.openhim.transaction(*pulled);
  INFO(t.dump(2));
  CHECK(t["status"] == "Successful");
  CHECK(t["mediatorURN"] == kUrn);
  CHECK(t["properties"]["providers_pulled"] == 3);
  CHECK(t["properties"]["entries_written"].get<int>() >= 1);
  CHECK(names(t["orchestrations"]) == kPullCalls);
  CHECK(t["orchestrations"][2]["response"]["status"] == 200);
  std::string bodies = all_bodies(t["orchestrations"]);
  CHECK(bodies.find("<provider entityID=\"P-1\"") != std::string::npos);  // The CSD is there…
  CHECK(bodies.find("Kollie") == std::string::npos);          // …without names
  CHECK(bodies.find("Musu") == std::string::npos);
  CHECK(bodies.find("2317700000") == std::string::npos);       // …or phones.
  CHECK(bodies.find("[name]") != std::string::npos);
  CHECK(bodies.find("[phone]") != std::string::npos);
  CHECK(t["orchestrations"][0]["request"]["headers"].dump().find("Basic") == std::string::npos);
  // What OpenHIM sent: channel-id, X-OpenHIM-LastRunAt as JavaScript Date.toString().
  std::string last_run = t["request"]["headers"]["X-OpenHIM-LastRunAt"];
  CHECK(std::regex_match(last_run, std::regex(R"([A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT\+0000 \(Coordinated Universal Time\))")));
  json state = f.service->state();
  CHECK(state["last_triggers"]["registry-pull"]["transaction"] == *pulled);

  // A message to the district, then the dispatch trigger hands it to RapidPro.
  MessageRecord m;
  m.texts = {{"", "Stock count due Friday"}};
  m.target.districts = {"BONG"};
  REQUIRE(prepare_message(m, Role::central, "", f.clock.now()).ok());
  REQUIRE(write_message(f.node->store(), f.node->key(), "national", m).ok());
  auto dispatched = f.openhim.openhim.run_channel(kChannelDispatch);
  REQUIRE(dispatched.ok());
  t = f.openhim.openhim.transaction(*dispatched);
  INFO(t.dump(2));
  CHECK(t["status"] == "Successful");
  CHECK(t["properties"]["messages_dispatched"] == 1);
  CHECK(t["properties"]["recipients"] == 3);
  std::vector<std::string> calls = names(t["orchestrations"]);
  CHECK(std::count(calls.begin(), calls.end(), "RapidPro POST broadcasts.json") == 1);
  CHECK(std::count(calls.begin(), calls.end(), "RapidPro POST contacts.json") >= 1);
  bodies = all_bodies(t["orchestrations"]);
  CHECK(bodies.find("Kollie") == std::string::npos);
  CHECK(bodies.find("2317700000") == std::string::npos);
  CHECK(bodies.find("Stock count due Friday") != std::string::npos);
  CHECK(f.rapidpro.calls().at("POST /api/v2/broadcasts.json") == 1);

  auto responses = f.openhim.openhim.run_channel(kChannelResponses);
  REQUIRE(responses.ok());
  t = f.openhim.openhim.transaction(*responses);
  INFO(t.dump(2));
  CHECK(t["status"] == "Successful");
  CHECK(t["properties"]["responses_stored"] == 0);
  calls = names(t["orchestrations"]);
  CHECK(std::count(calls.begin(), calls.end(), "RapidPro GET runs.json") == 1);
  CHECK(f.openhim.openhim.transactions().size() == 3);
}

TEST_CASE("openhim: a pull slower than the router timeout answers Processing, then PUTs the result", "[openhim]") {
  OpenHimFixture f([](toml::table& t) { t["openhim"].as_table()->insert_or_assign("answer_within_ms", int64_t{300}); });
  f.openhim.openhim.set_router_timeout(1500ms);
  f.install_channels();
  f.oim.set_delay(2500ms);  // Longer than the router's 1.5 s.
  auto started = std::chrono::steady_clock::now();
  auto id = f.openhim.openhim.run_channel(kChannelRegistryPull);
  REQUIRE(id.ok());
  CHECK(std::chrono::steady_clock::now() - started < 1500ms);  // Answered before the router gave up.
  json t = f.openhim.openhim.transaction(*id);
  CHECK(t["status"] == "Processing");
  CHECK(t["response"]["status"] == 202);
  CHECK(t["orchestrations"].empty());
  REQUIRE(OpenHimFixture::eventually([&] { return f.openhim.openhim.transaction(*id)["status"] != "Processing"; }));
  t = f.openhim.openhim.transaction(*id);
  INFO(t.dump(2));
  CHECK(t["status"] == "Successful");
  CHECK(t["_updates"] == 1);
  CHECK(t["properties"]["providers_pulled"] == 3);
  CHECK(names(t["orchestrations"]) == kPullCalls);
  CHECK(OpenHimFixture::eventually([&] { return f.service->state()["last_triggers"]["registry-pull"].value("put", false); }));

  SECTION("a mediator that answers after the router timeout fails the transaction") {
    OpenHimFixture g([](toml::table& t) { t["openhim"].as_table()->insert_or_assign("answer_within_ms", int64_t{5000}); });
    g.openhim.openhim.set_router_timeout(500ms);
    g.install_channels();
    g.oim.set_delay(1500ms);
    auto late = g.openhim.openhim.run_channel(kChannelRegistryPull);
    REQUIRE(late.ok());
    json lt = g.openhim.openhim.transaction(*late);
    CHECK(lt["status"] == "Failed");
    CHECK(lt["error"]["message"] == "Request took longer than 500ms");
  }
}

TEST_CASE("openhim: the same job triggered twice at once runs once", "[openhim]") {
  OpenHimFixture f;
  f.install_channels();
  f.oim.set_delay(800ms);
  size_t searches = f.oim.searches_served();
  Result<std::string> a = not_found(""), b = not_found("");
  std::thread first([&] { a = f.openhim.openhim.run_channel(kChannelRegistryPull); });
  std::this_thread::sleep_for(200ms);
  std::thread second([&] { b = f.openhim.openhim.run_channel(kChannelRegistryPull); });
  first.join();
  second.join();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(f.oim.searches_served() - searches == 3);  // One pull: one search of each kind.
  CHECK(f.service->jobs().runs(TriggerJob::registry_pull) == 1);
  json ta = f.openhim.openhim.transaction(*a), tb = f.openhim.openhim.transaction(*b);
  CHECK(ta["status"] == "Successful");
  CHECK(tb["status"] == "Successful");
  CHECK(ta["orchestrations"].size() == 3);
  CHECK(tb["orchestrations"].empty());  // The joined one made no call of its own.
  CHECK(tb["properties"].contains("joined_run_started_at"));
  CHECK(tb["properties"]["providers_pulled"] == 3);
  // Once it is over, a new trigger runs again.
  f.oim.set_delay(0ms);
  REQUIRE(f.openhim.openhim.run_channel(kChannelRegistryPull).ok());
  CHECK(f.service->jobs().runs(TriggerJob::registry_pull) == 2);
}

TEST_CASE("openhim: triggers refuse wrong credentials; a wrong API password is reported", "[openhim]") {
  OpenHimFixture f([](toml::table& t) { t["openhim"].as_table()->insert_or_assign("password", "not-it"); });
  net::HttpClient http;
  auto none = http.get(f.trigger_url("/trigger/dispatch"));
  REQUIRE(none.ok());
  CHECK(none->status == 401);
  auto wrong = http.get(f.trigger_url("/trigger/registry-pull"), {{"Authorization", basic_auth_header("openhim", "guess")}});
  REQUIRE(wrong.ok());
  CHECK(wrong->status == 401);
  auto other_user = http.get(f.trigger_url("/status"), {{"Authorization", basic_auth_header("admin", kSecret)}});
  REQUIRE(other_user.ok());
  CHECK(other_user->status == 401);
  CHECK(f.service->jobs().runs(TriggerJob::registry_pull) == 0);
  CHECK(f.service->state()["refused_calls"] == 3);
  auto status = http.get(f.trigger_url("/status"), {{"Authorization", basic_auth_header("openhim", kSecret)}});
  REQUIRE(status.ok());
  CHECK(status->status == 200);
  CHECK(status->header("Content-Type") == "application/json+openhim");
  CHECK(json::parse(status->body)["x-mediator-urn"] == kUrn);
  auto unknown = http.get(f.trigger_url("/trigger/nothing"), {{"Authorization", basic_auth_header("openhim", kSecret)}});
  REQUIRE(unknown.ok());
  CHECK(unknown->status == 404);
  auto post = http.post(f.trigger_url("/trigger/dispatch"), "", {{"Authorization", basic_auth_header("openhim", kSecret)}});
  REQUIRE(post.ok());
  CHECK(post->status == 405);

  // The API refuses the node's own wrong password: not registered, said so.
  f.service->tick();
  json state = f.service->state();
  CHECK(state["registered"] == false);
  CHECK(state["connected"] == false);
  CHECK(state["last_error"].get<std::string>().find("401") != std::string::npos);
  CHECK(f.openhim.openhim.registrations() == 0);
  CHECK(f.openhim.openhim.refused() >= 1);
}

TEST_CASE("openhim: OpenHIM down means internal timers; back up means OpenHIM's schedule again", "[openhim]") {
  OpenHimFixture f;
  f.openhim.down();
  f.service->tick();
  json state = f.service->state();
  CHECK(state["connected"] == false);
  CHECK(state["driving"] == "internal");
  CHECK(state["internal_runs"] == 1);
  CHECK(state["last_error"].get<std::string>().find("unavailable") != std::string::npos);
  // The internal timer started a dispatch pass and a response poll on its own.
  REQUIRE(OpenHimFixture::eventually([&] { return f.rapidpro.calls().count("GET /api/v2/runs.json") == 1; }));
  CHECK(f.service->jobs().runs(TriggerJob::dispatch) == 1);
  CHECK(f.service->jobs().runs(TriggerJob::responses) == 1);
  // Not due again before [rapidpro] poll_interval_ms.
  f.service->tick();
  CHECK(f.service->state()["internal_runs"] == 1);

  f.openhim.up();  // Same port.
  f.service->tick();
  state = f.service->state();
  CHECK(state["connected"] == true);
  CHECK(state["registered"] == true);
  CHECK(state["driving"] == "openhim");
  CHECK(f.openhim.openhim.registrations() == 1);
  CHECK(f.openhim.openhim.heartbeats(kUrn) == 1);
  f.service->tick();
  CHECK(f.service->state()["internal_runs"] == 1);
}

TEST_CASE("openhim emulator: schedules, the JavaScript date, transactions PUT", "[openhim]") {
  using Clock = std::chrono::system_clock;
  auto t0 = Clock::from_time_t(1'767'225'600);  // 2026-01-01T00:00:00Z, a Thursday.
  CHECK(oh::js_date_string(t0) == "Thu Jan 01 2026 00:00:00 GMT+0000 (Coordinated Universal Time)");
  CHECK(*oh::next_run("10 seconds", t0) == t0 + 10s);
  CHECK(*oh::next_run("5 minutes", t0) == t0 + 5min);
  CHECK(*oh::next_run("*/10 * * * *", t0) == t0 + 10min);
  CHECK(*oh::next_run("15 07,13 * * *", t0) == t0 + 7h + 15min);
  CHECK(*oh::next_run("15 07,13 * * *", t0 + 8h) == t0 + 13h + 15min);
  CHECK(oh::next_run("every day", t0).status().code() == StatusCode::invalid_argument);
  CHECK(oh::next_run("x * * * *", t0).status().code() == StatusCode::invalid_argument);

  oh::Emulator e({});
  net::HttpRequest put;
  put.method = "PUT";
  put.target = "/transactions/nope";
  put.headers = {{"Authorization", basic_auth_header("root@openhim.org", "openhim-password")}};
  put.body = R"({"status":"Successful"})";
  CHECK(e.handle(put).status == 404);
  CHECK(e.run_channel("no such channel").status().code() == StatusCode::not_found);
}

TEST_CASE("openhim: scrubbed bodies keep dates and ids, lose phones and names, and are cut", "[openhim]") {
  std::string csd = R"(<csd:provider entityID="P-1"><csd:forename>Musu</csd:forename><surname>Kollie</surname>)"
                    R"(<contactPoint>0770000123</contactPoint><record updated="2024-01-02T03:04:05+00:00"/>)";
  std::string s = scrub_body(csd);
  CHECK(s.find("Musu") == std::string::npos);
  CHECK(s.find("Kollie") == std::string::npos);
  CHECK(s.find("0770000123") == std::string::npos);
  CHECK(s.find("2024-01-02T03:04:05+00:00") != std::string::npos);
  CHECK(s.find("P-1") != std::string::npos);
  std::string rp = R"({"urns":["tel:+231770000123"],"name":"Musu Kollie","fields":{"globalid":"P-1"}})";
  s = scrub_body(rp);
  CHECK(s == R"({"urns":["tel:[phone]"],"name":"[name]","fields":{"globalid":"P-1"}})");
  s = scrub_body(std::string(10000, 'x'), 100);
  CHECK(s.size() < 120);
  CHECK(s.find("[truncated]") != std::string::npos);
}
