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
            "`chunk_records_count`, `district_map`, `max_moved_percent`, `max_removed_percent`, `pull_interval_ms`, "
            "`contact_point_codes`" + kHint);
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
            ":4; the sections are [node], [registry], [openinfoman], [mcsd], [rapidpro], [validation], [openhim], [dhis2], [sync], [console], [metrics], [log]" + kHint);
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
        "[sync] batch_bytes at " + file + ":5 must be an integer (bytes, 1024 to 16773120), not a string" + kHint);
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
        "[sync] batch_bytes at " + file + ":5 must be between 1024 and 16773120 bytes, got 0" + kHint);
  CHECK(load_error(dir, central("[sync]\nretry_initial_ms = -5\n")) ==
        "[sync] retry_initial_ms at " + file + ":5 must be between 1 and 86400000 ms, got -5" + kHint);
  CHECK(load_error(dir, central("[rapidpro]\npoll_interval_ms = 0\n")) ==
        "[rapidpro] poll_interval_ms at " + file + ":5 must be between 1 and 86400000 ms, got 0" + kHint);
  CHECK(load_error(dir, central("[registry]\nchunk_records_count = 0\n")) ==
        "[registry] chunk_records_count at " + file + ":5 must be between 1 and 100000, got 0" + kHint);
  CHECK(load_error(dir, central("[sync]\nlisten = \"7447\"\n")) ==
        "[sync] listen at " + file + ":5: \"7447\" has no port (HOST:PORT, port 0-65535)" + kHint);
  CHECK(load_error(dir, central("[sync]\nbatch_bytes = 1048576\nframe_bytes_max = 1048576\n")) ==
        "[sync] batch_bytes at " + file + ":5 is 1048576, so frame_bytes_max at " + file +
            ":6 must be at least 1052672 (batch_bytes + 4096), got 1048576: raise frame_bytes_max or delete its line" +
            kHint);
  CHECK(load_error(dir, "[node]\nrole = \"centrall\"\ncentral_key = \"" + kCentralKey + "\"\n") ==
        "[node] role at " + file + ":2: must be \"central\" or \"district\", got \"centrall\"" + kHint);
  // A password in a URL is never echoed.
  CHECK(load_error(dir, central("[openinfoman]\nurl = \"ftp://admin:S3cretPw@openinfoman:8984\"\n")) ==
        "[openinfoman] url at " + file + ":5: URL 'ftp://***@openinfoman:8984': scheme must be http or https" + kHint);
  CHECK(load_error(dir, central("[sync]\npeers = [\"admin:S3cretPw@central:7447\"]\n")) ==
        "[sync] peers at " + file + ":5: element 1 \"***@central:7447\" holds user-info (\"…@\"); write HOST:PORT only" + kHint);
  CHECK(load_error(dir, central("[rapidpro]\nurl = \"ftp://rapidpro.example.org\"\n"))
            .starts_with("[rapidpro] url at " + file + ":5: "));
}

TEST_CASE("config: batch_bytes and frame_bytes_max agree at open, each problem reported once") {
  TempDir dir;
  std::string file = (dir / "config.toml").string();
  // The documented maximum batch works with the default frame_bytes_max, written or absent.
  CHECK(load_error(dir, central("[sync]\nbatch_bytes = 16773120\nframe_bytes_max = 16777216\n")) == "");
  CHECK(load_error(dir, central("[sync]\nbatch_bytes = 16773120\n")) == "");
  // One past it is out of range, reported once (no second frame_bytes_max complaint).
  CHECK(load_error(dir, central("[sync]\nbatch_bytes = 16777216\n")) ==
        "[sync] batch_bytes at " + file + ":5 must be between 1024 and 16773120 bytes, got 16777216" + kHint);
  // A frame_bytes_max out of range is reported once, by its range.
  CHECK(load_error(dir, central("[sync]\nframe_bytes_max = 1000\n")) ==
        "[sync] frame_bytes_max at " + file + ":5 must be between 65536 and 1073741824 bytes, got 1000" + kHint);
  // Too small for the default batch: the absent batch_bytes is named with its value.
  CHECK(load_error(dir, central("[sync]\nbatch_bytes = 65536\nframe_bytes_max = 65536\n")) ==
        "[sync] batch_bytes at " + file + ":5 is 65536, so frame_bytes_max at " + file +
            ":6 must be at least 69632 (batch_bytes + 4096), got 65536: raise frame_bytes_max or delete its line" + kHint);
}

TEST_CASE("config: peers must be HOST:PORT, named with file, line, value and the expected form") {
  TempDir dir;
  std::string file = (dir / "config.toml").string();
  auto peer = [&](const std::string& value) { return load_error(dir, central("[sync]\npeers = [\"" + value + "\"]\n")); };
  std::string at = "[sync] peers at " + file + ":5: element 1 ";
  CHECK(peer("http://central.example.org:7447") ==
        at + "\"http://central.example.org:7447\" has a scheme; write HOST:PORT only, without \"http://\"" + kHint);
  CHECK(peer("central:0") == at + "\"central:0\" has port 0, not 1-65535" + kHint);
  CHECK(peer("central:70000") == at + "\"central:70000\" has port \"70000\", not 1-65535" + kHint);
  CHECK(peer("a b:7447") == at + "\"a b:7447\" holds a space" + kHint);
  CHECK(peer("central") == at + "\"central\" has no port (HOST:PORT, port 1-65535)" + kHint);
  CHECK(peer(":7447") == at + "\":7447\" has no host" + kHint);
  CHECK(peer("::1:7447") == at + "\"::1:7447\" is not HOST:PORT (an IPv6 address goes in brackets: [::1]:7447)" + kHint);
  CHECK(peer("[::1]:7447") == "");
  CHECK(peer("central.example.org:7447") == "");
  CHECK(peer("10.0.0.1:7447") == "");
  // listen may use port 0 (any free port).
  CHECK(load_error(dir, central("[sync]\nlisten = \"127.0.0.1:0\"\n")) == "");
}

TEST_CASE("config: source_address must be an IP address literal, named with file, line and value") {
  TempDir dir;
  std::string file = (dir / "config.toml").string();
  auto source = [&](const std::string& value) {
    return load_error(dir, central("[sync]\nsource_address = \"" + value + "\"\n"));
  };
  std::string at = "[sync] source_address at " + file + ":5: ";
  CHECK(source("10.0.0.5:7447") == at + "\"10.0.0.5:7447\" is not an IPv4 or IPv6 address (a literal such as 10.0.0.5, no port)" + kHint);
  CHECK(source("vsat0") == at + "\"vsat0\" is not an IPv4 or IPv6 address (a literal such as 10.0.0.5, no port)" + kHint);
  CHECK(source("10.0.0.5") == "");
  CHECK(source("fe80::1") == "");
  CHECK(source("") == "");
}

TEST_CASE("config: a first wait above its ceiling is refused naming both keys") {
  TempDir dir;
  std::string file = (dir / "config.toml").string();
  CHECK(load_error(dir, central("[sync]\nretry_initial_ms = 5000\nretry_cap_ms = 1000\n")) ==
        "[sync] retry_initial_ms at " + file + ":5 = 5000 is above retry_cap_ms at " + file +
            ":6 = 1000: retry_initial_ms must be at most retry_cap_ms" + kHint);
  CHECK(load_error(dir, central("[rapidpro]\nbackoff_initial_ms = 120000\n")) ==
        "[rapidpro] backoff_initial_ms at " + file +
            ":5 = 120000 is above backoff_max_ms (default) = 60000: backoff_initial_ms must be at most backoff_max_ms" +
            kHint);
  CHECK(load_error(dir, central("[rapidpro]\nbackoff_initial_ms = 1000\nbackoff_max_ms = 1000\n")) == "");
}

TEST_CASE("config: two listeners on one port are refused naming both, before `mhero run` binds either") {
  TempDir dir;
  std::string file = (dir / "config.toml").string();
  CHECK(load_error(dir, central("[sync]\nlisten = \"127.0.0.1:27447\"\n[console]\nlisten = \"127.0.0.1:27447\"\n")) ==
        "[console] listen at " + file + ":7 = \"127.0.0.1:27447\" takes port 27447, which [sync] listen at " + file +
            ":5 already listens on: give each listener its own port" + kHint);
  // A wildcard address takes the port on every interface.
  CHECK_THAT(load_error(dir, central("[sync]\nlisten = \"0.0.0.0:8443\"\n[metrics]\nlisten = \"127.0.0.1:8443\"\n")),
             Catch::Contains("[metrics] listen at " + file + ":7 = \"127.0.0.1:8443\" takes port 8443"));
  // Other hosts, other ports, and port 0 (any free port) are fine.
  CHECK(load_error(dir, central("[sync]\nlisten = \"127.0.0.1:7447\"\n[console]\nlisten = \"127.0.0.2:7447\"\n")) == "");
  CHECK(load_error(dir, central("[sync]\nlisten = \"127.0.0.1:0\"\n[console]\nlisten = \"127.0.0.1:0\"\n")) == "");
  CHECK(load_error(dir, central("[sync]\nlisten = \"0.0.0.0:7447\"\n[console]\nlisten = \"0.0.0.0:8443\"\n")) == "");
}

TEST_CASE("config: an empty file, a directory, a missing role, a missing file with a key each say what to do") {
  TempDir dir;
  std::string file = (dir / "config.toml").string();
  const std::string readme = "README.md, \"config.toml\"";
  CHECK(load_error(dir, "") ==
        file + ": config.toml is empty: restore it from a backup or write one (" + readme +
            ", lists every key; [node] role is required)");
  CHECK(load_error(dir, "[node]\ncentral_key = \"" + kCentralKey + "\"\n") ==
        file + ": [node] role is missing (\"central\" or \"district\"; " + readme + ")");
  CHECK(load_error(dir, "[node\n").ends_with("(see " + readme + ", for the keys and their form)"));
  TempDir other;
  std::filesystem::create_directory(other / "config.toml");
  auto is_dir = NodeConfig::load(other / "config.toml");
  REQUIRE_FALSE(is_dir.ok());
  CHECK(is_dir.status().message() == (other / "config.toml").string() +
                                         " is a directory, not a file: remove it and restore config.toml (" + readme +
                                         ", lists every key)");
  TempDir keyed;
  std::ofstream(keyed / "node.key") << "x";
  auto missing = NodeConfig::load(keyed / "config.toml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::not_found);
  CHECK(missing.status().message() ==
        "no config at " + (keyed / "config.toml").string() + ", but " + keyed.path().string() +
            " holds a node key (node.key), so `mhero init` refuses it: restore config.toml from a backup, or write one (" +
            readme + ", lists every key; [node] role, district and central_key as when the node was made)");
}

TEST_CASE("config: every problem is listed, in file order, with their count") {
  TempDir dir;
  std::string file = (dir / "config.toml").string();
  CHECK(load_error(dir, central("[sync]\nbatch_bytes = \"big\"\n[rapidpro]\npoll_intervall_ms = 5000\n"
                                "[registry]\nchunk_records_count = -1\n")) ==
        "3 problems in " + file + ":\n" +
            "[sync] batch_bytes at " + file + ":5 must be an integer (bytes, 1024 to 16773120), not a string\n" +
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
      bool central_only =
          k.section == "openinfoman" || k.section == "mcsd" || k.section == "rapidpro" || k.section == "openhim" ||
          k.section == "dhis2" ||
          k.section == "validation" ||
          (k.section == "registry" &&
           (k.key == "district_map" || k.key == "max_moved_percent" || k.key == "max_removed_percent" ||
            k.key == "pull_interval_ms" ||
            k.key == "contact_point_codes"));
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
                     "poll_interval_ms = 1000\n"
                     "[openhim]\nurl = \"http://127.0.0.1:40005\"\nusername = \"root@openhim.org\"\n"
                     "password = \"demo-openhim-0a1b2c3d\"\nlisten = \"127.0.0.1:40006\"\nschedule = \"openhim\"\n"
                     "trigger_password = \"demo-0a1b2c3d4e5f\"\nheartbeat_ms = 2000\nregistry_pull_schedule = \"1 hours\"\n"
                     "dispatch_schedule = \"2 seconds\"\nresponses_schedule = \"2 seconds\"\n"
                     "[dhis2]\nurl = \"http://127.0.0.1:40007\"\ntoken_file = \"dhis2-token\"\nmatch = \"code\"\n"
                     "district_level = 2\nfacility_level = 4\nmapping_file = \"dhis2-mapping.toml\"\n";
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
  if (std::getenv("MHERO_README_UPDATE")) {  // A developer after changing config_keys.cc.
    std::ofstream(readme) << s.substr(0, b + begin.size()) << config_keys_markdown() << s.substr(e);
    return;
  }
  INFO("README.md should hold, between the markers (MHERO_README_UPDATE=1 writes it):\n" << config_keys_markdown());
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
  CHECK(registry->max_moved_percent == number("registry", "max_moved_percent"));
  CHECK(registry->max_removed_percent == number("registry", "max_removed_percent"));
  CHECK(registry->pull_interval.count() == number("registry", "pull_interval_ms"));
  CHECK(registry->district_map.empty());
}
