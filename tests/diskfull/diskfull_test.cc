// Disk full during a sync ingest and during dispatch, on a real small file system: the node's
// store lives on an 8 MiB tmpfs mounted in a private mount namespace (`unshare`), nearly filled,
// so the real `mhero` binary runs out of space part-way. Then space is freed and the same work
// completes: whole batches only, a clear message, nothing lost, nothing sent twice.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "gen_registry.h"
#include "identity/crypto.h"
#include "net/http_server.h"
#include "node/node.h"
#include "node/standard_views.h"
#include "rapidpro-emulator/emulator.h"
#include "support/entries.h"
#include "support/mount_namespace.h"
#include "support/run_mhero.h"
#include "support/temp_dir.h"
#include "util/bytes.h"

namespace mhero::testing {

namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

/// Sets `key = value` (TOML) in [section] of DIR/config.toml, keeping the other lines.
void set_config(const std::filesystem::path& dir, const std::string& section, const std::string& key,
                const std::string& value) {
  std::istringstream in(read_text(dir / "config.toml"));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  size_t start = 0;
  while (start < lines.size() && lines[start] != "[" + section + "]" && !lines[start].starts_with("[" + section + "] ")) ++start;
  REQUIRE(start < lines.size());
  size_t end = start + 1;
  while (end < lines.size() && !lines[end].starts_with("[")) ++end;
  bool done = false;
  for (size_t i = start + 1; i < end && !done; ++i) {
    if (std::regex_search(lines[i], std::regex("^" + key + "\\s*="))) lines[i] = key + " = " + value, done = true;
  }
  if (!done) lines.insert(lines.begin() + static_cast<long>(end), key + " = " + value);
  std::string text;
  for (auto& l : lines) text += l + "\n";
  write_text(dir / "config.toml", text);
}

uint64_t number(const std::string& text, const std::string& pattern) {
  std::smatch m;
  INFO("looking for /" << pattern << "/ in:\n" << text);
  REQUIRE(std::regex_search(text, m, std::regex(pattern)));
  return std::stoull(m[1].str());
}

/// {feed "author/scope" -> highest seq} of the node at `dir` (`mhero log show --json`).
std::map<std::string, uint64_t> frontier(const std::filesystem::path& dir) {
  CliRun r = run_mhero("log show --json --dir " + dir.string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  std::map<std::string, uint64_t> f;
  for (const auto& e : nlohmann::json::parse(r.out)) {
    auto& seq = f[e["feed"].get<std::string>()];
    seq = std::max(seq, e["seq"].get<uint64_t>());
  }
  return f;
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

int free_tcp_port() {
  net::BackgroundHttpServer probe({}, [](const net::HttpRequest&) { return net::HttpResponse{}; });
  auto port = probe.start();
  REQUIRE(port.ok());
  probe.stop();
  return *port;
}

}  // namespace

TEST_CASE("sync ingest on a real full disk (8 MiB tmpfs) keeps whole batches, says so, and the daemon "
          "completes once space is freed", "[diskfull][sync]") {
  crypto_init();
  ::umask(077);  // The store written here in-process stays private, as `mhero` keeps it.
  const std::string bin = std::getenv("MHERO_BIN");
  TempDir tmp;
  const auto central = tmp / "central", district = tmp / "a";
  REQUIRE(run_mhero("init --role central --dir " + central.string()).code == 0);
  const std::string central_id = trimmed(run_mhero("id --dir " + central.string()).out);
  REQUIRE(run_mhero("init --role district --district A --central-key " + central_id + " --dir " + district.string()).code == 0);
  const std::string district_id = trimmed(run_mhero("id --dir " + district.string()).out);
  REQUIRE(run_mhero("enroll --district A --key " + district_id + " --dir " + central.string()).code == 0);
  constexpr int kNotes = 3000;
  {
    SystemClock clock;
    auto views = make_standard_views();
    std::vector<View*> raw;
    for (auto& v : views) raw.push_back(v.get());
    auto node = Node::open(NodePaths{central}, clock, raw);
    REQUIRE(node.ok());
    std::vector<std::unique_ptr<NotePayload>> notes;
    for (int i = 0; i < kNotes; ++i) {
      notes.push_back(std::make_unique<NotePayload>("visit report " + std::to_string(i) + ": " +
                                                    to_hex(blake2b256(std::to_string(i)))));
    }
    std::vector<schema::Payload::Reader> payloads;
    for (auto& n : notes) payloads.push_back(n->reader());
    REQUIRE((*node)->store().append_all((*node)->key(), "district/A", payloads).ok());
  }
  // What the district may hold of the central node: its national and district/A feeds.
  uint64_t want = 0;
  for (const auto& [feed, seq] : frontier(central)) {
    if (feed == central_id + "/national" || feed == central_id + "/district/A") want += seq;
  }
  REQUIRE(want >= kNotes);
  const int port = free_tcp_port();
  const std::string peer = "127.0.0.1:" + std::to_string(port);
  set_config(central, "console", "listen", "\"\"");
  set_config(district, "sync", "peers", "[\"" + peer + "\"]");
  set_config(district, "sync", "retry_initial_ms", "100");
  set_config(district, "sync", "retry_cap_ms", "300");
  set_config(district, "sync", "local_check_ms", "100");

  const auto out = tmp / "out", mnt = tmp / "mnt";
  std::filesystem::create_directories(out);
  std::filesystem::create_directories(mnt);
  const std::string sync = bin + " sync --dir \"$M/a\" --peer " + peer;
  const std::string feed = central_id + "/district/A";
  write_text(tmp / "sync-disk-full.sh",
             "set -u\n"
             "M=$1; O=" + out.string() + "\n"
             "mount -t tmpfs -o size=8m tmpfs \"$M\" || exit 1\n"
             "cp -a " + district.string() + " \"$M/a\"\n"
             // Moved to another disk: the node holds its writes; this one never synced, so its
             // operator says no peer holds more (README "Backup and restore").
             + bin + " log resume-writes --no-peer-holds-more --dir \"$M/a\" > /dev/null\n"
             + bin + " run --dir " + central.string() + " --listen " + peer + " > \"$O/central.txt\" 2>&1 &\n"
             "CP=$!\n"
             "for i in $(seq 300); do grep -q 'mhero run:' \"$O/central.txt\" && break; sleep 0.1; done\n"
             "head -c 393216 /dev/zero > \"$M/reserve\"\n"
             "dd if=/dev/zero of=\"$M/filler\" bs=64k 2>/dev/null\n"
             "rm \"$M/reserve\"\n"
             "df -k \"$M\" > \"$O/df.txt\"\n"
             + sync + " > \"$O/first.txt\" 2>&1; echo $? > \"$O/first.rc\"\n"
             "cp -a \"$M/a\" \"$O/after-fail\"\n"
             + bin + " log resume-writes --no-peer-holds-more --dir \"$O/after-fail\" > /dev/null\n"
             + sync + " > \"$O/still-full.txt\" 2>&1; echo $? > \"$O/still-full.rc\"\n"
             // The daemon starts on the still-full disk, fails, retries; then space is freed.
             + bin + " run --dir \"$M/a\" > \"$O/district-run.txt\" 2>&1 &\n"
             "DP=$!\n"
             "sleep 2\n"
             "rm \"$M/filler\"\n"
             "for i in $(seq 300); do\n"
             "  n=$(" + bin + " log show --dir \"$M/a\" --feed " + feed + " --json 2>/dev/null | grep -c '\"seq\"')\n"
             "  [ \"$n\" -ge " + std::to_string(kNotes) + " ] && break; sleep 0.1\n"
             "done\n"
             "kill $DP; wait $DP; echo $? > \"$O/district-run.rc\"\n"
             "kill $CP; wait $CP\n"
             "cp -a \"$M/a\" \"$O/after-retry\"\n"
             + bin + " log resume-writes --no-peer-holds-more --dir \"$O/after-retry\" > /dev/null\n"
             "umount \"$M\"\n");
  std::string variant = run_in_mount_namespace(tmp / "sync-disk-full.sh", mnt, tmp / "unshare.log");
  require_mount_namespace(variant, read_text(tmp / "unshare.log"));
  INFO("ran with " << variant << "; df before the sync:\n" << read_text(out / "df.txt"));

  // 1. The sync ran out of space part-way: whole batches kept, a clear message.
  std::string first = read_text(out / "first.txt");
  INFO("first sync:\n" << first);
  CHECK(read_text(out / "first.rc") != "0\n");
  CHECK_THAT(first, Catch::Contains("was not kept: the disk is full"));
  CHECK_THAT(first, Catch::Contains("Free disk space there; the next sync continues where this one stopped"));
  uint64_t received = number(first, R"(received (\d+) entries)");
  uint64_t kept = number(first, R"(This session kept (\d+) entries in \d+ whole batches)");
  CHECK(kept == received);
  CHECK(received > 0);     // Part-way: some batches went in...
  CHECK(received < want);  // ...not all.
  std::string still_full = read_text(out / "still-full.txt");
  INFO("sync again while the disk is still full:\n" << still_full);
  CHECK(read_text(out / "still-full.rc") != "0\n");
  // Refused at the store's opening (no space even for that), or at the first batch.
  CHECK_THAT(still_full, Catch::Contains("the disk is full") || Catch::Contains("No space left on device"));
  const bool second_received = still_full.find("received ") != std::string::npos;

  // 2. The store holds exactly the batches it reported, and verifies.
  CliRun verify = run_mhero("log verify --dir " + (out / "after-fail").string());
  CHECK(verify.code == 0);
  uint64_t held = 0;
  for (const auto& [f, seq] : frontier(out / "after-fail")) {
    if (f.starts_with(central_id)) held += seq;
  }
  CHECK(held == received + (second_received ? number(still_full, R"(received (\d+) entries)") : 0));

  // 3. The daemon, started on the full disk, completed once space was freed (no restart). (The
  // copies made for inspection here are moved stores too: the script resumed their writes.)
  std::string run_log = read_text(out / "district-run.txt");
  INFO("district daemon:\n" << run_log);
  CHECK_THAT(run_log, Catch::Contains("the disk is full"));
  auto after = frontier(out / "after-retry");
  for (const auto& [f, seq] : frontier(central)) {
    if (f == central_id + "/national" || f == feed) CHECK(after[f] == seq);
  }
  CHECK(run_mhero("log verify --dir " + (out / "after-retry").string()).code == 0);
}

TEST_CASE("dispatch on a real full disk stops with a clear message and completes once space is freed, "
          "no phone messaged twice or missed", "[diskfull][dispatch]") {
  crypto_init();
  const std::string bin = std::getenv("MHERO_BIN");
  TempDir tmp;
  SystemClock clock;
  rapidpro_emulator::EmulatorOptions eo;
  eo.token = "diskfull-token";
  rapidpro_emulator::Emulator emulator(clock, eo);
  net::BackgroundHttpServer server({}, [&](const net::HttpRequest& r) { return emulator.handle(r); });
  REQUIRE(server.start().ok());

  const auto central = tmp / "central";
  REQUIRE(run_mhero("init --role central --dir " + central.string()).code == 0);
  tools::GenRegistryOptions o;
  o.providers = 900;
  o.districts = 1;
  o.seed = 3;
  {
    std::ofstream csd(tmp / "country.xml");
    tools::generate_registry(o, csd);
  }
  REQUIRE(run_mhero("registry import-csd " + (tmp / "country.xml").string() + " --dir " + central.string()).code == 0);
  set_config(central, "rapidpro", "url", "\"" + server.base_url() + "\"");
  set_config(central, "rapidpro", "token", "\"diskfull-token\"");
  CliRun sent = run_mhero("send --text \"Disk test: please reply\" --district D01 --yes --dir " + central.string());
  INFO(sent.out);
  REQUIRE(sent.code == 0);

  const auto out = tmp / "out", mnt = tmp / "mnt";
  std::filesystem::create_directories(out);
  std::filesystem::create_directories(mnt);
  const std::string dispatch = bin + " dispatch --dir \"$M/c\"";
  write_text(tmp / "dispatch-disk-full.sh",
             "set -u\n"
             "M=$1; O=" + out.string() + "\n"
             "mount -t tmpfs -o size=8m tmpfs \"$M\" || exit 1\n"
             "cp -a " + central.string() + " \"$M/c\"\n"
             + bin + " log resume-writes --no-peer-holds-more --dir \"$M/c\" > /dev/null\n"
             "head -c 262144 /dev/zero > \"$M/reserve\"\n"
             "dd if=/dev/zero of=\"$M/filler\" bs=64k 2>/dev/null\n"
             "rm \"$M/reserve\"\n"
             "df -k \"$M\" > \"$O/df.txt\"\n"
             + dispatch + " > \"$O/first.txt\" 2>&1; echo $? > \"$O/first.rc\"\n"
             + dispatch + " > \"$O/still-full.txt\" 2>&1; echo $? > \"$O/still-full.rc\"\n"
             "rm \"$M/filler\"\n"
             + dispatch + " > \"$O/second.txt\" 2>&1; echo $? > \"$O/second.rc\"\n"
             "cp -a \"$M/c\" \"$O/after\"\n"
             + bin + " log resume-writes --no-peer-holds-more --dir \"$O/after\" > /dev/null\n"
             "umount \"$M\"\n");
  std::string variant = run_in_mount_namespace(tmp / "dispatch-disk-full.sh", mnt, tmp / "unshare.log");
  require_mount_namespace(variant, read_text(tmp / "unshare.log"));
  INFO("ran with " << variant << "; df before dispatch:\n" << read_text(out / "df.txt"));

  std::string first = read_text(out / "first.txt");
  INFO("first dispatch:\n" << first);
  CHECK(read_text(out / "first.rc") != "0\n");
  CHECK_THAT(first, Catch::Contains("the disk is full"));
  std::string still_full = read_text(out / "still-full.txt");
  INFO("dispatch again, disk still full:\n" << still_full);
  CHECK(read_text(out / "still-full.rc") != "0\n");
  CHECK_THAT(still_full, Catch::Contains("the disk is full"));
  std::string second = read_text(out / "second.txt");
  INFO("dispatch after space was freed:\n" << second);
  CHECK(read_text(out / "second.rc") == "0\n");

  CliRun list = run_mhero("messages list --json --dir " + (out / "after").string());
  REQUIRE(list.code == 0);
  auto messages = nlohmann::json::parse(list.out);
  REQUIRE(messages.size() == 1);
  const auto& m = messages[0];
  INFO(m.dump());
  CHECK(m["state"] == "dispatched");
  CHECK(m["sent"] == m["targeted"]);
  CHECK(m["targeted"].get<int>() > 100);  // More than one batch.
  // RapidPro: every phone the node counts got the text once; none twice.
  std::set<std::string> urns;
  for (const auto& d : emulator.deliveries()) urns.insert(d.urn);
  CHECK(emulator.duplicate_count() == 0);
  CHECK(emulator.deliveries().size() == urns.size());
  CHECK(urns.size() == m["phones"].get<size_t>());
  CHECK(run_mhero("log verify --dir " + (out / "after").string()).code == 0);
  server.stop();
}

TEST_CASE("a registry import past the bulk threshold on a real full disk (64 MiB tmpfs) stops with a clear "
          "message, leaves no staged file and nothing half-written, and completes once space is freed",
          "[diskfull][registry]") {
  crypto_init();
  const std::string bin = std::getenv("MHERO_BIN");
  TempDir tmp;
  const auto central = tmp / "central";
  REQUIRE(run_mhero("init --role central --dir " + central.string()).code == 0);
  // One district of 12,000 providers: its feed's commit is ~20 MB, past StoreOptions::
  // bulk_write_bytes (8 MiB), so it is written as SST files ingested (store/bulk_write.cc).
  tools::GenRegistryOptions o;
  o.providers = 12000;
  o.districts = 1;
  o.seed = 5;
  tools::GenRegistryCounts counts;
  {
    std::ofstream csd(tmp / "country.xml");
    counts = tools::generate_registry(o, csd);
  }
  const auto out = tmp / "out", mnt = tmp / "mnt";
  std::filesystem::create_directories(out);
  std::filesystem::create_directories(mnt);
  const std::string import = bin + " registry import-csd " + (tmp / "country.xml").string() + " --dir \"$M/c\"";
  write_text(tmp / "import-disk-full.sh",
             "set -u\n"
             "M=$1; O=" + out.string() + "\n"
             "mount -t tmpfs -o size=64m tmpfs \"$M\" || exit 1\n"
             "cp -a " + central.string() + " \"$M/c\"\n"
             + bin + " log resume-writes --no-peer-holds-more --dir \"$M/c\" > /dev/null\n"
             "head -c 6291456 /dev/zero > \"$M/reserve\"\n"
             "dd if=/dev/zero of=\"$M/filler\" bs=64k 2>/dev/null\n"
             "rm \"$M/reserve\"\n"
             "df -k \"$M\" > \"$O/df.txt\"\n"
             + import + " > \"$O/first.txt\" 2>&1; echo $? > \"$O/first.rc\"\n"
             "ls -a \"$M/c/db\" > \"$O/db-after-fail.txt\"\n"
             "cp -a \"$M/c\" \"$O/after-fail\"\n"
             + bin + " log resume-writes --no-peer-holds-more --dir \"$O/after-fail\" > /dev/null\n"
             "rm \"$M/filler\"\n"
             + import + " > \"$O/second.txt\" 2>&1; echo $? > \"$O/second.rc\"\n"
             "cp -a \"$M/c\" \"$O/after\"\n"
             + bin + " log resume-writes --no-peer-holds-more --dir \"$O/after\" > /dev/null\n"
             "umount \"$M\"\n");
  std::string variant = run_in_mount_namespace(tmp / "import-disk-full.sh", mnt, tmp / "unshare.log");
  require_mount_namespace(variant, read_text(tmp / "unshare.log"));
  INFO("ran with " << variant << "; df before the import:\n" << read_text(out / "df.txt"));

  std::string first = read_text(out / "first.txt");
  INFO("first import:\n" << first);
  CHECK(read_text(out / "first.rc") != "0\n");
  CHECK_THAT(first, Catch::Contains("the disk is full"));
  CHECK_THAT(first, Catch::Contains("free some disk space"));
  // The district's feed failed while its SST files were staged: none is left behind, and the
  // store holds none of that feed and verifies.
  CHECK_THAT(read_text(out / "db-after-fail.txt"), !Catch::Contains("ingest"));
  CHECK(run_mhero("log verify --dir " + (out / "after-fail").string()).code == 0);
  CliRun failed_stats = run_mhero("registry stats --dir " + (out / "after-fail").string());
  INFO(failed_stats.out);
  REQUIRE(failed_stats.code == 0);
  // Feeds commit one by one: the national feed (facilities, providers without a district) went in
  // before the district's failed.
  CHECK(number(failed_stats.out, R"(providers: (\d+))") == number(failed_stats.out, R"(unassigned: (\d+))"));
  CHECK_THAT(failed_stats.out, !Catch::Contains("district D01"));

  std::string second = read_text(out / "second.txt");
  INFO("import after space was freed:\n" << second);
  CHECK(read_text(out / "second.rc") == "0\n");
  CHECK(run_mhero("log verify --dir " + (out / "after").string()).code == 0);
  CliRun stats = run_mhero("registry stats --dir " + (out / "after").string());
  INFO(stats.out);
  REQUIRE(stats.code == 0);
  CHECK(number(stats.out, R"(providers: (\d+))") == counts.providers);
  CHECK(number(stats.out, R"(district D01: (\d+))") > 11000);
}

}  // namespace mhero::testing
