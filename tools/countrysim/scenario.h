// countrysim's scenario (issue 17): the country, its links, its traffic and its events, with the
// default season (20 districts, six months) and the --quick one the tests run. A ministry writes
// its own as a TOML file (tools/countrysim/example-scenario.toml shows every key; scenario.cc
// reads them).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "util/status.h"

namespace mhero::countrysim {

// Simulated time is in milliseconds since the Unix epoch (the clock seam's unit).
constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

/// How a district reaches the central node. Figures are the link's, not TCP's: bandwidth in
/// kbit/s each way, round trip in ms; `cut_kb` is the mean of the (exponential) distance in KB
/// between two cuts of a session (0: never cut).
struct LinkKind {
  std::string name;             // "2g", "3g", "vsat", "none" (USB only), or a scenario's own.
  double kbit_s = 40;
  int rtt_ms = 600;
  double cut_kb = 300;
  enum class Pattern {
    daily_window,  // Up once a day for window_min_h..window_max_h hours, starting 08:00-16:00.
    outages,       // Up, except outages every ~outage_every_days lasting outage_min_h..outage_max_h.
    fixed_windows, // Up for window_min_h hours at each hour of `window_hours` every day (VSAT).
    none,          // Never up: the district's entries travel by USB only.
  } pattern = Pattern::daily_window;
  double window_min_h = 1, window_max_h = 3;
  std::vector<int> window_hours;  // fixed_windows: hours of the day the windows open.
  double outage_every_days = 4, outage_min_h = 2, outage_max_h = 72;
};

/// The events of the season, by day (0 = the first day; -1 = not in this scenario).
struct Events {
  int backup_day = -1, restore_day = -1;  // restore_district's server is restored from the backup.
  size_t restore_district = 0;            // Index into Scenario::districts.
  int revoke_day = -1;                    // revoke_district's key is revoked; a new server and key
  size_t revoke_district = 1;             // are enrolled the same day.
  int central_down_day = -1, central_down_days = 2;    // The central node is off.
  int rapidpro_down_day = -1, rapidpro_down_days = 1;  // RapidPro answers 503 to every call.
};

struct Scenario {
  uint64_t seed = 1;
  int days = 180;
  // Simulated time step. A district dials once a tick while its link is up (at the window's start
  // when one opens within the tick), and again at once after a cut; the daemon's own
  // poll_interval (60 s) would add a no-op session a minute, which bench-sync prices.
  int tick_minutes = 60;
  size_t workers = 20000;           // Health workers in the registry (gen-registry).
  std::vector<std::string> district_links;  // One link kind name per district, D01, D02, … in order.
  std::vector<LinkKind> links;      // The kinds the districts name.
  double monthly_churn = 0.02;      // Share of workers changed at each monthly pull.
  int pull_every_days = 30;
  // USB (districts on a "none" link): a driver's trip every usb_trip_days; the stick reaches the
  // central node after usb_leg_days and comes back after as many again. Sometimes a stick is lost
  // (the next trip carries everything again), sometimes it passes through a neighbouring
  // district's server first (a relay).
  int usb_trip_days = 14, usb_leg_days = 1;
  double stick_lost = 0.1, stick_via_neighbour = 0.2;
  // Traffic.
  int routine_every_days = 7;       // Each district writes a routine text to one cadre.
  int routine_expiry_days = 21;     // Routine texts expire unless dispatched by then.
  int urgent_alerts = 2;            // National urgent texts from the central node, spread out.
  int survey_every_days = 30;       // The national stock survey flow (one cadre).
  double answer_share = 0.6;        // Share of survey runs answered.
  int answer_delay_hours = 6;       // When they are answered after the flow start.
  Events events;

  /// Number of districts.
  size_t districts() const { return district_links.size(); }
  /// The kind named `name`. Throws std::out_of_range when the scenario has none.
  const LinkKind& link(const std::string& name) const;
};

/// The default scenario: 20 districts (5 on 2G, 8 on 3G, 4 on VSAT, 3 with no link), 180 days,
/// 20,000 workers, with every event of issue 17.
Scenario default_scenario();
/// The tests' scenario: 5 districts (2G, 3G, VSAT, none, 3G), 30 days, 2,000 workers, the same
/// events compressed into the month.
Scenario quick_scenario();

/// Reads a scenario file (TOML; keys as the Scenario fields, [[link]] tables, [events]) over
/// `base`. Errors: invalid_argument naming the file, the key and what is wrong (an unknown key
/// too, so a typo never silently falls back to a default); not_found.
Result<Scenario> load_scenario(const std::filesystem::path& file, Scenario base);

/// Checks the figures (districts named links that exist, days and ticks positive, shares within
/// 0..1, events inside the season). Errors: invalid_argument saying which and why.
Status check_scenario(const Scenario& s);

}  // namespace mhero::countrysim
