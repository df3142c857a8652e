// District scoping that lasts (issue 15): [registry] district_map scopes every import and pull,
// and the moved-share guard ([registry] max_moved_percent) stops an import or pull — by hand or
// `mhero run`'s scheduled pull — that would move too many providers, before anything is written.
// Run as a user would: the real binary (MHERO_BIN), OpenInfoMan's emulator on loopback.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "emulator.h"  // OpenInfoMan
#include "net/http_server.h"
#include "registry/fixture.h"
#include "support/files.h"
#include "support/run_mhero.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

std::string district_of(const std::string& dir, const std::string& id) {
  auto show = run_mhero("registry show " + id + " --dir " + dir);
  REQUIRE(show.code == 0);
  auto pos = show.out.find("\"district\": \"");
  REQUIRE(pos != std::string::npos);
  pos += 13;
  return show.out.substr(pos, show.out.find('"', pos) - pos);
}

}  // namespace

TEST_CASE("registry import-csd: the configured district map lasts; a lost map stops the import until --force") {
  TempDir dir;
  std::string c = (dir / "central").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  auto config = dir / "central" / "config.toml";
  CHECK_THAT(read_file(config), Catch::Contains("district_map = \"\""));
  CHECK_THAT(read_file(config), Catch::Contains("max_moved_percent = 10"));
  std::ofstream(dir / "central" / "map.csv") << "entityID,district\nF3,RIVERCESS\n";
  std::filesystem::permissions(dir / "central" / "map.csv", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ofstream(dir / "providers.xml") << kFixtureCsd;
  std::string file = (dir / "providers.xml").string();

  // The map given once on the command line scopes that import only, and says how to keep it.
  auto once = run_mhero("registry import-csd " + file + " --district-map " + (dir / "central" / "map.csv").string() +
                        " --dir " + c);
  INFO(once.out);
  REQUIRE(once.code == 0);
  CHECK_THAT(once.out, Catch::Contains("was used for this import only; to scope every later import and pull with "
                                       "it, set [registry] district_map = \""));
  CHECK(district_of(c, "p6") == "RIVERCESS");

  // Kept in the node (a path relative to the node directory): later imports scope alike.
  replace_in_file(config, "district_map = \"\"", "district_map = \"map.csv\"");
  std::string changed = kFixtureCsd;
  changed.replace(changed.find("Korto Flomo"), 11, "Korto Flomo-Kollie");
  std::ofstream(dir / "providers.xml") << changed;
  auto later = run_mhero("registry import-csd " + file + " --dir " + c);
  INFO(later.out);
  REQUIRE(later.code == 0);
  CHECK_THAT(later.out, Catch::Contains("records: 0 added, 1 changed, 0 removed, 14 unchanged; 0 moved district"));
  CHECK(district_of(c, "p6") == "RIVERCESS");

  // The map taken out of the config: p6 would go back to MARGIBI (1 of the 7 providers held in a
  // district, 14 % > 10 %): the import stops, writes nothing and names the move.
  replace_in_file(config, "district_map = \"map.csv\"", "district_map = \"\"");
  std::string entries_before = run_mhero("log show --dir " + c).out;
  auto stopped = run_mhero("registry import-csd " + file + " --dir " + c);
  INFO(stopped.out);
  CHECK(stopped.code != 0);
  CHECK_THAT(stopped.out, Catch::Contains("this import would move 1 of the 7 providers held in a district (14 %; 0 to "
                                          "unassigned, never messaged) — more than [registry] max_moved_percent = 10 "
                                          "%; nothing was written. For example: p6 RIVERCESS -> MARGIBI."));
  CHECK_THAT(stopped.out, Catch::Contains("run again with --force"));
  CHECK(district_of(c, "p6") == "RIVERCESS");
  CHECK(run_mhero("log show --dir " + c).out == entries_before);

  // A missing map file is an error naming the key, not an import without the map.
  replace_in_file(config, "district_map = \"\"", "district_map = \"gone.csv\"");
  auto gone = run_mhero("registry import-csd " + file + " --dir " + c);
  CHECK(gone.code != 0);
  CHECK_THAT(gone.out, Catch::Contains("config [registry] district_map"));
  CHECK_THAT(gone.out, Catch::Contains("gone.csv"));
  replace_in_file(config, "district_map = \"gone.csv\"", "district_map = \"\"");

  // --force proceeds.
  auto forced = run_mhero("registry import-csd " + file + " --force --dir " + c);
  INFO(forced.out);
  REQUIRE(forced.code == 0);
  CHECK_THAT(forced.out, Catch::Contains("1 moved district"));
  CHECK(district_of(c, "p6") == "MARGIBI");

  // A share raised in the config lets the same kind of move through.
  replace_in_file(config, "district_map = \"\"", "district_map = \"map.csv\"");
  replace_in_file(config, "max_moved_percent = 10", "max_moved_percent = 20");
  auto allowed = run_mhero("registry import-csd " + file + " --dir " + c);
  INFO(allowed.out);
  REQUIRE(allowed.code == 0);
  CHECK(district_of(c, "p6") == "RIVERCESS");
}

TEST_CASE("registry pull and mhero run's scheduled pull respect the moved-share guard") {
  openinfoman_emulator::Emulator oim{openinfoman_emulator::EmulatorOptions{}};
  REQUIRE(oim.load_text("Providers", {kFixtureCsd}).ok());
  net::BackgroundHttpServer oim_http{net::HttpServerOptions{}, [&](const net::HttpRequest& r) { return oim.handle(r); }};
  REQUIRE(oim_http.start().ok());

  TempDir dir;
  std::string c = (dir / "central").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  auto config = dir / "central" / "config.toml";
  std::ofstream(dir / "central" / "map.csv") << "F3,RIVERCESS\n";
  std::filesystem::permissions(dir / "central" / "map.csv", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  replace_in_file(config, "district_map = \"\"", "district_map = \"map.csv\"");
  replace_in_file(config, "url = \"\"", "url = \"" + oim_http.base_url() + "\"");  // [openinfoman], the first url.
  replace_in_file(config, "username = \"\"", "username = \"oim\"");
  replace_in_file(config, "password = \"\"", "password = \"oim-secret\"");
  replace_in_file(config, "facility_document = \"\"", "facility_document = \"Providers\"");
  replace_in_file(config, "organization_document = \"\"", "organization_document = \"Providers\"");
  auto first = run_mhero("registry pull --dir " + c);
  INFO(first.out);
  REQUIRE(first.code == 0);
  CHECK(district_of(c, "p6") == "RIVERCESS");

  // The map lost: the next pull (OpenInfoMan answers records updated at or after LAST, so p6
  // again) would put p6 back in MARGIBI.
  replace_in_file(config, "district_map = \"map.csv\"", "district_map = \"\"");
  auto stopped = run_mhero("registry pull --dir " + c);
  INFO(stopped.out);
  CHECK(stopped.code != 0);
  CHECK_THAT(stopped.out, Catch::Contains("registry pull from OpenInfoMan"));
  CHECK_THAT(stopped.out, Catch::Contains("p6 RIVERCESS -> MARGIBI"));
  CHECK(district_of(c, "p6") == "RIVERCESS");
  auto alarms = run_mhero("alarms --dir " + c);
  CHECK_THAT(alarms.out, Catch::Contains("registry_pull_refused"));

  // `mhero run` pulls every pull_interval_ms: refused, logged as an error, the alarm stays.
  replace_in_file(config, "pull_interval_ms = 0", "pull_interval_ms = 200");
  replace_in_file(config, "listen = \"0.0.0.0:7447\"", "listen = \"127.0.0.1:0\"");
  replace_in_file(config, "listen = \"0.0.0.0:8443\"", "listen = \"\"");
  std::filesystem::path log = dir / "run.log";
  pid_t daemon = spawn_mhero_run(c, log);
  for (int i = 0; i < 400 && read_file(log).find("registry pull refused") == std::string::npos; ++i) ::usleep(50'000);
  std::string running_alarms = run_mhero("alarms --dir " + c).out;  // Forwarded to the daemon.
  ::kill(daemon, SIGTERM);
  int status = 0;
  ::waitpid(daemon, &status, 0);
  CHECK(WIFEXITED(status));
  std::string text = read_file(log);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("registry pull refused: failed precondition: registry pull from OpenInfoMan"));
  CHECK_THAT(text, Catch::Contains("p6 RIVERCESS -> MARGIBI"));
  CHECK_THAT(running_alarms, Catch::Contains("registry_pull_refused"));
  CHECK(district_of(c, "p6") == "RIVERCESS");

  // By hand with --force: the pull goes through and the alarm clears.
  auto forced = run_mhero("registry pull --force --dir " + c);
  INFO(forced.out);
  REQUIRE(forced.code == 0);
  CHECK(district_of(c, "p6") == "MARGIBI");
  CHECK(run_mhero("alarms --dir " + c).out.find("registry_pull_refused") == std::string::npos);
}
