// countrysim (issue 17): a season of a whole country, on the project's real code.
//
// One central node and a district node per district, each a real node directory (node.key,
// config.toml, RocksDB store on disk, the standard views), all on one ManualClock that the
// simulation moves tick by tick (Scenario::tick_minutes), so months run in minutes:
//   - the registry: gen-registry's country, imported at the central node through the registry
//     code (import_records) and pulled again every pull_every_days with monthly_churn of the
//     workers changed (new workers, phone changes, status changes, moves between districts);
//   - links: a district whose link is up dials the central node once a tick: a real TLS sync
//     session (sync_with / serve_accepted, as `mhero run` does) through SimulatedLink, which
//     charges bytes and turns to the link's bandwidth and round trip and cuts it at the window's
//     end or at the link's random cuts; a district with no link sends a USB stick (bundle
//     export / import, relays through a neighbour, receipts) every usb_trip_days;
//   - traffic: weekly routine texts from every district, urgent national alerts and a stock
//     survey flow from the central node, dispatched by the real MessagingService to the RapidPro
//     emulator over loopback HTTP, whose simulated health workers answer; every node writes its
//     nodeStatus entries as `mhero run` does;
//   - events: a district restored from an old backup (mhero backup / restore), a district key
//     revoked and its replacement enrolled, the central node off, RapidPro down.
// At the end every link comes up once more (and a last stick travels), then everything is
// checked: frontiers, exactly-once dispatch, answers only at their district, log verify.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "countrysim/scenario.h"

namespace mhero::countrysim {

struct SimOptions {
  Scenario scenario;
  std::filesystem::path work_dir;   // Node directories (created; must be empty or absent).
  /// Told of progress (one line per simulated week, and the phases). May be empty.
  std::function<void(const std::string&)> progress;
};

/// One urgent alert's journey.
struct AlertFigures {
  std::string message_id;
  int64_t written_ms = 0, dispatched_ms = 0;  // 0: never.
  std::vector<int64_t> arrived_ms;            // Per district: when its node held it (0: never).
  /// Per district: the end of the first link window (or USB trip home) after the write: the
  /// goal is arrival by then ("within one link window").
  std::vector<int64_t> goal_ms;
};

struct DistrictFigures {
  std::string code, link;
  double up_share = 0;
  uint64_t sessions = 0, sessions_cut = 0, sessions_failed = 0;
  std::vector<uint64_t> bytes_by_month;    // Sync bytes on the link (both ways, TLS included).
  std::vector<uint64_t> bundle_bytes;      // Per USB trip: bytes of both bundles of the trip.
  uint64_t trips = 0, sticks_lost = 0, via_neighbour = 0;
  uint64_t entries_end = 0, store_bytes_end = 0;
  std::vector<int64_t> behind_by_day;      // Entries the district lacks of what central holds for it.
  std::vector<int64_t> ahead_by_day;       // Its own entries not yet at the central node.
  uint64_t own_entry_bytes = 0, own_status_bytes = 0;  // Its own feed's entries; of which nodeStatus.
  uint64_t writes_held = 0;                // Routine texts refused while the node held its writes.
};

struct SeasonReport {
  Scenario scenario;
  std::vector<DistrictFigures> districts;
  std::vector<AlertFigures> alerts;
  uint64_t messages_written = 0, messages_dispatched = 0, messages_expired = 0;
  uint64_t deliveries = 0, duplicates = 0, responses = 0;
  uint64_t central_entries_end = 0, central_store_bytes_end = 0;
  uint64_t central_status_bytes = 0, central_entry_bytes = 0;
  std::vector<std::string> events;         // What each event did, in order.
  std::vector<std::string> violations;     // Empty: everything converged.
  double wall_seconds = 0;
  std::map<std::string, double> wall_by_part;  // Where the wall time of the season's loop went.
  uint64_t season_start_ms = 0;
};

/// Runs the season. Throws std::runtime_error when the simulation itself cannot go on (a node
/// that will not open, an emulator that will not start): never for what the season finds, which
/// goes into SeasonReport::violations.
SeasonReport run_season(const SimOptions& options);

/// Writes `dir`/lag.csv (day, then entries behind per district), bytes.csv (district, link,
/// month, bytes), alerts.csv (alert, district, link, hours to arrive, within one window) and,
/// when gnuplot is installed, lag.svg (frontier lag per district over the season). Returns the
/// files written. Errors: failed_precondition naming a file that cannot be written.
Result<std::vector<std::filesystem::path>> write_outputs(const SeasonReport& report, const std::filesystem::path& dir);

/// The printed summary: per link kind and per district, alerts, events, cost, verdict.
std::string summary_text(const SeasonReport& report);

}  // namespace mhero::countrysim
