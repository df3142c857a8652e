// countrysim: a simulated country, a season of bad links and USB trips, measured (issue 17;
// README "Field behaviour"). See sim.h for what it runs and checks.
//
//   countrysim [--quick] [--scenario FILE] [--seed N] [--days N] [--out DIR] [--work DIR] [--keep]
// Prints the summary; writes DIR/lag.csv, bytes.csv, alerts.csv and lag.svg (gnuplot). Exits 1
// when the season found a violation, 2 on a bad scenario or flag.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <iostream>
#include <unistd.h>

#include "countrysim/sim.h"

int main(int argc, char** argv) {
  using namespace mhero::countrysim;
  CLI::App app{"countrysim: a simulated country (districts, links, USB trips, six months), on the real code"};
  bool quick = false, keep = false;
  std::string scenario_file, out = "countrysim-out", work;
  uint64_t seed = 0;
  int days = 0;
  app.add_flag("--quick", quick, "The tests' scenario: 5 districts, 30 days, 2,000 workers");
  app.add_option("--scenario", scenario_file, "A scenario file (TOML) over the default or --quick scenario");
  app.add_option("--seed", seed, "Seed of every random draw (default: the scenario's, 1)");
  app.add_option("--days", days, "Length of the season in days (default: the scenario's)");
  app.add_option("--out", out, "Where the CSV files and the plot go")->capture_default_str();
  app.add_option("--work", work, "Where the node directories go (default: a temporary directory, removed)");
  app.add_flag("--keep", keep, "Keep the node directories");
  CLI11_PARSE(app, argc, argv);

  Scenario s = quick ? quick_scenario() : default_scenario();
  if (!scenario_file.empty()) {
    auto loaded = load_scenario(scenario_file, s);
    if (!loaded.ok()) {
      std::cerr << "countrysim: " << loaded.status().message() << "\n";
      return 2;
    }
    s = *loaded;
  }
  if (seed) s.seed = seed;
  if (days) {  // A shorter season drops the events that fall after its end.
    s.days = days;
    for (int* day : {&s.events.backup_day, &s.events.restore_day, &s.events.revoke_day, &s.events.central_down_day,
                     &s.events.rapidpro_down_day}) {
      if (*day >= days) *day = -1;
    }
    if (s.events.restore_day < 0) s.events.backup_day = -1;
  }
  if (mhero::Status c = check_scenario(s); !c.ok()) {
    std::cerr << "countrysim: " << c.message() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::err);  // The nodes' own logs: only errors, as a summary follows.
  std::filesystem::path work_dir = work;
  bool temporary = work.empty();
  if (temporary) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "countrysim-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
      std::cerr << "countrysim: cannot make a temporary directory\n";
      return 2;
    }
    work_dir = tmpl;
  }
  SimOptions options{s, work_dir, [](const std::string& line) { std::cerr << "countrysim: " << line << std::endl; }};
  SeasonReport report;
  try {
    report = run_season(options);
  } catch (const std::exception& e) {
    std::cerr << "countrysim: " << e.what() << " (node directories kept in " << work_dir.string() << ")\n";
    return 2;
  }
  std::cout << summary_text(report);
  auto files = write_outputs(report, out);
  if (!files.ok()) {
    std::cerr << "countrysim: " << files.status().message() << "\n";
  } else {
    std::cout << "\nWritten:";
    for (const auto& f : *files) std::cout << " " << f.string();
    std::cout << "\n";
  }
  if (temporary && !keep) std::filesystem::remove_all(work_dir);
  return report.violations.empty() ? 0 : 1;
}
