// `mhero registry pull` with an [mcsd] source, run as a user would (the real binary, MHERO_BIN)
// against the FHIR emulator serving iHRIS 5's demo data on loopback.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "fhir_emulator.h"
#include "net/http_server.h"
#include "support/files.h"
#include "support/run_mhero.h"
#include "support/temp_dir.h"

using namespace mhero;
using namespace mhero::testing;

namespace {

std::string ihris_demo_file(const std::string& file) {
  return std::string(MHERO_TEST_FHIR_DIR) + "/ihris-demo/" + file;
}

}  // namespace

TEST_CASE("mhero registry pull: from the [mcsd] source; none configured says what to set") {
  ManualClock clock;
  fhir_emulator::EmulatorOptions options;
  options.auth = fhir_emulator::EmulatorOptions::Auth::basic;
  fhir_emulator::Emulator emulator(options, clock);
  for (const char* f : {"bundle-Country.json", "bundle-Region.json", "bundle-District.json",
                        "bundle-Facility.json", "bundle-Practitioner.json",
                        "bundle-PractitionerRole.json"}) {
    REQUIRE(emulator.load_file(ihris_demo_file(f)).ok());
  }
  net::BackgroundHttpServer http(net::HttpServerOptions{},
                                 [&](const net::HttpRequest& r) { return emulator.handle(r); });
  REQUIRE(http.start().ok());

  TempDir dir;
  std::string d = (dir / "central").string();
  REQUIRE(run_mhero("init --dir " + d + " --role central").code == 0);
  auto none = run_mhero("registry pull --dir " + d);
  CHECK(none.code != 0);
  CHECK(none.out.find("set [openinfoman] url (CSD) and/or [mcsd] url (FHIR R4)") !=
        std::string::npos);

  {
    // `mhero init` wrote every key; set the ones this test needs.
    std::ifstream in(d + "/config.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string c = text.str();
    auto set = [&c](const std::string& from, const std::string& to, size_t after = 0) {
      auto pos = c.find(from, after);
      REQUIRE(pos != std::string::npos);
      c.replace(pos, from.size(), to);
    };
    set("default_region = \"LR\"", "default_region = \"US\"");
    size_t mcsd = c.find("[mcsd]");
    set("url = \"\"", "url = \"" + http.base_url() + "/fhir\"", mcsd);
    set("auth = \"none\"", "auth = \"basic\"", mcsd);
    set("username = \"\"", "username = \"fhir\"", mcsd);
    set("password = \"\"", "password = \"fhir-secret\"", mcsd);
    set("job_code_system_file = \"\"",
        "job_code_system_file = \"" + ihris_demo_file("CodeSystem-ihris-job.json") + "\"", mcsd);
    std::ofstream(d + "/config.toml") << c;
  }
  auto pull = run_mhero("registry pull --dir " + d);
  INFO(pull.out);
  REQUIRE(pull.code == 0);
  CHECK(pull.out.find("27 requests, 2327 resource versions (1007 Practitioner, 1008 "
                      "PractitionerRole, 297 Location, 15 Organization)") != std::string::npos);
  CHECK(pull.out.find("parsed 1007 providers (0 with a valid mobile, 7 unassigned, 0 inactive)") !=
        std::string::npos);
  auto show = run_mhero("registry show Practitioner/P10024 --dir " + d);
  CHECK(show.out.find("\"district\": \"TF.CC.CAP\"") != std::string::npos);
  CHECK(show.out.find("\"source\": \"mcsd:" + http.base_url() + "/fhir\"") != std::string::npos);
  auto list = run_mhero("registry list --cadre doctor --district TF.CC.CAP --dir " + d);
  CHECK(list.code == 0);
  CHECK(list.out.find("Practitioner/P10024") != std::string::npos);

  // A DHIS2 source that fails after the mCSD import went in says so, and what was kept.
  replace_in_file(d + "/config.toml", "url = \"\"                 # base URL",
                  "url = \"http://127.0.0.1:" + std::to_string(free_loopback_port()) + "\" # base URL");
  replace_in_file(d + "/config.toml", "token_file = \"\"", "token_file = \"dhis2-token\"");
  std::ofstream(d + "/dhis2-token") << "d2pat_x\n";
  auto partial = run_mhero("registry pull --dir " + d);
  INFO(partial.out);
  CHECK(partial.code != 0);
  CHECK(partial.out.find("registry pull from DHIS2 http://127.0.0.1:") != std::string::npos);
  CHECK(partial.out.find("(committed before it, and kept: mCSD: 0 added, 0 changed, 0 removed; run `registry pull` "
                         "again once the failing source is fixed)") != std::string::npos);
}
