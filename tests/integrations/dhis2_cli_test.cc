// `mhero dhis2 pull|push|status` run as a user would (the real binary, MHERO_BIN) against the
// DHIS2 emulator on loopback: [dhis2] from config.toml, a token file, the error texts.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "dhis2_emulator.h"
#include "net/http_server.h"
#include "support/files.h"
#include "support/run_mhero.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

void set_dhis2(const std::string& dir, const std::map<std::string, std::string>& values) {
  std::ifstream in(dir + "/config.toml");
  std::stringstream text;
  text << in.rdbuf();
  std::string c = text.str();
  size_t section = c.find("[dhis2]");
  REQUIRE(section != std::string::npos);
  for (const auto& [key, value] : values) {
    size_t pos = c.find("\n" + key + " = ", section);
    REQUIRE(pos != std::string::npos);
    size_t end = c.find('\n', pos + 1);
    c.replace(pos + 1, end - pos - 1, key + " = " + value);
  }
  std::ofstream(dir + "/config.toml") << c;
}

}  // namespace

TEST_CASE("mhero dhis2: pull, push with a token file, status; errors say what to set") {
  SystemClock clock;
  dhis2_emulator::EmulatorOptions options;
  options.token = "d2pat_cli0123456789";
  options.tree.districts = 2;
  options.tree.chiefdoms_per_district = 1;
  options.tree.facilities_per_chiefdom = 2;
  dhis2_emulator::Emulator emulator(options, clock);
  net::BackgroundHttpServer http(net::HttpServerOptions{}, [&](const net::HttpRequest& r) { return emulator.handle(r); });
  REQUIRE(http.start().ok());

  TempDir dir;
  std::string d = (dir / "central").string();
  REQUIRE(run_mhero("init --dir " + d + " --role central").code == 0);
  auto off = run_mhero("dhis2 pull --dir " + d);
  CHECK(off.code != 0);
  CHECK(off.out.find("dhis2 pull: [dhis2] url is not set in " + d + "/config.toml") != std::string::npos);

  set_dhis2(d, {{"url", "\"" + http.base_url() + "/api\""}});
  auto no_auth = run_mhero("dhis2 pull --dir " + d);
  CHECK(no_auth.code != 0);
  CHECK(no_auth.out.find("config [dhis2]: set token_file (a personal access token) or username and password_file") !=
        std::string::npos);

  std::ofstream(d + "/dhis2-token") << "d2pat_wrong\n";
  set_dhis2(d, {{"token_file", "\"dhis2-token\""}});
  auto refused = run_mhero("dhis2 pull --dir " + d);
  CHECK(refused.code != 0);
  CHECK(refused.out.find("DHIS2 refused " + http.base_url() + "/api/organisationUnits.json?") != std::string::npos);
  CHECK(refused.out.find("(HTTP 401 (Unauthorized)); check [dhis2] username/password_file or token_file") !=
        std::string::npos);

  std::ofstream(d + "/dhis2-token") << "d2pat_cli0123456789\n";
  auto pull = run_mhero("dhis2 pull --dir " + d);
  INFO(pull.out);
  REQUIRE(pull.code == 0);
  CHECK(pull.out.find("9 org units (the whole tree) (5 organizations, 4 facilities)") != std::string::npos);
  auto stats = run_mhero("registry stats --dir " + d);
  CHECK(stats.out.find("facilities: 4") != std::string::npos);

  auto no_map = run_mhero("dhis2 push --dir " + d);
  CHECK(no_map.code != 0);
  CHECK(no_map.out.find("[dhis2] mapping_file is not set") != std::string::npos);
  std::ofstream(d + "/map.toml") << "[[value]]\nflow = \"Stock survey\"\nresult = \"stock\"\ndata_element = \"sTkLvl00001\"\n"
                                    "aggregation = \"median\"\n";
  set_dhis2(d, {{"mapping_file", "\"map.toml\""}});
  auto bad_map = run_mhero("dhis2 push --dir " + d);
  CHECK(bad_map.code != 0);
  CHECK(bad_map.out.find(d + "/map.toml: [[value]] 1: aggregation 'median' is not last, sum or mean") != std::string::npos);
  std::ofstream(d + "/map.toml") << "[[value]]\nflow = \"Stock survey\"\nresult = \"stock\"\ndata_element = \"sTkLvl00001\"\n";
  auto push = run_mhero("dhis2 push --dir " + d);
  CHECK(push.code == 0);
  CHECK(push.out.find(": 0 values posted, 0 unchanged since DHIS2 accepted them; from 0 answers") != std::string::npos);
  // A mapping no answer matches is not silent: the rule is named with what to check.
  CHECK(push.out.find("warning: no answer held for mapping rule Stock survey / stock: check the flow's name or uuid in " +
                      d + "/map.toml against `mhero flows list`") != std::string::npos);
  auto status = run_mhero("dhis2 status --dir " + d);
  CHECK(status.code == 0);
  CHECK(status.out.find("no push yet") != std::string::npos);
  CHECK(emulator.refused() == 1);
}

TEST_CASE("mhero run pushes every [dhis2] push_interval_ms; a bad mapping file is logged and does not stop it") {
  SystemClock clock;
  dhis2_emulator::EmulatorOptions options;
  options.token = "d2pat_run0123456789";
  options.tree.districts = 1;
  options.tree.chiefdoms_per_district = 1;
  options.tree.facilities_per_chiefdom = 1;
  dhis2_emulator::Emulator emulator(options, clock);
  net::BackgroundHttpServer http(net::HttpServerOptions{}, [&](const net::HttpRequest& r) { return emulator.handle(r); });
  REQUIRE(http.start().ok());

  TempDir dir;
  std::string d = (dir / "central").string();
  REQUIRE(run_mhero("init --dir " + d + " --role central").code == 0);
  std::ofstream(d + "/dhis2-token") << "d2pat_run0123456789\n";
  ::chmod((d + "/dhis2-token").c_str(), 0600);
  std::ofstream(d + "/map.toml") << "[[value]]\nflow = \"Stock survey\"\nresult = \"stock\"\ndata_element = \"sTkLvl00001\"\n"
                                    "aggregation = \"median\"\n";
  ::chmod((d + "/map.toml").c_str(), 0600);
  set_dhis2(d, {{"url", "\"" + http.base_url() + "\""},
                {"token_file", "\"dhis2-token\""},
                {"mapping_file", "\"map.toml\""},
                {"push_interval_ms", "200"}});
  std::filesystem::path config = std::filesystem::path(d) / "config.toml";
  replace_in_file(config, "listen = \"0.0.0.0:7447\"", "listen = \"127.0.0.1:0\"");
  replace_in_file(config, "listen = \"0.0.0.0:8443\"", "listen = \"\"");

  std::filesystem::path log = dir / "run.log";
  pid_t daemon = spawn_mhero_run(d, log);
  auto wait_for = [&](const std::string& text) {
    for (int i = 0; i < 400 && read_file(log).find(text) == std::string::npos; ++i) ::usleep(50'000);
    return read_file(log).find(text) != std::string::npos;
  };
  bool refused = wait_for("map.toml: [[value]] 1: aggregation 'median' is not last, sum or mean");
  // Fixed while the daemon runs: the next pass reads the file again and pushes.
  std::ofstream(d + "/map.toml") << "[[value]]\nflow = \"Stock survey\"\nresult = \"stock\"\ndata_element = \"sTkLvl00001\"\n";
  bool pushed = wait_for("dhis2 push to " + http.base_url() + ": 0 values posted, 0 unchanged");
  ::kill(daemon, SIGTERM);
  int status = 0;
  ::waitpid(daemon, &status, 0);
  std::string text = read_file(log);
  INFO(text);
  CHECK(refused);
  CHECK(text.find("dhis2 push: invalid argument: " + d + "/map.toml: [[value]] 1:") != std::string::npos);
  CHECK(pushed);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(emulator.imports() == 0);  // No answers held: nothing to post.
}
