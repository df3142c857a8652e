// `mhero backup` / `mhero restore`, a restored or copied node's write hold, and forks found by
// sync and by bundle, with real `mhero` processes (README "Reliability", "Recovering from a fork").
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "running_node.h"
#include "support/files.h"
#include "support/run_mhero.h"
#include "support/temp_dir.h"

using mhero::testing::CliRun;
using mhero::testing::read_file;
using mhero::testing::free_loopback_port;
using mhero::testing::run_mhero;
using mhero::testing::run_mhero_ok;
using mhero::testing::BackupPair;
using mhero::testing::RunningNode;
using mhero::testing::TempDir;

namespace {

uint64_t seq_of(const std::string& out) {
  auto at = out.find(" seq ");
  return at == std::string::npos ? 0 : std::stoull(out.substr(at + 5));
}

}  // namespace

TEST_CASE("backup, restore and sync: no fork; the restored district waits to learn, then continues after central's head") {
  TempDir dir;
  BackupPair p(dir);
  RunningNode central(p.central, dir / "central.log");
  p.notes(p.bong, 3, "before the backup");
  run_mhero_ok("sync --dir " + p.bong + " --peer " + central.address());

  CliRun backup = run_mhero_ok("backup --dir " + p.bong + " --out " + p.file("bong.mhbak") + " --passphrase-file " + p.file("pass"));
  CHECK_THAT(backup.out, Catch::Contains("wrote " + p.file("bong.mhbak") + ": node " + p.bong_id + " (district BONG)"));
  CHECK((std::filesystem::status(p.file("bong.mhbak")).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  // The passphrase is never on the command line: there is no such option.
  CHECK(run_mhero("backup --dir " + p.bong + " --out " + p.file("x.mhbak") + " --passphrase secret").code != 0);

  // The district goes on writing and syncing; then its server dies and is restored from the backup.
  p.notes(p.bong, 2, "after the backup");
  run_mhero_ok("sync --dir " + p.bong + " --peer " + central.address());
  std::string restored = p.file("restored");
  CliRun r = run_mhero_ok("restore --from " + p.file("bong.mhbak") + " --dir " + restored + " --passphrase-file " + p.file("pass"));
  CHECK_THAT(r.out, Catch::Contains("restored node " + p.bong_id + " (district BONG) into " + restored + ": "));
  CHECK_THAT(r.out, Catch::Contains("resume-writes --no-peer-holds-more"));

  CliRun held = run_mhero("log append --dir " + restored + " --note 'too early'");
  CHECK(held.code == 1);
  CHECK_THAT(held.out, Catch::Contains("may be behind its own feed district/BONG (restored from the backup bong.mhbak made "));
  CHECK_THAT(held.out, Catch::Contains("mhero sync --peer HOST:PORT") && Catch::Contains("nothing was written"));
  CliRun status = run_mhero_ok("status --dir " + restored);
  CHECK_THAT(status.out, Catch::Contains("WRITES HELD since ") && Catch::Contains("restored from the backup bong.mhbak"));
  CliRun alarms = run_mhero_ok("alarms --dir " + restored);
  CHECK_THAT(alarms.out, Catch::Contains("does not write (restored from the backup bong.mhbak"));

  CliRun sync = run_mhero_ok("sync --dir " + restored + " --peer " + central.address());
  CHECK_THAT(sync.out, Catch::Contains("received 2 entries"));  // Its own seqs 4 and 5.
  CliRun next = run_mhero_ok("log append --dir " + restored + " --note 'after the restore'");
  CHECK(seq_of(next.out) == 6);
  run_mhero_ok("sync --dir " + restored + " --peer " + central.address());
  CHECK_THAT(run_mhero_ok("status --dir " + restored).out, !Catch::Contains("WRITES HELD") && !Catch::Contains("FORK"));
  CHECK_THAT(run_mhero_ok("status --dir " + p.central).out, !Catch::Contains("FORK"));
  run_mhero_ok("log verify --dir " + p.central);
  run_mhero_ok("log verify --dir " + restored);
}

TEST_CASE("a wrong passphrase or a damaged backup is refused naming the file, and nothing is changed") {
  TempDir dir;
  BackupPair p(dir);
  p.notes(p.bong, 2, "note");
  {  // Every file of the node directory is backed up: 100 KiB of noise make the backup span two blocks.
    std::string noise(100 * 1024, '\0');
    for (size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 2654435761u) >> 13);
    std::ofstream(std::filesystem::path(p.bong) / "noise.bin", std::ios::binary) << noise;
  }
  run_mhero_ok("backup --dir " + p.bong + " --out " + p.file("b.mhbak") + " --passphrase-file " + p.file("pass"));
  std::string target = p.file("restored");

  CliRun wrong = run_mhero("restore --from " + p.file("b.mhbak") + " --dir " + target + " --passphrase-file " + p.file("wrong"));
  CHECK(wrong.code == 1);
  CHECK_THAT(wrong.out, Catch::Contains(p.file("b.mhbak") + ": wrong passphrase, or the file was altered") &&
                            Catch::Contains("nothing was changed"));

  std::string bytes = read_file(p.file("b.mhbak"));
  REQUIRE(bytes.size() > 70'000);  // More than one 64 KiB block: damage a later one.
  std::string damaged = bytes;
  damaged[bytes.size() - 100] = static_cast<char>(damaged[bytes.size() - 100] ^ 0x40);
  std::ofstream(p.file("damaged.mhbak"), std::ios::binary) << damaged;
  CliRun bad = run_mhero("restore --from " + p.file("damaged.mhbak") + " --dir " + target + " --passphrase-file " + p.file("pass"));
  CHECK(bad.code == 1);
  CHECK_THAT(bad.out, Catch::Contains(p.file("damaged.mhbak") + " is damaged: block ") &&
                          Catch::Contains("nothing was changed"));

  std::ofstream(p.file("short.mhbak"), std::ios::binary) << bytes.substr(0, bytes.size() - 30);
  CliRun cut = run_mhero("restore --from " + p.file("short.mhbak") + " --dir " + target + " --passphrase-file " + p.file("pass"));
  CHECK(cut.code == 1);
  CHECK_THAT(cut.out, Catch::Contains(p.file("short.mhbak") + " is truncated"));

  std::ofstream(p.file("notes.txt")) << "hello\n";
  CliRun other = run_mhero("restore --from " + p.file("notes.txt") + " --dir " + target + " --passphrase-file " + p.file("pass"));
  CHECK(other.code == 1);
  CHECK_THAT(other.out, Catch::Contains(p.file("notes.txt") + " is not an mhero backup"));

  // Nothing was made: no target, no hidden staging directory beside it.
  CHECK_FALSE(std::filesystem::exists(target));
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    CHECK(e.path().filename().string().find(".restoring-") == std::string::npos);
  }
  // A directory that holds something is never written into.
  CliRun occupied = run_mhero("restore --from " + p.file("b.mhbak") + " --dir " + p.central + " --passphrase-file " + p.file("pass"));
  CHECK(occupied.code == 1);
  CHECK_THAT(occupied.out, Catch::Contains(p.central + " holds a node already (its node.key)") &&
                               Catch::Contains("nothing was changed"));
  run_mhero_ok("log verify --dir " + p.central);
  CHECK(run_mhero("id --dir " + p.central).out.substr(0, 64) == p.central_id);
  std::filesystem::create_directories(p.file("busy"));
  std::ofstream(p.file("busy") + "/keep.txt") << "something\n";
  CliRun busy = run_mhero("restore --from " + p.file("b.mhbak") + " --dir " + p.file("busy") + " --passphrase-file " + p.file("pass"));
  CHECK(busy.code == 1);
  CHECK_THAT(busy.out, Catch::Contains(p.file("busy") + " exists and is not an empty directory"));
  CHECK(std::filesystem::exists(p.file("busy") + "/keep.txt"));
  // A passphrase too short for a backup.
  std::ofstream(p.file("short-pass")) << "short\n";
  CliRun weak = run_mhero("backup --dir " + p.bong + " --out " + p.file("c.mhbak") + " --passphrase-file " + p.file("short-pass"));
  CHECK(weak.code == 1);
  CHECK_THAT(weak.out, Catch::Contains("at least 12 characters"));
  CHECK_FALSE(std::filesystem::exists(p.file("c.mhbak")));
}

TEST_CASE("a copied node directory holds its writes; resume-writes needs --no-peer-holds-more and is recorded") {
  TempDir dir;
  BackupPair p(dir);
  p.notes(p.bong, 1, "note");
  std::filesystem::copy(p.bong, p.file("copy"), std::filesystem::copy_options::recursive);
  std::string copy = p.file("copy");
  CliRun held = run_mhero("log append --dir " + copy + " --note 'x'");
  CHECK(held.code == 1);
  CHECK_THAT(held.out, Catch::Contains("its store was copied or moved: it was made at machine "));
  CliRun bare = run_mhero("log resume-writes --dir " + copy);
  CHECK(bare.code == 2);
  CHECK_THAT(bare.out, Catch::Contains("needs --no-peer-holds-more"));
  CHECK(run_mhero("log append --dir " + copy + " --note 'x'").code == 1);  // Still held.
  CliRun resumed = run_mhero_ok("log resume-writes --dir " + copy + " --no-peer-holds-more --reason 'the original disk burned'");
  CHECK_THAT(resumed.out, Catch::Contains("writes resumed"));
  CliRun next = run_mhero_ok("log append --dir " + copy + " --note 'x'");
  CHECK(seq_of(next.out) == 2);
  CliRun twice = run_mhero("log resume-writes --dir " + copy + " --no-peer-holds-more");
  CHECK(twice.code == 1);
  CHECK_THAT(twice.out, Catch::Contains("not held"));
  // The original, in its own directory, never held anything.
  run_mhero_ok("log append --dir " + p.bong + " --note 'y'");
}

TEST_CASE("two copies of one district both writing: the fork is found by sync, shown, verified, and recovered from") {
  TempDir dir;
  BackupPair p(dir);
  RunningNode central(p.central, dir / "central.log");
  p.notes(p.bong, 3, "shared");
  run_mhero_ok("sync --dir " + p.bong + " --peer " + central.address());
  std::string copy = p.file("copy");
  std::filesystem::copy(p.bong, copy, std::filesystem::copy_options::recursive);
  run_mhero_ok("log resume-writes --dir " + copy + " --no-peer-holds-more");  // The wrong override.
  p.notes(p.bong, 2, "original");
  p.notes(copy, 3, "copy");
  run_mhero_ok("sync --dir " + p.bong + " --peer " + central.address());

  std::string fork_text = "fork in the feed district/BONG of node " + p.bong_id + " at seq 5";
  CliRun first = run_mhero("sync --dir " + copy + " --peer " + central.address());
  CHECK(first.code == 1);
  CHECK_THAT(first.out, Catch::Contains(fork_text) && Catch::Contains("Recovering from a fork"));
  CliRun status = run_mhero_ok("status --dir " + p.central);
  CHECK_THAT(status.out, Catch::Contains("FORK: node " + p.bong_id + " feed district/BONG seq 5"));
  CHECK_THAT(run_mhero_ok("alarms --dir " + p.central).out, Catch::Contains("critical") && Catch::Contains("seq 5"));
  CliRun verify = run_mhero("log verify --dir " + p.central);
  CHECK(verify.code == 1);
  CHECK_THAT(verify.out, Catch::Contains("FORK node " + p.bong_id + " feed district/BONG seq 5"));
  CHECK_THAT(central.log(), Catch::Contains("FORK: node " + p.bong_id + " signed two different entries in its feed "
                                            "district/BONG at seq 5"));

  // The copy gets the evidence at its next sync; then sessions succeed (no refusal loop).
  CHECK(run_mhero("sync --dir " + copy + " --peer " + central.address()).code == 1);
  CHECK(run_mhero("log verify --dir " + copy).code == 1);
  run_mhero_ok("sync --dir " + copy + " --peer " + central.address());
  CHECK(run_mhero("sync --dir " + p.bong + " --peer " + central.address()).code == 1);
  CHECK(run_mhero("log verify --dir " + p.bong).code == 1);
  run_mhero_ok("sync --dir " + p.bong + " --peer " + central.address());
  CliRun frozen = run_mhero("log append --dir " + p.bong + " --note 'no more'");
  CHECK(frozen.code == 1);
  CHECK_THAT(frozen.out, Catch::Contains("frozen after a fork"));

  // README "Recovering from a fork": revoke the key, a new node with a new key, enroll, sync.
  run_mhero_ok("revoke --dir " + p.central + " --key " + p.bong_id + " --reason fork");
  std::string fresh = p.file("bong2");
  run_mhero_ok("init --dir " + fresh + " --role district --district BONG --central-key " + p.central_id);
  std::string fresh_id = run_mhero_ok("id --dir " + fresh).out.substr(0, 64);
  run_mhero_ok("enroll --dir " + p.central + " --district BONG --key " + fresh_id);
  run_mhero_ok("sync --dir " + fresh + " --peer " + central.address());
  CliRun written = run_mhero_ok("log append --dir " + fresh + " --note 'the new key writes'");
  CHECK(seq_of(written.out) == 1);
  run_mhero_ok("sync --dir " + fresh + " --peer " + central.address());
  CliRun show = run_mhero_ok("log show --dir " + p.central + " --feed " + fresh_id.substr(0, 16));
  CHECK_THAT(show.out, Catch::Contains("the new key writes"));
  // The old key's entries up to the fork stay; nothing after it was taken; the evidence is kept.
  CliRun old = run_mhero_ok("log show --dir " + p.central + " --feed " + p.bong_id.substr(0, 16));
  CHECK_THAT(old.out, Catch::Contains("original 1") && !Catch::Contains("copy 2"));
  // Recovered: the fork is settled, no longer a failure or a critical alarm, the evidence kept.
  CliRun settled = run_mhero("log verify --dir " + p.central);
  CHECK(settled.code == 0);
  CHECK_THAT(settled.out, Catch::Contains("fork settled: node " + p.bong_id + " feed district/BONG seq 5: its key was "
                                          "revoked ") &&
                              Catch::Contains("the district writes with key " + fresh_id + "; the evidence is kept"));
  CliRun alarms = run_mhero_ok("alarms --dir " + p.central);
  CHECK_THAT(alarms.out, Catch::Contains("fork_settled") && Catch::Contains("Nothing more to do") &&
                             !Catch::Contains("critical"));
  CHECK_THAT(run_mhero_ok("status --dir " + p.central).out, Catch::Contains("fork settled: node " + p.bong_id) &&
                                                       !Catch::Contains("FORK: node"));
}

TEST_CASE("two copies of one district both writing: the fork is found by bundle import") {
  TempDir dir;
  BackupPair p(dir);
  p.notes(p.bong, 2, "shared");
  std::string copy = p.file("copy");
  std::filesystem::copy(p.bong, copy, std::filesystem::copy_options::recursive);
  run_mhero_ok("log resume-writes --dir " + copy + " --no-peer-holds-more");
  p.notes(p.bong, 1, "original");
  p.notes(copy, 1, "copy");
  run_mhero_ok("bundle export --dir " + p.bong + " --to central --out " + p.file("a.mhb"));
  run_mhero_ok("bundle import --dir " + p.central + " " + p.file("a.mhb"));
  run_mhero_ok("bundle export --dir " + copy + " --to central --out " + p.file("b.mhb"));
  CliRun import = run_mhero("bundle import --dir " + p.central + " " + p.file("b.mhb"));
  CHECK(import.code == 1);
  CHECK_THAT(import.out, Catch::Contains("fork in the feed district/BONG of node " + p.bong_id + " at seq 3"));
  CHECK_THAT(run_mhero_ok("status --dir " + p.central).out, Catch::Contains("FORK: node " + p.bong_id + " feed district/BONG seq 3"));
  CHECK(run_mhero("log verify --dir " + p.central).code == 1);
}

TEST_CASE("a restored district learns from a --full bundle; a bundle that cannot bring its own entries is refused") {
  TempDir dir;
  BackupPair p(dir);
  p.notes(p.bong, 2, "before");
  run_mhero_ok("bundle export --dir " + p.bong + " --to central --out " + p.file("1.mhb"));
  run_mhero_ok("bundle import --dir " + p.central + " " + p.file("1.mhb"));
  run_mhero_ok("backup --dir " + p.bong + " --out " + p.file("b.mhbak") + " --passphrase-file " + p.file("pass"));
  p.notes(p.bong, 2, "after");
  run_mhero_ok("bundle export --dir " + p.bong + " --to central --out " + p.file("2.mhb"));
  run_mhero_ok("bundle import --dir " + p.central + " " + p.file("2.mhb"));
  std::string restored = p.file("restored");
  run_mhero_ok("restore --from " + p.file("b.mhbak") + " --dir " + restored + " --passphrase-file " + p.file("pass"));

  // What central believes the district holds (its receipt) is past the restored copy.
  run_mhero_ok("bundle export --dir " + p.central + " --to " + p.bong_id + " --out " + p.file("back.mhb"));
  CliRun refused = run_mhero("bundle import --dir " + restored + " " + p.file("back.mhb"));
  CHECK(refused.code == 1);
  CHECK_THAT(refused.out, Catch::Contains("holds its own feed district/BONG up to seq 2") &&
                              Catch::Contains("bundle export --full --to " + p.bong_id));
  CHECK(run_mhero("log append --dir " + restored + " --note 'x'").code == 1);

  run_mhero_ok("bundle export --dir " + p.central + " --to " + p.bong_id + " --full --out " + p.file("full.mhb"));
  run_mhero_ok("bundle import --dir " + restored + " " + p.file("full.mhb"));
  CliRun next = run_mhero_ok("log append --dir " + restored + " --note 'after the restore'");
  // Seqs 1-4 are its notes, then the receipt the import wrote.
  CHECK(seq_of(next.out) == 6);
  CHECK_THAT(run_mhero_ok("status --dir " + restored).out, !Catch::Contains("WRITES HELD"));
}

TEST_CASE("a restored district running `mhero run` learns its own feed from central by itself, then writes") {
  TempDir dir;
  BackupPair p(dir);
  RunningNode central(p.central, dir / "central.log");
  p.notes(p.bong, 2, "before the backup");
  run_mhero_ok("sync --dir " + p.bong + " --peer " + central.address());
  run_mhero_ok("backup --dir " + p.bong + " --out " + p.file("b.mhbak") + " --passphrase-file " + p.file("pass"));
  p.notes(p.bong, 3, "after the backup");
  run_mhero_ok("sync --dir " + p.bong + " --peer " + central.address());
  std::string restored = p.file("restored");
  run_mhero_ok("restore --from " + p.file("b.mhbak") + " --dir " + restored + " --passphrase-file " + p.file("pass"));
  {  // The restored config dials the central node.
    std::filesystem::path config = std::filesystem::path(restored) / "config.toml";
    std::string text = read_file(config);
    size_t at = text.find("peers = []");
    REQUIRE(at != std::string::npos);
    text.replace(at, 10, "peers = [\"" + central.address() + "\"]");
    std::ofstream(config) << text;
  }
  RunningNode daemon(restored, dir / "restored.log");
  // Waits for the event (the daemon logs what it learned), not for a fixed time.
  for (int i = 0; i < 300 && daemon.log().find("learned this node's own heads") == std::string::npos; ++i) {
    ::usleep(50'000);
  }
  INFO(daemon.log());
  CHECK_THAT(daemon.log(), Catch::Contains("learned this node's own heads from a sync session with central"));
  CliRun next = run_mhero_ok("log append --dir " + restored + " --note 'after the restore'");
  CHECK(seq_of(next.out) == 6);  // After its seqs 1-5, seqs 3-5 learned back from central.
  CHECK_THAT(run_mhero_ok("status --dir " + restored).out, !Catch::Contains("WRITES HELD") && !Catch::Contains("FORK"));
}

TEST_CASE("a restored central node holds its writes until the districts that hold its feeds sync with it; no fork") {
  TempDir dir;
  BackupPair p(dir);
  std::string restored = p.file("central-restored");
  std::string nimba = p.file("nimba");
  run_mhero_ok("init --dir " + nimba + " --role district --district NIMBA --central-key " + p.central_id);
  run_mhero_ok("enroll --dir " + p.central + " --district NIMBA --key " + run_mhero_ok("id --dir " + nimba).out.substr(0, 64));
  {
    RunningNode central(p.central, dir / "central.log");
    p.notes(p.central, 3, "national before the backup");
    run_mhero_ok("sync --dir " + p.bong + " --peer " + central.address());
  }
  run_mhero_ok("backup --dir " + p.central + " --out " + p.file("central.mhbak") + " --passphrase-file " + p.file("pass"));
  {
    RunningNode central(p.central, dir / "central2.log");
    p.notes(p.central, 2, "national after the backup");
    run_mhero_ok("sync --dir " + p.bong + " --peer " + central.address());  // BONG now holds national up to the newest.
  }
  // The central server dies; it is restored from the backup onto a new machine (same key).
  run_mhero_ok("restore --from " + p.file("central.mhbak") + " --dir " + restored + " --passphrase-file " + p.file("pass"));
  CliRun held = run_mhero("log append --dir " + restored + " --note 'too early'");
  CHECK(held.code == 1);
  CHECK_THAT(held.out, Catch::Contains("may be behind its own feed") && Catch::Contains("nothing was written"));
  CHECK_THAT(run_mhero_ok("status --dir " + restored).out, Catch::Contains("WRITES HELD since "));
  {
    RunningNode central(restored, dir / "restored.log");
    // The district dials the restored central node as it always did: its copy of the central
    // node's feeds goes back to it, and the hold ends.
    run_mhero_ok("sync --dir " + p.bong + " --peer " + central.address());
    // BONG gave back national and district/BONG; NIMBA's scope is still to learn.
    CliRun waiting = run_mhero_ok("status --dir " + restored);
    CHECK_THAT(waiting.out, Catch::Contains("WRITES HELD") &&
                                Catch::Contains("It writes in the learned scopes already; still to learn, from each "
                                                "district's next sync or bundle: district/NIMBA"));
    run_mhero_ok("sync --dir " + nimba + " --peer " + central.address());
    CHECK_THAT(run_mhero_ok("status --dir " + restored).out, !Catch::Contains("WRITES HELD"));
    CHECK_THAT(central.log(), Catch::Contains("write hold ended: every enrolled district and national gave back"));
  }
  CliRun next = run_mhero_ok("log append --dir " + restored + " --note 'national after the restore'");
  CHECK(seq_of(next.out) > 5);  // After the seqs it wrote before it died, never one of them again.
  {
    RunningNode central(restored, dir / "restored2.log");
    run_mhero_ok("sync --dir " + p.bong + " --peer " + central.address());
  }
  CHECK_THAT(run_mhero_ok("status --dir " + p.bong).out, !Catch::Contains("FORK"));
  CHECK_THAT(run_mhero_ok("status --dir " + restored).out, !Catch::Contains("FORK"));
  run_mhero_ok("log verify --dir " + p.bong);
  run_mhero_ok("log verify --dir " + restored);
}
