// config.toml validation (node/config_check.h, node/config_keys.h): every command that opens the
// node refuses unknown sections and keys, wrong types and nonsense values, naming file:line.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "identity/node_id.h"
#include "integrations/openinfoman_pull.h"
#include "messaging/messaging_service.h"
#include "registry/registry_config.h"
#include "node/config.h"
#include "node/config_check.h"
#include "node/config_keys.h"
#include "support/temp_dir.h"

using namespace mhero;
using mhero::testing::TempDir;

namespace {

const std::string kCentralKey(64, 'a');

/// Writes `text` as config.toml in `dir` and loads it; returns the error message ("" when ok).
std::string load_error(const TempDir& dir, const std::string& text) {
  std::ofstream(dir / "config.toml") << text;
  auto config = NodeConfig::load(dir / "config.toml");
  if (config.ok()) return "";
  CHECK(config.status().code() == StatusCode::invalid_argument);
  return config.status().message();
}

std::string central(const std::string& more) {
  return "[node]\nrole = \"central\"\ncentral_key = \"" + kCentralKey + "\"\n" + more;
}

const std::string kHint = "\n(README.md, \"config.toml\", lists every key)";

}  // namespace

TEST_CASE("config: a misspelt key is refused with file:line, the section and the nearest known key") {
  TempDir dir;
  std::string file = (dir / "config.toml").string();
  // Line 5 holds the misspelt key.
  CHECK(load_error(dir, central("[rapidpro]\npoll_intervall_ms = 5000\n")) ==
        "unknown key `poll_intervall_ms` in [rapidpro] at " + file +
            ":5; did you mean `poll_interval_ms`? (an integer (ms, 1 to 86400000))" + kHint);
  // Far from every key: the section's keys are listed instead.
  CHECK(load_error(dir, central("[registry]\ncolour = \"red\"\n")) ==
        "unknown key `colour` in [registry] at " + file +
            ":5; [registry] holds `default_region`, `district_authority`, `district_address_component`, "
            "`chunk_records_count`" + kHint);
  // A key of another section.
  CHECK(load_error(dir, central("[sync]\ntoken = \"x\"\n")) ==
        "unknown key `token` in [sync] at " + file + ":5; `token` belongs in [rapidpro]" + kHint);
}

TEST_CASE("config: unknown sections and keys outside any section are refused") {
  TempDir dir;
  std::string file = (dir / "config.toml").string();
  CHECK(load_error(dir, central("[rapidpr]\nurl = \"\"\n")) ==
        "unknown section [rapidpr] at " + file + ":4; did you mean [rapidpro]?" + kHint);
  CHECK(load_error(dir, central("[bundles]\nx = 1\n")) ==
        "unknown section [bundles] at " + file +
            ":4; the sections are [node], [registry], [openinfoman], [rapidpro], [sync]" + kHint);
  CHECK(load_error(dir, "peers = []\n" + central("")) ==
        "unknown key `peers` at " + file + ":1 outside any section; `peers` belongs in [sync]" + kHint);
  CHECK(load_error(dir, "sync = 3\n" + central("")) ==
        "[sync] at " + file + ":1 must be a table (a `[sync]` line followed by its keys), not an integer" + kHint);
  CHECK(load_error(dir, central("sync = 3\n")) ==
        "unknown key `sync` in [node] at " + file +
            ":4; [sync] is a section: write `[sync]` on a line of its own, then its keys" + kHint);
}

TEST_CASE("config: a value of the wrong type names the expected type and unit") {
  TempDir dir;
  std::string file = (dir / "config.toml").string();
  CHECK(load_error(dir, central("[sync]\nbatch_bytes = \"big\"\n")) ==
        "[sync] batch_bytes at " + file + ":5 must be an integer (bytes, 1024 to 16777216), not a string" + kHint);
  CHECK(load_error(dir, central("[rapidpro]\ntimeout_ms = 1.5\n")) ==
        "[rapidpro] timeout_ms at " + file +
            ":5 must be an integer (ms, 1 to 86400000), not a floating-point number" + kHint);
  CHECK(load_error(dir, central("[sync]\npeers = \"central:7447\"\n")) ==
        "[sync] peers at " + file + ":5 must be a list of strings \"HOST:PORT\", not a string" + kHint);
  CHECK(load_error(dir, central("[sync]\npeers = [\"central:7447\", 7447]\n")) ==
        "[sync] peers at " + file + ":5: element 2 must be a string, not an integer" + kHint);
  // A secret is never echoed: only its type.
  CHECK(load_error(dir, central("[openinfoman]\npassword = 1234\n")) ==
        "[openinfoman] password at " + file + ":5 must be a string, not an integer" + kHint);
}

TEST_CASE("config: nonsense values are refused (zero batch, negative intervals, bad addresses)") {
  TempDir dir;
  std::string file = (dir / "config.toml").string();
  CHECK(load_error(dir, central("[sync]\nbatch_bytes = 0\n")) ==
        "[sync] batch_bytes at " + file + ":5 must be between 1024 and 16777216 bytes, got 0" + kHint);
  CHECK(load_error(dir, central("[sync]\nretry_initial_ms = -5\n")) ==
        "[sync] retry_initial_ms at " + file + ":5 must be between 1 and 86400000 ms, got -5" + kHint);
  CHECK(load_error(dir, central("[rapidpro]\npoll_interval_ms = 0\n")) ==
        "[rapidpro] poll_interval_ms at " + file + ":5 must be between 1 and 86400000 ms, got 0" + kHint);
  CHECK(load_error(dir, central("[registry]\nchunk_records_count = 0\n")) ==
        "[registry] chunk_records_count at " + file + ":5 must be between 1 and 100000, got 0" + kHint);
  CHECK(load_error(dir, central("[sync]\nlisten = \"7447\"\n")) ==
        "[sync] listen at " + file + ":5: \"7447\" is not HOST:PORT (port 0-65535)" + kHint);
  CHECK(load_error(dir, central("[sync]\nbatch_bytes = 1048576\nframe_bytes_max = 1048576\n")) ==
        "[sync] frame_bytes_max at " + file + ":6 must be at least batch_bytes + 4096 (1052672 bytes), got 1048576" +
            kHint);
  CHECK(load_error(dir, "[node]\nrole = \"centrall\"\ncentral_key = \"" + kCentralKey + "\"\n") ==
        "[node] role at " + file + ":2: must be \"central\" or \"district\", got \"centrall\"" + kHint);
  CHECK(load_error(dir, central("[rapidpro]\nurl = \"ftp://rapidpro.example.org\"\n"))
            .starts_with("[rapidpro] url at " + file + ":5: "));
}

TEST_CASE("config: every problem is listed, in file order, with their count") {
  TempDir dir;
  std::string file = (dir / "config.toml").string();
  CHECK(load_error(dir, central("[sync]\nbatch_bytes = \"big\"\n[rapidpro]\npoll_intervall_ms = 5000\n"
                                "[registry]\nchunk_records_count = -1\n")) ==
        "3 problems in " + file + ":\n" +
            "[sync] batch_bytes at " + file + ":5 must be an integer (bytes, 1024 to 16777216), not a string\n" +
            "unknown key `poll_intervall_ms` in [rapidpro] at " + file +
            ":7; did you mean `poll_interval_ms`? (an integer (ms, 1 to 86400000))\n" +
            "[registry] chunk_records_count at " + file + ":9 must be between 1 and 100000, got -1" + kHint);
}

TEST_CASE("config: what `mhero init` writes is accepted and holds every key of its sections") {
  TempDir dir;
  NodeId central = *NodeId::from_hex(kCentralKey);
  for (Role role : {Role::central, Role::district}) {
    std::string text = NodeConfig::initial_text(role, role == Role::central ? "" : "BONG", central);
    CHECK(load_error(dir, text) == "");
    auto table = toml::parse(text);
    for (const ConfigKey& k : config_keys()) {
      bool central_only = k.section == "openinfoman" || k.section == "rapidpro";
      bool district_only = k.section == "node" && k.key == "district";
      bool expected = role == Role::central ? !district_only : !central_only;
      INFO(role_name(role) << " [" << k.section << "] " << k.key);
      CHECK(static_cast<bool>(table[k.section][k.key]) == expected);
    }
  }
}

TEST_CASE("config: the keys examples/demo.py sets are accepted") {
  // demo.py's set_config() calls, with the demo's values: the central node, then a district.
  TempDir dir;
  std::string demo = "[node]\nrole = \"central\"\ncentral_key = \"" + kCentralKey + "\"\n" +
                     "[sync]\nlisten = \"127.0.0.1:40001\"\npoll_interval_ms = 2000\nlocal_check_ms = 300\n"
                     "retry_initial_ms = 300\nretry_cap_ms = 3000\nidle_timeout_ms = 20000\n"
                     "[openinfoman]\nurl = \"http://127.0.0.1:40002\"\nusername = \"mhero\"\npassword = \"oim-secret\"\n"
                     "provider_document = \"Providers\"\nfacility_document = \"Providers\"\n"
                     "organization_document = \"Providers\"\n"
                     "[rapidpro]\nurl = \"http://127.0.0.1:40003\"\ntoken = \"demo-token-0123456789abcdef\"\n"
                     "poll_interval_ms = 1000\n";
  CHECK(load_error(dir, demo) == "");
  std::string district = "[node]\nrole = \"district\"\ndistrict = \"D01\"\ncentral_key = \"" + kCentralKey + "\"\n" +
                         "[sync]\npeers = [\"127.0.0.1:40004\"]\npoll_interval_ms = 2000\nlocal_check_ms = 300\n"
                         "retry_initial_ms = 300\nretry_cap_ms = 3000\nidle_timeout_ms = 20000\n";
  CHECK(load_error(dir, district) == "");
}

TEST_CASE("config: README.md's config table is node/config_keys.h's table") {
  const char* readme = std::getenv("MHERO_README");
  REQUIRE(readme != nullptr);
  std::ifstream in(readme);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  const std::string begin = "<!-- config-keys:begin (generated from src/node/config_keys.cc) -->\n";
  const std::string end = "<!-- config-keys:end -->";
  size_t b = s.find(begin), e = s.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  std::string table = s.substr(b + begin.size(), e - b - begin.size());
  INFO("README.md should hold, between the markers:\n" << config_keys_markdown());
  CHECK(table == config_keys_markdown());
}

TEST_CASE("nearest_name suggests only plausible typos") {
  std::vector<std::string_view> keys = {"poll_interval_ms", "timeout_ms", "url", "token"};
  CHECK(nearest_name("poll_intervall_ms", keys) == "poll_interval_ms");
  CHECK(nearest_name("timeout", keys) == "timeout_ms");  // The unit suffix left out.
  CHECK(nearest_name("tokens_count", keys) == "");
  CHECK(nearest_name("urll", keys) == "url");
  CHECK(nearest_name("colour", keys) == "");
}

TEST_CASE("config: `mhero init` writes each key with the default the table documents") {
  for (Role role : {Role::central, Role::district}) {
    auto written = toml::parse(NodeConfig::initial_text(role, role == Role::central ? "" : "BONG",
                                                        *NodeId::from_hex(kCentralKey)));
    for (const ConfigKey& k : config_keys()) {
      std::string d(k.default_text);
      if (d.size() < 2 || d.front() != '`' || d.back() != '`') continue;  // Described, not a literal.
      auto node = written[k.section][k.key];
      if (!node) continue;  // Sections init leaves out on this role (checked above).
      auto documented = toml::parse("v = " + d.substr(1, d.size() - 2));
      std::ostringstream want, got;
      want << documented["v"];
      got << node;
      INFO(role_name(role) << " [" << k.section << "] " << k.key);
      CHECK(got.str() == want.str());
    }
  }
}

TEST_CASE("config: the subsystems' defaults are the ones the table documents") {
  auto documented = [](std::string_view section, std::string_view key) {
    const ConfigKey* k = find_config_key(section, key);
    REQUIRE(k != nullptr);
    std::string d(k->default_text);
    return d.substr(1, d.size() - 2);  // "`500`" -> "500", "`\"LR\"`" -> "\"LR\""
  };
  auto number = [&](std::string_view section, std::string_view key) { return std::stoll(documented(section, key)); };
  NodeConfig config;
  config.table = toml::parse("[rapidpro]\nurl = \"http://rp:8000\"\ntoken = \"t\"\n"
                             "[openinfoman]\nurl = \"http://oim:8984\"\n");
  auto rp = load_rapidpro_config(config.table);
  REQUIRE(rp.ok());
  CHECK(rp->timeout.count() == number("rapidpro", "timeout_ms"));
  CHECK(rp->poll_interval.count() == number("rapidpro", "poll_interval_ms"));
  CHECK(rp->max_attempts == number("rapidpro", "max_attempts_count"));
  CHECK(rp->backoff_initial.count() == number("rapidpro", "backoff_initial_ms"));
  CHECK(rp->backoff_max.count() == number("rapidpro", "backoff_max_ms"));
  CHECK(rp->max_throttle_waits == number("rapidpro", "max_throttle_waits_count"));
  auto oim = integrations::OpenInfoManConfig::from(config);
  REQUIRE(oim.ok());
  CHECK(oim->timeout.count() == number("openinfoman", "timeout_ms"));
  CHECK("\"" + oim->provider_document + "\"" == documented("openinfoman", "provider_document"));
  auto registry = registry::RegistryConfig::from(config);
  REQUIRE(registry.ok());
  CHECK(static_cast<int64_t>(registry->chunk_records) == number("registry", "chunk_records_count"));
  CHECK("\"" + registry->default_region + "\"" == documented("registry", "default_region"));
  CHECK("\"" + registry->rules.authority + "\"" == documented("registry", "district_authority"));
}
