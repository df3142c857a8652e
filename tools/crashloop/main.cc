// crashloop: kill -9 loops over real `mhero` processes (issue 16, "Crash loops").
//
// Each trial of a scenario starts real `mhero` processes on throw-away nodes (temp dirs, nodes
// made with `mhero init` / `mhero enroll`), SIGKILLs one of them at a random moment (seeded),
// restarts what was killed, runs the interrupted work again, and checks invariants:
//   - `mhero log verify` is clean at every node;
//   - no feed's frontier ever goes back (per node, against the highest seq seen before);
//   - no acknowledged entry is lost: every entry a node showed (`log show`) or a CLI reported as
//     written (`log append`, `send`) is still there with the same id;
//   - after the restart everything converges (sync: both sides hold each other's feeds; bundle:
//     the central node holds what was exported; registry: the pull completes with the same count;
//     dispatch: every message dispatched to every targeted phone);
//   - the RapidPro emulator saw zero duplicate deliveries and zero lost recipients.
// Scenarios: sync (district and central daemons while both append), bundle (export + import),
// registry (pull from the OpenInfoMan emulator), dispatch (`mhero dispatch` passes against the
// RapidPro emulator, answers polled), console (compose + send through the console's HTTP forms
// while the daemon is killed). The emulators run inside this program (loopback HTTP), so they
// outlive every kill and keep their own record of what was asked of them.
//
//   crashloop --trials 1000 --seed 1 [--scenario NAME] [--mhero PATH] [--require-kills]
// Prints per scenario: trials, kills, violations, seconds; exits 1 when any violation was found
// (or, with --require-kills, when a scenario ran trials without a single kill).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "crashloop/process.h"
#include "gen_registry.h"
#include "identity/crypto.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/url.h"
#include "openinfoman-emulator/emulator.h"
#include "rapidpro-emulator/emulator.h"

#ifndef MHERO_BIN_DEFAULT
#define MHERO_BIN_DEFAULT "mhero"
#endif

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

namespace mhero::crashloop {

namespace {

constexpr auto kCliLimit = 120s;

struct ScenarioStats {
  int trials = 0;
  int kills = 0;
  int violations = 0;
  double seconds = 0;
};

/// Everything seen at one node: the highest seq per feed and every entry id ever shown.
struct Tracked {
  fs::path dir;
  std::map<std::string, uint64_t> frontier;                     // "author/scope" -> seq
  std::map<std::pair<std::string, uint64_t>, std::string> seen;  // (feed, seq) -> entry id
};

struct Entries {
  std::map<std::string, uint64_t> frontier;
  std::map<std::pair<std::string, uint64_t>, std::string> ids;
};

class Loop {
 public:
  Loop(fs::path mhero, fs::path work, uint64_t seed) : mhero_(std::move(mhero)), work_(std::move(work)), rng_(seed) {}

  std::map<std::string, ScenarioStats> stats;
  std::string scenario;  // The one running (for counting).

  uint64_t uniform(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_); }

  fs::path log_path(const std::string& name) { return work_ / "logs" / (name + ".log"); }

  Ran cli(const fs::path& node, std::vector<std::string> args) {
    std::vector<std::string> argv{mhero_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    if (!node.empty()) argv.insert(argv.end(), {"--dir", node.string()});
    return run(argv, log_path("cli"), kCliLimit);
  }
  /// Starts `mhero ARGS --dir node` in the background (the caller kills or waits).
  std::unique_ptr<Child> start(const fs::path& node, std::vector<std::string> args, const std::string& name) {
    std::vector<std::string> argv{mhero_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--dir", node.string()});
    fs::path log = log_path(name);
    fs::remove(log);
    return std::make_unique<Child>(argv, log);
  }
  /// Runs a CLI command that must succeed (setup); throws with its output otherwise.
  std::string must(const fs::path& node, std::vector<std::string> args) {
    Ran r = cli(node, args);
    if (r.code != 0) {
      std::string cmd;
      for (auto& a : args) cmd += " " + a;
      throw std::runtime_error("mhero" + cmd + " (" + node.string() + ") exited " + std::to_string(r.code) + ":\n" +
                               r.out);
    }
    return r.out;
  }

  void violation(const std::string& what) {
    stats[scenario].violations++;
    std::cout << "VIOLATION [" << scenario << "] " << what << std::endl;
  }
  void killed() { stats[scenario].kills++; }

  /// Kills `child` after a random delay in [0, window_ms] unless it finished first. Returns true
  /// for a real kill (counted).
  bool kill_at_random(Child& child, uint64_t window_ms) {
    auto code = child.wait_for(std::chrono::milliseconds(uniform(0, window_ms)));
    if (code) return false;
    bool k = child.kill9();
    if (k) killed();
    return k;
  }

  Entries entries(const fs::path& node, bool* ok) {
    Entries e;
    Ran r = cli(node, {"log", "show", "--json"});
    *ok = r.code == 0;
    if (!*ok) {
      violation("log show failed at " + node.filename().string() + ": " + r.out);
      return e;
    }
    json list = json::parse(r.out, nullptr, false);
    if (!list.is_array()) {
      *ok = false;
      violation("log show printed no JSON at " + node.filename().string());
      return e;
    }
    for (const auto& x : list) {
      std::string feed = x["feed"].get<std::string>();
      uint64_t seq = x["seq"].get<uint64_t>();
      e.ids[{feed, seq}] = x["id"].get<std::string>();
      e.frontier[feed] = std::max(e.frontier[feed], seq);
    }
    return e;
  }

  /// The invariants at one node after a kill and restart: verify clean, frontier never back,
  /// nothing seen or acknowledged lost. Remembers what it saw. Returns the entries.
  Entries check(Tracked& t) {
    Ran v = cli(t.dir, {"log", "verify"});
    if (v.code != 0) violation("log verify at " + t.dir.filename().string() + " exited " + std::to_string(v.code) + ": " + v.out);
    bool ok = false;
    Entries e = entries(t.dir, &ok);
    if (!ok) return e;
    for (const auto& [feed, seq] : t.frontier) {
      uint64_t now = e.frontier.count(feed) ? e.frontier.at(feed) : 0;
      if (now < seq) {
        violation("frontier went back at " + t.dir.filename().string() + ": feed " + feed + " " + std::to_string(seq) +
                  " -> " + std::to_string(now));
      }
    }
    for (const auto& [key, id] : t.seen) {
      auto it = e.ids.find(key);
      if (it == e.ids.end()) {
        violation("entry lost at " + t.dir.filename().string() + ": " + key.first + " seq " + std::to_string(key.second));
      } else if (it->second != id) {
        violation("entry replaced at " + t.dir.filename().string() + ": " + key.first + " seq " +
                  std::to_string(key.second) + " id " + id.substr(0, 12) + " -> " + it->second.substr(0, 12));
      }
    }
    for (const auto& [feed, seq] : e.frontier) t.frontier[feed] = std::max(t.frontier[feed], seq);
    for (const auto& [key, id] : e.ids) t.seen.emplace(key, id);
    return e;
  }

  /// "appended FEED seq N id HEX" from `log append`: the entry is acknowledged.
  void ack_append(Tracked& t, const std::string& out, const std::string& author) {
    static const std::regex re(R"(appended [^/\s]+/(\S+) seq (\d+) id ([0-9a-f]+))");
    std::smatch m;
    if (std::regex_search(out, m, re)) t.seen.emplace(std::make_pair(author + "/" + m[1].str(), std::stoull(m[2].str())), m[3].str());
  }

  fs::path fresh_dir(const std::string& name) {
    fs::path d = work_ / name;
    fs::remove_all(d);
    return d;
  }

 private:
  fs::path mhero_;
  fs::path work_;
  std::mt19937_64 rng_;
};

/// Sets `key = value` (value already TOML) in [section] of node/config.toml, keeping the rest.
void set_config(const fs::path& node, const std::string& section, const std::string& key, const std::string& value) {
  std::istringstream in(read_text(node / "config.toml"));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  size_t start = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] == "[" + section + "]" || lines[i].starts_with("[" + section + "] ")) start = i;
  }
  if (start == lines.size()) {
    lines.push_back("[" + section + "]");
    start = lines.size() - 1;
  }
  size_t end = start + 1;
  while (end < lines.size() && !lines[end].starts_with("[")) ++end;
  bool done = false;
  for (size_t i = start + 1; i < end && !done; ++i) {
    if (std::regex_search(lines[i], std::regex("^" + key + "\\s*="))) {
      lines[i] = key + " = " + value;
      done = true;
    }
  }
  if (!done) lines.insert(lines.begin() + static_cast<long>(end), key + " = " + value);
  std::ofstream out(node / "config.toml", std::ios::trunc);
  for (auto& l : lines) out << l << "\n";
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

/// A central node and one district node (D01), enrolled, console and listeners off.
struct Pair {
  fs::path central, district;
  std::string central_id, district_id;
};

Pair make_pair_of_nodes(Loop& loop, const std::string& prefix) {
  Pair p{loop.fresh_dir(prefix + "-central"), loop.fresh_dir(prefix + "-district"), "", ""};
  loop.must(p.central, {"init", "--role", "central"});
  p.central_id = loop.must(p.central, {"id"});
  while (!p.central_id.empty() && std::isspace(static_cast<unsigned char>(p.central_id.back()))) p.central_id.pop_back();
  loop.must(p.district, {"init", "--role", "district", "--district", "D01", "--central-key", p.central_id});
  p.district_id = loop.must(p.district, {"id"});
  while (!p.district_id.empty() && std::isspace(static_cast<unsigned char>(p.district_id.back()))) p.district_id.pop_back();
  loop.must(p.central, {"enroll", "--district", "D01", "--key", p.district_id, "--label", "D01 office"});
  set_config(p.central, "console", "listen", quoted(""));
  set_config(p.central, "sync", "listen", quoted(""));
  return p;
}

/// Waits until `child`'s log shows `text` (or it exits). Returns false on exit or time-out.
bool wait_ready(Child& child, const std::string& text, std::chrono::milliseconds limit) {
  auto deadline = SteadyClock::now() + limit;
  while (SteadyClock::now() < deadline) {
    if (child.output().find(text) != std::string::npos) return true;
    if (!child.running()) return false;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// ---- sync: a district syncing with central while both keep appending --------------------------

class SyncScenario {
 public:
  explicit SyncScenario(Loop& loop) : loop_(loop) {}

  void setup() {
    stop();
    nodes_ = make_pair_of_nodes(loop_, "sync");
    port_ = free_port();
    for (const fs::path& n : {nodes_.central, nodes_.district}) {
      set_config(n, "sync", "poll_interval_ms", "200");
      set_config(n, "sync", "local_check_ms", "50");
      set_config(n, "sync", "retry_initial_ms", "50");
      set_config(n, "sync", "retry_cap_ms", "300");
    }
    set_config(nodes_.district, "sync", "peers", "[" + quoted("127.0.0.1:" + std::to_string(port_)) + "]");
    central_ = Tracked{nodes_.central, {}, {}};
    district_ = Tracked{nodes_.district, {}, {}};
    start_central();
    start_district();
  }
  void stop() {
    central_run_.reset();
    district_run_.reset();
  }

  void trial(int n) {
    // Both sides append while the daemons sync; one of the four processes is killed.
    auto a = loop_.start(nodes_.central, {"log", "append", "--scope", n % 2 ? "national" : "district/D01", "--note",
                                          "central " + std::to_string(n)}, "sync-append-central");
    auto b = loop_.start(nodes_.district, {"log", "append", "--note", "district " + std::to_string(n)},
                         "sync-append-district");
    switch (loop_.uniform(0, 3)) {
      case 0: loop_.kill_at_random(*central_run_, 150); break;
      case 1: loop_.kill_at_random(*district_run_, 150); break;
      case 2: loop_.kill_at_random(*a, 120); break;
      default: loop_.kill_at_random(*b, 120); break;
    }
    for (auto* c : {a.get(), b.get()}) {
      if (!c->wait_for(kCliLimit)) loop_.violation("log append did not finish");
    }
    loop_.ack_append(central_, a->output(), nodes_.central_id);
    loop_.ack_append(district_, b->output(), nodes_.district_id);
    if (!central_run_->running()) start_central();
    if (!district_run_->running()) start_district();
    loop_.check(central_);
    loop_.check(district_);
    converge();
  }

 private:
  void start_central() {
    central_run_ = loop_.start(nodes_.central, {"run", "--listen", "127.0.0.1:" + std::to_string(port_)}, "sync-central-run");
    if (!wait_ready(*central_run_, "mhero run:", 30s)) loop_.violation("central daemon did not start: " + central_run_->output());
  }
  void start_district() {
    district_run_ = loop_.start(nodes_.district, {"run"}, "sync-district-run");
    if (!wait_ready(*district_run_, "mhero run:", 30s)) loop_.violation("district daemon did not start: " + district_run_->output());
  }
  /// Both daemons up: within 30 s the district holds the central node's national and D01 feeds
  /// up to the central frontier, and the central node holds the district's feeds.
  void converge() {
    auto deadline = SteadyClock::now() + 30s;
    std::string lag;
    while (SteadyClock::now() < deadline) {
      bool ok1 = false, ok2 = false;
      Entries c = loop_.entries(nodes_.central, &ok1);
      Entries d = loop_.entries(nodes_.district, &ok2);
      if (!ok1 || !ok2) return;
      lag.clear();
      for (const auto& [feed, seq] : c.frontier) {
        if (!feed.starts_with(nodes_.central_id)) continue;
        if (!feed.ends_with("/national") && !feed.ends_with("/district/D01")) continue;
        if (d.frontier[feed] < seq) lag += " district lacks " + feed.substr(0, 8) + ".." + feed.substr(64) + " " +
                                           std::to_string(d.frontier[feed]) + "<" + std::to_string(seq);
      }
      for (const auto& [feed, seq] : d.frontier) {
        if (!feed.starts_with(nodes_.district_id)) continue;
        if (c.frontier[feed] < seq) lag += " central lacks " + feed.substr(0, 8) + ".." + feed.substr(64) + " " +
                                           std::to_string(c.frontier[feed]) + "<" + std::to_string(seq);
      }
      if (lag.empty()) return;
      std::this_thread::sleep_for(50ms);
    }
    loop_.violation("no convergence within 30 s:" + lag);
  }

  Loop& loop_;
  Pair nodes_;
  int port_ = 0;
  Tracked central_, district_;
  std::unique_ptr<Child> central_run_, district_run_;
};

// ---- bundle: export at the district, import at the central node ------------------------------

class BundleScenario {
 public:
  explicit BundleScenario(Loop& loop) : loop_(loop) {}

  void setup() {
    nodes_ = make_pair_of_nodes(loop_, "bundle");
    central_ = Tracked{nodes_.central, {}, {}};
    district_ = Tracked{nodes_.district, {}, {}};
    stick_ = loop_.fresh_dir("bundle-stick");
    fs::create_directories(stick_);
    for (int i = 0; i < 20; ++i) append(i);
  }

  void trial(int n) {
    for (int i = 0; i < 5; ++i) append(n * 10 + i);
    const std::string name = "b-" + std::to_string(n) + ".mhb";
    bool kill_export = loop_.uniform(0, 3) == 0;
    {
      auto exp = loop_.start(nodes_.district, {"bundle", "export", "--to", "central", "--out", (stick_ / name).string()},
                             "bundle-export");
      if (kill_export) loop_.kill_at_random(*exp, 80);
      auto code = exp->wait_for(kCliLimit);
      if (!code || *code != 0) {
        // Killed (or failed): export again, as the user would.
        for (const auto& f : fs::directory_iterator(stick_)) {
          if (f.path().filename().string().starts_with("b-" + std::to_string(n) + ".")) fs::remove(f.path());
        }
        Ran again = loop_.cli(nodes_.district, {"bundle", "export", "--to", "central", "--out", (stick_ / name).string()});
        if (again.code != 0) loop_.violation("bundle export after a kill failed: " + again.out);
      }
    }
    std::vector<std::string> import{"bundle", "import", "--segment-entries", "7"};
    for (const auto& f : fs::directory_iterator(stick_)) {
      if (f.path().filename().string().starts_with("b-" + std::to_string(n) + ".")) import.push_back(f.path().string());
    }
    if (!kill_export) {
      auto imp = loop_.start(nodes_.central, import, "bundle-import");
      loop_.kill_at_random(*imp, 250);
      imp->wait_for(kCliLimit);
      loop_.check(central_);  // Between the kill and the import again.
    }
    Ran again = loop_.cli(nodes_.central, import);
    if (again.code != 0) loop_.violation("bundle import after a kill failed: " + again.out);
    Entries c = loop_.check(central_);
    Entries d = loop_.check(district_);
    for (const auto& [feed, seq] : d.frontier) {
      if (feed.starts_with(nodes_.district_id) && c.frontier[feed] < seq) {
        loop_.violation("central lacks exported entries of " + feed.substr(64) + ": " + std::to_string(c.frontier[feed]) +
                        " < " + std::to_string(seq));
      }
    }
    for (const auto& f : fs::directory_iterator(stick_)) fs::remove(f.path());
  }

 private:
  void append(int i) {
    Ran r = loop_.cli(nodes_.district, {"log", "append", "--note", "visit " + std::to_string(i)});
    if (r.code != 0) throw std::runtime_error("log append: " + r.out);
    loop_.ack_append(district_, r.out, nodes_.district_id);
  }

  Loop& loop_;
  Pair nodes_;
  fs::path stick_;
  Tracked central_, district_;
};

// ---- registry: `mhero registry pull` from the OpenInfoMan emulator ---------------------------

class RegistryScenario {
 public:
  explicit RegistryScenario(Loop& loop, fs::path work)
      : loop_(loop), work_(std::move(work)), emulator_(openinfoman_emulator::EmulatorOptions{}),
        server_({}, [this](const net::HttpRequest& r) { return emulator_.handle(r); }) {
    if (!server_.start().ok()) throw std::runtime_error("cannot start the OpenInfoMan emulator");
  }
  ~RegistryScenario() { server_.stop(); }

  void setup() {
    nodes_ = make_pair_of_nodes(loop_, "registry");
    central_ = Tracked{nodes_.central, {}, {}};
    version_ = 0;
    load();
    set_config(nodes_.central, "openinfoman", "url", quoted(server_.base_url()));
    set_config(nodes_.central, "openinfoman", "username", quoted("oim"));
    set_config(nodes_.central, "openinfoman", "password", quoted("oim-secret"));
    set_config(nodes_.central, "openinfoman", "provider_document", quoted("Providers"));
    set_config(nodes_.central, "openinfoman", "facility_document", quoted("Providers"));
    set_config(nodes_.central, "openinfoman", "organization_document", quoted("Providers"));
    auto started = std::chrono::steady_clock::now();
    loop_.must(nodes_.central, {"registry", "pull"});
    pull_ms_ = elapsed_ms(started);
    expected_ = providers();
    loop_.check(central_);
  }

  void trial(int) {
    load();  // Every record changed: the pull has work to do.
    auto pull = loop_.start(nodes_.central, {"registry", "pull"}, "registry-pull");
    // The kill falls within the pull however fast this machine is: the window is the last whole
    // pull's time (a fixed window missed every pull of a run on a quick, or an idle, machine).
    loop_.kill_at_random(*pull, pull_ms_);
    pull->wait_for(kCliLimit);
    loop_.check(central_);
    load();  // The pull after the kill has a whole pull's work too: it measures the next window.
    auto started = std::chrono::steady_clock::now();
    Ran again = loop_.cli(nodes_.central, {"registry", "pull"});
    pull_ms_ = elapsed_ms(started);
    if (again.code != 0) loop_.violation("registry pull after a kill failed: " + again.out);
    loop_.check(central_);
    int64_t now = providers();
    if (now != expected_) loop_.violation("registry holds " + std::to_string(now) + " providers, expected " + std::to_string(expected_));
  }

 private:
  static uint64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
    return static_cast<uint64_t>(std::max<int64_t>(ms, 20));
  }
  uint64_t pull_ms_ = 700;  // The last whole pull's time: the kill window.
  void load() {
    tools::GenRegistryOptions o;
    o.providers = 120;
    o.districts = 2;
    o.facilities_per_district = 3;
    o.seed = 7;
    ++version_;
    char updated[40];
    std::snprintf(updated, sizeof updated, "2024-%02d-%02dT08:00:00+00:00", 1 + (version_ / 28) % 12, 1 + version_ % 28);
    o.updated = updated;
    std::ostringstream doc;
    tools::generate_registry(o, doc);
    Status s = emulator_.load_text("Providers", {doc.str()});
    if (!s.ok()) throw std::runtime_error(s.to_string());
  }
  int64_t providers() {
    Ran r = loop_.cli(nodes_.central, {"registry", "stats"});
    std::smatch m;
    static const std::regex re(R"(providers: (\d+))");
    if (r.code != 0 || !std::regex_search(r.out, m, re)) {
      loop_.violation("registry stats failed: " + r.out);
      return -1;
    }
    return std::stoll(m[1].str());
  }

  Loop& loop_;
  fs::path work_;
  openinfoman_emulator::Emulator emulator_;
  net::BackgroundHttpServer server_;
  Pair nodes_;
  Tracked central_;
  int version_ = 0;
  int64_t expected_ = 0;
};

// ---- dispatch: `mhero dispatch` passes against the RapidPro emulator, answers polled ---------

class DispatchScenario {
 public:
  DispatchScenario(Loop& loop, fs::path work)
      : loop_(loop), work_(std::move(work)), emulator_(clock_, options()),
        server_({}, [this](const net::HttpRequest& r) { return emulator_.handle(r); }) {
    if (!server_.start().ok()) throw std::runtime_error("cannot start the RapidPro emulator");
  }
  ~DispatchScenario() { server_.stop(); }

  void setup() {
    nodes_ = make_pair_of_nodes(loop_, "dispatch");
    central_ = Tracked{nodes_.central, {}, {}};
    messages_.clear();
    tools::GenRegistryOptions o;
    o.providers = 240;
    o.districts = 2;
    o.facilities_per_district = 3;
    o.seed = 11;
    fs::path csd = work_ / "dispatch-country.xml";
    {
      std::ofstream out(csd);
      tools::generate_registry(o, out);
    }
    loop_.must(nodes_.central, {"registry", "import-csd", csd.string()});
    set_config(nodes_.central, "rapidpro", "url", quoted(server_.base_url()));
    set_config(nodes_.central, "rapidpro", "token", quoted("crashloop-token"));
    set_config(nodes_.central, "rapidpro", "backoff_initial_ms", "20");
    set_config(nodes_.central, "rapidpro", "backoff_max_ms", "100");
  }

  void trial(int n) {
    std::string text = "crashloop message " + std::to_string(++sent_texts_);
    Ran s = loop_.cli(nodes_.central, {"send", "--text", text, "--district", n % 2 ? "D01" : "D02", "--yes"});
    static const std::regex re(R"(message (\S+) written)");
    std::smatch m;
    if (s.code != 0 || !std::regex_search(s.out, m, re)) {
      loop_.violation("send failed: " + s.out);
      return;
    }
    messages_[m[1].str()] = text;
    auto pass = loop_.start(nodes_.central, {"dispatch"}, "dispatch-pass");
    loop_.kill_at_random(*pass, 300);
    pass->wait_for(kCliLimit);
    loop_.check(central_);
    // Dispatch again until every message is out (a message in backoff waits a little).
    for (int i = 0; i < 20 && !all_dispatched(false); ++i) {
      Ran again = loop_.cli(nodes_.central, {"dispatch"});
      if (again.code != 0 && i > 3) loop_.violation("dispatch after a kill failed: " + again.out);
    }
    all_dispatched(true);
    loop_.check(central_);
    audit_deliveries();
  }

 private:
  static rapidpro_emulator::EmulatorOptions options() {
    rapidpro_emulator::EmulatorOptions o;
    o.token = "crashloop-token";
    o.answer_delay = 50ms;
    o.broadcast_reply = "OK received";
    return o;
  }

  /// True when every message written is dispatched to every targeted worker; with `report`,
  /// anything else (and responses going back) is a violation.
  bool all_dispatched(bool report) {
    Ran r = loop_.cli(nodes_.central, {"messages", "list", "--json"});
    json list = json::parse(r.out, nullptr, false);
    if (r.code != 0 || !list.is_array()) {
      if (report) loop_.violation("messages list failed: " + r.out);
      return false;
    }
    std::set<std::string> listed;
    bool all = true;
    for (const auto& m : list) {
      std::string id = m["id"].get<std::string>();
      listed.insert(id);
      int64_t responses = m["responses"].get<int64_t>();
      if (report && responses < responses_[id]) {
        loop_.violation("message " + id.substr(0, 8) + ": responses went back " + std::to_string(responses_[id]) + " -> " +
                        std::to_string(responses));
      }
      responses_[id] = std::max(responses_[id], responses);
      phones_[id] = m["phones"].get<int64_t>();
      bool done = m["state"] == "dispatched" && m["sent"] == m["targeted"] && m["targeted"].get<int64_t>() > 0;
      if (!done) {
        all = false;
        if (report) loop_.violation("message " + id.substr(0, 8) + " not dispatched: " + m["description"].get<std::string>());
      }
    }
    for (const auto& [id, text] : messages_) {
      if (!listed.count(id)) {
        all = false;
        if (report) loop_.violation("acknowledged message " + id + " lost");
      }
    }
    return all;
  }

  /// The emulator's deliveries: no phone got a text twice, every targeted phone got it.
  void audit_deliveries() {
    if (size_t d = emulator_.duplicate_count(); d != duplicates_) {
      loop_.violation("RapidPro emulator counted " + std::to_string(d - duplicates_) + " duplicate deliveries");
      duplicates_ = d;
    }
    std::map<std::string, std::map<std::string, int>> by_text;  // text -> urn -> count
    for (const auto& d : emulator_.deliveries()) by_text[d.text][d.urn]++;
    for (const auto& [id, text] : messages_) {
      const auto& urns = by_text[text];
      int64_t twice = 0;
      for (const auto& [urn, count] : urns) twice += count > 1;
      if (twice > 0) loop_.violation("message " + id.substr(0, 8) + ": " + std::to_string(twice) + " phones got it twice");
      if (static_cast<int64_t>(urns.size()) != phones_[id]) {
        loop_.violation("message " + id.substr(0, 8) + ": RapidPro delivered to " + std::to_string(urns.size()) +
                        " phones, the node dispatched to " + std::to_string(phones_[id]) + " (lost recipients)");
      }
    }
  }

  Loop& loop_;
  fs::path work_;
  SystemClock clock_;
  rapidpro_emulator::Emulator emulator_;
  net::BackgroundHttpServer server_;
  Pair nodes_;
  Tracked central_;
  std::map<std::string, std::string> messages_;  // id -> text
  std::map<std::string, int64_t> responses_, phones_;
  size_t duplicates_ = 0;
  int sent_texts_ = 0;
};

// ---- console: compose + send through the console's HTTP forms while the daemon is killed -----

/// Decodes the entities the console's HTML builder writes into attribute values.
std::string html_unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {{"&quot;", "\""}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"},
                                                          {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) s.replace(at, std::strlen(from), to);
  }
  return s;
}

/// The hidden inputs of the form with id `form_id` in `html`, in order.
std::vector<std::pair<std::string, std::string>> hidden_fields(const std::string& html, const std::string& form_id) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = html.find("id=\"" + form_id + "\"");
  if (start == std::string::npos) return out;
  size_t end = html.find("</form>", start);
  std::string form = html.substr(start, end - start);
  static const std::regex input(R"(<input[^>]*>)"), name(R"(name="([^"]*)\")"), value(R"(value="([^"]*)\")");
  for (auto it = std::sregex_iterator(form.begin(), form.end(), input); it != std::sregex_iterator(); ++it) {
    std::string tag = it->str();
    if (tag.find("type=\"hidden\"") == std::string::npos) continue;
    std::smatch n, v;
    if (!std::regex_search(tag, n, name)) continue;
    std::string val = std::regex_search(tag, v, value) ? html_unescape(v[1].str()) : "";
    out.emplace_back(n[1].str(), val);
  }
  return out;
}

std::string form_body(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [k, v] : fields) body += (body.empty() ? "" : "&") + net::url_encode(k) + "=" + net::url_encode(v);
  return body;
}

class ConsoleScenario {
 public:
  ConsoleScenario(Loop& loop, fs::path work) : loop_(loop), work_(std::move(work)) {}

  void setup() {
    stop();
    nodes_ = make_pair_of_nodes(loop_, "console");
    central_ = Tracked{nodes_.central, {}, {}};
    acked_.clear();
    tools::GenRegistryOptions o;
    o.providers = 60;
    o.districts = 2;
    o.facilities_per_district = 2;
    o.seed = 5;
    fs::path csd = work_ / "console-country.xml";
    {
      std::ofstream out(csd);
      tools::generate_registry(o, out);
    }
    loop_.must(nodes_.central, {"registry", "import-csd", csd.string()});
    fs::path password = work_ / "console-password.txt";
    {
      std::ofstream out(password);
      out << kPassword << "\n";
    }
    fs::permissions(password, fs::perms::owner_read | fs::perms::owner_write);
    loop_.must(nodes_.central, {"console", "user", "add", "ops", "--role", "admin", "--password-file", password.string()});
    port_ = free_port();
    start_daemon();
  }
  void stop() { run_.reset(); }

  void trial(int n) {
    std::string text = "console message " + std::to_string(n) + " " + std::to_string(loop_.uniform(0, 1'000'000));
    auto fields = review(text);
    if (fields.empty()) return;
    // The message id is derived from the form's token (pages_compose.cc): the console names it in
    // its answer, "Location: /compose/<id>…", to the first send or the one after a kill.
    std::string id;
    auto id_in = [](const net::HttpResponse& r) {
      std::string at = r.header("Location").value_or("").substr(std::string("/compose/").size());
      return at.substr(0, at.find('?'));
    };
    // The send and the kill race: the daemon dies at a random moment around the POST.
    std::optional<Result<net::HttpResponse>> answer;
    std::thread poster([&] { answer = post("/compose", fields, "send"); });
    loop_.kill_at_random(*run_, 40);
    poster.join();
    if (!run_->running()) start_daemon();
    bool written = answer && answer->ok() && (*answer)->status == 303 &&
                   (*answer)->header("Location").value_or("").starts_with("/compose/");
    if (written) id = id_in(**answer);
    if (!written) {
      // Not acknowledged: staff would log in again and press Send again on the same form.
      auto again = review_again(fields);
      written = again.ok() && again->status == 303 && again->header("Location").value_or("").starts_with("/compose/");
      if (written) id = id_in(*again);
      if (!written) {
        loop_.violation("console send after a kill failed: " +
                        (again.ok() ? "HTTP " + std::to_string(again->status) + " " + again->body.substr(0, 300)
                                    : again.status().to_string()));
      }
    }
    if (written) acked_.insert(id);
    loop_.check(central_);
    Ran list = loop_.cli(nodes_.central, {"messages", "list", "--json"});
    json messages = json::parse(list.out, nullptr, false);
    if (list.code != 0 || !messages.is_array()) {
      loop_.violation("messages list failed: " + list.out);
      return;
    }
    std::map<std::string, int> count;
    for (const auto& m : messages) count[m["id"].get<std::string>()]++;
    for (const auto& a : acked_) {
      if (count[a] != 1) loop_.violation("console message " + a + " held " + std::to_string(count[a]) + " times (want 1)");
    }
    if (count.size() != acked_.size()) {
      loop_.violation("the node holds " + std::to_string(count.size()) + " messages, the console acknowledged " +
                      std::to_string(acked_.size()));
    }
  }

 private:
  static constexpr const char* kPassword = "crashloop-console-password";

  void start_daemon() {
    cookie_.clear();
    run_ = loop_.start(nodes_.central, {"run", "--console-listen", "127.0.0.1:" + std::to_string(port_),
                                        "--console-plain-http"}, "console-run");
    if (!wait_ready(*run_, "mhero run:", 30s)) loop_.violation("console daemon did not start: " + run_->output());
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  Result<net::HttpResponse> get(const std::string& path) {
    return client_.get(url(path), {{"Cookie", cookie_}}, 20s);
  }
  Result<net::HttpResponse> post(const std::string& path, std::vector<std::pair<std::string, std::string>> fields,
                                 const std::string& action) {
    if (!action.empty()) fields.emplace_back("action", action);
    return client_.post(url(path), form_body(fields),
                        {{"Cookie", cookie_}, {"Content-Type", "application/x-www-form-urlencoded"}}, 20s);
  }
  bool login() {
    Result<net::HttpResponse> r = unavailable("not tried");
    // The console may start listening a moment after `mhero run:` is logged.
    for (auto deadline = SteadyClock::now() + 10s; SteadyClock::now() < deadline; std::this_thread::sleep_for(20ms)) {
      r = client_.post(url("/login"), form_body({{"user", "ops"}, {"password", kPassword}, {"next", "/"}}),
                       {{"Content-Type", "application/x-www-form-urlencoded"}}, 20s);
      if (r.ok()) break;
    }
    if (!r.ok() || r->status != 303) {
      loop_.violation("console login failed: " + (r.ok() ? "HTTP " + std::to_string(r->status) : r.status().to_string()));
      return false;
    }
    std::string c = r->header("Set-Cookie").value_or("");
    cookie_ = c.substr(0, c.find(';'));
    return true;
  }
  std::string csrf() {
    auto page = get("/compose");
    if (!page.ok() || page->status != 200) return "";
    for (const auto& [k, v] : hidden_fields(page->body, "compose-form")) {
      if (k == "csrf") return v;
    }
    static const std::regex re(R"(name="csrf" value="([^"]*)\")");
    std::smatch m;
    return std::regex_search(page->body, m, re) ? m[1].str() : "";
  }
  /// Logs in (when needed), fills the compose form and asks for the confirmation page; returns
  /// the confirmation form's hidden fields (the form's token included).
  std::vector<std::pair<std::string, std::string>> review(const std::string& text) {
    if (cookie_.empty() && !login()) return {};
    std::string token = csrf();
    auto r = post("/compose", {{"csrf", token}, {"kind", "text"}, {"text", text}, {"district", "D01"},
                               {"priority", "routine"}}, "review");
    auto fields = r.ok() && r->status == 200 ? hidden_fields(r->body, "compose-confirm") : decltype(hidden_fields("", "")){};
    bool has_id = false;
    for (const auto& [k, v] : fields) has_id |= k == "form_token" && !v.empty();
    if (!has_id) {
      loop_.violation("console review gave no confirmation form: " +
                      (r.ok() ? "HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 300) : r.status().to_string()));
      return {};
    }
    return fields;
  }
  /// The same confirmation form sent again after a new login (a new csrf token).
  Result<net::HttpResponse> review_again(std::vector<std::pair<std::string, std::string>> fields) {
    if (!login()) return unavailable("login failed");
    std::string token = csrf();
    for (auto& [k, v] : fields) {
      if (k == "csrf") v = token;
    }
    return post("/compose", fields, "send");
  }

  Loop& loop_;
  fs::path work_;
  Pair nodes_;
  int port_ = 0;
  Tracked central_;
  std::set<std::string> acked_;
  std::unique_ptr<Child> run_;
  net::HttpClient client_;
  std::string cookie_;
};

}  // namespace

}  // namespace mhero::crashloop

int main(int argc, char** argv) {
  using namespace mhero::crashloop;
  mhero::crypto_init();
  CLI::App app{"kill -9 loops over real mhero processes; checks invariants after every kill"};
  int trials = 100;
  uint64_t seed = 1;
  std::string only;
  std::string mhero = MHERO_BIN_DEFAULT;
  std::string work;
  int epoch = 10;
  bool require_kills = false;
  bool keep = false;
  app.add_option("--trials", trials, "Trials in all, spread over the scenarios in turn")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the kill moments and victims")->capture_default_str();
  app.add_option("--scenario", only, "Only this scenario: sync, bundle, registry, dispatch, console");
  app.add_option("--mhero", mhero, "The mhero binary")->capture_default_str();
  app.add_option("--work", work, "Folder for the nodes (default: a new temp folder, removed at the end)");
  app.add_option("--epoch", epoch, "Trials on the same nodes before fresh ones are made")->capture_default_str();
  app.add_flag("--require-kills", require_kills, "Exit 1 when a scenario ran without a single kill");
  app.add_flag("--keep", keep, "Keep the work folder");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  fs::path dir = work.empty() ? fs::temp_directory_path() / ("mhero-crashloop-" + std::to_string(::getpid())) : fs::path(work);
  fs::create_directories(dir / "logs");
  Loop loop(mhero, dir, seed);
  std::vector<std::string> names = {"sync", "bundle", "registry", "dispatch", "console"};
  if (!only.empty()) {
    if (std::find(names.begin(), names.end(), only) == names.end()) {
      std::cerr << "crashloop: --scenario " << only << ": unknown (sync, bundle, registry, dispatch, console)\n";
      return 2;
    }
    names = {only};
  }
  auto t0 = SteadyClock::now();
  int code = 0;
  try {
    SyncScenario sync(loop);
    BundleScenario bundle(loop);
    RegistryScenario registry(loop, dir);
    DispatchScenario dispatch(loop, dir);
    ConsoleScenario console(loop, dir);
    std::map<std::string, int> done;
    for (int t = 0; t < trials; ++t) {
      const std::string& name = names[static_cast<size_t>(t) % names.size()];
      loop.scenario = name;
      int n = done[name]++;
      auto start = SteadyClock::now();
      bool fresh = n % epoch == 0;
      if (name == "sync") {
        if (fresh) sync.setup();
        sync.trial(n);
      } else if (name == "bundle") {
        if (fresh) bundle.setup();
        bundle.trial(n);
      } else if (name == "registry") {
        if (fresh) registry.setup();
        registry.trial(n);
      } else if (name == "dispatch") {
        if (fresh) dispatch.setup();
        dispatch.trial(n);
      } else {
        if (fresh) console.setup();
        console.trial(n);
      }
      auto& s = loop.stats[name];
      s.trials++;
      s.seconds += std::chrono::duration<double>(SteadyClock::now() - start).count();
    }
    sync.stop();
    console.stop();
  } catch (const std::exception& e) {
    std::cerr << "crashloop: " << e.what() << "\n";
    code = 2;
  }
  double total = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  int violations = 0, run = 0;
  std::printf("%-10s %7s %7s %10s %9s\n", "scenario", "trials", "kills", "violations", "seconds");
  for (const auto& name : names) {
    const auto& s = loop.stats[name];
    std::printf("%-10s %7d %7d %10d %9.1f\n", name.c_str(), s.trials, s.kills, s.violations, s.seconds);
    violations += s.violations;
    run += s.trials;
    if (require_kills && s.trials > 0 && s.kills == 0) {
      std::printf("crashloop: scenario %s ran %d trials without a kill\n", name.c_str(), s.trials);
      code = code ? code : 1;
    }
  }
  std::printf("trials %d, violations %d, seed %llu, %.1f s (%.2f s per trial)\n", run, violations,
              static_cast<unsigned long long>(seed), total, run ? total / run : 0.0);
  if (violations > 0) code = code ? code : 1;
  if (!keep && code == 0) fs::remove_all(dir);
  else std::printf("work folder kept: %s\n", dir.c_str());
  return code;
}
