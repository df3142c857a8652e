// countrysim's outputs: the printed summary, the CSV files and the lag plot (gnuplot).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "countrysim/sim.h"

namespace fs = std::filesystem;

namespace mhero::countrysim {

namespace {

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double mean_bytes_per_month(const DistrictFigures& d) {
  if (d.bytes_by_month.empty()) return 0;
  uint64_t total = 0;
  for (uint64_t b : d.bytes_by_month) total += b;
  return static_cast<double>(total) / static_cast<double>(d.bytes_by_month.size());
}

// A text table: columns padded to their widest cell, the first left-aligned, the others right.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()));
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::ostringstream out;
  for (const auto& r : rows) {
    out << "  ";
    for (size_t i = 0; i < r.size(); ++i) {
      std::string pad(width[i] - r[i].size(), ' ');
      out << (i == 0 ? r[i] + pad : pad + r[i]) << (i + 1 < r.size() ? "  " : "");
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace

std::string summary_text(const SeasonReport& r) {
  const Scenario& s = r.scenario;
  std::ostringstream out;
  out << "countrysim: " << r.districts.size() << " districts, " << s.days << " days, " << thousands(s.workers)
      << " workers, seed " << s.seed << ", tick " << s.tick_minutes << " min: " << fmt("%.0f", r.wall_seconds)
      << " s wall\n\n";

  // Per link kind.
  std::vector<std::vector<std::string>> rows = {{"link", "districts", "up", "sessions", "cut", "KB/district/month",
                                                 "alert arrival h (median / worst)", "within one window"}};
  std::vector<std::string> kinds;
  for (const auto& d : r.districts) {
    if (std::find(kinds.begin(), kinds.end(), d.link) == kinds.end()) kinds.push_back(d.link);
  }
  for (const std::string& kind : kinds) {
    size_t n = 0, within = 0, total = 0;
    uint64_t sessions = 0, cut = 0;
    double up = 0, kb = 0;
    std::vector<double> hours;
    double worst = 0;
    for (size_t i = 0; i < r.districts.size(); ++i) {
      const auto& d = r.districts[i];
      if (d.link != kind) continue;
      ++n;
      up += d.up_share;
      sessions += d.sessions;
      cut += d.sessions_cut;
      kb += mean_bytes_per_month(d) / 1024;
      for (const AlertFigures& a : r.alerts) {
        ++total;
        if (!a.arrived_ms[i]) continue;
        double h = static_cast<double>(a.arrived_ms[i] - a.written_ms) / kHour;
        hours.push_back(h);
        worst = std::max(worst, h);
        if (a.goal_ms[i] && a.arrived_ms[i] <= a.goal_ms[i]) ++within;
      }
    }
    bool usb = kind == "none";
    rows.push_back({kind + (usb ? " (USB)" : ""), std::to_string(n), usb ? "-" : fmt("%.0f %%", 100 * up / static_cast<double>(n)),
                    thousands(sessions), thousands(cut), usb ? "-" : fmt("%.0f", kb / static_cast<double>(n)),
                    hours.empty() ? "-" : fmt("%.1f", median(hours)) + " / " + fmt("%.1f", worst),
                    std::to_string(within) + "/" + std::to_string(total)});
  }
  out << "Links\n" << table(rows) << "\n";

  // Per district.
  rows = {{"district", "link", "sessions", "cut", "failed", "KB/month", "trips", "KB/trip", "lost", "via neighbour",
           "entries", "store MB", "max behind", "nodeStatus share"}};
  for (const auto& d : r.districts) {
    std::vector<double> trip_kb;
    for (uint64_t b : d.bundle_bytes) trip_kb.push_back(static_cast<double>(b) / 1024);
    int64_t max_behind = 0;
    for (int64_t b : d.behind_by_day) max_behind = std::max(max_behind, b);
    bool usb = d.link == "none";
    rows.push_back({d.code, d.link, usb ? "-" : thousands(d.sessions), usb ? "-" : thousands(d.sessions_cut),
                    usb ? "-" : thousands(d.sessions_failed), usb ? "-" : fmt("%.0f", mean_bytes_per_month(d) / 1024),
                    usb ? std::to_string(d.trips) : "-", usb ? fmt("%.0f", median(trip_kb)) : "-",
                    usb ? std::to_string(d.sticks_lost) : "-", usb ? std::to_string(d.via_neighbour) : "-",
                    thousands(d.entries_end), fmt("%.1f", static_cast<double>(d.store_bytes_end) / 1048576),
                    thousands(static_cast<uint64_t>(max_behind)),
                    d.own_entry_bytes ? fmt("%.0f %%", 100.0 * static_cast<double>(d.own_status_bytes) /
                                                           static_cast<double>(d.own_entry_bytes))
                                      : "-"});
  }
  out << "Districts (KB/trip: median of both bundles of a trip; max behind: entries the district lacked of what the "
         "central node held for it, at a daily sample; nodeStatus share: of its own entries' bytes)\n"
      << table(rows) << "\n";

  // Alerts.
  rows = {{"urgent alert", "written", "dispatched after h", "reached", "within one window", "worst h"}};
  for (const AlertFigures& a : r.alerts) {
    size_t reached = 0, within = 0;
    double worst = 0;
    for (size_t i = 0; i < a.arrived_ms.size(); ++i) {
      if (!a.arrived_ms[i]) continue;
      ++reached;
      if (a.goal_ms[i] && a.arrived_ms[i] <= a.goal_ms[i]) ++within;
      worst = std::max(worst, static_cast<double>(a.arrived_ms[i] - a.written_ms) / kHour);
    }
    rows.push_back({a.message_id.substr(0, 8), "day " + std::to_string((a.written_ms - static_cast<int64_t>(r.season_start_ms)) / kDay),
                    a.dispatched_ms ? fmt("%.1f", static_cast<double>(a.dispatched_ms - a.written_ms) / kHour) : "never",
                    std::to_string(reached) + "/" + std::to_string(a.arrived_ms.size()),
                    std::to_string(within) + "/" + std::to_string(a.arrived_ms.size()), fmt("%.1f", worst)});
  }
  out << "Alerts (arrival: the alert entry held by the district's node; the goal: by the end of the district's first "
         "link window after the write, or the return of its next USB trip)\n"
      << table(rows) << "\n";

  out << "Messages: " << r.messages_written << " written, " << r.messages_dispatched << " dispatched exactly once, "
      << r.messages_expired << " expired; RapidPro deliveries " << thousands(r.deliveries)
      << ", workers who got a message twice " << r.duplicates << "; answers " << thousands(r.responses) << "\n";
  out << "Central node: " << thousands(r.central_entries_end) << " entries, "
      << fmt("%.1f", static_cast<double>(r.central_store_bytes_end) / 1048576) << " MB store; nodeStatus "
      << (r.central_entry_bytes ? fmt("%.1f %%", 100.0 * static_cast<double>(r.central_status_bytes) /
                                                     static_cast<double>(r.central_entry_bytes))
                                : "-")
      << " of its own entries' bytes\n\n";
  out << "Wall time:";
  for (const auto& [part, seconds] : r.wall_by_part) out << " " << part << " " << fmt("%.1f s", seconds) << ";";
  out << "\n\n";
  out << "Events\n";
  for (const std::string& e : r.events) out << "  " << e << "\n";
  out << "\n";
  if (r.violations.empty()) {
    out << "Convergence: OK: every district holds what the central node holds for it and the central node holds every "
           "district's entries; every message dispatched exactly once or expired as intended; every answer at its "
           "own district only; log verify clean at every node\n";
  } else {
    out << "Convergence: " << r.violations.size() << " VIOLATIONS\n";
    for (const std::string& v : r.violations) out << "  " << v << "\n";
  }
  return out.str();
}

Result<std::vector<fs::path>> write_outputs(const SeasonReport& r, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return failed_precondition("cannot create " + dir.string() + ": " + ec.message());
  std::vector<fs::path> written;
  auto open = [&](const std::string& name, std::ofstream& f) -> Status {
    fs::path p = dir / name;
    f.open(p);
    if (!f) return failed_precondition("cannot write " + p.string());
    written.push_back(p);
    return {};
  };
  {
    std::ofstream f;
    MHERO_RETURN_IF_ERROR(open("lag.csv", f));
    f << "day";
    for (const auto& d : r.districts) f << "," << d.code << "_" << d.link;
    f << "\n";
    size_t days = r.districts.empty() ? 0 : r.districts[0].behind_by_day.size();
    for (size_t day = 0; day < days; ++day) {
      f << day;
      for (const auto& d : r.districts) f << "," << (day < d.behind_by_day.size() ? d.behind_by_day[day] : 0);
      f << "\n";
    }
  }
  {
    std::ofstream f;
    MHERO_RETURN_IF_ERROR(open("bytes.csv", f));
    f << "district,link,month,sync_bytes\n";
    for (const auto& d : r.districts) {
      for (size_t m = 0; m < d.bytes_by_month.size(); ++m) {
        f << d.code << "," << d.link << "," << m + 1 << "," << d.bytes_by_month[m] << "\n";
      }
    }
  }
  {
    std::ofstream f;
    MHERO_RETURN_IF_ERROR(open("alerts.csv", f));
    f << "alert,district,link,hours_to_arrive,within_one_window\n";
    for (const AlertFigures& a : r.alerts) {
      for (size_t i = 0; i < a.arrived_ms.size(); ++i) {
        f << a.message_id << "," << r.districts[i].code << "," << r.districts[i].link << ",";
        if (a.arrived_ms[i]) f << fmt("%.2f", static_cast<double>(a.arrived_ms[i] - a.written_ms) / kHour);
        f << "," << (a.arrived_ms[i] && a.goal_ms[i] && a.arrived_ms[i] <= a.goal_ms[i] ? "yes" : "no") << "\n";
      }
    }
  }
  // The picture: gnuplot (Debian's gnuplot-nox), one line per district, coloured by link kind.
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    fs::path script = dir / "lag.gnuplot";
    std::ofstream g(script);
    g << "set terminal svg size 1100,520 dynamic font 'sans,12'\n"
      << "set output '" << (dir / "lag.svg").string() << "'\n"
      << "set datafile separator ','\n"
      << "set title 'Frontier lag per district: entries the district lacks of what the central node holds for it'\n"
      << "set xlabel 'day of the season'\nset ylabel 'entries behind + 1 (log scale)'\n"
      << "set logscale y\nset key outside right top\nset grid\n";
    std::map<std::string, std::string> colour = {{"2g", "#d62728"}, {"3g", "#1f77b4"}, {"vsat", "#2ca02c"},
                                                 {"none", "#000000"}};
    g << "plot ";
    std::set<std::string> titled;
    for (size_t i = 0; i < r.districts.size(); ++i) {
      const auto& d = r.districts[i];
      std::string c = colour.count(d.link) ? colour[d.link] : "#9467bd";
      g << (i ? ", \\\n     " : "") << "'" << (dir / "lag.csv").string() << "' using 1:($" << i + 2
        << "+1) with steps lw 1.2 lc rgb '" << c << "' ";
      if (titled.insert(d.link).second) {
        g << "title '" << d.link << (d.link == "none" ? " (USB)" : "") << "'";
      } else {
        g << "notitle";
      }
    }
    g << "\n";
    g.close();
    std::string cmd = "gnuplot '" + script.string() + "' 2>&1";
    if (std::system(cmd.c_str()) == 0) written.push_back(dir / "lag.svg");
  }
  return written;
}

}  // namespace mhero::countrysim
