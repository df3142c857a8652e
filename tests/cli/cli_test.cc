// The `mhero` binary as a user meets it: exit codes, stderr, files it creates.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/eventually.h"
#include "support/files.h"
#include "support/run_mhero.h"
#include "support/temp_dir.h"

using mhero::testing::TempDir;

using mhero::testing::run_mhero;
using Run = mhero::testing::CliRun;

TEST_CASE("mhero init, id, log append, export-raw and import-raw work end to end") {
  TempDir dir;
  std::string c = (dir / "central").string(), d = (dir / "bong").string();
  Run init = run_mhero("init --dir " + c + " --role central");
  REQUIRE(init.code == 0);
  Run id = run_mhero("id --dir " + c);
  REQUIRE(id.code == 0);
  std::string central_id = id.out.substr(0, 64);
  CHECK(init.out.find(central_id) != std::string::npos);
  struct stat st;
  REQUIRE(::stat((dir / "central" / "node.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  REQUIRE(run_mhero("init --dir " + d + " --role district --district BONG --central-key " + central_id).code == 0);
  // An explicit --dir wins over MHERO_DIR (which is only the default).
  Run explicit_dir = run_mhero("id --dir " + c + "; MHERO_DIR=" + d + " $MHERO_BIN id --dir " + c);
  REQUIRE(explicit_dir.code == 0);
  CHECK(explicit_dir.out == central_id + "\n" + central_id + "\n");
  Run env_dir = run_mhero("id 2>&1; MHERO_DIR=" + c + " $MHERO_BIN id");
  CHECK_THAT(env_dir.out, Catch::Contains(central_id));

  REQUIRE(run_mhero("log append --dir " + c + " --note 'measles campaign'").code == 0);
  REQUIRE(run_mhero("log export-raw --dir " + c + " --out " + (dir / "c.raw").string()).code == 0);
  Run imported = run_mhero("log import-raw --dir " + d + " " + (dir / "c.raw").string());
  CHECK(imported.code == 0);
  CHECK_THAT(imported.out, Catch::Contains("1 new entries"));
  Run again = run_mhero("log import-raw --dir " + d + " " + (dir / "c.raw").string());
  CHECK_THAT(again.out, Catch::Contains("0 new entries, 1 already held"));
  Run verify = run_mhero("log verify --dir " + d);
  CHECK(verify.code == 0);
  CHECK_THAT(verify.out, Catch::Contains("ok: 1 entries in 1 feeds verified"));
  Run show = run_mhero("log show --dir " + d + " --json");
  CHECK_THAT(show.out, Catch::Contains("\"note\": \"measles campaign\""));
}

TEST_CASE("mhero refuses bad use with a message saying what to do") {
  TempDir dir;
  Run no_code = run_mhero("init --dir " + (dir / "d").string() + " --role district");
  CHECK(no_code.code != 0);
  CHECK_THAT(no_code.out, Catch::Contains("--district"));

  std::string c = (dir / "c").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  Run twice = run_mhero("init --dir " + c + " --role central");
  CHECK(twice.code != 0);
  CHECK_THAT(twice.out, Catch::Contains("already"));

  Run no_dir = run_mhero("log show");
  CHECK(no_dir.code != 0);
  CHECK_THAT(no_dir.out, Catch::Contains("MHERO_DIR"));

  Run missing = run_mhero("log import-raw --dir " + c + " " + (dir / "nope.raw").string());
  CHECK(missing.code != 0);
  CHECK_THAT(missing.out, Catch::Contains("nope.raw"));

  Run help = run_mhero("log --help");
  CHECK(help.code == 0);
  CHECK_THAT(help.out, Catch::Contains("export-raw"));
}

TEST_CASE("`mhero run` on a district with no link at all (no [sync] listen, no peers) runs: USB bundles only") {
  TempDir dir;
  std::string c = (dir / "c").string(), d = (dir / "d").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  std::string central = run_mhero("id --dir " + c).out.substr(0, 64);
  REQUIRE(run_mhero("init --dir " + d + " --role district --district BONG --central-key " + central).code == 0);
  pid_t daemon = ::fork();
  REQUIRE(daemon >= 0);
  if (daemon == 0) {
    std::string log = (dir / "run.log").string();
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    (void)out;
    ::dup2(::fileno(stdout), 2);
    ::unsetenv("GLIBC_TUNABLES");
    ::execl(std::getenv("MHERO_BIN"), "mhero", "run", "--dir", d.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 100 && !std::filesystem::exists(dir / "d" / "control.sock"); ++i) ::usleep(50'000);
  CHECK(std::filesystem::exists(dir / "d" / "control.sock"));
  {
    // The daemon re-executed itself on huge pages (util/huge_pages.h) as the same process: the
    // pid its service manager watches.
    std::ifstream env("/proc/" + std::to_string(daemon) + "/environ", std::ios::binary);
    std::string environ((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
    CHECK_THAT(environ, Catch::Contains(std::string("GLIBC_TUNABLES=glibc.malloc.hugetlb=1\0", 38)));
  }
  CHECK(run_mhero("log append --dir " + d + " --note 'written while run holds the store'").code == 0);
  ::kill(daemon, SIGTERM);
  int wstatus = 0;
  ::waitpid(daemon, &wstatus, 0);
  CHECK(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);
  std::ifstream in(dir / "run.log");
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(log, Catch::Contains("this node syncs by USB bundle only"));
}

TEST_CASE("`mhero run` stops at once on SIGTERM while RapidPro is unreachable and a call waits out its backoff") {
  TempDir dir;
  std::string c = (dir / "c").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  auto config = dir / "c" / "config.toml";
  int closed = mhero::testing::free_loopback_port();  // Nothing listens: connection refused.
  mhero::testing::replace_in_file(config, "(central only); README.md describes each key\nurl = \"\"",
                                  "(central only); README.md describes each key\nurl = \"http://127.0.0.1:" +
                                      std::to_string(closed) + "\"");
  mhero::testing::replace_in_file(config, "token = \"\"                        # API token",
                                  "token = \"test-token\" # API token");
  // A minute's backoff: a stop that waited it out would take a minute.
  mhero::testing::replace_in_file(config, "backoff_initial_ms = 1000", "backoff_initial_ms = 60000");
  mhero::testing::replace_in_file(config, "listen = \"0.0.0.0:7447\"", "listen = \"127.0.0.1:0\"");
  mhero::testing::replace_in_file(config, "listen = \"0.0.0.0:8443\"", "listen = \"\"");
  auto log = dir / "run.log";
  pid_t daemon = mhero::testing::spawn_mhero_run(c, log);
  CHECK(mhero::testing::eventually(
      [&] { return mhero::testing::read_file(log).find("retrying in 60000 ms") != std::string::npos; },
      std::chrono::seconds(20)));
  auto signalled = std::chrono::steady_clock::now();
  ::kill(daemon, SIGTERM);
  int wstatus = 0;
  ::waitpid(daemon, &wstatus, 0);
  auto took = std::chrono::steady_clock::now() - signalled;
  CHECK(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);
  CHECK(took < std::chrono::seconds(30));  // Half the backoff it no longer waits out.
  std::string text = mhero::testing::read_file(log);
  CHECK_THAT(text, Catch::Contains("not tried again: this node is stopping (RapidPro is called again at its next start)"));
  CHECK_THAT(text, Catch::Contains("stopped: 0 sessions ok"));
}

TEST_CASE("commands run inside `mhero run` while it holds the store, which never pauses") {
  TempDir dir;
  std::string c = (dir / "c").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  pid_t daemon = ::fork();
  REQUIRE(daemon >= 0);
  if (daemon == 0) {
    std::string log = (dir / "run.log").string();
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    (void)out;
    ::dup2(::fileno(stdout), 2);
    ::execl(std::getenv("MHERO_BIN"), "mhero", "run", "--dir", c.c_str(), "--listen", "127.0.0.1:0",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait for the daemon's control socket (it exists once the daemon holds the store).
  for (int i = 0; i < 100 && !std::filesystem::exists(dir / "c" / "control.sock"); ++i) ::usleep(50'000);
  REQUIRE(std::filesystem::exists(dir / "c" / "control.sock"));
  CHECK((std::filesystem::status(dir / "c" / "control.sock").permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

  // The daemon itself writes too (its nodeStatus): count from the seq the first append got.
  auto seq_of = [](const std::string& out) -> uint64_t {
    auto at = out.find(" seq ");
    return at == std::string::npos ? 0 : std::stoull(out.substr(at + 5));
  };
  uint64_t first = 0;
  for (int i = 0; i < 3; ++i) {
    Run append = run_mhero("log append --dir " + c + " --note 'while the daemon runs " + std::to_string(i) + "'");
    CHECK(append.code == 0);
    if (i == 0) first = seq_of(append.out);
    CHECK(seq_of(append.out) == first + static_cast<uint64_t>(i));
  }
  REQUIRE(first > 0);
  Run verify = run_mhero("log verify --dir " + c);
  CHECK(verify.code == 0);
  CHECK_THAT(verify.out, Catch::Contains("ok: " + std::to_string(first + 2) + " entries"));

  // status reads the live store through the daemon, not the report file.
  Run status = run_mhero("status --dir " + c);
  CHECK(status.code == 0);
  CHECK_THAT(status.out, !Catch::Contains("showing its report"));
  CHECK_THAT(status.out, Catch::Contains("seq " + std::to_string(first + 2)));

  // Relative paths mean what they mean where the command was typed.
  std::string sh = "cd " + dir.path().string() + " && \"$MHERO_BIN\" log export-raw --dir c --out here.raw 2>&1";
  FILE* p = ::popen(sh.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> sink;
  while (std::fread(sink.data(), 1, sink.size(), p) > 0) {
  }
  CHECK(WEXITSTATUS(::pclose(p)) == 0);
  CHECK(std::filesystem::exists(dir / "here.raw"));
  CHECK_FALSE(std::filesystem::exists(dir / "c" / "here.raw"));

  // A command's failure and exit code come back as they would from its own process.
  Run missing = run_mhero("registry show --dir " + c + " no-such-provider");
  CHECK(missing.code == 1);
  CHECK_THAT(missing.out, Catch::Contains("no-such-provider"));

  // A question is asked at the client's terminal; while one command waits for its answer,
  // others run (nothing is paused or locked by it).
  std::string send_cmd = std::string(std::getenv("MHERO_BIN")) + " send --dir " + c +
                         " --text 'Clinic meeting at 10' --cadre RN > " + (dir / "send.out").string() + " 2>&1";
  FILE* send = ::popen(send_cmd.c_str(), "w");
  REQUIRE(send != nullptr);
  Run during = run_mhero("log append --dir " + c + " --note 'while send waits for its answer'");
  CHECK(during.code == 0);
  CHECK(seq_of(during.out) == first + 3);
  std::fputs("y\n", send);
  CHECK(WEXITSTATUS(::pclose(send)) == 0);
  std::string send_out;
  {
    std::FILE* f = std::fopen((dir / "send.out").c_str(), "r");
    REQUIRE(f != nullptr);
    std::array<char, 4096> buf;
    size_t n = std::fread(buf.data(), 1, buf.size(), f);
    send_out.assign(buf.data(), n);
    std::fclose(f);
  }
  CHECK_THAT(send_out, Catch::Contains("Write it? [y/N]"));
  CHECK_THAT(send_out, Catch::Contains("written to national seq " + std::to_string(first + 4)));
  // This central node has no [rapidpro] url: the message waits, and `send` says so.
  CHECK_THAT(send_out, Catch::Contains("Messaging is off on this central node ([rapidpro] url is not set"));

  // A second daemon on the same node is refused and leaves the first one's socket alone.
  Run second = run_mhero("run --dir " + c + " --listen 127.0.0.1:0");
  CHECK(second.code != 0);
  CHECK_THAT(second.out, Catch::Contains("already serves"));
  CHECK(std::filesystem::exists(dir / "c" / "control.sock"));
  CHECK(run_mhero("log append --dir " + c + " --note 'after the refused second daemon'").code == 0);

  ::kill(daemon, SIGTERM);
  int wstatus = 0;
  ::waitpid(daemon, &wstatus, 0);
  CHECK(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);
  CHECK_FALSE(std::filesystem::exists(dir / "c" / "control.sock"));
  // Without a daemon, commands open the store themselves.
  Run after = run_mhero("log verify --dir " + c);
  CHECK(after.code == 0);
  auto ok_at = after.out.find("ok: ");
  REQUIRE(ok_at != std::string::npos);
  CHECK(std::stoull(after.out.substr(ok_at + 4)) >= first + 5);  // Every write kept.
  CHECK_THAT(after.out, !Catch::Contains("can be read by other users"));
}

TEST_CASE("data at rest: mhero init and RocksDB files are private; a loosened path is named at open") {
  TempDir dir;
  std::string c = (dir / "central").string();
  // Whatever the caller's umask: the shell's 022 here.
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  REQUIRE(run_mhero("log append --dir " + c + " --note 'privacy'").code == 0);
  size_t checked = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "central")) {
    if (!e.is_regular_file() && !e.is_directory()) continue;
    struct stat st;
    REQUIRE(::stat(e.path().c_str(), &st) == 0);
    INFO(e.path().string());
    CHECK((st.st_mode & 0777) == (e.is_directory() ? 0700u : 0600u));
    ++checked;
  }
  CHECK(checked > 5);  // config.toml, node.key, db/ and RocksDB's files.
  struct stat st;
  REQUIRE(::stat(c.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  std::filesystem::permissions(dir / "central" / "config.toml", std::filesystem::perms(0644));
  Run verify = run_mhero("log verify --dir " + c);
  CHECK(verify.code == 0);  // A warning, not a refusal.
  CHECK_THAT(verify.out, Catch::Contains("can be read by other users"));
  CHECK_THAT(verify.out, Catch::Contains((dir / "central" / "config.toml").string() + " mode 0644"));
  CHECK_THAT(verify.out, Catch::Contains("fix: chmod -R go-rwx " + c));
  std::filesystem::permissions(dir / "central" / "config.toml", std::filesystem::perms(0600));
  Run clean = run_mhero("log verify --dir " + c);
  CHECK(clean.code == 0);
  CHECK_THAT(clean.out, !Catch::Contains("other users"));
}

TEST_CASE("log verify exits 1 at a node holding fork evidence, naming the node, feed and seq") {
  // The case: a central node restored from an old copy of its directory writes a second,
  // different entry at a seq it already used; a district receives both.
  TempDir dir;
  std::string c = (dir / "central").string(), copy = (dir / "restored").string();
  std::string d = (dir / "bong").string();
  REQUIRE(run_mhero("init --dir " + c + " --role central").code == 0);
  std::string central_id = run_mhero("id --dir " + c).out.substr(0, 64);
  REQUIRE(run_mhero("init --dir " + d + " --role district --district BONG --central-key " + central_id).code == 0);
  REQUIRE(run_mhero("log append --dir " + c + " --note 'first'").code == 0);
  std::filesystem::copy(dir / "central", dir / "restored", std::filesystem::copy_options::recursive);
  REQUIRE(run_mhero("log append --dir " + c + " --note 'second, original'").code == 0);
  // The copy knows it was copied (new directory): it refuses to write until it learned its
  // feeds from a peer; an operator who overrides it wrongly makes the fork.
  Run held = run_mhero("log append --dir " + copy + " --note 'second, after the restore'");
  CHECK(held.code == 1);
  CHECK_THAT(held.out, Catch::Contains("its store was copied or moved") && Catch::Contains("nothing was written"));
  REQUIRE(run_mhero("log resume-writes --dir " + copy + " --no-peer-holds-more").code == 0);
  REQUIRE(run_mhero("log append --dir " + copy + " --note 'second, after the restore'").code == 0);
  REQUIRE(run_mhero("log export-raw --dir " + c + " --out " + (dir / "a.raw").string()).code == 0);
  REQUIRE(run_mhero("log export-raw --dir " + copy + " --out " + (dir / "b.raw").string()).code == 0);
  REQUIRE(run_mhero("log import-raw --dir " + d + " " + (dir / "a.raw").string()).code == 0);
  CHECK(run_mhero("log verify --dir " + d).code == 0);
  (void)run_mhero("log import-raw --dir " + d + " " + (dir / "b.raw").string());  // Records the fork.

  Run verify = run_mhero("log verify --dir " + d);
  CHECK(verify.code == 1);
  CHECK_THAT(verify.out, Catch::Contains("FORK node " + central_id + " feed national seq 2: 2 different entries"));
  CHECK_THAT(verify.out, Catch::Contains("log verify found 1 fork(s) in " + d));
  CHECK_THAT(verify.out, !Catch::Contains("ok:"));
  // The node that was not restored holds no evidence and still verifies.
  CHECK(run_mhero("log verify --dir " + c).code == 0);
}
