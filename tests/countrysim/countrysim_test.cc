// The --quick season of tools/countrysim on the real code (real stores on disk, real TLS sync
// sessions through the simulated links, real bundles, the real dispatcher against the RapidPro
// emulator): everything converges, nothing is sent twice, the events did what they say.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "countrysim/sim.h"
#include "support/temp_dir.h"

namespace mhero::countrysim {
namespace {

bool any_event(const SeasonReport& r, const std::string& text) {
  return std::any_of(r.events.begin(), r.events.end(),
                     [&](const std::string& e) { return e.find(text) != std::string::npos; });
}

TEST_CASE("countrysim: the quick season converges, with every message once and every alert in one window") {
  testing::TempDir dir;
  SimOptions options{quick_scenario(), dir / "nodes", nullptr};
  SeasonReport r = run_season(options);
  INFO(summary_text(r));

  // Convergence, exactly once, answers at their district, log verify: the season's own check.
  CHECK(r.violations.empty());
  REQUIRE(r.districts.size() == 5);
  CHECK(r.messages_written >= 20);  // Routine texts every week from 5 districts, alerts, a survey.
  CHECK(r.messages_dispatched + r.messages_expired == r.messages_written);
  CHECK(r.duplicates == 0);
  CHECK(r.deliveries > 1000);
  CHECK(r.responses > 0);

  // Both urgent alerts reached every district, each by the end of its first link window (or
  // the return of its next USB trip), and were dispatched.
  REQUIRE(r.alerts.size() == 2);
  for (const AlertFigures& a : r.alerts) {
    CHECK(a.dispatched_ms > 0);
    for (size_t i = 0; i < a.arrived_ms.size(); ++i) {
      INFO(r.districts[i].code << " (" << r.districts[i].link << ")");
      CHECK(a.arrived_ms[i] > 0);
      // A lost stick (the seed's draw) makes its district wait a trip more: the season's report
      // counts that as a miss, the test does not.
      if (r.districts[i].sticks_lost == 0) CHECK(a.arrived_ms[i] <= a.goal_ms[i]);
    }
  }

  // Each kind of contact happened and cost something.
  for (const DistrictFigures& d : r.districts) {
    INFO(d.code << " (" << d.link << ")");
    if (d.link == "none") {
      CHECK(d.trips >= 2);
      CHECK(!d.bundle_bytes.empty());
      CHECK(d.sessions == 0);
    } else {
      CHECK(d.sessions > 0);
      uint64_t bytes = 0;
      for (uint64_t b : d.bytes_by_month) bytes += b;
      CHECK(bytes > 0);
    }
    CHECK(d.entries_end > 1000);  // Its registry share, the national feed, its own entries.
    CHECK(d.behind_by_day.size() == 30);
  }
  // The 2G district's sessions were cut by its link at least once over the month.
  CHECK(r.districts[0].sessions_cut > 0);

  // The events happened, as the season says.
  CHECK(any_event(r, "D02's server was restored from its 7-day-old backup"));
  CHECK(any_event(r, "revoked; a new server"));
  CHECK(any_event(r, "the central node is off for 2 days"));
  CHECK(any_event(r, "RapidPro answers 503"));

  // The outputs: CSV files (and the plot when gnuplot is installed).
  auto files = write_outputs(r, dir / "out");
  REQUIRE(files.ok());
  std::ifstream lag(dir / "out" / "lag.csv");
  std::string header;
  std::getline(lag, header);
  CHECK(header == "day,D01_2g,D02_3g,D03_vsat,D04_none,D05_3g");
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    CHECK(std::filesystem::file_size(dir / "out" / "lag.svg") > 1000);
  }
}

}  // namespace
}  // namespace mhero::countrysim
