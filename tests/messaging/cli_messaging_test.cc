// The `mhero` binary's messaging commands against an in-process RapidPro emulator.
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <array>
#include <fstream>
#include <set>
#include <sstream>

#include "fixture.h"
#include "support/run_mhero.h"

using namespace mhero;
using namespace mhero::testing;
using namespace std::chrono_literals;

namespace {

using Run = mhero::testing::CliRun;

Run mhero_cli(const std::string& args) { return mhero::testing::run_mhero(args); }

void set_rapidpro(const std::filesystem::path& config, const std::string& url) {
  std::ifstream in(config);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  auto at = s.find("[rapidpro]");
  REQUIRE(at != std::string::npos);
  s.replace(s.find("url = \"\"", at), 8, "url = \"" + url + "\"");
  s.replace(s.find("token = \"\"", at), 10, "token = \"emulator-token\"");
  std::ofstream(config) << s;
}

}  // namespace

TEST_CASE("mhero send, dispatch, messages list and responses list end to end") {
  TempDir dir;
  ManualClock clock(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch()));
  auto options = MessagingFixture::default_options();
  rapidpro_emulator::Emulator emulator(clock, options);
  net::BackgroundHttpServer server({}, [&](const net::HttpRequest& r) { return emulator.handle(r); });
  REQUIRE(server.start().ok());

  std::string c = (dir / "central").string();
  REQUIRE(mhero_cli("init --dir " + c + " --role central").code == 0);
  set_rapidpro(dir / "central" / "config.toml", server.base_url());
  std::ofstream(dir / "hw.xml") << generated_csd(3, 2);
  Run imported = mhero_cli("registry import-csd --dir " + c + " " + (dir / "hw.xml").string());
  REQUIRE(imported.code == 0);

  Run sent = mhero_cli("send --dir " + c + " --text 'Bong meeting at 9' --district BONG --yes");
  INFO(sent.out);
  REQUIRE(sent.code == 0);
  CHECK_THAT(sent.out, Catch::Contains("will reach 3 health worker(s)"));
  CHECK_THAT(sent.out, Catch::Contains("Excluded: 1 inactive, 1 without a valid mobile number or messaging address, 0 without a district."));
  Run nobody = mhero_cli("send --dir " + c + " --text 'typo' --cadre NURES --yes");  // A mistyped code.
  CHECK(nobody.code == 1);
  CHECK_THAT(nobody.out, Catch::Contains("nothing written: no health worker with a valid mobile matches this target"));
  Run flow = mhero_cli("send --dir " + c + " --flow 11111111-2222-4333-8444-555555555555 --district NIMBA --urgent --yes");
  REQUIRE(flow.code == 0);
  Run pending = mhero_cli("messages list --dir " + c);
  CHECK_THAT(pending.out, Catch::Contains("pending"));

  Run dispatched = mhero_cli("dispatch --dir " + c);
  INFO(dispatched.out);
  REQUIRE(dispatched.code == 0);
  CHECK(emulator.deliveries().size() == 5);
  CHECK(emulator.duplicate_count() == 0);
  Run list = mhero_cli("messages list --dir " + c + " --json");
  auto j = nlohmann::json::parse(list.out.substr(list.out.find('[')));
  REQUIRE(j.size() == 2);
  std::set<std::string> states{j[0]["description"].get<std::string>(), j[1]["description"].get<std::string>()};
  CHECK(states == std::set<std::string>{"dispatched 3/3", "dispatched 2/2"});

  clock.advance(10min);  // The emulator's workers answer the flow.
  REQUIRE(mhero_cli("dispatch --dir " + c).code == 0);
  Run csv = mhero_cli("responses list --dir " + c + " --district NIMBA --csv");
  CHECK_THAT(csv.out, Catch::StartsWith("message_id,entity_id,district,answered_at,values,raw_text,source_id\n"));
  CHECK(std::count(csv.out.begin(), csv.out.end(), '\n') == 3);
  CHECK_THAT(csv.out, Catch::Contains("NIMBA-1,NIMBA"));
  Run none = mhero_cli("responses list --dir " + c + " --district BONG --json");
  CHECK_THAT(none.out, Catch::Contains("[]"));

  // A district node may target only its own district; bad input changes nothing.
  Run id = mhero_cli("id --dir " + c);
  std::string d = (dir / "bong").string();
  REQUIRE(mhero_cli("init --dir " + d + " --role district --district BONG --central-key " + id.out.substr(0, 64)).code == 0);
  Run other = mhero_cli("send --dir " + d + " --text hi --district NIMBA --yes");
  CHECK(other.code == 1);
  CHECK_THAT(other.out, Catch::Contains("a district node may target only its own district (BONG)"));
  Run bad_time = mhero_cli("send --dir " + d + " --text hi --expires soon --yes");
  CHECK(bad_time.code == 1);
  CHECK_THAT(bad_time.out, Catch::Contains("--expires 'soon'"));
  CHECK_THAT(mhero_cli("messages list --dir " + d).out, Catch::Equals(""));
  Run not_central = mhero_cli("dispatch --dir " + d);
  CHECK(not_central.code == 1);
  CHECK_THAT(not_central.out, Catch::Contains("only the central node talks to RapidPro"));
}

TEST_CASE("regression: responses list printed {} for an SMS reply; it shows the reply's text") {
  TempDir dir;
  ManualClock clock(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch()));
  auto options = MessagingFixture::default_options();
  options.broadcast_reply = "Got it, thanks";
  rapidpro_emulator::Emulator emulator(clock, options);
  net::BackgroundHttpServer server({}, [&](const net::HttpRequest& r) { return emulator.handle(r); });
  REQUIRE(server.start().ok());
  std::string c = (dir / "central").string();
  REQUIRE(mhero_cli("init --dir " + c + " --role central").code == 0);
  set_rapidpro(dir / "central" / "config.toml", server.base_url());
  std::ofstream(dir / "hw.xml") << generated_csd(2, 0);
  REQUIRE(mhero_cli("registry import-csd --dir " + c + " " + (dir / "hw.xml").string()).code == 0);
  REQUIRE(mhero_cli("send --dir " + c + " --text 'Meeting at 9' --district BONG --yes").code == 0);
  REQUIRE(mhero_cli("dispatch --dir " + c).code == 0);
  clock.advance(10min);
  REQUIRE(mhero_cli("dispatch --dir " + c).code == 0);
  Run text = mhero_cli("responses list --dir " + c);
  INFO(text.out);
  CHECK(std::count(text.out.begin(), text.out.end(), '\n') == 2);
  CHECK_THAT(text.out, Catch::Contains("text: Got it, thanks"));
  CHECK_THAT(text.out, !Catch::Contains("{}"));
  // The delivery report came with the dispatch pass: `messages list` is unchanged by it.
  CHECK_THAT(mhero_cli("messages list --dir " + c).out, Catch::Contains("dispatched 2/2"));
}
