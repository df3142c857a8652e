// countrysim's scenario files: a ministry's own districts and links, and the errors a mistyped
// file gets (naming the file and the key, never a silent default).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "countrysim/scenario.h"
#include "support/temp_dir.h"

namespace mhero::countrysim {
namespace {

std::filesystem::path write(const testing::TempDir& dir, const std::string& text) {
  auto p = dir / "scenario.toml";
  std::ofstream(p) << text;
  return p;
}

TEST_CASE("countrysim scenario: a ministry's own file") {
  testing::TempDir dir;
  auto s = load_scenario(write(dir, R"(
seed = 7
days = 90
workers = 5000
district_links = ["2g", "edge", "none"]

[[link]]
name = "edge"
kbit_s = 120.0
rtt_ms = 400
cut_kb = 800.0
pattern = "fixed_windows"
window_hours = [7, 12, 18]
window_min_h = 1.0

[events]
backup_day = 10
restore_day = 30
restore_district = 0
revoke_day = -1
central_down_day = 40
rapidpro_down_day = -1
)"), default_scenario());
  REQUIRE(s.ok());
  CHECK(s->seed == 7);
  CHECK(s->days == 90);
  CHECK(s->districts() == 3);
  CHECK(s->link("edge").kbit_s == 120.0);
  CHECK(s->link("edge").window_hours == std::vector<int>{7, 12, 18});
  CHECK(s->link("2g").kbit_s == 40);  // The standard kinds stay.
  CHECK(s->events.restore_day == 30);
  CHECK(s->events.revoke_day == -1);
  CHECK(s->events.central_down_day == 40);
  CHECK(s->events.central_down_days == 2);  // Unchanged from the base scenario.
}

TEST_CASE("countrysim scenario: the example file README points to loads as it says") {
  const char* file = std::getenv("MHERO_COUNTRYSIM_EXAMPLE");
  REQUIRE(file != nullptr);  // Set by tests/countrysim/meson.build.
  auto s = load_scenario(file, default_scenario());
  INFO((s.ok() ? std::string() : s.status().message()));
  REQUIRE(s.ok());
  CHECK(s->seed == 7);
  CHECK(s->days == 90);
  CHECK(s->workers == 6000);
  CHECK(s->district_links == std::vector<std::string>{"3g", "3g", "2g", "2g", "microwave", "none"});
  CHECK(s->link("microwave").kbit_s == 2000);
  CHECK(s->link("microwave").pattern == LinkKind::Pattern::outages);
  CHECK(s->link("microwave").cut_kb == 0);
  CHECK(s->events.restore_day == 34);
  CHECK(s->events.revoke_district == 2);
  CHECK(s->events.rapidpro_down_days == 1);
}

TEST_CASE("countrysim scenario: mistakes are named") {
  testing::TempDir dir;
  auto unknown = load_scenario(write(dir, "dayz = 3\n"), quick_scenario());
  REQUIRE(!unknown.ok());
  CHECK(unknown.status().message().find("unknown key 'dayz'") != std::string::npos);
  CHECK(unknown.status().message().find("scenario.toml") != std::string::npos);

  auto link = load_scenario(write(dir, "district_links = [\"2g\", \"5g\"]\n"), quick_scenario());
  REQUIRE(!link.ok());
  CHECK(link.status().message() == "district 2 names the link kind '5g', which the scenario does not define");

  auto type = load_scenario(write(dir, "workers = \"many\"\n"), quick_scenario());
  REQUIRE(!type.ok());
  CHECK(type.status().message().find("key 'workers' has the wrong type") != std::string::npos);

  auto syntax = load_scenario(write(dir, "days = [\n"), quick_scenario());
  REQUIRE(!syntax.ok());
  CHECK(syntax.status().message().find("scenario.toml:") != std::string::npos);

  auto late = load_scenario(write(dir, "days = 10\n"), quick_scenario());  // Its events fall after day 10.
  REQUIRE(!late.ok());
  CHECK(late.status().message().find("within the season") != std::string::npos);

  auto missing = load_scenario(dir / "nope.toml", quick_scenario());
  CHECK(missing.status().code() == StatusCode::not_found);
}

}  // namespace
}  // namespace mhero::countrysim
