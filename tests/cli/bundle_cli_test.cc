// `mhero bundle export|inspect|import` as a user runs them (README "The USB routine"): a central
// node and a district node, the district enrolled at the central node, bundles carried both ways.
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "support/run_mhero.h"
#include "support/temp_dir.h"

namespace {

using mhero::testing::CliRun;
using mhero::testing::run_mhero;
using mhero::testing::run_mhero_ok;
using mhero::testing::TempDir;

// The number captured by the first group of `pattern` in `text` (fails the test if absent).
uint64_t number(const std::string& text, const std::string& pattern) {
  std::smatch m;
  INFO("looking for /" << pattern << "/ in:\n" << text);
  REQUIRE(std::regex_search(text, m, std::regex(pattern)));
  return std::stoull(m[1].str());
}

// Runs and requires exit 0, showing the output otherwise.
CliRun ok(const std::string& args) {
  CliRun r = run_mhero_ok(args);
  CHECK(r.out.find('\r') == std::string::npos);  // No progress bar on a pipe.
  return r;
}

// A central node and district BONG (enrolled), as README "Running a real deployment" sets them up.
struct CentralAndBongDirs {
  TempDir tmp;
  std::string central = (tmp / "central").string();
  std::string bong = (tmp / "bong").string();
  std::string stick = (tmp / "stick").string();
  std::string central_id, bong_id;

  CentralAndBongDirs() {
    std::filesystem::create_directories(stick);
    ok("init --dir " + central + " --role central");
    central_id = ok("id --dir " + central).out.substr(0, 64);
    ok("init --dir " + bong + " --role district --district BONG --central-key " + central_id);
    bong_id = ok("id --dir " + bong).out.substr(0, 64);
    ok("enroll --dir " + central + " --district BONG --key " + bong_id);
  }

  void notes(int n, const std::string& prefix) {
    for (int i = 0; i < n; ++i) ok("log append --dir " + bong + " --note '" + prefix + std::to_string(i) + "'");
  }

  std::string file(const std::string& name) const { return stick + "/" + name; }
};

/// `n` letters and digits that compress about as little as a survey answer's text does: each note
/// of noisy_notes() differs from the others, so they do not compress together.
std::string noise(size_t n, uint32_t seed) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string out;
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    out += kAlphabet[(x >> 16) % 62];
  }
  return out;
}

}  // namespace

TEST_CASE("mhero bundle: district -> central -> district with receipts and inspect and replay", "[cli][bundle]") {
  CentralAndBongDirs p;
  p.notes(3, "district note ");

  // At the district: export to the central node.
  CliRun exp = ok("bundle export --dir " + p.bong + " --to central --out " + p.file("bong-1.mhb"));
  CHECK(number(exp.out, R"((\d+) entries in 1 part\(s\))") == 3);
  CHECK_THAT(exp.out, Catch::Contains(p.file("bong-1.mhb")));

  // Anyone can read the header, without the recipient's key.
  CliRun ins = ok("bundle inspect " + p.file("bong-1.mhb"));
  CHECK_THAT(ins.out, Catch::Contains("sender:      " + p.bong_id + " (header signature verified)"));
  CHECK_THAT(ins.out, Catch::Contains("recipient:   " + p.central_id));
  CHECK_THAT(ins.out, Catch::Contains("part:        1 of 1"));
  CHECK(number(ins.out, R"(entries:\s+(\d+) \()") == 3);
  CHECK_THAT(ins.out, Catch::Contains("base:        0 entries in 0 feeds"));
  CHECK_THAT(ins.out, Catch::Contains("covers:      3 entries in 1 feeds"));
  CHECK_THAT(ins.out, Catch::Contains("feed " + p.bong_id + "/district/BONG seq 1..3"));
  CHECK_THAT(ins.out, Catch::Contains("not decrypted"));
  // With the recipient's key the body is decrypted and every entry verified.
  CliRun ins_key = ok("bundle inspect --dir " + p.central + " " + p.file("bong-1.mhb"));
  CHECK_THAT(ins_key.out, Catch::Contains("decrypted and verified: 3 entries"));
  // The sender's own key cannot open it.
  CliRun ins_wrong = run_mhero("bundle inspect --dir " + p.bong + " " + p.file("bong-1.mhb"));
  CHECK(ins_wrong.code != 0);
  CHECK_THAT(ins_wrong.out, Catch::Contains(p.file("bong-1.mhb")));

  // At the capital: import, then the same file again is a replay.
  CliRun imp = ok("bundle import --dir " + p.central + " " + p.file("bong-1.mhb"));
  CHECK(number(imp.out, R"(imported, (\d+) new entries, 0 already held; receipt written)") == 3);
  CliRun replay = ok("bundle import --dir " + p.central + " " + p.file("bong-1.mhb"));
  CHECK_THAT(replay.out, Catch::Contains("already imported (a replay of an earlier import): 0 new entries, "
                                         "nothing changed"));
  CHECK_THAT(ok("log verify --dir " + p.central).out, Catch::Contains("ok: 5 entries in 2 feeds verified"));

  // Back to the district: the enrollment and the central node's receipt.
  CliRun back = ok("bundle export --dir " + p.central + " --to " + p.bong_id + " --out " + p.file("to-bong-1.mhb"));
  CHECK(number(back.out, R"((\d+) entries in 1 part\(s\))") == 2);
  CliRun at_bong = ok("bundle import --dir " + p.bong + " " + p.file("to-bong-1.mhb"));
  CHECK(number(at_bong.out, R"((\d+) new entries, 0 already held)") == 2);

  // The district's next export carries only what is new: its own receipt (seq 4) and two notes.
  p.notes(2, "later note ");
  CliRun exp2 = ok("bundle export --dir " + p.bong + " --to central --out " + p.file("bong-2.mhb"));
  CHECK(number(exp2.out, R"((\d+) entries in 1 part\(s\))") == 3);
  CliRun ins2 = ok("bundle inspect " + p.file("bong-2.mhb"));
  CHECK_THAT(ins2.out, Catch::Contains("feed " + p.bong_id + "/district/BONG seq 4..6"));
  // Covers also names the central node's own feed (national, 2 entries) though it is not sent: a
  // restored central node learns from it how far the district holds its feeds (issue 16).
  CHECK_THAT(ins2.out, Catch::Contains("covers:      8 entries in 2 feeds"));
  CliRun imp2 = ok("bundle import --dir " + p.central + " " + p.file("bong-2.mhb"));
  CHECK(number(imp2.out, R"((\d+) new entries, 0 already held)") == 3);

  // --full ignores the receipts: everything the central node may hold from the district.
  CliRun full = ok("bundle export --dir " + p.bong + " --to central --full --out " + p.file("bong-full.mhb"));
  CHECK(number(full.out, R"((\d+) entries in 1 part\(s\))") == 8);  // 6 own + 2 of the national feed.
  CliRun imp_full = ok("bundle import --dir " + p.central + " " + p.file("bong-full.mhb"));
  CHECK(number(imp_full.out, R"(imported, (\d+) new entries)") == 0);
  CHECK(number(imp_full.out, R"((\d+) already held)") == 8);

  // --format 1 writes the older body format for a recipient that has not upgraded yet; it still
  // imports here. A version this program cannot write is refused before anything is written.
  ok("bundle export --dir " + p.bong + " --to central --full --format 1 --out " + p.file("bong-v1.mhb"));
  CHECK_THAT(ok("bundle inspect " + p.file("bong-v1.mhb")).out, Catch::Contains("format:      1\n"));
  CliRun imp_v1 = ok("bundle import --dir " + p.central + " " + p.file("bong-v1.mhb"));
  CHECK(number(imp_v1.out, R"((\d+) already held)") == 8);
  CliRun v3 = run_mhero("bundle export --dir " + p.bong + " --to central --format 3 --out " + p.file("v3.mhb"));
  CHECK(v3.code != 0);
  CHECK_THAT(v3.out, Catch::Contains("--format"));
  CHECK_FALSE(std::filesystem::exists(p.file("v3.mhb")));
}

TEST_CASE("mhero bundle --max-bytes: parts imported through the CLI in shuffled order", "[cli][bundle]") {
  CentralAndBongDirs p;
  for (uint32_t i = 0; i < 8; ++i) ok("log append --dir " + p.bong + " --note '" + noise(600, i) + "'");
  // A size that is no size is refused before anything is written; a unit is read.
  // Each refusal says why. '' is no size either, not "no limit".
  const std::pair<std::string, std::string> bad_sizes[] = {
      {"-5", "a size is a positive number"},
      {"", "it is empty"},
      {"k", "it does not start with a number"},
      {"0", "a part holds at least one byte"},
      {"0 MB", "a part holds at least one byte"},
      {"1.5M", "give a whole number, in a smaller unit if needed (1500k for 1.5M)"},
      {"1x", "\"x\" is not a unit: use B, k, M, G, kB, MB, GB, KiB, MiB or GiB"},
      {"1,000", "give the number without separators (300000, or 300k)"},
      {"18446744073709551616", "it is more than 2^64 bytes"},  // 2^64: wraps to 0.
      {"2mbit", "\"mbit\" is not a unit"},
      {"20000000000 GB", "it is more than 2^64 bytes"},
      {"99999999999999999999999", "it is more than 2^64 bytes"}};
  for (const auto& [bad, why] : bad_sizes) {
    CliRun refused = run_mhero("bundle export --dir " + p.bong + " --to central --max-bytes '" + bad + "' --out " +
                               p.file("bad.mhb"));
    INFO(bad << ": " << refused.out);
    CHECK(refused.code != 0);
    CHECK_THAT(refused.out, Catch::Contains("--max-bytes \"" + bad + "\": " + why) &&
                                Catch::Contains(". Give the largest part in bytes, e.g. 300000"));
    CHECK_FALSE(std::filesystem::exists(p.file("bad.mhb")));
  }
  // Units in any case, spaces as typed: all 8 fit in one part.
  for (const std::string mega : {"2m", "2 MB", "2mib", " 2m", "2  MB ", "2000000 ", "2000000 bytes", "2000000B"}) {
    CliRun one = ok("bundle export --dir " + p.bong + " --to central --max-bytes '" + mega + "' --out " + p.file("one.mhb"));
    CHECK(number(one.out, R"(8 entries in (\d+) part\(s\))") == 1);
  }
  // A limit the whole bundle fits in gives one part, named as given, whatever the per-entry bounds
  // that cut parts predict.
  ok("bundle export --dir " + p.bong + " --to central --out " + p.file("whole.mhb"));
  uint64_t whole_bytes = std::filesystem::file_size(p.file("whole.mhb"));
  CliRun fits = ok("bundle export --dir " + p.bong + " --to central --max-bytes " + std::to_string(whole_bytes) +
                   " --out " + p.file("fits.mhb"));
  CHECK(number(fits.out, R"(8 entries in (\d+) part\(s\))") == 1);
  CHECK(std::filesystem::file_size(p.file("fits.mhb")) <= whole_bytes);
  CHECK_FALSE(std::filesystem::exists(p.file("fits.mhb.whole.tmp")));
  CliRun kilo = ok("bundle export --dir " + p.bong + " --to central --max-bytes 2k --out " + p.file("kilo.mhb"));
  uint64_t kilo_parts = number(kilo.out, R"(8 entries in (\d+) part\(s\))");
  CHECK(kilo_parts >= 2);
  for (uint64_t k = 1; k <= kilo_parts; ++k) {
    CHECK(std::filesystem::file_size(p.file("kilo.part" + std::to_string(k) + "of" + std::to_string(kilo_parts) + ".mhb")) <= 2000);
  }
  CliRun exp = ok("bundle export --dir " + p.bong + " --to central --max-bytes 2400 --out " + p.file("big.mhb"));
  uint64_t parts = number(exp.out, R"(8 entries in (\d+) part\(s\))");
  REQUIRE(parts >= 3);
  std::vector<std::string> files;
  for (uint64_t k = 1; k <= parts; ++k) {
    std::string f = p.file("big.part" + std::to_string(k) + "of" + std::to_string(parts) + ".mhb");
    CHECK(std::filesystem::file_size(f) <= 2400);
    CHECK_THAT(exp.out, Catch::Contains(f));
    files.push_back(f);
  }
  // `bundle inspect` takes every part at once, verifying each; a missing one is named in its
  // place, the others are still shown.
  std::string every;
  for (const auto& f : files) every += " " + f;
  CliRun inspected = ok("bundle inspect --dir " + p.central + every);
  for (uint64_t k = 1; k <= parts; ++k) {
    CHECK_THAT(inspected.out, Catch::Contains("part:        " + std::to_string(k) + " of " + std::to_string(parts) + "\n"));
  }
  CHECK(number(inspected.out, R"((\d+) entries, every signature and chain link valid)") >= 1);
  CliRun one_missing = run_mhero("bundle inspect" + every + " " + p.file("nope.mhb") + " " + files[0]);
  CHECK(one_missing.code != 0);
  CHECK_THAT(one_missing.out, Catch::Contains("nope.mhb") && Catch::Contains("part:        1 of"));
  // Part 2 alone: kept, nothing applied, and the exit code says so (4) for the driver's script.
  CliRun first = run_mhero("bundle import --dir " + p.central + " " + files[1]);
  INFO(first.out);
  CHECK(first.code == 4);
  CHECK_THAT(first.out, Catch::Contains("part 2/" + std::to_string(parts) + " from " ));
  CHECK_THAT(first.out, Catch::Contains("waiting for the other parts"));
  CHECK_THAT(first.out, Catch::Contains("1 bundle is kept but NOT applied yet: bring the missing parts named above"));
  CHECK_THAT(ok("log verify --dir " + p.central).out, Catch::Contains("ok: 1 entries in 1 feeds verified"));
  // The others in reverse order: the bundle is applied whole.
  std::string rest;
  for (size_t i = files.size(); i-- > 0;) {
    if (i != 1) rest += " " + files[i];
  }
  CliRun all = ok("bundle import --dir " + p.central + rest);
  CHECK(number(all.out, R"((\d+) new entries, 0 already held; receipt written)") == 8);
  CHECK_THAT(all.out, Catch::Contains("with the other parts of its bundle"));
  CHECK_THAT(ok("log verify --dir " + p.central).out, Catch::Contains("ok: 10 entries in 2 feeds verified"));
  // Any part again: a replay.
  CHECK_THAT(ok("bundle import --dir " + p.central + " " + files[0]).out, Catch::Contains("a replay"));
}

TEST_CASE("mhero bundle import names the file and says what to do with bad files", "[cli][bundle]") {
  CentralAndBongDirs p;
  p.notes(2, "n");
  std::string own = p.file("bong-own.mhb");
  ok("bundle export --dir " + p.bong + " --to central --out " + own);

  SECTION("an empty file: an unfinished copy") {
    std::string empty = p.file("empty.mhb");
    { std::ofstream touch(empty); }
    CliRun r = run_mhero("bundle import --dir " + p.central + " " + empty);
    CHECK(r.code != 0);
    CHECK_THAT(r.out, Catch::Contains(empty + ": the file is empty (0 bytes), probably an unfinished copy"));
    CHECK_THAT(r.out, Catch::Contains("copy the bundle again"));
  }
  SECTION("a short file that is not a bundle") {
    std::string junk = p.file("notes.txt");
    { std::ofstream out(junk); out << "hello"; }
    CliRun r = run_mhero("bundle import --dir " + p.central + " " + junk);
    CHECK(r.code != 0);
    CHECK_THAT(r.out, Catch::Contains(junk + ": not an mhero bundle (5 bytes"));
    // One piece of advice: pick the right file (copying this one again would not help).
    CHECK_THAT(r.out, Catch::Contains("Nothing was changed; pick the .mhb file written by `mhero bundle export`"));
    CHECK(r.out.find("Nothing was changed") == r.out.rfind("Nothing was changed"));
    CliRun i = run_mhero("bundle inspect " + junk);
    CHECK(i.code != 0);
    CHECK_THAT(i.out, Catch::Contains(junk + ": not an mhero bundle"));
  }
  SECTION("the node's own bundle: carry it to its recipient") {
    CliRun r = run_mhero("bundle import --dir " + p.bong + " " + own);
    CHECK(r.code != 0);
    CHECK_THAT(r.out, Catch::Contains(own + ": this node wrote this bundle"));
    CHECK_THAT(r.out, Catch::Contains("addressed to the central node " + p.central_id));
    CHECK_THAT(r.out, Catch::Contains("carry it to that node"));
    CHECK_FALSE(std::filesystem::exists(p.bong + "/relay"));
    CHECK_THAT(ok("log verify --dir " + p.bong).out, Catch::Contains("ok: 2 entries in 1 feeds verified"));
  }
  // The central node still imports the good file afterwards.
  CHECK(number(ok("bundle import --dir " + p.central + " " + own).out, R"((\d+) new entries)") == 2);
}

TEST_CASE("mhero bundle import draws its progress bar on a terminal only and never into piped stdout",
          "[cli][bundle]") {
  CentralAndBongDirs p;
  p.notes(3, "n");
  std::string bundle = p.file("bong.mhb");
  ok("bundle export --dir " + p.bong + " --to central --out " + bundle);
  // stderr on a terminal (util-linux `script` gives the command a pty), stdout into a file.
  std::string report = p.file("report.txt");
  std::string inner = std::string(std::getenv("MHERO_BIN")) + " bundle import --dir " + p.central + " " +
                      bundle + " > " + report;
  std::string cmd = "script -qec '" + inner + "' /dev/null 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string terminal;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) terminal.append(buf, n);
  int status = ::pclose(pipe);
  INFO("terminal:\n" << terminal);
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK_THAT(terminal, Catch::Contains("\r[##############################] 3/3 entries"));
  CHECK_THAT(terminal, Catch::Contains("entries/s"));
  std::ifstream in(report);
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(number(out, R"((\d+) new entries, 0 already held; receipt written)") == 3);
  CHECK(out.find('\r') == std::string::npos);
}

namespace {

// Every file in `dir` whose name starts with `prefix`, space-separated (the shell glob a user types).
std::string glob(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) names.push_back(e.path().string());
  }
  std::sort(names.begin(), names.end());
  std::string all;
  for (const auto& n : names) all += " " + n;
  return all;
}

}  // namespace

TEST_CASE("mhero bundle import: a relay file from an un-enrolled sender is set aside, the own bundle imported",
          "[cli][bundle][relay]") {
  CentralAndBongDirs p;  // BONG plays LOFA: enrolled at the central node.
  std::string stranger = (p.tmp / "stranger").string();
  ok("init --dir " + stranger + " --role district --district KONO --central-key " + p.central_id);
  std::string stranger_id = ok("id --dir " + stranger).out.substr(0, 64);
  ok("log append --dir " + stranger + " --note 'kono note'");
  ok("bundle export --dir " + stranger + " --to central --out " + p.file("kono.mhb"));
  // The district keeps it for relay toward the central node, and it rides with its export.
  ok("bundle import --dir " + p.bong + " " + p.file("kono.mhb"));
  p.notes(26, "lofa note ");
  CliRun exp = ok("bundle export --dir " + p.bong + " --to central --out " + p.file("lofa-2026.mhb"));
  CHECK_THAT(exp.out, Catch::Contains("(relayed, unchanged)"));

  CliRun imp = run_mhero("bundle import --dir " + p.central + glob(p.stick, "lofa-"));
  INFO(imp.out);
  CHECK(imp.code == 3);  // Documented: some files imported, some set aside.
  CHECK(number(imp.out, R"(imported, (\d+) new entries)") == 26);
  CHECK_THAT(imp.out, Catch::Contains("lofa-2026.relay-"));
  CHECK_THAT(imp.out, Catch::Contains("SET ASIDE (not imported)"));
  CHECK_THAT(imp.out, Catch::Contains("1 of 2 file(s) SET ASIDE"));
  CHECK_THAT(imp.out, Catch::Contains("unknown sender " + stranger_id));
  CHECK_THAT(imp.out, Catch::Contains("this file was set aside"));
  CHECK_THAT(imp.out, Catch::Contains("mhero enroll --district CODE --key " + stranger_id));
  CHECK(number(ok("log verify --dir " + p.central).out, R"(ok: (\d+) entries)") == 2 + 26);

  // After enrolling KONO, the same relay file imports.
  ok("enroll --dir " + p.central + " --district KONO --key " + stranger_id);
  CliRun again = ok("bundle import --dir " + p.central + glob(p.stick, "lofa-2026.relay-"));
  CHECK(number(again.out, R"(imported, (\d+) new entries)") == 1);
}

TEST_CASE("mhero bundle import: a district's bundle riding beside the central node's is imported after it",
          "[cli][bundle][relay]") {
  CentralAndBongDirs p;  // BONG plays d1; LOFA plays d2.
  std::string lofa = (p.tmp / "lofa").string();
  ok("init --dir " + lofa + " --role district --district LOFA --central-key " + p.central_id);
  std::string lofa_id = ok("id --dir " + lofa).out.substr(0, 64);
  ok("enroll --dir " + p.central + " --district LOFA --key " + lofa_id);
  // BONG learns of LOFA from the central node, then writes a bundle for LOFA; the central node relays it.
  ok("bundle export --dir " + p.central + " --to " + p.bong_id + " --out " + p.file("to-bong.mhb"));
  ok("bundle import --dir " + p.bong + " " + p.file("to-bong.mhb"));
  p.notes(2, "bong note ");
  ok("bundle export --dir " + p.bong + " --to " + lofa_id + " --out " + p.file("bong-to-lofa.mhb"));
  CliRun at_central = ok("bundle import --dir " + p.central + " " + p.file("bong-to-lofa.mhb"));
  CHECK_THAT(at_central.out, Catch::Contains("kept for relay"));
  std::string usb5 = (p.tmp / "usb5").string();
  std::filesystem::create_directories(usb5);
  CliRun exp = ok("bundle export --dir " + p.central + " --to " + lofa_id + " --out " + usb5 + "/lofa.mhb");
  CHECK_THAT(exp.out, Catch::Contains("(relayed, unchanged)"));

  // The relay file sorts before lofa.mhb on the command line; its sender's enrollment is inside lofa.mhb.
  CliRun imp = ok("bundle import --dir " + lofa + glob(usb5, "lofa"));
  CHECK_THAT(imp.out, Catch::Contains("lofa.relay-"));
  CHECK(imp.out.find("SET ASIDE") == std::string::npos);
  std::regex imported(R"(: imported, (\d+) new entries)");
  CHECK(std::distance(std::sregex_iterator(imp.out.begin(), imp.out.end(), imported), std::sregex_iterator()) == 2);
}
