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

TEST_CASE("mhero send, dispatch, messages list and responses list end to end") {
  TempDir dir;
  ManualClock clock(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch()));
  auto options = MessagingFixture::default_options();
  rapidpro_emulator::Emulator emulator(clock, options);
  net::BackgroundHttpServer server({}, [&](const net::HttpRequest& r) { return emulator.handle(r); });
  REQUIRE(server.start().ok());

  std::string c = (dir / "central").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  point_at_rapidpro(dir / "central" / "config.toml", server.base_url());
  std::ofstream(dir / "hw.xml") << generated_csd(3, 2);
  CliRun imported = run_mhero("registry import-csd --dir " + c + " " + (dir / "hw.xml").string());
  REQUIRE(imported.code == 0);

  CliRun sent = run_mhero("send --dir " + c + " --text 'Bong meeting at 9' --district BONG --yes");
  INFO(sent.out);
  REQUIRE(sent.code == 0);
  CHECK_THAT(sent.out, Catch::Contains("will reach 3 health worker(s)"));
  CHECK_THAT(sent.out, Catch::Contains("Excluded: 1 inactive, 1 without a valid mobile number or messaging address, 0 without a district."));
  CliRun nobody = run_mhero("send --dir " + c + " --text 'typo' --cadre NURES --yes");  // A mistyped code.
  CHECK(nobody.code == 1);
  CHECK_THAT(nobody.out, Catch::Contains("nothing written: --cadre: no health worker in this node's registry carries the "
                                        "cadre code \"NURES\" (it holds CHW and NURSE)"));
  CliRun unreachable = run_mhero("send --dir " + c + " --text 'x' --entity BONG-nophone --yes");  // Held, no mobile.
  CHECK(unreachable.code == 1);
  CHECK_THAT(unreachable.out, Catch::Contains("nothing written: no health worker with a valid mobile matches this target"));
  CliRun flow = run_mhero("send --dir " + c + " --flow 11111111-2222-4333-8444-555555555555 --district NIMBA --urgent --yes");
  REQUIRE(flow.code == 0);
  CliRun pending = run_mhero("messages list --dir " + c);
  CHECK_THAT(pending.out, Catch::Contains("pending"));

  CliRun dispatched = run_mhero("dispatch --dir " + c);
  INFO(dispatched.out);
  REQUIRE(dispatched.code == 0);
  CHECK(emulator.deliveries().size() == 5);
  CHECK(emulator.duplicate_count() == 0);
  CliRun list = run_mhero("messages list --dir " + c + " --json");
  auto j = nlohmann::json::parse(list.out.substr(list.out.find('[')));
  REQUIRE(j.size() == 2);
  std::set<std::string> states{j[0]["description"].get<std::string>(), j[1]["description"].get<std::string>()};
  CHECK(states == std::set<std::string>{"dispatched 3/3", "dispatched 2/2"});

  clock.advance(10min);  // The emulator's workers answer the flow.
  REQUIRE(run_mhero("dispatch --dir " + c).code == 0);
  CliRun csv = run_mhero("responses list --dir " + c + " --district NIMBA --csv");
  CHECK_THAT(csv.out, Catch::StartsWith("message_id,entity_id,district,answered_at,values,raw_text,source_id\n"));
  CHECK(std::count(csv.out.begin(), csv.out.end(), '\n') == 3);
  CHECK_THAT(csv.out, Catch::Contains("NIMBA-1,NIMBA"));
  CliRun none = run_mhero("responses list --dir " + c + " --district BONG --json");
  CHECK_THAT(none.out, Catch::Contains("[]"));

  // A district node may target only its own district; bad input changes nothing.
  CliRun id = run_mhero("id --dir " + c);
  std::string d = (dir / "bong").string();
  REQUIRE(run_mhero("init --dir " + d + " --role district --district BONG --central-key " + id.out.substr(0, 64)).code == 0);
  CliRun other = run_mhero("send --dir " + d + " --text hi --district NIMBA --yes");
  CHECK(other.code == 1);
  CHECK_THAT(other.out, Catch::Contains("a district node may target only its own district (BONG)"));
  CliRun bad_time = run_mhero("send --dir " + d + " --text hi --expires soon --yes");
  CHECK(bad_time.code == 1);
  CHECK_THAT(bad_time.out, Catch::Contains("--expires 'soon'"));
  CHECK_THAT(run_mhero("messages list --dir " + d).out, Catch::Equals(""));
  CliRun not_central = run_mhero("dispatch --dir " + d);
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
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  point_at_rapidpro(dir / "central" / "config.toml", server.base_url());
  std::ofstream(dir / "hw.xml") << generated_csd(2, 0);
  REQUIRE(run_mhero("registry import-csd --dir " + c + " " + (dir / "hw.xml").string()).code == 0);
  REQUIRE(run_mhero("send --dir " + c + " --text 'Meeting at 9' --district BONG --yes").code == 0);
  REQUIRE(run_mhero("dispatch --dir " + c).code == 0);
  clock.advance(10min);
  REQUIRE(run_mhero("dispatch --dir " + c).code == 0);
  CliRun text = run_mhero("responses list --dir " + c);
  INFO(text.out);
  CHECK(std::count(text.out.begin(), text.out.end(), '\n') == 2);
  CHECK_THAT(text.out, Catch::Contains("text: Got it, thanks"));
  CHECK_THAT(text.out, !Catch::Contains("{}"));
  // The delivery report came with the dispatch pass: `messages list` is unchanged by it.
  CHECK_THAT(run_mhero("messages list --dir " + c).out, Catch::Contains("dispatched 2/2"));
}
