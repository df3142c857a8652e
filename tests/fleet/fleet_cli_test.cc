// `mhero districts` and `mhero alarms` as a user runs them: a district that sent its health by
// bundle (`bundle export --with-status`) shows on the central node with the bundle id.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "support/run_mhero.h"
#include "support/temp_dir.h"

using mhero::testing::CliRun;
using mhero::testing::run_mhero;
using mhero::testing::TempDir;

namespace {

CliRun ok(const std::string& args) {
  CliRun r = run_mhero(args);
  INFO("mhero " << args << "\n" << r.out);
  REQUIRE(r.code == 0);
  return r;
}

}  // namespace

TEST_CASE("mhero districts and alarms: a district that sent a bundle with its status") {
  TempDir tmp;
  std::string central = (tmp / "central").string(), bong = (tmp / "bong").string();
  ok("init --dir " + central + " --role central");
  std::string central_id = ok("id --dir " + central).out.substr(0, 64);
  ok("init --dir " + bong + " --role district --district BONG --central-key " + central_id);
  std::string bong_id = ok("id --dir " + bong).out.substr(0, 64);
  ok("enroll --dir " + central + " --district BONG --key " + bong_id + " --label 'Bong county'");

  CHECK(ok("alarms --dir " + central).out == "no alarms\n");
  CliRun never = ok("districts --dir " + central);
  CHECK_THAT(never.out, Catch::Contains("BONG  green  node " + bong_id.substr(0, 8) + "  \"Bong county\""));
  CHECK_THAT(never.out, Catch::Contains("last contact: never"));

  CliRun exp = ok("bundle export --dir " + bong + " --with-status --out " + (tmp / "b.mhb").string());
  CHECK_THAT(exp.out, Catch::Contains("nodeStatus written (first)"));
  ok("bundle import --dir " + central + " " + (tmp / "b.mhb").string());

  CliRun json = ok("districts --dir " + central + " --json");
  auto rows = nlohmann::json::parse(json.out, nullptr, false);
  REQUIRE(rows.is_array());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["district"] == "BONG");
  CHECK(rows[0]["last_contact"]["via"] == "bundle");
  CHECK(rows[0]["last_contact"]["bundle_id"].get<std::string>().size() == 32);
  CHECK(rows[0]["colour"] == "green");
  CHECK(rows[0]["health"]["plausible"] == true);
  CHECK(rows[0]["health"]["free_disk_bytes"].get<uint64_t>() > 0);
  CHECK_THAT(ok("districts --dir " + central).out, Catch::Contains(" bundle "));

  // The district answers for itself, with no link at all.
  CliRun own = ok("districts --dir " + bong);
  CHECK_THAT(own.out, Catch::Contains("BONG  "));
  CliRun detail = ok("districts --dir " + central + " --district BONG");
  CHECK_THAT(detail.out, Catch::Contains("district BONG -> central"));
  CHECK_THAT(detail.out, Catch::Contains("health history: 1 status entries"));

  CliRun missing = run_mhero("districts --dir " + central + " --district NOPE");
  CHECK(missing.code == 1);
  CHECK_THAT(missing.out, Catch::Contains("no district \"NOPE\" is known to this node"));
  CHECK(ok("alarms --dir " + central + " --json").out == "[]\n");
}
