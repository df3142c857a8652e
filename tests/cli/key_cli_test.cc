// `mhero key rotate` / `mhero key retire-old` as an operator runs them (README "Key rotation"): a
// USB-only district rotates its key; the announcement and central's enrollment travel by bundle
// files both ways; the district switches at its next command; a second rotate and retire-old on a
// district are refused and change nothing; central retires the old key and the district drops the
// kept key file.
#include <catch2/catch.hpp>

#include <filesystem>

#include "support/run_mhero.h"
#include "support/temp_dir.h"

using mhero::testing::CliRun;
using mhero::testing::run_mhero;
using mhero::testing::run_mhero_ok;
using mhero::testing::TempDir;

TEST_CASE("mhero key rotate on a USB-only district: bundles both ways, switch, retire-old") {
  TempDir dir;
  const std::string c = (dir / "central").string(), d = (dir / "bong").string();
  auto file = [&](const std::string& name) { return (dir / name).string(); };
  run_mhero_ok("init --dir " + c + " --role central");
  const std::string central_id = run_mhero_ok("id --dir " + c).out.substr(0, 64);
  run_mhero_ok("init --dir " + d + " --role district --district BONG --central-key " + central_id);
  const std::string old_id = run_mhero_ok("id --dir " + d).out.substr(0, 64);
  run_mhero_ok("enroll --dir " + c + " --district BONG --key " + old_id);

  CliRun rotate = run_mhero_ok("key rotate --dir " + d + " --overlap-hours 1");
  const std::string head = "announced the new key ";
  REQUIRE(rotate.out.substr(0, head.size()) == head);
  const std::string new_id = rotate.out.substr(head.size(), 64);
  CHECK(rotate.out.find(" in district/BONG seq 1 (signed by " + old_id + "); it waits in " + d +
                        "/node.key.next\n") != std::string::npos);
  CHECK(std::filesystem::status(d + "/node.key.next").permissions() ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

  // A second rotate while this one is pending: refused, nothing written.
  CliRun again = run_mhero("key rotate --dir " + d);
  CHECK(again.code == 1);
  CHECK(again.out == "mhero: failed precondition: a key rotation is pending: " + d +
                         "/node.key.next holds the announced new key; it takes over once this node holds the "
                         "central node's enrollment of it (sync with central, or import a bundle from central, then "
                         "restart). Nothing changed\n");
  CliRun not_central = run_mhero("key retire-old --dir " + d);
  CHECK(not_central.code == 1);
  CHECK(not_central.out.find("only the central node retires keys") != std::string::npos);

  // USB: district -> central (central enrolls the new key), central -> district.
  run_mhero_ok("bundle export --dir " + d + " --to central --out " + file("up.mhb"));
  run_mhero_ok("bundle import --dir " + c + " " + file("up.mhb"));
  run_mhero_ok("bundle export --dir " + c + " --to " + old_id + " --out " + file("down.mhb"));
  run_mhero_ok("bundle import --dir " + d + " " + file("down.mhb"));
  run_mhero_ok("log verify --dir " + d);  // The first command to open the node after the import switches it.
  CHECK(run_mhero_ok("id --dir " + d).out.substr(0, 64) == new_id);
  CHECK_FALSE(std::filesystem::exists(d + "/node.key.next"));
  const std::string kept = d + "/node.key.retired-" + old_id.substr(0, 16);
  CHECK(std::filesystem::exists(kept));

  // Not finished until central retires the old key.
  CliRun early = run_mhero("key rotate --dir " + d);
  CHECK(early.code == 1);
  CHECK(early.out.find("the previous key rotation is not finished: " + kept) != std::string::npos);

  CliRun retire = run_mhero_ok("key retire-old --dir " + c + " --key " + old_id);
  CHECK(retire.out == "retired " + old_id + " (rotated to " + new_id + ")\n");
  CHECK(run_mhero_ok("key retire-old --dir " + c + " --key " + old_id).out == old_id + " is already retired; nothing written\n");
  run_mhero_ok("bundle export --dir " + c + " --to " + new_id + " --out " + file("down-2.mhb"));
  run_mhero_ok("bundle import --dir " + d + " " + file("down-2.mhb"));
  run_mhero_ok("log verify --dir " + d);  // Opening it after the retirement arrived deletes the kept key.
  CHECK_FALSE(std::filesystem::exists(kept));
  run_mhero_ok("log verify --dir " + c);
}
