// `mhero send`'s preview (reach, shared phones, SMS cost), `mhero flows`, `mhero messages cancel`
// and `mhero dispatch --max-batches`, through the real binary against the RapidPro emulator.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "console/audit.h"
#include "fixture.h"
#include "node/standard_views.h"
#include "support/run_mhero.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

struct CliFixture {
  TempDir dir;
  ManualClock clock{std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())};
  rapidpro_emulator::Emulator emulator{clock, MessagingFixture::default_options()};
  net::BackgroundHttpServer server{{}, [this](const net::HttpRequest& r) { return emulator.handle(r); }};
  std::string c = (dir / "central").string();

  explicit CliFixture(int bong, const std::string& extra = "") {
    REQUIRE(server.start().ok());
    REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
    point_at_rapidpro(dir / "central" / "config.toml", server.base_url());
    std::ofstream(dir / "hw.xml") << generated_csd(bong, 2, extra);
    REQUIRE(run_mhero("registry import-csd --dir " + c + " " + (dir / "hw.xml").string()).code == 0);
  }
};

}  // namespace

TEST_CASE("mhero send previews shared phones and the SMS cost, naming what forces UCS-2") {
  CliFixture f(3, shared_phone_provider("BONG-s1", "BONG", "CHW", worker_phone(0, 0)));
  CliRun sent = run_mhero("send --dir " + f.c + " --text 'Don’t forget: meeting at 9' --district BONG --yes");
  INFO(sent.out);
  REQUIRE(sent.code == 0);
  CHECK_THAT(sent.out, Catch::Contains("will reach 4 health worker(s)"));
  CHECK_THAT(sent.out, Catch::Contains("Reach: 4 workers, 3 phones: 1 phone is shared by 2 workers (one message per phone)."));
  CHECK_THAT(sent.out, Catch::Contains("Text: 26 characters, UCS-2, 1 segment (26 UTF-16 units, 70 per segment)."));
  CHECK_THAT(sent.out, Catch::Contains("UCS-2 because of: ’ U+2019 right single quotation mark."));
  CHECK_THAT(sent.out, Catch::Contains("GSM-7 form (GSM-7, 1 segment): Don't forget: meeting at 9"));
  CHECK_THAT(sent.out, Catch::Contains("Total: 3 SMS segments for 3 phones."));
  CliRun stats = run_mhero("registry stats --dir " + f.c);
  CHECK_THAT(stats.out, Catch::Contains("shared phones: 1 (used by 2 workers; one SMS per phone)"));
  CliRun dispatched = run_mhero("dispatch --dir " + f.c);
  INFO(dispatched.out);
  CHECK_THAT(dispatched.out, Catch::Contains("finished messages reached 4 worker(s) on 3 phone(s)"));
  CHECK(f.emulator.deliveries().size() == 3);
  CHECK_THAT(run_mhero("messages list --dir " + f.c).out, Catch::Contains("dispatched 4/4 workers on 3 phones"));
}

TEST_CASE("mhero send refuses a code or entityID no held worker carries, even beside good ones, and writes nothing") {
  CliFixture f(3);
  CliRun sent = run_mhero("send --dir " + f.c + " --text hi --cadre NURSE --cadre NURSEE --district BONG --yes");
  INFO(sent.out);
  CHECK(sent.code == 1);
  CHECK_THAT(sent.out, Catch::Contains("nothing written: --cadre: no health worker in this node's registry carries the "
                                       "cadre code \"NURSEE\" (it holds CHW and NURSE). Correct or remove it"));
  CliRun two = run_mhero("send --dir " + f.c + " --text hi --district BONG --district BONGG --entity BONG-0 --entity BONG-99 --yes");
  INFO(two.out);
  CHECK(two.code == 1);
  CHECK_THAT(two.out, Catch::Contains("--district: no health worker in this node's registry carries the district code "
                                      "\"BONGG\" (it holds BONG and NIMBA); --entity: no health worker with the entityID "
                                      "\"BONG-99\" is in this node's registry. Correct or remove them"));
  CHECK_THAT(run_mhero("messages list --dir " + f.c).out, !Catch::Contains("pending"));
  CliRun good = run_mhero("send --dir " + f.c + " --text hi --cadre NURSE --cadre CHW --district BONG --yes");
  INFO(good.out);
  CHECK(good.code == 0);
}

TEST_CASE("mhero flows pull shares RapidPro's flows; mhero send --flow takes a flow name") {
  CliFixture f(2);
  CliRun none = run_mhero("flows list --dir " + f.c);
  CHECK_THAT(none.out, Catch::Contains("No flow list held yet"));
  CliRun early = run_mhero("send --dir " + f.c + " --flow 'Stock survey' --district BONG --yes");
  CHECK(early.code == 1);
  CHECK_THAT(early.out, Catch::Contains("--flow: no active RapidPro flow named 'Stock survey' (no flow list held yet)"));
  CliRun pulled = run_mhero("flows pull --dir " + f.c);
  INFO(pulled.out);
  REQUIRE(pulled.code == 0);
  CHECK_THAT(pulled.out, Catch::Contains("1 flow(s) listed by RapidPro; the new list was written to national"));
  CHECK_THAT(run_mhero("flows pull --dir " + f.c).out, Catch::Contains("unchanged, nothing written"));
  CHECK_THAT(run_mhero("flows list --dir " + f.c).out,
             Catch::Contains("11111111-2222-4333-8444-555555555555  active    message  Stock survey"));
  CliRun sent = run_mhero("send --dir " + f.c + " --flow 'stock survey' --district BONG --yes");
  REQUIRE(sent.code == 0);
  auto list = nlohmann::json::parse(run_mhero("messages list --dir " + f.c + " --json").out);
  REQUIRE(list.size() == 1);
  CHECK(list[0]["flow"] == "11111111-2222-4333-8444-555555555555");
  CliRun unknown = run_mhero("send --dir " + f.c + " --flow 'Stock count' --district BONG --yes");
  CHECK(unknown.code == 1);
  CHECK_THAT(unknown.out, Catch::Contains("(flows: Stock survey)"));
}

TEST_CASE("mhero messages cancel stops a message between dispatch batches") {
  CliFixture f(150);
  // Text in another encoding than UTF-8 is refused before anything is written.
  CliRun latin1 = run_mhero("send --dir " + f.c + " --text \"$(printf 'caf\\351')\" --district BONG --yes");
  CHECK(latin1.code == 1);  // As every other refused value.
  CHECK_THAT(latin1.out, Catch::Contains("--text is not UTF-8 text (byte 0xE9 at offset 3): set the terminal to UTF-8"));
  CHECK(nlohmann::json::parse(run_mhero("messages list --dir " + f.c + " --json").out).empty());
  // Times past the year a message may wait (one of them past 2^64: it used to abort in std::stoll),
  // dates that do not exist, blank or escape-laden text: refused, nothing written, no abort.
  for (const auto& [options, why] : std::vector<std::pair<std::string, std::string>>{
           {"--text hi --expires +99999999999999999999d", "is more than a year ahead"},
           {"--text hi --not-before +9223372036854775807s", "is more than a year ahead"},
           {"--text hi --not-before 2027-02-30T08:00:00Z", "that date or time does not exist"},
           {"--text '   '", "the text is only blanks"},
           {"--text ''", "--text is empty: write the message (or give --flow instead of --text)"},
           {"--text \"$(printf 'hi\\033[31m')\"", "--text has a control character (U+001B at offset 2)"},
           {"", "give --text (and --text-lang) or --flow"}}) {
    CliRun refused = run_mhero("send --dir " + f.c + " " + options + " --district BONG --yes");
    INFO(options << "\n" << refused.out);
    CHECK((refused.code == 1 || refused.code == 2));
    CHECK_THAT(refused.out, Catch::Contains(why));
  }
  CHECK(nlohmann::json::parse(run_mhero("messages list --dir " + f.c + " --json").out).empty());
  CliRun sent = run_mhero("send --dir " + f.c + " --text 'all of Bong' --district BONG --yes --user ama");
  REQUIRE(sent.code == 0);
  CHECK_THAT(sent.out, Catch::Contains("written to district/BONG seq 2"));  // After the registry chunk; not national: only Bong's node holds it.
  auto pending = nlohmann::json::parse(run_mhero("messages list --dir " + f.c + " --json").out)[0];
  auto id = pending["id"].get<std::string>();
  CHECK(pending["staff_user"] == "ama");
  CHECK(pending["targeted"].is_null());  // Not known before the first batch.
  CliRun first = run_mhero("dispatch --dir " + f.c + " --max-batches 1");
  INFO(first.out);
  REQUIRE(first.code == 0);
  CHECK(f.emulator.deliveries().size() == 100);
  CliRun cancelled = run_mhero("messages cancel --dir " + f.c + " " + id + " --reason 'wrong day' --user musu");
  INFO(cancelled.out);
  REQUIRE(cancelled.code == 0);
  CHECK_THAT(cancelled.out, Catch::Contains("message " + id + " cancelled; 100 health worker(s) had already been handed to RapidPro"));
  CHECK_THAT(cancelled.out, Catch::Contains("cancel written to district/BONG"));
  CliRun twice = run_mhero("messages cancel --dir " + f.c + " " + id);
  CHECK(twice.code == 1);
  CHECK_THAT(twice.out, Catch::Contains("is already cancelled"));
  CliRun missing = run_mhero("messages cancel --dir " + f.c + " no-such-id");
  CHECK(missing.code == 1);
  CHECK_THAT(missing.out, Catch::Contains("message no-such-id is not held here"));
  REQUIRE(run_mhero("dispatch --dir " + f.c).code == 0);
  CHECK(f.emulator.deliveries().size() == 100);
  CHECK_THAT(run_mhero("messages list --dir " + f.c).out, Catch::Contains("cancelled (100/150 sent before the cancel)"));
  auto listed = nlohmann::json::parse(run_mhero("messages list --dir " + f.c + " --json").out)[0];
  CHECK(listed["cancelled_by"] == "musu");
  CHECK(listed["targeted"] == 150);
  // Staff actions on the command line are audited as the console's are (its /audit lists them).
  ManualClock clock;
  auto views = make_standard_views();
  std::vector<View*> raw;
  for (auto& v : views) raw.push_back(v.get());
  auto node = Node::open(NodePaths{f.c}, clock, raw);
  REQUIRE(node.ok());
  std::vector<std::string> audited;
  REQUIRE(console::scan_audit((*node)->store().views(), {}, "", [&](const console::AuditRecord& r, auto) {
            CHECK(r.client_address.starts_with("cli:"));
            audited.push_back(r.user + " " + r.action + " " + r.object + " " + r.outcome.substr(0, 7));
            return true;
          }).ok());
  // The second cancel gave no --user (and the test's environment names none: "").
  CHECK(audited == std::vector<std::string>{" message.cancel " + id + " refused", "musu message.cancel " + id + " ok",
                                            "ama message.compose " + id + " ok"});
}
