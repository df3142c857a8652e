// A bad config.toml is refused by every command that opens the node, not only by the one that
// reads the bad key (node/config_check.h), with file:line and what to write instead.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "support/files.h"
#include "support/run_mhero.h"
#include "support/temp_dir.h"

using mhero::testing::read_file;
using mhero::testing::run_mhero;
using mhero::testing::TempDir;

namespace {

/// Replaces the first `from` after `[section]` in config.toml by `to`; returns the 1-based line.
int edit(const std::filesystem::path& config, const std::string& section, const std::string& from,
         const std::string& to) {
  std::string s = read_file(config);
  size_t at = s.find(from, s.find("[" + section + "]"));
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
  std::ofstream(config) << s;
  return 1 + static_cast<int>(std::count(s.begin(), s.begin() + static_cast<long>(at), '\n'));
}

}  // namespace

TEST_CASE("mhero: a wrongly typed [sync] key is refused by `log append` and `id`, not only by `run`") {
  TempDir dir;
  std::string c = (dir / "c").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  std::string config = (dir / "c" / "config.toml").string();
  int line = edit(config, "sync", "batch_bytes = 65536", "batch_bytes = \"big\"");
  for (const std::string command : {"log append --note x", "log show", "registry stats"}) {
    auto r = run_mhero(command + " --dir " + c);
    INFO(command << "\n" << r.out);
    CHECK(r.code == 1);
    CHECK(r.out == "mhero: invalid argument: [sync] batch_bytes at " + config + ":" + std::to_string(line) +
                       " must be an integer (bytes, 1024 to 16773120), not a string\n"
                       "(README.md, \"config.toml\", lists every key)\n");
  }
}

TEST_CASE("mhero status names a broken config.toml, never showing the report a stopped mhero run left") {
  TempDir dir;
  std::string c = (dir / "c").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  // What `mhero run` leaves behind once stopped: its last report.
  std::ofstream(dir / "c" / "sync-status.json") << R"({"written_at": "2026-12-01T10:00:00Z", "peers": [], "feeds": []})";
  std::string config = (dir / "c" / "config.toml").string();
  int line = edit(config, "sync", "poll_interval_ms", "poll_intervall_ms");
  for (const std::string command : {"status", "status --json"}) {
    auto r = run_mhero(command + " --dir " + c);
    INFO(command << "\n" << r.out);
    CHECK(r.code == 1);
    CHECK_THAT(r.out, Catch::Contains("unknown key `poll_intervall_ms` in [sync] at " + config + ":" +
                                      std::to_string(line)));
    CHECK_THAT(r.out, !Catch::Contains("the store is in use"));
    CHECK_THAT(r.out, !Catch::Contains("2026-12-01T10:00:00Z"));
  }
}

TEST_CASE("mhero: a misspelt [rapidpro] key is refused with the key it probably meant") {
  TempDir dir;
  std::string c = (dir / "c").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  std::string config = (dir / "c" / "config.toml").string();
  int line = edit(config, "rapidpro", "poll_interval_ms", "poll_intervall_ms");
  auto r = run_mhero("log append --note x --dir " + c);
  CHECK(r.code == 1);
  CHECK(r.out == "mhero: invalid argument: unknown key `poll_intervall_ms` in [rapidpro] at " + config + ":" +
                     std::to_string(line) +
                     "; did you mean `poll_interval_ms`? (an integer (ms, 1 to 86400000))\n"
                     "(README.md, \"config.toml\", lists every key)\n");
  // Nothing was written: the store was never opened.
  edit(config, "rapidpro", "poll_intervall_ms", "poll_interval_ms");
  auto show = run_mhero("log show --dir " + c);
  CHECK(show.code == 0);
  CHECK(show.out.find("seq 1") == std::string::npos);
}

TEST_CASE("mhero: [node] role, district and central_key must match the key and what it has written") {
  TempDir dir;
  std::string c = (dir / "c").string(), d = (dir / "d").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  std::string central_id = run_mhero("id --dir " + c).out.substr(0, 64);
  REQUIRE(run_mhero("init --dir " + d + " --role district --district BONG --central-key " + central_id).code == 0);
  REQUIRE(run_mhero("log append --note first --dir " + d).code == 0);
  std::string config = (dir / "d" / "config.toml").string();
  std::string before = read_file(config);

  SECTION("the district code changed under a node that has written as BONG") {
    edit(config, "node", "district = \"BONG\"", "district = \"LOFA\"");
    auto r = run_mhero("log append --note second --dir " + d);
    CHECK(r.code == 1);
    CHECK_THAT(r.out, Catch::Contains(config + " [node] says district = \"LOFA\", but this node has written 1 "
                                               "entries as district BONG"));
    CHECK_THAT(r.out, Catch::Contains("make a new node there (`mhero init`"));
  }
  SECTION("a district pinning its own key as the central node") {
    std::string own = run_mhero("id --dir " + d).out.substr(0, 64);
    edit(config, "node", central_id, own);
    auto r = run_mhero("log show --dir " + d);
    CHECK(r.code == 1);
    CHECK_THAT(r.out, Catch::Contains("says role = \"district\" but central_key is this node's own key " + own));
  }
  SECTION("a central node's role turned to district") {
    std::string cconfig = (dir / "c" / "config.toml").string();
    edit(cconfig, "node", "role = \"central\"", "role = \"district\"\ndistrict = \"BONG\"");
    auto r = run_mhero("log show --dir " + c);
    CHECK(r.code == 1);
    CHECK_THAT(r.out, Catch::Contains("says role = \"district\" but central_key is this node's own key " + central_id));
  }
  // Put back, the node opens and still holds exactly its one entry.
  std::ofstream(config) << before;
  auto verify = run_mhero("log verify --dir " + d);
  CHECK(verify.code == 0);
  CHECK_THAT(verify.out, Catch::Contains("ok: 1 entries"));
}
