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

  // The central node's own bundle to BONG: recorded at its export (time and entries), and its
  // arrival learned from BONG's receipt once that comes back.
  CliRun down = ok("bundle export --dir " + central + " --to " + bong_id + " --out " + (tmp / "down.mhb").string());
  std::string down_id = down.out.substr(down.out.find("exported bundle ") + 16, 32);
  std::string entries = down.out.substr(down.out.find(": ") + 2);
  entries = entries.substr(0, entries.find(" entries"));
  auto line_of = [&](const std::string& out) {
    size_t at = out.find(down_id);
    return at == std::string::npos ? std::string() : out.substr(at, out.find('\n', at) - at);
  };
  std::string sent = line_of(ok("districts --dir " + central + " --district BONG").out);
  INFO(sent);
  CHECK_THAT(sent, Catch::StartsWith(down_id + "  central -> district BONG  exported 20"));
  CHECK_THAT(sent, Catch::EndsWith("  " + entries + " entries"));  // Not yet imported; new ones not known here.
  ok("bundle import --dir " + bong + " " + (tmp / "down.mhb").string());
  ok("bundle export --dir " + bong + " --out " + (tmp / "up.mhb").string());
  ok("bundle import --dir " + central + " " + (tmp / "up.mhb").string());
  std::string receipted = line_of(ok("districts --dir " + central + " --district BONG").out);
  INFO(receipted);
  CHECK_THAT(receipted, Catch::StartsWith(down_id + "  central -> district BONG  exported 20"));
  CHECK_THAT(receipted, Catch::Contains("  imported 20"));
  CHECK_THAT(receipted, Catch::Contains("  " + entries + " entries  receipt seq "));

  CliRun missing = run_mhero("districts --dir " + central + " --district NOPE");
  CHECK(missing.code == 1);
  CHECK_THAT(missing.out, Catch::Contains("no district \"NOPE\" is known to this node"));
  CHECK(ok("alarms --dir " + central + " --json").out == "[]\n");
}
